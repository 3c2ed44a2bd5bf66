"""The worker's side of grading on a Dask cluster: a worker plugin that keeps a course of its
own (from the course kit the instructor ships: its config and source notebooks) and a warm,
sandboxed kernel factory, and the task that grades one submission there.

A worker shares no file system with the instructor's machine: a task brings the
submission's files and returns the autograded notebooks and the feedback as bytes. The
worker's own gradebook (sqlite, in its local directory) serves nbgrader on the worker only;
the instructor's process writes the course's gradebook.
"""

import os
import shutil
import warnings
from contextlib import ExitStack
from pathlib import Path

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin
from sqlalchemy.exc import SAWarning

from graders.instructor.course import Course, CourseError
from graders.instructor.gradebook_writes import serialize_sqlite_transactions
from graders.instructor.grading import grade_one, staging_api
from graders.sandbox.factory_client import warm_kernels
from graders.sandbox.system import unusable_reason

PLUGIN = "cvexam-grading"


class GradingWorker(WorkerPlugin):
    """Set up once per worker: the course from `kit` (relative path -> bytes), its release,
    and the kernel factory. A worker where the sandbox cannot run refuses to grade unless
    `allow_unsandboxed`."""

    name = PLUGIN

    def __init__(self, kit: dict[str, bytes], assignment: str, allow_unsandboxed: bool = False) -> None:
        self.kit, self.assignment, self.allow_unsandboxed = kit, assignment, allow_unsandboxed
        self.refusal: str | None = None

    def setup(self, worker) -> None:
        # nbgrader 0.9's gradebook trips SQLAlchemy's autoflush warnings on every submission.
        warnings.filterwarnings("ignore", category=SAWarning)
        self.root = Path(worker.local_directory) / "cvexam-course"
        # A plugin registered again (a rerun) replaces the last one's course: step out of it first
        # (nbgrader may have left this process's working folder inside it).
        os.chdir(worker.local_directory)
        shutil.rmtree(self.root, ignore_errors=True)
        for name, data in self.kit.items():
            (self.root / name).parent.mkdir(parents=True, exist_ok=True)
            (self.root / name).write_bytes(data)
        reason = unusable_reason()
        if reason and not self.allow_unsandboxed:
            self.refusal = f"worker {worker.name} refuses to grade unsandboxed ({reason})"
            return
        serialize_sqlite_transactions()
        self.course = Course.open(self.root)
        # The worker's own scratch gradebook, whatever the course's is: only the instructor's
        # process writes the course's gradebook.
        self.course.config.CourseDirectory.db_url = f"sqlite:///{self.root / 'worker-gradebook.db'}"
        outcome = self.course.api().generate_assignment(self.assignment, force=True, create=True)
        if not outcome["success"]:
            raise CourseError(f"generate_assignment failed on worker {worker.name}: {outcome.get('error')}")
        self.api = staging_api(self.course)
        self.expected = self.course.grade_ids(self.assignment)
        self.stack = ExitStack()
        self.kernels = self.stack.enter_context(warm_kernels(True))

    def teardown(self, worker) -> None:
        if hasattr(self, "stack"):
            self.stack.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def grade_submission(student: str, assignment: str, files: dict[str, bytes]) -> dict:
    """A Dask task: grade one student's files on this worker; return what the instructor needs."""
    worker = get_worker()
    plugin: GradingWorker = worker.plugins[PLUGIN]
    if plugin.refusal:
        raise RuntimeError(plugin.refusal)
    course = plugin.course
    for name in ("submitted", "autograded", "feedback"):
        shutil.rmtree(course.folder(name) / student, ignore_errors=True)
    folder = course.folder("submitted") / student / assignment
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    result = grade_one(course, plugin.api, assignment, plugin.expected, student)
    return {
        "problems": result.problems,
        "seconds": result.seconds,
        "worker": str(worker.name),
        "kernels": plugin.kernels,
        "autograded": _files(course.folder("autograded") / student / assignment),
        "feedback": _files(course.folder("feedback") / student / assignment),
    }
