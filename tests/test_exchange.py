"""The hub classroom's collect (graders/hub/exchange.py): a submission filed under another
student's id is refused and cannot shadow the student's own, and only a submission's regular
files are copied (no link followed, no device read, nothing over the size limit). Real
accounts of this machine own the folders (daemon and nobody), as students' accounts would."""

import os
import pwd
import shutil
from pathlib import Path

import pytest
from helpers import env
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from graders.hub.exchange import VerifiedCollect

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give folders to other accounts")

ASSIGNMENT = "cv_exam"
NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _submission(inbound: Path, student: str, when: str, owner: str) -> Path:
    folder = inbound / f"{student}+{ASSIGNMENT}+2026-03-0{when} 10:00:00.000000 UTC+{owner}{when}"
    folder.mkdir()
    (folder / "part1_exam_questions.ipynb").write_bytes(
        NOTEBOOK.replace(b"{}", f'{{"by": "{owner}"}}'.encode())
    )
    (folder / "timestamp.txt").write_text(f"2026-03-0{when} 10:00:00.000000 UTC")
    uid = pwd.getpwnam(owner).pw_uid
    for path in [folder, *folder.iterdir()]:
        os.lchown(path, uid, uid)
    return folder


def test_collect_refuses_impersonation_and_copies_regular_files_only(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", env()["PATH"])  # nbgrader's gradebook runs alembic
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    inbound = exchange / "cv-exam" / "inbound"
    inbound.mkdir(parents=True)
    course.mkdir()
    (course / "source" / "solution.ipynb").parent.mkdir()
    (course / "source" / "solution.ipynb").write_text("the key")
    own = _submission(inbound, "nobody", "1", "nobody")
    (own / "big.ipynb").write_bytes(b"x" * 2_000_000)
    (own / "answers-link.ipynb").symlink_to(course / "source" / "solution.ipynb")
    (own / "zero.ipynb").symlink_to("/dev/zero")
    os.mkfifo(own / "pipe.ipynb")
    (own / ".ipynb_checkpoints").mkdir()
    (own / ".ipynb_checkpoints" / "part1_exam_questions-checkpoint.ipynb").write_bytes(NOTEBOOK)
    (own / "sub").mkdir()
    (own / "sub" / "source").symlink_to(course / "source", target_is_directory=True)
    _submission(inbound, "daemon", "1", "daemon")  # daemon's own, the earlier
    _submission(inbound, "daemon", "2", "nobody")  # nobody files a later one as daemon

    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = "cv-exam"
    config.CourseDirectory.assignment_id = ASSIGNMENT
    config.CourseDirectory.max_file_size = 1000  # kB
    config.Exchange.root = str(exchange)
    collect = VerifiedCollect(coursedir=CourseDirectory(config=config), config=config)
    collect.start()

    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["daemon", "nobody"]
    daemon = (submitted / "daemon" / ASSIGNMENT / "part1_exam_questions.ipynb").read_bytes()
    assert b'"by": "daemon"' in daemon  # the student's own, not the later one filed by nobody
    mine = submitted / "nobody" / ASSIGNMENT
    files = sorted(str(p.relative_to(mine)) for p in mine.rglob("*"))
    assert files == ["part1_exam_questions.ipynb", "sub", "timestamp.txt"]  # no link, pipe or big file
    assert not any(p.is_symlink() for p in mine.rglob("*"))
    shutil.rmtree(submitted)
