"""A question's declaration: one frozen, typed object that says everything the grader needs
about one exam question, checked when it is made.

A question module (one file per question, in the course's questions package) ends with
`QUESTION = Question(notebook=..., parts=[...], ...)`; its references, probes, items and
catalogued mistakes are ordinary code above it. A wrong field raises `DeclarationError`,
which discovery (graders/autograde/registry.py) reports with the file and the field.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from graders.autograde.model import Part, Variant, WrongAnswer


class DeclarationError(ValueError):
    """A field of a Question that is missing or of the wrong kind."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name} {problem}")
        self.field = name


@dataclass(frozen=True)
class HandGraded:
    """A cell of the question that a person grades (nbgrader's manually graded answer): its label
    in feedback and result files, and its points (written into the notebook by `points --write`)."""

    label: str
    points: float


def _help(text: str) -> dict:
    return {"help": text}


@dataclass(frozen=True, kw_only=True)
class Question:
    """Everything the grader needs about one question. `id` is its module's name, set when
    the question is discovered; the parts are bound to the question's notebook, variant and
    id (each `Part` knows where its cell lives and how its numbers vary)."""

    notebook: str = field(metadata=_help("the name of the notebook (without .ipynb) its cells live in"))
    parts: Sequence[Part] = field(default=(), metadata=_help("a Part per autograder test cell"))
    hand_graded: Mapping[str, HandGraded] = field(
        default_factory=dict,
        metadata=_help("{grade_id: HandGraded(label, points)} of its cells graded by hand"),
    )
    variant: Variant | None = field(
        default=None, metadata=_help("how its numbers vary (practice, variant exams)")
    )
    options: Mapping[str, str] | None = field(
        default=None, metadata=_help("a choice question's {letter: text}: the task's list is made from it")
    )
    statements: Sequence[str] | None = field(
        default=None,
        metadata=_help("a true/false question's statements, in order: the task's list is made from them"),
    )
    practice_task: str | None = field(
        default=None, metadata=_help("its task text for practice (a heading line, then the text)")
    )
    practice_solutions: Mapping[str, str] = field(
        default_factory=dict,
        metadata=_help("{grade_id: solution cell} where practice's differs from the exam's"),
    )
    wrong_answers: Sequence[WrongAnswer] = field(
        default=(), metadata=_help("each uncatalogued wrong answer, with what its diagnosis must say")
    )
    id: str = field(default="", metadata=_help("set when the question is discovered: its module's name"))

    def __post_init__(self) -> None:
        _check(self)
        parts = tuple(
            replace(p, notebook=self.notebook, variant=self.variant, question=self.id) for p in self.parts
        )
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "hand_graded", dict(self.hand_graded))
        object.__setattr__(self, "wrong_answers", tuple(self.wrong_answers))

    def named(self, id: str) -> "Question":
        """The question as discovered: its id set, its parts bound to it."""
        return replace(self, id=id)

    @property
    def labels(self) -> dict[str, str]:
        """What each of its graded cells is called, by grade_id."""
        return {p.grade_id: p.title for p in self.parts} | {k: h.label for k, h in self.hand_graded.items()}


FIELDS = {f.name: f.metadata.get("help", "") for f in fields(Question)}


def _is_map(value: Any, keys: type, values: type) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(k, keys) and isinstance(v, values) for k, v in value.items()
    )


def _check(q: Question) -> None:
    """Each field's kind, and what the fields must agree on; the first problem raises."""
    if not isinstance(q.notebook, str) or not q.notebook.strip() or q.notebook.endswith(".ipynb"):
        raise DeclarationError(
            "notebook", f"must be a notebook's name without .ipynb, not {q.notebook!r:.60}"
        )
    if isinstance(q.parts, str) or not isinstance(q.parts, Sequence):
        raise DeclarationError("parts", f"must be a list of Part, not {q.parts!r:.60}")
    for part in q.parts:
        if not isinstance(part, Part):
            raise DeclarationError("parts", f"must hold Part(grade_id, title, build) only, not {part!r:.60}")
    if not _is_map(q.hand_graded, str, HandGraded):
        raise DeclarationError("hand_graded", "must be {grade_id: HandGraded(label, points)}")
    if not q.parts and not q.hand_graded:
        raise DeclarationError("parts", "missing: a question has at least one Part or one hand_graded cell")
    ids = [p.grade_id for p in q.parts] + list(q.hand_graded)
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    if doubled:
        raise DeclarationError("parts", f"name grade_id {doubled[0]!r} twice")
    if q.variant is not None and not isinstance(q.variant, Variant):
        raise DeclarationError("variant", "must be Variant(exam=..., draw=...) or None")
    if q.options is not None and (
        not _is_map(q.options, str, str) or not q.options or not all(len(k) == 1 for k in q.options)
    ):
        raise DeclarationError("options", 'must be {letter: text}, such as {"a": "...", "b": "..."}')
    if q.statements is not None and (
        isinstance(q.statements, str)
        or not isinstance(q.statements, Sequence)
        or not q.statements
        or not all(isinstance(t, str) and t.strip() for t in q.statements)
    ):
        raise DeclarationError("statements", "must be a list of statements (strings), in the order asked")
    practised = q.variant is not None and any(p.practice for p in q.parts)
    if practised and not (isinstance(q.practice_task, str) and q.practice_task.strip()):
        raise DeclarationError(
            "practice_task",
            "missing: a question whose numbers vary (variant=) is practised, and shows its task",
        )
    if not _is_map(q.practice_solutions, str, str):
        raise DeclarationError("practice_solutions", "must be {grade_id: the solution cell's source}")
    for wrong in q.wrong_answers:
        if not isinstance(wrong, WrongAnswer) or wrong.grade_id not in ids:
            raise DeclarationError(
                "wrong_answers",
                f"must hold WrongAnswer(grade_id, code, phrase) of its own parts, not {wrong!r:.60}",
            )
    if not isinstance(q.id, str):
        raise DeclarationError("id", "is set by discovery (the module's name)")
