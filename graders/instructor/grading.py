"""Grade what is in `submitted/`: intake, autograde and feedback, with a progress line
per submission. Submissions are graded side by side in worker processes forked from
this one, so nbgrader, torch and the reference are imported once per run. A
submission that fails is recorded with its reason and never stops the others."""

import copy
import multiprocessing
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TextIO

import numpy as np
import torch
from nbgrader.apps.api import NbGraderAPI

import graders.nbgrader_plugins.preprocessors  # noqa: F401  (imported once here, before the workers fork)
from graders.instructor import unreadable_feedback
from graders.instructor.course import Course, CourseError
from graders.instructor.gradebook_writes import serialize_sqlite_transactions
from graders.instructor.intake import stage
from graders.instructor.results import SubmissionResult, collect, kept_problems
from graders.sandbox.factory_client import warm_kernels
from graders.sandbox.system import ensure_ipc_dir, ipc_prefix, status

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


# An exception's last line in a traceback: "module.Name: message" (PermissionError, NoSuchKernel...)
EXCEPTION_LINE = re.compile(r"^\s*((?:[a-z_]\w*\.)*[A-Z]\w*: .+)$", re.M)


def _failure_reason(result: dict) -> str:
    """What stopped nbgrader's autograde: the last exception it logged (type and message), not
    its generic "There was an error processing assignment"."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    found = [line for line in EXCEPTION_LINE.findall(text) if "NbGraderException" not in line]
    return found[-1].strip()[:300] if found else "nbgrader's autograde failed without naming an exception"


def zero_ungraded(course: Course, assignment: str, student: str) -> None:
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


@dataclass(frozen=True)
class Speed:
    """How a class is graded fast: `workers` submissions side by side (None: one more than
    the cores, since each grading process waits on its kernel part of the time);
    kernels forked from a warm kernel factory (graders/sandbox/factory_client.py) or started fresh."""

    workers: int | None = None
    warm_kernels: bool = True
    cluster: str | None = None  # a Dask scheduler's address, or "local" (graders/instructor/cluster.py)
    allow_unsandboxed: bool = False  # on a cluster: let workers without bubblewrap grade


@dataclass
class _Job:
    """What every grading process needs: set before the workers fork, so they share it."""

    course: Course
    api: NbGraderAPI
    assignment: str
    expected: dict[str, set[str]]


_job: _Job | None = None


def grade_one(
    course: Course, api: NbGraderAPI, assignment: str, expected: dict[str, set[str]], student: str
) -> SubmissionResult:
    """Intake, autograde and feedback for one student's submission, in this process, with
    `api` (whose submitted folder is the staging folder)."""
    started = time.monotonic()
    intake = stage(
        course.folder("submitted") / student / assignment,
        course.root / STAGING / student / assignment,
        expected,
    )
    problems = list(intake.problems)
    failure = None
    if intake.staged:
        outcome = api.autograde(assignment, student, force=True, create=True)
        if not outcome["success"]:
            failure = f"the grader failed: {_failure_reason(outcome)}"
    if failure is not None:  # the grader's fault, not the student's: no score at all, and says why
        result = SubmissionResult(student, assignment, problems=[*problems, failure], graded=False)
    else:
        if intake.staged and (course.folder("autograded") / student / assignment).is_dir():
            api.generate_feedback(assignment, student, force=True)
        else:
            zero_ungraded(course, assignment, student)  # nothing could be read: 0, earned
        unreadable_feedback.write(course, assignment, student, intake.staged, intake.problems)
        result = collect(course, assignment, student, problems, course.questions.labels())
    result.seconds = round(time.monotonic() - started, 2)
    return result


def regenerate_feedback(course: Course, assignment: str, students: Iterable[str] | None = None) -> list[str]:
    """Feedback again from the gradebook (hand marks and comments), for every graded submission
    of `assignment` (or `students`), without grading again."""
    with course.gradebook() as gb:
        graded = sorted(s.student.id for s in gb.assignment_submissions(assignment))
    chosen = graded if students is None else [s for s in students if s in graded]
    missing = sorted(set(students or []) - set(graded))
    if missing:
        raise CourseError(f"no graded submission of {assignment} for: {', '.join(missing)}")
    api = course.api()
    done = []
    for student in chosen:
        autograded = course.folder("autograded") / student / assignment
        if autograded.is_dir():
            outcome = api.generate_feedback(assignment, student, force=True)
            if not outcome["success"]:
                raise CourseError(f"feedback for {student} failed: {_failure_reason(outcome)}")
            done.append(student)
        staged = [name for name in course.notebooks(assignment) if (autograded / f"{name}.ipynb").is_file()]
        unreadable_feedback.write(
            course, assignment, student, staged, kept_problems(course, assignment, student)
        )
    return done


def _grade_one(student: str) -> SubmissionResult:
    assert _job is not None
    return grade_one(_job.course, _job.api, _job.assignment, _job.expected, student)


def staging_api(course: Course) -> NbGraderAPI:
    """nbgrader's API for this course, reading submissions from the staging folder intake fills."""
    config = copy.deepcopy(course.config)
    config.CourseDirectory.submitted_directory = STAGING
    return Course(course.root, config).api()


def _warm_up() -> None:
    """Pay the reference's first-use costs once, before the workers fork, rather than once in
    each worker: torch imports parts of itself on first use (torch._dynamo, ~1.5 s)."""
    rng = np.random.default_rng(0)
    assert _job is not None
    for part in _job.course.questions.values():
        part.items(rng)


def _start_worker() -> None:
    """In a fresh worker: its kernels' sockets under names of its own (see sandbox.ipc_prefix)."""
    assert _job is not None
    config = copy.deepcopy(_job.api.config)
    if config.KernelManager.get("transport") == "ipc":
        config.KernelManager.ip = ipc_prefix()
    _job.api = Course(_job.course.root, config).api()
    torch.set_num_threads(1)


def _in_parallel(students: list[str], workers: int, done: Callable[[SubmissionResult], None]) -> list[str]:
    """Grade in `workers` forked processes; return the students whose worker was lost."""
    lost = []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker) as pool:
        futures = {pool.submit(_grade_one, student): student for student in students}
        for future in as_completed(futures):
            try:
                done(future.result())
            except (BrokenProcessPool, OSError):
                lost.append(futures[future])
    return lost


def grade(
    course: Course,
    assignment: str,
    students: Iterable[str] | None = None,
    stream: TextIO = sys.stderr,
    speed: Speed = Speed(),
) -> list[SubmissionResult]:
    """Autograde and generate feedback for each student, `speed.workers` at a time; return
    everyone's result, in the order of `students`."""
    global _job
    students = list(students) if students is not None else students_in(course, assignment)
    missing = [s for s in students if not (course.folder("submitted") / s / assignment).is_dir()]
    if missing:
        raise CourseError(f"no submission of {assignment} for: {', '.join(missing)}")
    try:
        ensure_ipc_dir()
    except PermissionError as exc:
        raise CourseError(str(exc)) from exc
    workers = max(1, min(speed.workers or (os.cpu_count() or 1) + 1, len(students)))
    serialize_sqlite_transactions()
    _job = _Job(course, staging_api(course), assignment, course.grade_ids(assignment))
    progress, results = Progress(len(students), stream), {}
    stream.write(f"grading {assignment}: {len(students)} submission(s), {workers} at a time; {status()}\n")

    def done(result: SubmissionResult) -> None:
        results[result.student] = result
        flag = " (problems)" if result.problems else ""
        score = result.score_text()
        progress.update(f"{result.student}: {score} in {result.seconds:.1f} s{flag}")

    with warm_kernels(speed.warm_kernels, meanwhile=_warm_up if workers > 1 else lambda: None) as kernels:
        stream.write(f"{kernels}\n")
        left = _in_parallel(students, workers, done) if workers > 1 else students
        if left and workers > 1:
            stream.write(
                f"a grading process was lost; grading {len(left)} submission(s) again, one at a time\n"
            )
        for student in left:
            done(_grade_one(student))
    shutil.rmtree(course.root / STAGING, ignore_errors=True)
    return [results[student] for student in students]
