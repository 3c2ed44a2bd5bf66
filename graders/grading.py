"""Grade what is in `submitted/`: intake, autograde and feedback, one submission at
a time in one process, with a progress line each. A submission that fails is
recorded with its reason and never stops the others."""

import copy
import shutil
import sys
import time
from collections.abc import Iterable
from typing import TextIO

from graders.course import Course, CourseError
from graders.intake import stage
from graders.results import SubmissionResult, collect
from graders.sandbox import status

STAGING = ".grading/submitted"


class Progress:
    """One line per finished submission, with a bar; redrawn in place on a terminal."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, width: int = 24) -> None:
        self.total, self.done, self.stream, self.width = total, 0, stream, width
        self.tty = stream.isatty()

    def update(self, label: str) -> None:
        self.done += 1
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"[{bar}] {self.done:>{len(str(self.total))}}/{self.total} {label}"
        self.stream.write(("\r\033[K" if self.tty else "") + line + ("" if self.tty else "\n"))
        if self.tty and self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def students_in(course: Course, assignment: str) -> list[str]:
    submitted = course.folder("submitted")
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())


def _failure_reason(result: dict) -> str:
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    errors = [line.strip() for line in text.splitlines() if "ERROR" in line or line.startswith("nbgrader")]
    lines = [line for line in errors if "Please see" not in line]
    return (lines[-1] if lines else "autograde failed").split("] ", 1)[-1][:300]


def _zero_ungraded(course: Course, assignment: str, student: str) -> None:
    """Record 0 for every cell that has no score, as nbgrader does for a missing notebook."""
    with course.gradebook() as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)
        for notebook in gb.find_submission(assignment, student).notebooks:
            for grade in notebook.grades:
                if grade.auto_score is None and grade.manual_score is None:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
        gb.db.commit()


def grade(
    course: Course,
    assignment: str,
    students: Iterable[str] | None = None,
    stream: TextIO = sys.stderr,
) -> list[SubmissionResult]:
    """Autograde and generate feedback for each student; return everyone's result."""
    students = list(students) if students is not None else students_in(course, assignment)
    missing = [s for s in students if not (course.folder("submitted") / s / assignment).is_dir()]
    if missing:
        raise CourseError(f"no submission of {assignment} for: {', '.join(missing)}")
    expected = course.grade_ids(assignment)
    config = copy.deepcopy(course.config)
    config.CourseDirectory.submitted_directory = STAGING
    api = Course(course.root, config).api()
    progress, results = Progress(len(students), stream), []
    stream.write(f"grading {assignment}: {len(students)} submission(s); {status()}\n")
    for student in students:
        started = time.monotonic()
        intake = stage(
            course.folder("submitted") / student / assignment,
            course.root / STAGING / student / assignment,
            expected,
        )
        problems = list(intake.problems)
        if intake.staged:
            outcome = api.autograde(assignment, student, force=True, create=True)
            if not outcome["success"]:
                problems.append(f"autograde failed: {_failure_reason(outcome)}")
        if not intake.staged or not (course.folder("autograded") / student / assignment).is_dir():
            _zero_ungraded(course, assignment, student)
        else:
            api.generate_feedback(assignment, student, force=True)
        result = collect(course, assignment, student, problems)
        result.seconds = round(time.monotonic() - started, 2)
        results.append(result)
        flag = " (problems)" if problems else ""
        progress.update(f"{student}: {result.score:g}/{result.max_score:g} in {result.seconds:.1f} s{flag}")
    shutil.rmtree(course.root / STAGING, ignore_errors=True)
    return results
