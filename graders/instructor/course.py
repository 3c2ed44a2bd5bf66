"""The course folder as nbgrader sees it: its config, its folders, its gradebook.

One `Course` holds one loaded `nbgrader_config.py` and one `NbGraderAPI`, so a
whole grading run pays nbgrader's start-up once instead of once per command.
"""

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from graders.autograde.registry import QUESTIONS, Registry, registry
from graders.instructor import as_root
from graders.practice.state import ASSIGNMENT as PRACTICE


def read(path: Path) -> NotebookNode:
    """A notebook file, as nbformat version 4."""
    return nbformat.read(path, as_version=4)


class CourseError(Exception):
    """The course folder cannot be used as it is; the message says why."""


def _venv_on_path() -> None:
    """nbgrader runs `alembic` as a subprocess: this interpreter's bin must be on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


@dataclass
class Course:
    root: Path
    config: Config = field(repr=False)

    @classmethod
    def open(cls, root: Path) -> "Course":
        root = root.resolve()
        if not (root / "nbgrader_config.py").is_file():
            raise CourseError(f"{root} has no nbgrader_config.py: run this from the course folder")
        unsafe = as_root.problems(root)
        if unsafe:
            raise CourseError("refused to run as root:\n  " + "\n  ".join(unsafe))
        _venv_on_path()
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        config.CourseDirectory.root = str(root)
        return cls(root, config)

    def hand_back(self) -> None:
        """After a run as root (the sandbox needs root) in a course folder that belongs to
        its instructors (the hub classroom's): what the run wrote is theirs again, with the
        course folder's owner and group, and writable by that group, so the formgrader can go
        on from it."""
        owner = self.root.stat()
        if os.geteuid() != 0 or (owner.st_uid, owner.st_gid) == (0, 0):
            return
        for parent, folders, files in os.walk(self.root):
            for name in (
                folders + files
            ):  # each folder as an entry of its parent; the course folder itself stays
                path = os.path.join(parent, name)
                info = os.lstat(path)
                if info.st_uid == 0 and not stat.S_ISLNK(info.st_mode):
                    os.chown(path, owner.st_uid, owner.st_gid)
                    os.chmod(path, info.st_mode | (0o070 if stat.S_ISDIR(info.st_mode) else 0o060))

    @property
    def questions(self) -> Registry:
        """The course's questions: the package its config names (`c.CourseQuestions.questions`),
        as the grading preprocessors read it."""
        return registry(self.config.CourseQuestions.get("questions", QUESTIONS))

    def api(self) -> NbGraderAPI:
        return NbGraderAPI(coursedir=CourseDirectory(config=self.config), config=self.config)

    @property
    def course_id(self) -> str:
        return CourseDirectory(config=self.config).course_id

    @property
    def db_url(self) -> str:
        return CourseDirectory(config=self.config).db_url

    def gradebook(self) -> Gradebook:
        return Gradebook(self.db_url, self.course_id)

    def folder(self, name: str) -> Path:
        return self.root / getattr(CourseDirectory(config=self.config), f"{name}_directory")

    def notebooks(self, assignment: str) -> list[str]:
        """The notebook names (without .ipynb) of an assignment's source."""
        source = self.folder("source") / assignment
        names = sorted(p.stem for p in source.glob("*.ipynb"))
        if not names:
            raise CourseError(f"no notebooks in {source}")
        return names

    def grade_ids(self, assignment: str) -> dict[str, set[str]]:
        """Each notebook of the assignment's source, with the grade ids of its cells."""
        return {
            name: {
                c.metadata["nbgrader"]["grade_id"]
                for c in nbformat.read(
                    self.folder("source") / assignment / f"{name}.ipynb", as_version=4
                ).cells
                if "grade_id" in c.metadata.get("nbgrader", {})
            }
            for name in self.notebooks(assignment)
        }

    def assignments(self) -> list[str]:
        source = self.folder("source")
        if not source.is_dir():
            raise CourseError(f"{self.root} has no {source.name}/ folder: is this the course folder?")
        return sorted(p.name for p in source.iterdir() if p.is_dir())

    def assignment(self, name: str | None) -> str:
        """`name` if the course has that assignment, else the course's one assignment; an
        unknown name is refused with the names that exist."""
        if name is None:
            return self.default_assignment()
        if name not in self.assignments():
            known = ", ".join(self.assignments()) or "none"
            raise CourseError(f"no assignment {name!r} in {self.folder('source')}/ (the course has: {known})")
        return name

    def default_assignment(self) -> str:
        """The course's one assignment (the practice assignment beside it does not count)."""
        found = [a for a in self.assignments() if a != PRACTICE] or self.assignments()
        if len(found) != 1:
            raise CourseError(f"name the assignment: the course has {found or 'none'}")
        return found[0]
