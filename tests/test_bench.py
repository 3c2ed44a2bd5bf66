"""The benchmark compares real graders: its conventional twin passes right answers and
fails wrong ones, and its synthetic class carries the catalogue's mistakes."""

import nbformat
from helpers import autograded_points, env
from nbgrader.api import Gradebook

from bench import synthetic
from graders.autograde.registry import registry
from graders.instructor.course import read

REGISTRY = registry()  # the course's questions


def _twin_scores(folder, monkeypatch) -> dict[str, float]:
    monkeypatch.setenv("PATH", env()["PATH"])  # nbgrader's Gradebook runs alembic
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gb:
        return {s.student_id: s.score for s in gb.find_assignment(synthetic.ASSIGNMENT).submissions}


def test_the_twin_grades_right_answers_full_and_wrong_ones_down(tmp_path, monkeypatch):
    twin = synthetic.twin_course(tmp_path / "twin", copies=1)
    wrong = twin / "submitted" / "wrong" / synthetic.ASSIGNMENT
    wrong.mkdir(parents=True)
    nb = read(twin / "submitted" / "t0000" / synthetic.ASSIGNMENT / f"{synthetic.PART1}.ipynb")
    for cell in nb.cells:
        if cell.source.startswith("def linear_forward"):
            cell.source = "def linear_forward(x, W, b):\n    return x @ W.T\n"
    nbformat.write(nb, wrong / f"{synthetic.PART1}.ipynb")
    synthetic.nbgrader(twin, "autograde", synthetic.ASSIGNMENT)
    scores = _twin_scores(twin, monkeypatch)
    full = autograded_points(synthetic.PART1)
    assert scores["t0000"] == full
    assert scores["wrong"] == full - REGISTRY["test_linear_forward"].points


def test_about_half_the_synthetic_class_has_a_catalogued_mistake(tmp_path):
    course, source = tmp_path / "course", synthetic.REPO / "source" / synthetic.ASSIGNMENT
    (course / "source").mkdir(parents=True)
    (course / "source" / synthetic.ASSIGNMENT).symlink_to(source)
    students = synthetic.hand_in(course, 40)
    right = {p.stem: read(p).cells for p in source.glob("*.ipynb")}
    changed = [
        s
        for s in students
        if any(
            read(p).cells != right[p.stem]
            for p in (course / "submitted" / s / synthetic.ASSIGNMENT).glob("*.ipynb")
        )
    ]
    assert 10 <= len(changed) <= 30
