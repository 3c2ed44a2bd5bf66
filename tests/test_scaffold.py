"""A question is one unit: in a fresh copy of the repository, an instructor scaffolds a
new question, writes its home and its solution (two files by hand, no more), and the
demo class, grading, feedback and every result file carry it."""

import json
import subprocess
import sys
from pathlib import Path

import junitparser
import pytest
from helpers import ASSIGNMENT, REPO, env

from graders.instructor.course import read

pytestmark = pytest.mark.slow  # a whole grading run: `make test`, not `make test-fast`

# The author's guide's example (docs/authoring.md), or a name beside it once an author
# has added that very question.
NAME = next(
    n
    for n in ("batchnorm_forward", *(f"batchnorm_forward_{i}" for i in range(2, 99)))
    if not (REPO / "graders" / "questions" / f"{n}.py").exists()
)
TITLE, NOTEBOOK = f"2f {NAME}", "part2_extra_exercises"
GRADE_ID = f"test_{NAME}"
# A scaffold of every other kind, left as written: (id, new-question's options).
KINDS = [
    ("scaled_norm", "--signature", "x, gamma, beta, eps=1e-5", "--title", "2g scaled_norm"),
    ("n_params", "--kind", "number", "--integer", "--title", "2h N_PARAMS"),
    ("pool_kind", "--kind", "choice", "--multiple", "--title", "2i POOL_KIND"),
    ("norm_facts", "--kind", "truefalse", "--title", "2j NORM_FACTS"),
    ("plot_tanh", "--kind", "plot", "--title", "2k plot_tanh"),
]
HAND = ("norm_why", "--kind", "text", "--title", "2l why normalize")  # graded by a person
MISTAKE = "unbiased variance"

# The question's home, as the instructor writes it over the scaffold's skeleton.
QUESTION = f'''"""2f: the output of a BatchNorm layer in training mode."""

import numpy as np
import torch.nn.functional as F

from graders.autograde.model import Item, Mistake, Part, Probe, WrongAnswer
from graders.autograde.question import Question
from graders.questions.tensors import array, tensor

EPS = 1e-5
GIVEN_X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])


def {NAME}(x, gamma, beta):
    """Reference: normalize each feature over the batch, then scale and shift."""
    out = F.batch_norm(tensor(x), None, None, tensor(gamma), tensor(beta), training=True, eps=EPS)
    return array(out)


UNBIASED_VARIANCE = Mistake(
    "{MISTAKE}",
    "BatchNorm normalizes with the batch's variance over N (np.var's default), not N - 1.",
    "def {NAME}(x, gamma, beta):\\n"
    "    var = x.var(axis=0, ddof=1)\\n"
    "    return gamma * (x - x.mean(axis=0)) / np.sqrt(var + 1e-5) + beta\\n",
    required=True,
)


def _items(rng):
    probes = [
        Probe("given", "{NAME}", (GIVEN_X, np.ones(2), np.zeros(2)), "the given x"),
        Probe("random", "{NAME}", (rng.normal(size=(8, 3)), *rng.normal(size=(2, 3))), "a batch"),
    ]
    return [Item("{NAME}", 1, probes, {NAME}, [UNBIASED_VARIANCE])]


QUESTION = Question(
    notebook="{NOTEBOOK}",
    parts=[Part("{GRADE_ID}", "{TITLE}", _items)],
    wrong_answers=[
        WrongAnswer(
            "{GRADE_ID}",
            "def {NAME}(x, gamma, beta):\\n"
            "    return -(gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5) + beta)\\n",
            "opposite sign",
        ),
    ],
)
'''
SOLUTION = f"""def {NAME}(x, gamma, beta):
    ### BEGIN SOLUTION
    var = x.var(axis=0)
    return gamma * (x - x.mean(axis=0)) / np.sqrt(var + 1e-5) + beta
    ### END SOLUTION"""
CHECK = f"""out = {NAME}(np.ones((4, 2)), np.ones(2), np.zeros(2))
assert np.shape(out) == (4, 2), "the output has the input's shape"
print("{NAME}: well formed")

### BEGIN HIDDEN TESTS
# Graded outside your kernel.
### END HIDDEN TESTS"""


def _tracked_copy(folder: Path) -> Path:
    """The repository as a fresh clone has it: the files git tracks, nothing generated."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in files.split():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((REPO / name).read_bytes())
    return folder


def _run(copy: Path, *args: str) -> subprocess.CompletedProcess:
    # The copy's own package, not the one installed in the venv: its folder comes first.
    return subprocess.run(
        [sys.executable, "-m", "graders", *args],
        cwd=copy,
        env=env() | {"PYTHONPATH": str(copy)},
        capture_output=True,
        text=True,
        timeout=1200,
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    copy = _tracked_copy(tmp_path_factory.mktemp("fresh-clone"))
    by_hand: set[Path] = set()

    scaffold = _run(copy, "new-question", NAME, "--notebook", NOTEBOOK, "--title", TITLE)
    assert scaffold.returncode == 0, scaffold.stderr[-3000:]
    module = copy / "graders" / "questions" / f"{NAME}.py"
    assert module.is_file()

    module.write_text(QUESTION)
    by_hand.add(module)
    notebook = copy / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = read(notebook)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == NAME:
            cell.source = SOLUTION
        elif grade_id == GRADE_ID:
            cell.source = CHECK
    notebook.write_text(json.dumps(nb, indent=1))
    by_hand.add(notebook)

    for name, *options in [*KINDS, HAND]:  # one scaffold of each other kind, as written
        made = _run(copy, "new-question", name, "--notebook", NOTEBOOK, *options)
        assert made.returncode == 0, made.stderr[-3000:]

    assert _run(copy, "points").returncode == 0  # the scaffold wrote the question's points
    for git in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "new questions"]):  # as the author commits
        who = ["-c", "user.name=author", "-c", "user.email=author@example.org"]
        subprocess.run(["git", *who, *git], cwd=copy, check=True, capture_output=True)
    demo = _run(copy, "demo")
    assert demo.returncode == 0, demo.stderr[-3000:]
    return copy, by_hand, demo


@pytest.fixture(scope="module")
def results(course):
    return {r["student"]: r for r in json.loads((course[0] / "results" / "results.json").read_text())}


def _part(result: dict) -> dict:
    return next(p for p in result["parts"] if p["grade_id"] == GRADE_ID)


def test_two_files_written_by_hand(course):
    assert len(course[1]) <= 2


def test_the_full_marks_student_has_full_marks_on_the_new_question(results):
    part = _part(results["ada"])
    assert part["score"] == part["max_score"] == 1 and part["title"] == TITLE and not part["mistakes"]


def test_a_demo_student_shows_the_new_mistake_by_name(results):
    named = [s for s, r in results.items() if MISTAKE in _part(r)["mistakes"]]
    assert named, "no demo student was given the new question's mistake"
    assert _part(results[named[0]])["score"] == 0
    assert "BatchNorm normalizes" in _part(results[named[0]])["output"]


def test_the_new_part_is_in_every_result_file(course, results):
    copy, _, demo = course
    out = copy / "results"
    assert TITLE in demo.stdout  # the class table
    for student in results:
        gradescope = json.loads((out / "gradescope" / student / "results.json").read_text())
        assert TITLE in [t["name"] for t in gradescope["tests"]]
        classroom = json.loads((out / "classroom" / f"{student}.json").read_text())
        assert TITLE in [t["name"] for t in classroom["tests"]]
    xml = junitparser.JUnitXml.fromfile(str(out / "junit.xml"))
    assert all(TITLE in {case.name for case in suite} for suite in xml)
    assert TITLE in (out / "report.html").read_text()
    feedback = copy / "feedback" / "ada" / ASSIGNMENT / f"{NOTEBOOK}.html"
    assert TITLE in feedback.read_text()


def test_the_release_carries_the_new_cells_without_the_solution(course):
    release = read(course[0] / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in release.cells}
    assert "x.var(axis=0)" not in cells[NAME] and "YOUR CODE HERE" in cells[NAME]
    assert "Graded outside your kernel." not in cells[GRADE_ID] or "BEGIN HIDDEN" not in cells[GRADE_ID]


def test_points_disagreeing_with_the_question_stop_grading_with_a_clear_message(course, tmp_path):
    copy = course[0]
    notebook = copy / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    original = notebook.read_text()
    nb = json.loads(original)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == GRADE_ID:
            cell["metadata"]["nbgrader"]["points"] = 3
    notebook.write_text(json.dumps(nb, indent=1))
    try:
        check = _run(copy, "points")
        assert check.returncode == 1 and f"{GRADE_ID} has 3 points, its question 1" in check.stdout
        grading = _run(copy, "ci")
        assert grading.returncode == 2 and "points --write" in grading.stderr
        assert _run(copy, "points", "--write").returncode == 0
        assert _run(copy, "points").returncode == 0
    finally:
        notebook.write_text(original)


def test_the_scaffold_refuses_a_bad_or_taken_name(course):
    copy = course[0]
    taken = _run(copy, "new-question", NAME, "--notebook", NOTEBOOK)
    assert taken.returncode == 2 and "exists already" in taken.stderr
    bad = _run(copy, "new-question", "2nd-question", "--notebook", NOTEBOOK)
    assert bad.returncode == 2 and "not a question id" in bad.stderr


@pytest.mark.parametrize("name", [k[0] for k in KINDS])
def test_every_kind_grades_as_scaffolded_and_names_its_mistake(results, name):
    grade_id = f"test_{name}"
    right = next(p for p in results["ada"]["parts"] if p["grade_id"] == grade_id)
    assert right["score"] == right["max_score"] > 0 and not right["mistakes"], right
    named = [s for s, r in results.items() for p in r["parts"] if p["grade_id"] == grade_id and p["mistakes"]]
    assert named, f"no demo student was given {name}'s catalogued mistake"


def test_the_fast_tier_passes_in_the_copy_with_no_file_under_tests_changed(course):
    """`make test-fast` in the copy (its lint and its tests; its setup step is the venv this
    suite runs in: installing the copy over it would repoint the installed package)."""
    copy = course[0]
    tracked = subprocess.run(["git", "ls-files", "tests"], cwd=REPO, capture_output=True, text=True).stdout
    assert all((copy / f).read_bytes() == (REPO / f).read_bytes() for f in tracked.split())
    run = {"cwd": copy, "env": env() | {"PYTHONPATH": str(copy)}, "capture_output": True, "text": True}
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "."], **run, timeout=300)
    assert lint.returncode == 0, lint.stdout[-3000:]
    fast = [sys.executable, "-m", "pytest", "-m", "not slow", "-v", "-p", "no:cacheprovider"]
    done = subprocess.run(fast, **run, timeout=1200)
    assert done.returncode == 0, done.stdout[-4000:]
    for name in ("scaled_norm", "n_params"):  # their scaffolded wrong answers, diagnosed
        assert f"test_an_uncatalogued_wrong_answer_loses_points_and_is_diagnosed[test_{name}:" in done.stdout
    for name, *_ in KINDS:  # every part, right answer and catalogue, in the registry-wide tests
        assert f"test_a_right_answer_is_never_diagnosed[test_{name}]" in done.stdout, name


def test_a_hand_graded_question_awaits_a_grader_in_every_result(course, results):
    name, title = HAND[0], HAND[-1]
    for student, result in results.items():
        part = next(p for p in result["parts"] if p["grade_id"] == name)
        assert part["pending"] and part["max_score"] == 2 and part["title"] == title, (student, part)
    release = read(course[0] / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    cell = next(c for c in release.cells if c.metadata.get("nbgrader", {}).get("grade_id") == name)
    assert "model answer" not in cell.source  # students get the answer cell empty


# (question, a line of its list as scaffolded, as the author rewrites it, as the task then lists it)
LISTS = [
    ("pool_kind", "TODO: the first option.", "Max pooling keeps the largest value.", "- **(a)** "),
    ("norm_facts", "TODO: a false statement.", "BatchNorm has no parameters.", "- **[1]** "),
]


@pytest.mark.parametrize("name, todo, text, listed", LISTS, ids=[q[0] for q in LISTS])
def test_options_and_statements_are_written_once_and_the_notebook_follows(course, name, todo, text, listed):
    copy = course[0]
    module = copy / "graders" / "questions" / f"{name}.py"
    notebook = copy / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    originals = module.read_text(), notebook.read_text()
    module.write_text(originals[0].replace(todo, text))
    try:
        check = _run(copy, "points")
        assert check.returncode == 1 and f"{name}_text lists other options or statements" in check.stdout
        assert _run(copy, "points", "--write").returncode == 0
        assert _run(copy, "points").returncode == 0
        assert listed + text in notebook.read_text()
    finally:
        module.write_text(originals[0])
        notebook.write_text(originals[1])
