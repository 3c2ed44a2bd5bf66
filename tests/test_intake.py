"""Bad submissions get a clear message and a fair score before nbgrader trips on
them, and never change another student's results."""

import hashlib
import json
import os

import nbformat
import pytest
from helpers import ASSIGNMENT, SOURCE, autograded_points, course_folder, run_graders

from graders.instructor.course import read

PART1, PART2 = "part1_exam_questions", "part2_extra_exercises"
PART1_POINTS = autograded_points(PART1)


def _hashes(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _write(folder, name, nb):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


def _submissions(submitted):
    source = read(SOURCE / f"{PART1}.ipynb")
    cases = {}

    def case(student, writer, expected_problem, expected_score):
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True)
        writer(folder)
        cases[student] = (expected_problem, expected_score)

    def as_the_exchange_left_it(folder):
        _write(folder, f"{PART1}.ipynb", source)
        (folder / "timestamp.txt").write_text("2026-11-29 10:00:00.000000 UTC")
        (folder / "submission_secret.txt").write_text("ab" * 64)

    case("good", as_the_exchange_left_it, None, PART1_POINTS)
    case("not-json", lambda f: (f / f"{PART1}.ipynb").write_text('{"cells": ['), "not valid JSON", 0)
    case(
        "not-a-notebook",
        lambda f: (f / f"{PART1}.ipynb").write_text("[1, 2, 3]"),
        "not a Jupyter notebook",
        0,
    )

    def old_format(folder):
        (folder / f"{PART1}.ipynb").write_text(nbformat.writes(nbformat.convert(source, 3), version=3))

    case("nbformat-3", old_format, None, PART1_POINTS)

    tampered = read(SOURCE / f"{PART1}.ipynb")
    _cell(tampered, "test_pooled").metadata.nbgrader["schema_version"] = 1
    case(
        "tampered-schema",
        lambda f: _write(f, f"{PART1}.ipynb", tampered),
        "metadata version changed",
        PART1_POINTS,
    )

    deleted = read(SOURCE / f"{PART1}.ipynb")
    deleted.cells.remove(_cell(deleted, "test_pooled"))
    case("deleted-test-cell", lambda f: _write(f, f"{PART1}.ipynb", deleted), None, PART1_POINTS)

    retyped = read(SOURCE / f"{PART1}.ipynb")
    cell = _cell(retyped, "test_pooled")
    retyped.cells[retyped.cells.index(cell)] = nbformat.v4.new_markdown_cell(
        cell.source, metadata=cell.metadata
    )
    case("retyped-test-cell", lambda f: _write(f, f"{PART1}.ipynb", retyped), None, PART1_POINTS)

    case(
        "renamed",
        lambda f: _write(f, f"{PART1} (1).ipynb", source),
        "graded as part1_exam_questions.ipynb",
        PART1_POINTS,
    )

    def huge_extra(folder):
        _write(folder, f"{PART1}.ipynb", source)
        (folder / "weights.bin").write_bytes(os.urandom(1024) * 60_000)

    case("huge-extra-file", huge_extra, "weights.bin (61,440,000 bytes) was not graded", PART1_POINTS)

    noisy = read(SOURCE / f"{PART1}.ipynb")
    noisy.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 100_000_000)]
    case("100mb-of-output", lambda f: _write(f, f"{PART1}.ipynb", noisy), None, PART1_POINTS)
    return cases


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = course_folder(tmp_path_factory.mktemp("intake"))
    cases = _submissions(course / "submitted")
    before = _hashes(course / "submitted")
    done = run_graders(course, "grade")
    assert done.returncode == 0, done.stderr[-3000:]
    results = {r["student"]: r for r in json.loads((course / "results" / "results.json").read_text())}
    results["__hashes__"] = (before, _hashes(course / "submitted"))
    results["__feedback__"] = sorted(p.name for p in (course / "feedback" / "good" / ASSIGNMENT).iterdir())
    return cases, results


@pytest.mark.parametrize(
    "student",
    [
        "not-json",
        "not-a-notebook",
        "nbformat-3",
        "tampered-schema",
        "deleted-test-cell",
        "retyped-test-cell",
        "renamed",
        "huge-extra-file",
        "100mb-of-output",
    ],
)
def test_a_bad_submission_gets_a_clear_message_and_a_fair_score(graded, student):
    cases, results = graded
    expected_problem, expected_score = cases[student]
    result = results[student]
    part1 = sum(p["score"] for p in result["parts"] if p["notebook"] == PART1)
    assert part1 == expected_score
    if expected_problem:
        assert any(expected_problem in problem for problem in result["problems"]), result["problems"]
    assert any("part2_extra_exercises.ipynb is missing" in problem for problem in result["problems"])


def test_the_good_submission_is_untouched_by_the_bad_ones(graded):
    _, results = graded
    assert not [p for p in results["good"]["problems"] if "part2" not in p]
    assert sum(p["score"] for p in results["good"]["parts"]) == PART1_POINTS


def test_the_exchange_files_reach_the_feedback_for_release_feedback(graded):
    _, results = graded
    assert {"timestamp.txt", "submission_secret.txt"} <= set(results["__feedback__"])


def test_submitted_files_are_never_changed(graded):
    cases, results = graded
    before, after = results["__hashes__"]
    assert before == after
