"""Diagnosis of mistakes nobody catalogued: realistic wrong answers, none of them in the
catalogue, each named by a relation to the reference's answer; and each relation kept
from firing where it does not hold."""

import numpy as np
import pytest
from helpers import SOURCE, answers_in_process, rng, solution_namespace

from graders.autograde.diagnosis import Case, diagnose
from graders.autograde.registry import registry
from graders.instructor.synthetic import notebook_of

REGISTRY = registry()  # the course's questions
# (part, what the student wrote, a phrase the diagnosis must hold), from each question's
# wrong_answers. None is in the catalogue.
WRONG = [(w.grade_id, w.code, w.phrase) for q in REGISTRY.questions() for w in q.wrong_answers]


def _verdict(grade_id: str, code: str):
    part = REGISTRY[grade_id]
    items = part.items(rng())
    ns = solution_namespace(notebook_of(SOURCE, grade_id), code)
    return part.grade(items, answers_in_process(part, items, ns))


def _numeric(item) -> bool:
    """An item whose answer is a number or an array (a letter or a truth value has no relation
    to the right one to diagnose)."""
    if item.reference is None or item.judge is not None or callable(item.reference):
        return item.reference is not None and item.judge is None
    right = item.view(item.reference) if item.view else item.reference
    return not isinstance(right, str | bool | np.bool_)


def test_the_set_is_large_and_covers_every_numeric_part():
    numeric = {g for g, p in REGISTRY.items() if any(_numeric(i) for i in p.items(rng()))}
    assert len(WRONG) >= 30
    assert numeric <= {g for g, _, _ in WRONG}, numeric - {g for g, _, _ in WRONG}


@pytest.mark.parametrize(
    "grade_id, code, phrase", WRONG, ids=[f"{g}:{i}" for i, (g, _, _) in enumerate(WRONG)]
)
def test_an_uncatalogued_wrong_answer_loses_points_and_is_diagnosed(grade_id, code, phrase):
    verdict = _verdict(grade_id, code)
    assert verdict.earned < verdict.points
    assert not verdict.mistakes, [m.name for m in verdict.mistakes]  # not in the catalogue
    diagnoses = [f"{r.diagnosis.what} {r.diagnosis.hint}" for r in verdict.results if r.diagnosis]
    assert any(phrase in d for d in diagnoses), (diagnoses, [r.problem for r in verdict.results if r.problem])
    assert all(r.diagnosis is None for r in verdict.results if r.earned == r.points)


@pytest.mark.parametrize("grade_id", sorted(REGISTRY))
def test_a_right_answer_is_never_diagnosed(grade_id):
    verdict = _verdict(grade_id, "")
    assert verdict.earned == verdict.points and not any(r.diagnosis for r in verdict.results)


def test_a_catalogued_mistake_keeps_its_own_name_and_gets_no_diagnosis():
    verdict = _verdict("test_linear_forward", "def linear_forward(x, W, b):\n    return x @ W.T\n")
    assert [m.name for m in verdict.mistakes] == ["bias dropped"]
    assert not any(r.diagnosis for r in verdict.results)


def test_the_diagnosis_reaches_the_verdicts_text():
    verdict = _verdict("test_activation_grads", "def relu_grad(x):\n    return np.maximum(x, 0)\n")
    text = verdict.record("test_activation_grads").text()
    assert "Diagnosis: Your relu_grad computes ReLU itself" in text and "Hint: " in text


def test_without_a_relation_the_expected_value_is_shown_only_where_allowed():
    part = REGISTRY["test_activation_grads"]
    items = part.items(rng())
    code = "def tanh_grad(x):\n    return 1 + np.tanh(x) ** 2\n"  # fits no relation
    answers = answers_in_process(part, items, solution_namespace(notebook_of(SOURCE, part.grade_id), code))
    hidden = part.grade(items, answers).record(part.grade_id).text()
    shown = part.grade(items, answers, show_expected=True).record(part.grade_id).text()
    assert "Diagnosis" not in hidden and "Expected on" not in hidden
    assert "Expected on tanh_grad on x = [-2, -0.5, 0, 0.5, 2]: [0.07065" in shown


# Each relation, held to "every probe": a case where it nearly holds must not fire it.
X = np.array([-2.0, -0.5, 0.5, 2.0])
M = np.arange(6.0).reshape(2, 3) + 1


def _case(got, want, *args) -> Case:
    return Case(args, np.asarray(got, dtype=float), np.asarray(want, dtype=float))


NOT_FIRING = {
    "transpose": [_case(M.T, M), _case(M.T + 1, M)],  # transposed on one probe only
    "constant factor": [_case(2 * X, X), _case(X, X + 1)],  # a factor on one probe, not the other
    "opposite sign": [_case(-X, X), _case(X * 0.9, X)],
    "off by a constant": [_case(X + 1, X), _case(X + 2, X)],  # two different constants
    "right where x > 0": [_case(np.abs(X), X, X), _case(X + 1, X, X)],  # wrong for x > 0 elsewhere
    "wrong positions": [_case(X[::-1], X), _case(X * 2, X)],
    "0s and 1s": [_case([0, 1, 1, 0], [0, 1, 0, 0])],  # the answer is a mask too
    "nan or inf": [_case([np.nan, 1, 2, 3], [0, 1, 2, 4])],  # also wrong where finite
    "axis of size 1": [_case(X[None], X), _case(X + 1, X)],
    "not a whole number": [_case([3.5], [3.5])],  # right, and not a count
    "first row": [_case(np.vstack([M[0], M[1] + 1]), M, M), _case(M + 1, M, M)],
    "the width W": [_case([[2, 3, 5], [1, 2, 3]], [[1, 2, 3], [1, 2, 3]])],  # every entry wrong somewhere
}


@pytest.mark.parametrize("phrase", sorted(NOT_FIRING))
def test_a_relation_does_not_fire_unless_it_holds_on_every_probe(phrase):
    entries = (
        ("the channels C", "the height H", "the width W")
        if phrase in ("the width W", "not a whole number")
        else None
    )
    found = diagnose("Your answer", None, NOT_FIRING[phrase], entries=entries)
    assert found is None or phrase not in found.what, found


def test_each_relation_fires_where_it_holds():
    assert "transpose" in diagnose("a", None, [_case(M.T, M)]).what
    assert "2 times" in diagnose("a", None, [_case(2 * X, X)]).what
    assert "opposite sign" in diagnose("a", None, [_case(-X, X)]).what
    assert "+1" in diagnose("a", None, [_case(X + 1, X), _case(M + 1, M)]).what
    assert "x > 0" in diagnose("a", None, [_case(np.abs(X), X, X)]).what
    assert (
        "wrong positions"
        in diagnose("a", None, [_case(X[[1, 0, 3, 2]] * [1, 1, 1, 1], X + [0, 0, 0, 0])]).what
    )
    assert "0s and 1s" in diagnose("a", None, [_case([0, 0, 1, 1], X)]).what
    assert "nan or inf" in diagnose("a", None, [_case([np.inf, -0.5, 0.5, 2], X)]).what
    assert "axis of size 1" in diagnose("a", None, [_case(X[None], X)]).what
    assert "first row" in diagnose("a", None, [_case(np.vstack([M[0], M[1] + 1]), M, M)]).what
    wide = [_case([[1, 2, 4], [1, 2, 5]], [[1, 2, 3], [1, 2, 3]])]
    assert "the width W" in diagnose("a", None, wide, entries=("C", "H", "the width W")).what
    assert "axis 1" in diagnose("a", None, [_case(np.ones((2, 4)), np.ones((2, 3)))]).what
