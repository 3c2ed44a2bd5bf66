"""Submissions downloaded from an LMS as one zip (Canvas's "Download Submissions"), collected
into `submitted/` by nbgrader's own `zip_collect`.

The zip goes where nbgrader expects it (`downloaded/<assignment>/archive/`); nbgrader
extracts it and files each notebook under the student its name gives, with the regular
expression of `c.FileNameCollectorPlugin.named_regexp` in `nbgrader_config.py`. A file
whose name it cannot match to a student is named in a clear message, never guessed.
"""

import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from graders.instructor.course import Course, CourseError

SKIPPED = re.compile(r"Skipped submission with no match information provided: (.+)$", re.M)


@dataclass
class Collected:
    students: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # file names that name no student


def collect(course: Course, assignment: str, archive: Path) -> Collected:
    """Extract `archive` and file its notebooks under `submitted/<student>/<assignment>/`."""
    if not archive.is_file():
        raise CourseError(f"no zip at {archive}")
    if not zipfile.is_zipfile(archive):
        raise CourseError(f"{archive} is not a zip file")
    downloaded = course.root / "downloaded" / assignment
    shutil.rmtree(downloaded, ignore_errors=True)
    (downloaded / "archive").mkdir(parents=True)
    shutil.copy(archive, downloaded / "archive" / archive.name)
    before = _students(course, assignment)
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "zip_collect", assignment, "--force"],
        cwd=course.root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise CourseError(f"nbgrader zip_collect failed:\n{done.stderr[-2000:]}")
    unmatched = sorted({Path(name.strip()).name for name in SKIPPED.findall(done.stderr + done.stdout)})
    students = sorted(_students(course, assignment) - before) or sorted(
        _filed(course, assignment, downloaded)
    )
    return Collected(students, unmatched)


def _students(course: Course, assignment: str) -> set[str]:
    submitted = course.folder("submitted")
    return {p.name for p in submitted.iterdir() if (p / assignment).is_dir()} if submitted.is_dir() else set()


def _filed(course: Course, assignment: str, downloaded: Path) -> set[str]:
    """Students already in submitted/ whose notebooks this zip held (a zip collected again)."""
    names = {p.name for p in (downloaded / "extracted").rglob("*.ipynb")}
    return {s for s in _students(course, assignment) if any(s in name for name in names)}
