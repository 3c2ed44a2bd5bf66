"""Submissions downloaded from an LMS as one zip (Canvas's "Download Submissions"), collected
into `submitted/` by nbgrader's own `zip_collect`.

Each zip keeps a folder of its own, `downloaded/<assignment>/<when>-<zip>/`: the zip, what
nbgrader extracted and collected, and every file of `submitted/` it replaced. Nothing of an
earlier download is wiped. nbgrader extracts the zip and names each notebook's student with
the regular expression of `c.FileNameCollectorPlugin.named_regexp` in `nbgrader_config.py`;
a file it cannot match to a student is named in a clear message, never guessed. What it
collected is then merged into `submitted/`: a second download holding only a resubmitted
notebook replaces that notebook (keeping the old one) and leaves the others. Canvas's LATE
marker in a file's name is kept in `lms_late.txt` beside the student's notebooks, and the
result files say so.
"""

import filecmp
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from graders.instructor.course import Course, CourseError
from graders.instructor.intake import LATE_FILE

SKIPPED = re.compile(r"Skipped submission with no match information provided: (.+)$", re.M)
LATE = re.compile(r"_late_", re.I)  # Canvas: name_LATE_userid_submissionid_file


@dataclass
class Collected:
    students: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # file names that name no student
    replaced: list[str] = field(default_factory=list)  # student/file kept aside, replaced by this zip
    late: list[str] = field(default_factory=list)  # students whose files the LMS marked late
    folder: Path | None = None  # this download's own folder


def collect(course: Course, assignment: str, archive: Path) -> Collected:
    """Extract `archive` and merge its notebooks into `submitted/<student>/<assignment>/`."""
    if not archive.is_file():
        raise CourseError(f"no zip at {archive}")
    if not zipfile.is_zipfile(archive):
        raise CourseError(f"{archive} is not a zip file")
    run = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns() % 10**6:06d}-{archive.stem}"
    folder = course.root / "downloaded" / assignment / run
    (folder / "archive").mkdir(parents=True)
    shutil.copy(archive, folder / "archive" / archive.name)
    incoming = folder / "collected"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "zip_collect",
            assignment,
            f"--ZipCollectApp.archive_directory={run}/archive",
            f"--ZipCollectApp.extracted_directory={run}/extracted",
            f"--CourseDirectory.submitted_directory={incoming.relative_to(course.root)}",
        ],
        cwd=course.root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise CourseError(f"nbgrader zip_collect failed:\n{done.stderr[-2000:]}")
    unmatched = sorted({Path(name.strip()).name for name in SKIPPED.findall(done.stderr + done.stdout)})
    collected = Collected(unmatched=unmatched, folder=folder)
    late = _late_students(course, folder / "extracted")
    for student_folder in sorted(p for p in incoming.iterdir() if (p / assignment).is_dir()):
        student = student_folder.name
        collected.students.append(student)
        target = course.folder("submitted") / student / assignment
        collected.replaced += _merge(student_folder / assignment, target, folder / "replaced" / student)
        if student in late:
            with (target / LATE_FILE).open("a") as f:
                f.writelines(f"{name}\n" for name in late[student])
            collected.late.append(student)
    return collected


def _late_students(course: Course, extracted: Path) -> dict[str, list[str]]:
    """Each student whose files the LMS marked late, with those files' names."""
    pattern = course.config.FileNameCollectorPlugin.get("named_regexp")
    if not isinstance(pattern, str):
        return {}
    named = re.compile(pattern)
    late: dict[str, list[str]] = {}
    for path in sorted(extracted.rglob("*")):
        match = named.match(str(path))
        if path.is_file() and match and LATE.search(path.name):
            late.setdefault(match.group("student_id"), []).append(path.name)
    return late


def _merge(new: Path, target: Path, aside: Path) -> list[str]:
    """Copy `new`'s files into `target`; a file there that differs is moved to `aside` first.
    Files of `target` that `new` does not hold stay. Return what was moved aside."""
    target.mkdir(parents=True, exist_ok=True)
    moved = []
    for path in sorted(p for p in new.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(new)
        old = target / relative
        if old.exists() and not filecmp.cmp(old, path, shallow=False):
            (aside / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(old, aside / relative)
            moved.append(f"{target.parent.name}/{relative.as_posix()}")
        old.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, old)
    return moved
