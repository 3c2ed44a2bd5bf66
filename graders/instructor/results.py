"""One result model for a graded class, read from nbgrader's gradebook (scores,
lateness, which cells are graded by hand) and each part's verdict record (carried
in the autograded notebook's metadata). Every export and report is made from it,
so their totals are the gradebook's. No numpy, no torch: it only reads."""

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from graders.autograde.record import METADATA_KEY, VerdictRecord
from graders.instructor.course import Course, read
from graders.practice.state import STATE_FILE, read_retry

UNANSWERED = re.compile(r"NotImplementedError|is not defined|gave None")
ORDINAL = re.compile(r"^\d+[a-z]*(?: (?:i|ii|iii|iv|v|vi))?(?= |$)")


@dataclass
class PartResult:
    grade_id: str
    notebook: str
    title: str
    score: float
    max_score: float
    needs_manual_grade: bool = False
    graded_by_hand: bool = False
    pending: bool = False  # graded by hand, and no person has given its points yet
    reason: str = ""  # why there is no verdict, where there is none
    verdict: VerdictRecord | None = None

    @property
    def output(self) -> str:
        if self.verdict:
            return self.verdict.text()
        if self.pending:
            return f"Graded by hand: awaiting a grader ({self.max_score:g} points to be given)."
        return f"No verdict: {self.reason}" if self.reason else ""

    @property
    def mistakes(self) -> list[str]:
        return [m.name for m in self.verdict.mistakes] if self.verdict else []

    @property
    def number(self) -> str:
        """The part's ordinal in the exam ("1a", "2c ii"), from its label."""
        found = ORDINAL.match(self.title)
        return found.group(0) if found else self.title

    @property
    def summary(self) -> str:
        """One line: what went wrong (the mistake, the diagnosis, the first failed item), or why
        there is no verdict, or that it awaits a grader."""
        if self.pending:
            return "graded by hand: awaiting a grader"
        if self.verdict and self.status == "failed":
            return self.verdict.first_failure() or f"{self.score:g}/{self.max_score:g} points"
        return self.reason if not self.verdict else ""

    @property
    def seconds(self) -> float:
        return self.verdict.seconds if self.verdict else 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("verdict")
        items = [asdict(item) for item in self.verdict.items] if self.verdict else []
        return data | {
            "status": self.status,
            "output": self.output,
            "mistakes": self.mistakes,
            "items": items,
        }

    @property
    def status(self) -> str:
        """passed (full points), failed, or pending (graded by hand, not yet graded)."""
        if self.pending:
            return "pending"
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
    variants_tried: int | None = None  # practice: how many variants the student asked for

    @property
    def score(self) -> float:
        return round(sum(p.score for p in self.parts) - self.late_penalty, 6)

    @property
    def max_score(self) -> float:
        return round(sum(p.max_score for p in self.parts), 6)

    @property
    def pending_points(self) -> float:
        return round(sum(p.max_score for p in self.parts if p.pending), 6)

    def score_text(self) -> str:
        """ "36.5/36.5", or "34.5/34.5 autograded, 2 by hand pending" while a grader is awaited."""
        if not self.pending_points:
            return f"{self.score:g}/{self.max_score:g}"
        decided = self.max_score - self.pending_points
        return f"{self.score:g}/{decided:g} autograded, {self.pending_points:g} by hand pending"

    def why_zero(self) -> str:
        """One line on why the submission has problems or no points at all; "" otherwise."""
        if self.problems:
            return "; ".join(self.problems)
        if not self.graded:
            return "not graded"
        if self.parts and all(p.score <= 0 for p in self.parts):
            items = [i for p in self.parts if p.verdict for i in p.verdict.items if i.problem]
            if all(UNANSWERED.search(i.problem) for i in items):
                return "nothing answered: every answer cell is as it was released"
            return "no answer earned points"
        return ""


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


def _no_verdict_reason(notebook: str, problems: list[str], autograded: bool) -> str:
    """Why a part has no verdict: its notebook's problem at intake, or what autograde did."""
    for problem in problems:
        if problem.startswith((f"{notebook}.ipynb", f"{notebook} ")) or f" {notebook}.ipynb" in problem:
            return f"{problem} (scores 0)"
    if not autograded:
        return f"{notebook}.ipynb was not graded (scores 0)"
    return "its test cell was not run (scores 0)"


def collect(
    course: Course, assignment: str, student: str, problems: list[str], labels: dict[str, str] | None = None
) -> SubmissionResult:
    """The gradebook's record of one submission, with each part's verdict, in notebook order.
    `labels`: each part's label by grade_id (parts without a verdict are named by them)."""
    labels = labels or {}
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
            autograded = (
                course.folder("autograded") / student / assignment / f"{notebook.name}.ipynb"
            ).is_file()
            for grade in notebook.grades:
                verdict = verdicts.get(grade.name)
                by_hand = _graded_by_hand(gb, grade.name, notebook.name, assignment)
                pending = by_hand and grade.manual_score is None
                result.parts.append(
                    PartResult(
                        grade_id=grade.name,
                        notebook=notebook.name,
                        title=verdict.title if verdict else labels.get(grade.name, grade.name),
                        score=float(grade.score or 0),
                        max_score=float(grade.max_score),
                        needs_manual_grade=bool(grade.needs_manual_grade),
                        graded_by_hand=by_hand,
                        pending=pending,
                        reason=""
                        if verdict or pending
                        else _no_verdict_reason(notebook.name, problems, autograded),
                        verdict=verdict,
                    )
                )
    result.parts.sort(key=lambda p: order.get(f"{p.notebook}/{p.grade_id}", len(order)))
    folder = course.folder("autograded") / student / assignment
    if (folder / STATE_FILE).exists():
        retry, problem = read_retry(folder)
        result.variants_tried = retry + 1
        result.problems += [problem] if problem else []
    return result


def save(results: list[SubmissionResult], path: Path) -> None:
    data = [
        asdict(r) | {"parts": [p.as_dict() for p in r.parts], "score": r.score, "max_score": r.max_score}
        for r in results
    ]
    path.write_text(json.dumps(data, indent=1))
