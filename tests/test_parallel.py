"""Grading side by side: the sqlite gradebook under several writing processes.
(Whole classes graded in parallel are compared with sequential runs in test_pipeline.)"""

import multiprocessing

import pytest
from helpers import env
from nbgrader.api import Gradebook

from graders.instructor.gradebook_writes import serialize_sqlite_transactions

WRITERS, ROUNDS = 6, 40


def _write(db_url: str, writer: int) -> str | None:
    """nbgrader's own gradebook calls, as autograde makes them: read, then write."""
    serialize_sqlite_transactions()
    try:
        for round_ in range(ROUNDS):
            student = f"w{writer}-{round_}"
            with Gradebook(db_url) as gb:
                gb.find_assignment("a")
                gb.update_or_create_student(student)
                gb.update_or_create_submission("a", student)
        return None
    except Exception as exc:  # reported to the test, which names it
        return f"{type(exc).__name__}: {str(exc)[:200]}"


@pytest.fixture(autouse=True)
def _alembic_on_path(monkeypatch):
    monkeypatch.setenv("PATH", env()["PATH"])  # nbgrader's Gradebook runs alembic


def _hammer(tmp_path) -> tuple[list[str | None], int]:
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(db_url) as gb:
        gb.add_assignment("a")
        gb.add_notebook("nb", "a")
    context = multiprocessing.get_context("fork")
    with context.Pool(WRITERS) as pool:
        errors = pool.starmap(_write, [(db_url, w) for w in range(WRITERS)])
    with Gradebook(db_url) as gb:
        return errors, len(gb.find_assignment("a").submissions)


def test_many_processes_write_the_gradebook_without_errors_or_losses(tmp_path):
    errors, submissions = _hammer(tmp_path)
    assert errors == [None] * WRITERS
    assert submissions == WRITERS * ROUNDS


INCREMENTS, COUNTERS = 25, 4


def _increment(db_url: str, serialized: bool) -> str | None:
    """Read-modify-write in one transaction, as nbgrader's update_or_create_* do: read a
    value, then write it back changed. Only serialized transactions lose no update."""
    import time

    if serialized:
        serialize_sqlite_transactions()
    try:
        for _ in range(INCREMENTS):
            with Gradebook(db_url) as gb:
                student = gb.find_student("counter")
                value = int(student.first_name)
                time.sleep(0.002)  # another process reads the same value here, unless serialized
                student.first_name = str(value + 1)
                gb.db.commit()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:200]}"


def _count(tmp_path, serialized: bool) -> tuple[list[str | None], int]:
    db_url = f"sqlite:///{tmp_path / f'counter-{serialized}.db'}"
    with Gradebook(db_url) as gb:
        gb.add_student("counter", first_name="0")
    context = multiprocessing.get_context("spawn")  # no listeners inherited from this process
    with context.Pool(COUNTERS) as pool:
        errors = pool.starmap(_increment, [(db_url, serialized)] * COUNTERS)
    with Gradebook(db_url) as gb:
        return errors, int(gb.find_student("counter").first_name)


def test_transactions_are_serialized_so_no_update_is_lost(tmp_path):
    """The listeners' point: with BEGIN IMMEDIATE every read-then-write transaction holds the
    write lock from its first read, so concurrent increments all count. Without it (sqlite's
    own deferred transactions), updates are lost: the same test run unserialized shows it."""
    errors, total = _count(tmp_path, serialized=True)
    assert errors == [None] * COUNTERS
    assert total == INCREMENTS * COUNTERS
    errors, total = _count(tmp_path, serialized=False)
    assert total < INCREMENTS * COUNTERS or any(errors), "the unserialized run should lose updates"
