"""The source notebooks and the grader agree: names, givens, options; and the
committed notebooks are clean."""

import re

import numpy as np
import pytest
from helpers import REPO, SOURCE, solution_namespace

from graders.autograde.registry import registry
from graders.instructor.course import read
from graders.questions import backprop, pooling

REGISTRY = registry()  # the course's questions

NOTEBOOKS = sorted(SOURCE.glob("*.ipynb"))


def _test_cells():
    return [
        c
        for path in NOTEBOOKS
        for c in read(path).cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
    ]


def test_every_test_cell_is_graded_by_a_part_and_every_part_has_its_cell():
    ids = [c.metadata.nbgrader["grade_id"] for c in _test_cells()]
    assert sorted(ids) == sorted(REGISTRY)


def test_points_of_each_test_cell_equal_its_questions():
    for cell in _test_cells():
        part = REGISTRY[cell.metadata.nbgrader["grade_id"]]
        assert cell.metadata.nbgrader["points"] == pytest.approx(part.points), part.grade_id


def test_each_part_has_its_test_cell_in_its_questions_notebook():
    for part in REGISTRY.values():
        cells = read(SOURCE / f"{part.notebook}.ipynb").cells
        assert part.grade_id in {c.metadata.get("nbgrader", {}).get("grade_id") for c in cells}


def test_hidden_tests_hold_no_code():
    for cell in _test_cells():
        hidden = re.search(r"### BEGIN HIDDEN TESTS\n(.*)### END HIDDEN TESTS", cell.source, re.S)
        assert hidden, cell.metadata.nbgrader["grade_id"]
        assert all(line.startswith("#") for line in hidden.group(1).splitlines())


def test_the_notebooks_givens_are_the_exams():
    part1 = solution_namespace(SOURCE / "part1_exam_questions.ipynb")
    part2 = solution_namespace(SOURCE / "part2_extra_exercises.ipynb")
    np.testing.assert_array_equal(part1["IMAGE"], pooling.IMAGE)
    for name in ("A", "X", "T", "LEARNING_RATE"):
        np.testing.assert_array_equal(part2[name], getattr(backprop, name))


LISTED = [q for q in REGISTRY.questions() if q.options or q.statements]


@pytest.mark.parametrize("question", LISTED, ids=[q.id for q in LISTED])
def test_options_and_statements_in_the_notebook_are_the_graders(question):
    """Every question with options or statements (the registry's, none named here): its notebook
    lists each of them."""
    text = "\n".join(c.source for c in read(SOURCE / f"{question.notebook}.ipynb").cells)
    for letter, option in (question.options or {}).items():
        assert f"**({letter})** {option}" in text
    for statement in question.statements or []:
        assert statement in text


def test_2e_states_the_minibatch_mean_convention():
    text = "\n".join(c.source for c in read(SOURCE / "part2_extra_exercises.ipynb").cells)
    assert "averaged over\nthe minibatch" in text and "a sum over the minibatch" in text


@pytest.mark.parametrize("path", NOTEBOOKS + sorted((REPO / "release").rglob("*.ipynb")), ids=str)
def test_committed_notebooks_have_no_outputs(path):
    for cell in read(path).cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None
