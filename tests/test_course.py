"""The course run by real nbgrader on real kernels: one batch of submissions,
autograded and fed back, then what each student got."""

import copy
from html import unescape
from pathlib import Path

import nbformat
import pytest
from helpers import ASSIGNMENT, SOURCE, max_scores, nbgrader, new_course, scores
from nbformat.v4 import new_code_cell

from graders.instructor.course import read
from graders.instructor.synthetic import notebook_of, part_mistakes, with_code, with_mistake_in_part

pytestmark = pytest.mark.slow  # a whole grading run: `make test`, not `make test-fast`

PART1, PART2 = "part1_exam_questions", "part2_extra_exercises"
PAIRS = part_mistakes()
MAX = max_scores()
MANUAL = "softmax_proof"

WRONG_LINEAR = "def linear_forward(x, W, b):\n    return np.zeros(W.shape[0])\n"
WRONG_TANH = "def tanh_grad(x):\n    return 1 - np.tanh(x)\n"
WRONG_LETTER = 'CONV_ADVANTAGE = "a"\n'

PATCH_CHECKS = """
import numpy.testing
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.unique = lambda *a, **k: np.zeros(0, int)  # the harness uses these two
np.errstate = None
"""
PATCH_TORCH = """
import torch
torch.allclose = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
torch.softmax = lambda x, dim=-1: x
torch.tanh = lambda x: x
"""
PATCH_BUILTINS = """
import builtins
import IPython.display
IPython.display.publish_display_data(
    {"text/x-cvexam-report": '{"nonce": "0", "part": "test_conv_advantage", "answers": []}'}
)
builtins.print = lambda *a, **k: None
builtins.repr = lambda obj: "0"
IPython.display.publish_display_data = lambda *a, **k: None
"""
NOISE = """
import sys, warnings
sys.stderr.write("something on stderr\\n")
np.log(np.array([-1.0]))
warnings.warn("a warning from the student's cell")
36.5
"""
NOISY_LINEAR = """
def linear_forward(x, W, b):
    import sys
    print("debug output", file=sys.stderr)
    np.float64(1.0) / np.float64(0.0)  # RuntimeWarning: divide by zero
    return x @ W.T + b
"""
NOISY_CROSS_ENTROPY = """
def cross_entropy_grad(y, p):
    import torch
    torch.tensor(torch.tensor([1.0]))  # a torch UserWarning on stderr
    return -np.asarray(y) / np.asarray(p)

1e9
"""


def _source(name: str) -> nbformat.NotebookNode:
    return read(SOURCE / f"{name}.ipynb")


def _with_cell(nb: nbformat.NotebookNode, code: str) -> nbformat.NotebookNode:
    """A cell the student added right after the imports."""
    nb = copy.deepcopy(nb)
    nb.cells.insert(2, new_code_cell(code))
    return nb


def _submissions(release: Path) -> dict[str, dict[str, nbformat.NotebookNode]]:
    subs = {
        "full": {PART1: _source(PART1), PART2: _source(PART2)},
        "blank": {name: read(release / f"{name}.ipynb") for name in (PART1, PART2)},
        "patches-numpy": {PART1: with_code(_with_cell(_source(PART1), PATCH_CHECKS), WRONG_LINEAR)},
        "patches-torch": {PART2: with_code(_with_cell(_source(PART2), PATCH_TORCH), WRONG_TANH)},
        "patches-builtins": {PART1: with_code(_with_cell(_source(PART1), PATCH_BUILTINS), WRONG_LETTER)},
        "noisy": {
            PART1: with_code(_with_cell(_source(PART1), NOISE), NOISY_LINEAR),
            PART2: with_code(_with_cell(_source(PART2), NOISE), NOISY_CROSS_ENTROPY),
        },
    }
    for i, (grade_id, mistake) in enumerate(PAIRS):
        path = notebook_of(SOURCE, grade_id)
        subs[f"mistake-{i:02d}"] = {path.stem: with_mistake_in_part(read(path), mistake, grade_id)}
    return subs


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    course = new_course(tmp_path_factory.mktemp("course"))
    for student, notebooks in _submissions(course / "release" / ASSIGNMENT).items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for name, nb in notebooks.items():
            nbformat.write(nb, folder / f"{name}.ipynb")
    nbgrader(course, "autograde", ASSIGNMENT)
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    return course


@pytest.fixture(scope="module")
def graded(course) -> dict[str, dict[str, float]]:
    return scores(course)


def _cells_of(notebook: str) -> list[str]:
    return [gid for gid in MAX if notebook_of(SOURCE, gid).stem == notebook]


def _feedback(course: Path, student: str, notebook: str) -> str:
    return (course / "feedback" / student / ASSIGNMENT / f"{notebook}.html").read_text()


def test_the_source_notebooks_score_full_marks_on_every_autograded_part(graded):
    for grade_id, points in MAX.items():
        assert graded["full"][grade_id] == points, grade_id
    assert graded["full"][MANUAL] == 0  # awaits a person


def test_the_unanswered_release_scores_zero(graded):
    assert all(score == 0 for score in graded["blank"].values()), graded["blank"]


@pytest.mark.parametrize("index", range(len(PAIRS)), ids=[f"{g}:{m.name}" for g, m in PAIRS])
def test_a_mistake_costs_its_part_only_and_the_feedback_names_it(course, graded, index):
    grade_id, mistake = PAIRS[index]
    student, notebook = f"mistake-{index:02d}", notebook_of(SOURCE, grade_id).stem
    assert graded[student][grade_id] < MAX[grade_id]
    for other in _cells_of(notebook):
        if other != grade_id:
            assert graded[student][other] == MAX[other], other
    assert f"Likely mistake: {mistake.name}." in unescape(_feedback(course, student, notebook))


def test_patching_numpy_checks_earns_nothing_more_than_the_honest_answers(graded):
    got = graded["patches-numpy"]
    assert got["test_linear_forward"] == 0
    assert all(got[g] == MAX[g] for g in _cells_of(PART1) if g != "test_linear_forward")


def test_patching_torch_earns_nothing_more_than_the_honest_answers(graded):
    got = graded["patches-torch"]
    assert got["test_activation_grads"] == MAX["test_activation_grads"] - 1  # tanh_grad is wrong
    assert all(got[g] == MAX[g] for g in _cells_of(PART2) if g != "test_activation_grads")


def test_patching_builtins_json_and_display_and_a_fake_report_change_nothing(graded):
    got = graded["patches-builtins"]
    assert got["test_conv_advantage"] == 0  # the letter is wrong
    assert all(got[g] == MAX[g] for g in _cells_of(PART1) if g != "test_conv_advantage")


def test_stderr_warnings_and_trailing_numbers_keep_every_point(graded):
    for grade_id, points in MAX.items():
        assert graded["noisy"][grade_id] == points, grade_id


def test_feedback_shows_verdicts_and_no_hidden_test_or_grader_code(course):
    for notebook in (PART1, PART2):
        html = _feedback(course, "full", notebook)
        assert "cvexam-verdict" in html and "points</b>" in html
        for secret in (
            "HIDDEN TESTS",
            "Graded outside your kernel",
            "__cvexam",
            "graders",
            "x-cvexam-report",
        ):
            assert secret not in html, secret


def test_feedback_comes_as_a_notebook_beside_the_html(course):
    for notebook in (PART1, PART2):
        nb = read(course / "feedback" / "full" / ASSIGNMENT / f"{notebook}.ipynb")
        sources = "\n".join(c.source for c in nb.cells)
        assert "HIDDEN TESTS" not in sources
        verdicts = [
            o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "display_data"
        ]
        assert verdicts


def test_a_failed_part_says_what_was_wrong(course):
    html = _feedback(course, "patches-numpy", PART1)
    assert "linear_forward on x of shape (3,)" in html and "wrong values" in html
