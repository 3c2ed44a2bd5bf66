"""The verdict on one part as one structured record: what the grader decided, item by item.

The grader writes it into the graded cell's metadata (`METADATA_KEY`), nbgrader
carries the notebook to the autograded folder, and every result file is made from
it: the feedback's text and HTML, the class report, Gradescope, Classroom, JUnit.
Plain data (standard library only), so result writers need neither numpy nor torch.
"""

from dataclasses import asdict, dataclass, field

METADATA_KEY = "cvexam_verdict"
_TEXT = {"type": ["string", "null"], "maxLength": 20_000}
_NUMBER = {"type": "number"}
# A record as a reader accepts it (JSON Schema): result writers validate each record on its own,
# so one bad record costs only its part.
SCHEMA = {
    "type": "object",
    "required": ["grade_id", "title", "points", "earned"],
    "properties": {
        "grade_id": {"type": "string", "maxLength": 200},
        "title": {"type": "string", "maxLength": 500},
        "points": _NUMBER,
        "earned": _NUMBER,
        "note": _TEXT,
        "seconds": _NUMBER,
        "items": {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "required": ["label", "points", "earned"],
                "additionalProperties": False,
                "properties": {
                    "label": {"type": "string", "maxLength": 500},
                    "points": _NUMBER,
                    "earned": _NUMBER,
                    **{key: _TEXT for key in ("problem", "mistake", "diagnosis", "hint", "answer")},
                },
            },
        },
        "mistakes": {
            "type": "array",
            "maxItems": 100,
            "items": {
                "type": "object",
                "required": ["name", "hint"],
                "additionalProperties": False,
                "properties": {"name": {"type": "string"}, "hint": {"type": "string"}},
            },
        },
    },
}
PASS, FAIL = "✓", "✗"


def points(x: float) -> str:
    return f"{x:g}"


@dataclass
class ItemRecord:
    label: str
    points: float
    earned: float
    problem: str | None = None
    mistake: str | None = None  # the catalogued mistake's name, when one was recognized
    diagnosis: str | None = None  # otherwise, what the answer is, when a relation fits
    hint: str | None = None  # what to do about it (or the expected value, where shown)
    answer: str | None = None  # a one-value item's answer as shown ("'b'", "True", "1728")

    def explanation(self) -> str | None:
        """The diagnosis and its hint, as one line for the student."""
        if self.diagnosis:
            return f"Diagnosis: {self.diagnosis} Hint: {self.hint}"
        return self.hint

    @property
    def passed(self) -> bool:
        return self.earned == self.points


@dataclass
class MistakeRecord:
    name: str
    hint: str


@dataclass
class VerdictRecord:
    grade_id: str
    title: str
    points: float
    earned: float
    items: list[ItemRecord] = field(default_factory=list)
    mistakes: list[MistakeRecord] = field(default_factory=list)
    note: str | None = None  # why there is no report, when there is none
    seconds: float = 0.0  # the student's code's time on this part's probes

    def first_failure(self) -> str | None:
        """The one line that says most about what went wrong: the mistake, else the diagnosis,
        else the first failed item and its problem."""
        if self.mistakes:
            return f"Likely mistake: {self.mistakes[0].name}"
        failed = [item for item in self.items if not item.passed]
        for item in failed:
            if item.diagnosis:
                return item.diagnosis
        if failed:
            return f"{failed[0].label}: {failed[0].problem}" if failed[0].problem else failed[0].label
        return self.note

    def text(self) -> str:
        """The verdict as the student reads it, in plain text."""
        lines = [f"{self.title}: {points(self.earned)} / {points(self.points)} points"]
        if self.note:
            lines.append(f"  {self.note}")
        for item in self.items:
            mark = PASS if item.passed else FAIL
            lines.append(f"  {mark} {item.label} ({points(item.earned)}/{points(item.points)})")
            if item.problem:
                lines.append(f"      {item.problem}")
            if item.explanation():
                lines.append(f"      {item.explanation()}")
        for m in self.mistakes:
            lines.append(f"  Likely mistake: {m.name}. {m.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "VerdictRecord":
        return cls(
            grade_id=str(data["grade_id"]),
            title=str(data["title"]),
            points=float(data["points"]),
            earned=float(data["earned"]),
            items=[ItemRecord(**item) for item in data.get("items", [])],
            mistakes=[MistakeRecord(**m) for m in data.get("mistakes", [])],
            note=data.get("note"),
            seconds=float(data.get("seconds", 0.0)),
        )
