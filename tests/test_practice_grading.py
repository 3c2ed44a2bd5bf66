"""Autograde of the practice assignment: each submission is graded on its own variant, the
one its nbgrader student id and retry counter fix, with the full verifier."""

import json

import nbformat
import pytest
from helpers import REPO, course_folder, nbgrader, run_graders

from graders.instructor.course import read
from graders.practice import state, variants

pytestmark = pytest.mark.slow

PRACTICE = state.ASSIGNMENT
NOTEBOOK = "practice.ipynb"


def _solutions(course) -> dict[str, str]:
    cells = read(course / "source" / PRACTICE / NOTEBOOK).cells
    return {c.metadata.nbgrader["grade_id"]: c.source for c in cells if "nbgrader" in c.metadata}


def _solved(course, replace: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The release, every solution cell filled from the source (or from `replace`, by grade_id)."""
    nb = read(course / "release" / PRACTICE / NOTEBOOK)
    source = _solutions(course)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            text = (replace or {}).get(grade_id, source[grade_id])
            cell.source = "\n".join(line for line in text.splitlines() if "SOLUTION" not in line)
    return nb


def _hand_in(
    course, student: str, nb, retry: int | None, as_student: str | None = None, signed_by_service: bool = True
) -> None:
    """`student`'s submission, with the state file the practice service signed for `as_student`
    (or a counter the student wrote in themselves)."""
    folder = course / "submitted" / student / PRACTICE
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / NOTEBOOK)
    if retry is not None:
        owner, secret = as_student or student, state.course_secret(course)
        signature = state.signature(secret, owner, retry) if signed_by_service else "0" * 64
        signed = {"retry": retry, "signature": signature}
        seed = variants.seed(owner, retry, secret)
        (folder / state.STATE_FILE).write_text(json.dumps({"student": owner, "seed": seed, **signed}))


def _literal(value) -> str:
    if isinstance(value, tuple | float | list | int):
        return repr(value)
    return f"np.array({value.tolist()!r})"


def _constants(course, student: str, retry: int) -> dict[str, str]:
    """Solution cells that write out `student`'s numbers instead of computing them."""
    values = {}
    for part in variants.parts():
        for item in variants.items(part, student, retry, state.course_secret(course)):
            for probe in item.probes:
                if probe.args is None:
                    value = item.reference
                    values[probe.name] = _literal(value)
    return {
        "layer_shapes": f"W_SHAPE = {values['W_SHAPE']}\nB_SHAPE = {values['B_SHAPE']}",
        "pooled": f"POOLED = {values['POOLED']}",
        "backprop_numbers": "\n".join(
            f"{n} = {values[n]}" for n in ("LOSS_BEFORE", "GRAD_A", "A_NEW", "LOSS_AFTER")
        ),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = course_folder(tmp_path_factory.mktemp("practice"))
    nbgrader(course, "generate_assignment", PRACTICE)
    right = _solved(course)
    _hand_in(course, "alice", right, 0)
    _hand_in(course, "dave", right, 2)  # asked for two new variants, answers computed from them
    # bob hands in alice's numbers, written out, with her state file: his own variant grades them
    _hand_in(course, "bob", _solved(course, _constants(course, "alice", 0)), 0, as_student="alice")
    _hand_in(course, "erin", _solved(course, _constants(course, "erin", 0)), 0)  # her own numbers written out
    wrong = {"linear_forward": "def linear_forward(x, W, b):\n    return x @ W.T\n"}
    source = _solutions(course)
    wrong["backprop_functions"] = source["backprop_functions"].replace(
        "A - lr * grad / batch_size", "A - lr * grad"
    )
    _hand_in(course, "carol", _solved(course, wrong), 0)
    # frank writes a counter of his own choosing into the state file, with answers for it
    _hand_in(course, "frank", _solved(course, _constants(course, "frank", 7)), 7, signed_by_service=False)
    done = run_graders(course, "grade", PRACTICE)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((course / "results" / "results.json").read_text())
    return {r["student"]: r for r in results} | {"course": course}


def _part(result: dict, grade_id: str) -> dict:
    return next(p for p in result["parts"] if p["grade_id"] == grade_id)


def test_a_right_submission_scores_full_marks_on_its_own_variant(graded):
    for student in ("alice", "dave"):
        assert graded[student]["score"] == graded[student]["max_score"] > 0, graded[student]


def test_the_count_of_variants_tried_reaches_the_instructor(graded):
    assert graded["alice"]["variants_tried"] == 1
    assert graded["dave"]["variants_tried"] == 3


def test_answers_copied_from_another_student_lose_the_points(graded):
    control = graded["erin"]
    assert control["score"] == control["max_score"]  # numbers written out are read as computed ones
    bob = graded["bob"]
    for grade_id in ("test_layer_shapes", "test_pooled", "test_backprop_numbers"):
        assert _part(bob, grade_id)["score"] < _part(bob, grade_id)["max_score"], grade_id


def test_a_counter_the_service_did_not_sign_is_graded_on_the_first_variant(graded):
    frank = graded["frank"]
    assert frank["variants_tried"] == 1
    assert any("was not issued to frank by the practice service" in p for p in frank["problems"]), frank
    assert _part(frank, "test_pooled")["score"] < _part(frank, "test_pooled")["max_score"]


def test_autograde_names_the_catalogued_mistakes_as_for_the_exam(graded):
    carol = graded["carol"]
    assert "bias dropped" in json.dumps(_part(carol, "test_linear_forward"))
    assert "summed gradient without / batch size" in json.dumps(_part(carol, "test_backprop_functions"))
    assert _part(carol, "test_pooled")["score"] == _part(carol, "test_pooled")["max_score"]


def test_the_committed_practice_release_is_up_to_date(graded):
    fresh = graded["course"] / "release" / PRACTICE / NOTEBOOK
    committed = REPO / "release" / PRACTICE / NOTEBOOK
    assert json.loads(committed.read_text()) == json.loads(fresh.read_text()), (
        f"release/{PRACTICE} is stale: run `nbgrader generate_assignment {PRACTICE} --force`"
    )


def test_the_feedback_shows_the_task_in_the_students_own_numbers(graded):
    course = graded["course"]
    dave = variants.shown("dave", 2, state.course_secret(course))
    page = next((course / "feedback" / "dave" / PRACTICE).glob("*.html")).read_text()
    assert f"<code>LINEAR_IN</code> = <strong>{dave['LINEAR_IN']}</strong>" in page
    assert f"<code>LEARNING_RATE</code> = <strong>{dave['LEARNING_RATE']:g}</strong>" in page
