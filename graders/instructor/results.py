"""One result model for a graded class, read from nbgrader's gradebook (scores,
lateness, which cells are graded by hand) and each part's verdict record (carried
in the autograded notebook's metadata). Every export and report is made from it,
so their totals are the gradebook's. No numpy, no torch: it only reads."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from graders.autograde.record import METADATA_KEY, VerdictRecord
from graders.instructor.course import Course, read


@dataclass
class PartResult:
    grade_id: str
    notebook: str
    title: str
    score: float
    max_score: float
    needs_manual_grade: bool = False
    graded_by_hand: bool = False
    verdict: VerdictRecord | None = None

    @property
    def output(self) -> str:
        return self.verdict.text() if self.verdict else ""

    @property
    def mistakes(self) -> list[str]:
        return [m.name for m in self.verdict.mistakes] if self.verdict else []

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("verdict")
        items = [asdict(item) for item in self.verdict.items] if self.verdict else []
        return data | {"output": self.output, "mistakes": self.mistakes, "items": items}

    @property
    def status(self) -> str:
        if self.graded_by_hand and self.needs_manual_grade:
            return "manual"
        return "passed" if self.score >= self.max_score else "failed"


@dataclass
class SubmissionResult:
    student: str
    assignment: str
    parts: list[PartResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds_late: float = 0.0
    late_penalty: float = 0.0
    graded: bool = True
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(p.score for p in self.parts) - self.late_penalty, 6)

    @property
    def max_score(self) -> float:
        return round(sum(p.max_score for p in self.parts), 6)


def _verdicts(course: Course, assignment: str, student: str, notebook: str) -> dict[str, VerdictRecord]:
    path = course.folder("autograded") / student / assignment / f"{notebook}.ipynb"
    if not path.is_file():
        return {}
    return {
        c.metadata.nbgrader["grade_id"]: VerdictRecord.from_dict(c.metadata[METADATA_KEY])
        for c in read(path).cells
        if METADATA_KEY in c.metadata and "nbgrader" in c.metadata
    }


def _graded_by_hand(gb: Gradebook, grade_id: str, notebook: str, assignment: str) -> bool:
    """nbgrader's "manually graded answer": a grade cell that is also a solution cell."""
    try:
        gb.find_solution_cell(grade_id, notebook, assignment)
    except MissingEntry:
        return False
    return True


def _cell_order(course: Course, assignment: str) -> dict[str, int]:
    order: dict[str, int] = {}
    for path in sorted((course.folder("source") / assignment).glob("*.ipynb")):
        for cell in read(path).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            order.setdefault(f"{path.stem}/{grade_id}", len(order))
    return order


def collect(course: Course, assignment: str, student: str, problems: list[str]) -> SubmissionResult:
    """The gradebook's record of one submission, with each part's verdict, in notebook order."""
    result = SubmissionResult(student, assignment, problems=list(problems))
    order = _cell_order(course, assignment)
    with course.gradebook() as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            result.graded = False
            return result
        result.seconds_late = float(submission.total_seconds_late or 0)
        result.late_penalty = float(submission.late_submission_penalty or 0)
        for notebook in submission.notebooks:
            verdicts = _verdicts(course, assignment, student, notebook.name)
            for grade in notebook.grades:
                verdict = verdicts.get(grade.name)
                result.parts.append(
                    PartResult(
                        grade_id=grade.name,
                        notebook=notebook.name,
                        title=verdict.title if verdict else grade.name,
                        score=float(grade.score or 0),
                        max_score=float(grade.max_score),
                        needs_manual_grade=bool(grade.needs_manual_grade),
                        graded_by_hand=_graded_by_hand(gb, grade.name, notebook.name, assignment),
                        verdict=verdict,
                    )
                )
    result.parts.sort(key=lambda p: order.get(f"{p.notebook}/{p.grade_id}", len(order)))
    return result


def save(results: list[SubmissionResult], path: Path) -> None:
    data = [
        asdict(r) | {"parts": [p.as_dict() for p in r.parts], "score": r.score, "max_score": r.max_score}
        for r in results
    ]
    path.write_text(json.dumps(data, indent=1))
