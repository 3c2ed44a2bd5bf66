"""Authoring the course's questions: a new question from a scaffold, and the test cells'
points kept equal to the questions' (the question is the one source of truth).

`python -m graders new-question ID --notebook NAME` writes `graders/questions/ID.py`, a
question the whole pipeline grades as it is, and appends its cells to the source
notebook; `python -m graders points --write` rewrites every test cell's points from
its question.
"""

import importlib
import keyword
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from graders import questions
from graders.instructor.course import Course, CourseError, read

QUESTIONS_DIR = Path(questions.__file__).parent

MODULE_TEMPLATE = '''"""{title}. Written by `python -m graders new-question`: replace each TODO."""

import numpy as np
import torch

from graders.autograde.model import Item, Mistake, Part, Probe, WrongAnswer
from graders.questions.tensors import array, tensor

NOTEBOOK = "{notebook}"

# Givens: the numbers the question states (TODO: the question's own).
GIVEN_X = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])


def {name}(x: np.ndarray) -> np.ndarray:
    """Reference, in torch (TODO: the right answer)."""
    return array(torch.mul(tensor(x), 2))


RETURNS_INPUT = Mistake(
    "returns its input unchanged",
    "TODO: the hint a student reads when their answers match this mistake's code.",
    "def {name}(x):\\n    return x\\n",
    required=True,
)


def _items(rng: np.random.Generator) -> list[Item]:
    probes = [
        Probe("given", "{name}", (GIVEN_X,), "the question's x"),
        Probe("random", "{name}", (rng.normal(size=(3, 4)),), "a random (3, 4) array"),
    ]
    return [Item("{name}", 1, probes, {name}, [RETURNS_INPUT])]


PARTS = [Part("test_{name}", "{title}", _items)]

# Wrong answers no mistake above names, each with what its diagnosis must say (the tests run
# every one; TODO: the ones your students write).
WRONG_ANSWERS = [
    WrongAnswer("test_{name}", "def {name}(x):\\n    return -2 * x\\n", "opposite sign"),
]
'''

TASK_TEMPLATE = "### {title}\n\nTODO: the question's text. Write `{name}(x)` for a numpy array `x`."
SOLUTION_TEMPLATE = "def {name}(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
TEST_TEMPLATE = (
    'assert np.shape({name}(np.ones(3))) == (3,), "{name}(x) has the shape of x"\n'
    'print("{name}: well formed")\n'
    "\n"
    "### BEGIN HIDDEN TESTS\n"
    "# Graded outside your kernel (graders/questions/{name}.py).\n"
    "### END HIDDEN TESTS"
)


def _nbgrader(
    grade_id: str, solution: bool = False, points: float | None = None, locked: bool = True
) -> dict:
    meta = {
        "grade": points is not None,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = _whole(points)
    return {"nbgrader": meta}


def _whole(points: float) -> float | int:
    """Points as nbgrader's own notebooks write them: 2, not 2.0."""
    return int(points) if float(points).is_integer() else points


def _grade_ids(nb: NotebookNode) -> set[str]:
    return {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells} - {None}


def new_question(course: Course, assignment: str, name: str, notebook: str, title: str = "") -> list[Path]:
    """Write the question's module and append its cells; return the files written."""
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
        raise CourseError(f"{name!r} is not a question id: use a Python name, such as batchnorm_forward")
    module = QUESTIONS_DIR / f"{name}.py"
    if module.exists():
        raise CourseError(f"{module} exists already: pick another id, or edit that question")
    path = course.folder("source") / assignment / f"{notebook}.ipynb"
    nb = read(path) if path.is_file() else _new_notebook(course, assignment, notebook)
    taken = _grade_ids(nb) & {name, f"test_{name}", f"{name}_text"}
    if taken:
        raise CourseError(f"{path.name} already has cells with grade_id {sorted(taken)}")
    title = title or name
    module.write_text(MODULE_TEMPLATE.format(name=name, notebook=notebook, title=title))
    importlib.invalidate_caches()
    part = importlib.import_module(f"graders.questions.{name}").PARTS[0]
    values = {"name": name, "title": title}
    nb.cells += [
        new_markdown_cell(TASK_TEMPLATE.format(**values), metadata=_nbgrader(f"{name}_text")),
        new_code_cell(SOLUTION_TEMPLATE.format(**values), metadata=_nbgrader(name, True, locked=False)),
        new_code_cell(TEST_TEMPLATE.format(**values), metadata=_nbgrader(part.grade_id, points=part.points)),
    ]
    nbformat.write(nb, path)
    return [module, path]


def _new_notebook(course: Course, assignment: str, notebook: str) -> NotebookNode:
    others = sorted((course.folder("source") / assignment).glob("*.ipynb"))
    nb = new_notebook(metadata=read(others[0]).metadata if others else {})
    intro = "import numpy as np"
    nb.cells.append(new_code_cell(intro, metadata=_nbgrader(f"{notebook}_imports")))
    return nb


def point_mismatches(course: Course, assignment: str) -> list[str]:
    """Each test cell whose points differ from its question's, and each question without a cell."""
    problems, found = [], set()
    for path in sorted((course.folder("source") / assignment).glob("*.ipynb")):
        for cell in read(path).cells:
            meta = cell.metadata.get("nbgrader", {})
            part = questions.REGISTRY.get(meta.get("grade_id"))
            if part is None or not meta.get("grade") or cell.cell_type != "code":
                continue
            found.add(part.grade_id)
            if float(meta.get("points", 0)) != part.points:
                problems.append(
                    f"{path.name}: {part.grade_id} has {meta.get('points')} points, "
                    f"its question {part.points:g}"
                )
    for grade_id, part in questions.REGISTRY.items():
        if (
            grade_id not in found
            and (course.folder("source") / assignment / f"{part.notebook}.ipynb").is_file()
        ):
            problems.append(
                f"{part.notebook}.ipynb has no test cell {grade_id} (its question is in graders/questions/)"
            )
    return problems


def write_points(course: Course, assignment: str) -> list[str]:
    """Rewrite each test cell's points from its question; return what changed."""
    changed = []
    for path in sorted((course.folder("source") / assignment).glob("*.ipynb")):
        nb, dirty = read(path), False
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            part = questions.REGISTRY.get(meta.get("grade_id"))
            if part and meta.get("grade") and cell.cell_type == "code" and meta.get("points") != part.points:
                changed.append(f"{path.name}: {part.grade_id} {meta.get('points')} -> {part.points:g}")
                meta["points"] = _whole(part.points)
                dirty = True
        if dirty:
            nbformat.write(nb, path)
    return changed
