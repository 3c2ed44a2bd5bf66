"""One result model for a graded class, read from nbgrader's gradebook (scores,
lateness) and the autograded notebooks (each part's verdict). Every export and
report is made from it, so their totals are the gradebook's."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry

from graders.course import Course
from graders.parts import REGISTRY
from graders.preprocessors import VERDICT
from graders.submissions import read


@dataclass
class PartResult:
    grade_id: str
    notebook: str
    title: str
    score: float
    max_score: float
    needs_manual_grade: bool = False
    graded_by_hand: bool = False
    output: str = ""
    mistakes: list[str] = field(default_factory=list)

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


def _verdicts(course: Course, assignment: str, student: str, notebook: str) -> dict[str, dict]:
    path = course.folder("autograded") / student / assignment / f"{notebook}.ipynb"
    if not path.is_file():
        return {}
    return {
        c.metadata.nbgrader["grade_id"]: c.metadata[VERDICT]
        for c in read(path).cells
        if VERDICT in c.metadata and "nbgrader" in c.metadata
    }


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
                verdict = verdicts.get(grade.name, {})
                result.parts.append(
                    PartResult(
                        grade_id=grade.name,
                        notebook=notebook.name,
                        title=verdict.get("title", grade.name),
                        score=float(grade.score or 0),
                        max_score=float(grade.max_score),
                        needs_manual_grade=bool(grade.needs_manual_grade),
                        graded_by_hand=grade.name not in REGISTRY,
                        output=verdict.get("text", ""),
                        mistakes=list(verdict.get("mistakes", [])),
                    )
                )
    result.parts.sort(key=lambda p: order.get(f"{p.notebook}/{p.grade_id}", len(order)))
    return result


def save(results: list[SubmissionResult], path: Path) -> None:
    data = [asdict(r) | {"score": r.score, "max_score": r.max_score} for r in results]
    path.write_text(json.dumps(data, indent=1))
