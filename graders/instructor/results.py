"""One result model for a graded class, read from nbgrader's gradebook (scores,
lateness, which cells are graded by hand) and each part's verdict record (carried
in the autograded notebook's metadata). Every export and report is made from it,
so their totals are the gradebook's. No numpy, no torch: it only reads."""

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from jsonschema import Draft202012Validator
from nbformat import NotebookNode
from nbgrader.api import Gradebook, MissingEntry

from graders.autograde.record import METADATA_KEY, SCHEMA, VerdictRecord
from graders.instructor.course import Course, read
from graders.instructor.intake import LATE_FILE
from graders.practice.state import STATE_FILE, course_secret, read_retry

UNANSWERED = re.compile(r"NotImplementedError|is not defined|gave None")
_VALIDATOR = Draft202012Validator(SCHEMA)
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
    comment: str = ""  # a grader's comment (the formgrader's), if any
    marked_by_hand: bool = False  # a person gave this part's score (by hand, or over the autograder's)

    @property
    def output(self) -> str:
        if self.pending:
            return f"Graded by hand: awaiting a grader ({self.max_score:g} points to be given)."
        lines = [self.verdict.text()] if self.verdict else []
        if self.marked_by_hand:
            lines.append(
                f"{'Graded' if self.graded_by_hand else 'Score set'} by hand: {self.score:g} / "
                f"{self.max_score:g} points."
            )
        elif not self.verdict and self.reason:
            lines.append(f"No verdict: {self.reason}")
        if self.comment:
            lines.append(f"Grader's comment: {self.comment}")
        return "\n".join(lines)

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
        if self.marked_by_hand and self.status == "failed":
            return f"graded by hand: {self.score:g}/{self.max_score:g} points" + (
                f" ({self.comment})" if self.comment else ""
            )
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
    late_by_lms: list[str] = field(default_factory=list)  # files an LMS download marked late

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
        """ "36.5/36.5", or "34.5/34.5 autograded, 2 by hand pending" while a grader is awaited,
        or "not graded" when the grader could not grade it."""
        if not self.graded:
            return "not graded"
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


def _record(cell: NotebookNode) -> VerdictRecord | None:
    """The grader's verdict record on an autograded test cell, if it is a valid one for that cell.
    (Autograde strips every record a submission brought in; this checks what is left.)"""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    data = cell.metadata.get(METADATA_KEY)
    if cell.cell_type != "code" or not isinstance(grade_id, str) or data is None:
        return None
    if not _VALIDATOR.is_valid(data) or data["grade_id"] != grade_id:
        return None
    return VerdictRecord.from_dict(data)


def _verdicts(course: Course, assignment: str, student: str, notebook: str) -> dict[str, VerdictRecord]:
    path = course.folder("autograded") / student / assignment / f"{notebook}.ipynb"
    if not path.is_file():
        return {}
    records = (_record(cell) for cell in read(path).cells)
    return {record.grade_id: record for record in records if record is not None}


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
            comments = {c.name: c.comment for c in notebook.comments if c.comment}
            for grade in notebook.grades:
                verdict = verdicts.get(grade.name)
                by_hand = _graded_by_hand(gb, grade.name, notebook.name, assignment)
                pending = by_hand and grade.manual_score is None
                marked = grade.manual_score is not None
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
                        if verdict or pending or marked
                        else _no_verdict_reason(notebook.name, problems, autograded),
                        verdict=verdict,
                        comment=str(comments.get(grade.name, "")),
                        marked_by_hand=marked,
                    )
                )
    result.parts.sort(key=lambda p: order.get(f"{p.notebook}/{p.grade_id}", len(order)))
    late = course.folder("submitted") / student / assignment / LATE_FILE
    if late.is_file():
        result.late_by_lms = sorted(set(late.read_text(errors="replace").split()))[:20]
    folder = course.folder("autograded") / student / assignment
    if (folder / STATE_FILE).exists():
        retry, problem = read_retry(folder, student, course_secret(course.root))
        result.variants_tried = retry + 1
        result.problems += [problem] if problem else []
    return result


def save(results: list[SubmissionResult], path: Path) -> None:
    data = [
        asdict(r) | {"parts": [p.as_dict() for p in r.parts], "score": r.score, "max_score": r.max_score}
        for r in results
    ]
    path.write_text(json.dumps(data, indent=1))


def _kept(course: Course, assignment: str, student: str) -> Path:
    return course.root / ".grading" / "results" / assignment / f"{student}.json"


def keep(course: Course, result: SubmissionResult) -> None:
    """Keep what a grading run knew of a submission beyond the gradebook (its intake problems,
    its time), so that a later run of other students reports this one truthfully too."""
    path = _kept(course, result.assignment, result.student)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"problems": result.problems, "seconds": result.seconds, "graded": result.graded}
    path.write_text(json.dumps(data))


def _kept_record(course: Course, assignment: str, student: str) -> dict:
    try:
        data = json.loads(_kept(course, assignment, student).read_text())
    except (OSError, ValueError):
        return {"problems": [], "seconds": 0.0, "graded": True}
    if not isinstance(data, dict):
        data = {}
    problems = data.get("problems")
    return {
        "graded": data.get("graded") is not False,
        "problems": [str(p) for p in problems] if isinstance(problems, list) else [],
        "seconds": float(data.get("seconds", 0.0)) if isinstance(data.get("seconds"), int | float) else 0.0,
    }


def kept_problems(course: Course, assignment: str, student: str) -> list[str]:
    """The intake problems the last run that graded this submission found."""
    return _kept_record(course, assignment, student)["problems"]


def whole_class(
    course: Course, assignment: str, fresh: list[SubmissionResult], labels: dict[str, str] | None = None
) -> list[SubmissionResult]:
    """Every submission of `assignment` in the gradebook, in student order: this run's results
    for those just graded, the gradebook's (hand marks included) for everyone else."""
    by_student = {r.student: r for r in fresh}
    with course.gradebook() as gb:
        students = sorted({s.student.id for s in gb.assignment_submissions(assignment)} | set(by_student))
    for student in students:
        if student not in by_student:
            kept = _kept_record(course, assignment, student)
            if kept["graded"]:
                result = collect(course, assignment, student, kept["problems"], labels)
            else:  # its last run could not grade it: no score, as that run said
                result = SubmissionResult(student, assignment, problems=kept["problems"], graded=False)
            result.seconds = kept["seconds"]
            by_student[student] = result
    return [by_student[s] for s in students]
