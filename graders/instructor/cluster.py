"""Grading past one machine, on a Dask cluster: each submission is a task on the cluster's
workers (graders/instructor/cluster_worker.py), and this process, the instructor's, stays the
single writer of the gradebook and the course folders, importing results as they complete.

A task is keyed by its submission's content and the course kit's, so a retried task cannot
count twice, and a submission already imported with the same content is not graded again:
a rerun after a crash (of a worker, the scheduler, or this process) grades what is missing.
The mark of an import (`IMPORTED` in the student's autograded folder) is written last.
"""

import hashlib
import json
import shutil
import sys
import time
from concurrent.futures import CancelledError
from pathlib import Path
from typing import TextIO

from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
from nbgrader.utils import parse_utc

from graders.instructor.course import Course, CourseError, read
from graders.instructor.grading import Progress, zero_ungraded
from graders.instructor.results import SubmissionResult, collect
from graders.practice.state import SECRET_FILE, course_secret

NOT_GRADED = "not graded on the cluster"
IMPORTED = ".cvexam-imported"  # the content key of the submission imported here


class ClusterError(CourseError):
    """The cluster cannot be used (unreachable, gone mid-batch); the message says what to do."""


def course_kit(course: Course, assignment: str) -> dict[str, bytes]:
    """What a worker needs of the course: its config, its practice secret and the assignment's
    source notebooks."""
    kit = {
        "nbgrader_config.py": (course.root / "nbgrader_config.py").read_bytes(),
        SECRET_FILE: course_secret(course.root),
    }
    source = course.folder("source") / assignment
    for path in sorted(source.rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            kit[str(path.relative_to(course.root))] = path.read_bytes()
    return kit


def _key(parts: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name, data in sorted(parts.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:24]


def _submission(course: Course, assignment: str, student: str) -> dict[str, bytes]:
    folder = course.folder("submitted") / student / assignment
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _imported(course: Course, assignment: str, student: str) -> dict:
    """The import mark: the content key of the submission imported, and its intake problems."""
    mark = course.folder("autograded") / student / assignment / IMPORTED
    try:
        return json.loads(mark.read_text())
    except (OSError, ValueError):
        return {}


def _write(folder: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in files.items():
        target = (folder / name).resolve()
        if folder.resolve() not in target.parents:
            raise ValueError(f"a result file escapes its folder: {name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def import_result(course: Course, assignment: str, student: str, key: str, payload: dict) -> None:
    """Write a worker's result into the course: the autograded notebooks, the feedback, and
    each notebook's scores into the gradebook (nbgrader's own SaveAutoGrades and
    AssignLatePenalties, as autograde does); the import mark last."""
    autograded = course.folder("autograded") / student / assignment
    _write(autograded, payload["autograded"])
    _write(course.folder("feedback") / student / assignment, payload["feedback"])
    stamp = course.folder("submitted") / student / assignment / "timestamp.txt"
    timestamp = parse_utc(stamp.read_text().strip()) if stamp.is_file() else None
    with course.gradebook() as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student, timestamp=timestamp)
    notebooks = sorted(autograded.glob("*.ipynb"))
    for path in notebooks:
        resources = {
            "nbgrader": {
                "db_url": course.db_url,
                "assignment": assignment,
                "notebook": path.stem,
                "student": student,
            }
        }
        nb = read(path)
        SaveAutoGrades(config=course.config).preprocess(nb, resources)
        AssignLatePenalties(config=course.config).preprocess(nb, resources)
    if not notebooks:
        zero_ungraded(course, assignment, student)
    (autograded / IMPORTED).write_text(json.dumps({"key": key, "problems": payload["problems"]}))


def _client(address: str):
    from distributed import Client, LocalCluster

    try:
        if address == "local":
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
            return Client(cluster)
        return Client(address, timeout="15s")
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc


def grade_on_cluster(
    course: Course,
    assignment: str,
    students: list[str],
    address: str,
    stream: TextIO = sys.stderr,
    allow_unsandboxed: bool = False,
) -> list[SubmissionResult]:
    """Grade each student's submission as a task on the cluster at `address` ("local": a
    LocalCluster of two worker processes); return everyone's result, in order."""
    from distributed import as_completed
    from distributed.comm.core import CommClosedError

    from graders.instructor.cluster_worker import GradingWorker, grade_submission

    with course.gradebook():
        pass  # the schema is made once, here, before any result comes back
    kit = course_kit(course, assignment)
    kit_key = _key(kit)
    files = {s: _submission(course, assignment, s) for s in students}  # read once: keyed, then sent
    keys = {s: _key(files[s] | {"(course kit)": kit_key.encode()}) for s in students}
    todo = [s for s in students if _imported(course, assignment, s).get("key") != keys[s]]
    done_already = len(students) - len(todo)
    stream.write(
        f"grading {assignment} on the Dask cluster at {address}: {len(todo)} submission(s)"
        + (f" ({done_already} already graded with the same content)" if done_already else "")
        + "\n"
    )
    progress, problems = Progress(len(todo), stream), {}
    if not todo:
        return _results(course, assignment, students, problems)
    client = _client(address)
    try:
        started = time.monotonic()
        client.register_plugin(GradingWorker(kit, assignment, allow_unsandboxed))
        workers = len(client.scheduler_info()["workers"])
        stream.write(f"cluster: {workers} worker(s) set up in {time.monotonic() - started:.1f} s\n")
        importing = 0.0
        futures = {
            client.submit(
                grade_submission,
                s,
                assignment,
                files[s],
                key=f"cvexam-{s}-{keys[s]}",
            ): s
            for s in todo
        }
        for future in as_completed(futures):
            student = futures[future]
            try:
                payload = future.result()
            except (OSError, CommClosedError, TimeoutError, CancelledError):
                raise  # the scheduler is gone (its futures are cancelled): stop, keep what is in
            except Exception as exc:  # the task failed on every worker it was tried on
                problems[student] = [f"{NOT_GRADED}: {type(exc).__name__}: {exc}"[:300]]
                progress.update(f"{student}: not graded ({type(exc).__name__})")
                continue
            began = time.monotonic()
            import_result(course, assignment, student, keys[student], payload)
            importing += time.monotonic() - began
            problems[student] = payload["problems"]
            progress.update(f"{student}: graded on {payload['worker']} in {payload['seconds']:.1f} s")
        stream.write(f"cluster: {len(todo)} result(s) imported here in {importing:.1f} s\n")
    except (OSError, CommClosedError, TimeoutError, CancelledError) as exc:
        raise ClusterError(
            f"lost the Dask scheduler at {address} ({type(exc).__name__}: {exc}); what was imported is kept: "
            "run the same command again to grade what is missing"
        ) from exc
    finally:
        client.close()
        if address == "local" and client.cluster is not None:
            client.cluster.close()
    return _results(course, assignment, students, problems)


def _results(course: Course, assignment: str, students: list[str], problems: dict) -> list[SubmissionResult]:
    """Each student's result from the gradebook, with the intake problems of this run (or of the
    run that imported it)."""
    earlier = {s: _imported(course, assignment, s).get("problems", []) for s in students}
    return [
        SubmissionResult(s, assignment, problems=problems[s], graded=False)
        if (problems.get(s) or [""])[0].startswith(NOT_GRADED)  # the grader's failure: no score, and why
        else collect(course, assignment, s, problems.get(s, earlier[s]), course.questions.labels())
        for s in students
    ]
