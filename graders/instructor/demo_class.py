"""The demo class, generated: from the release, the source solutions, the catalogue of
mistakes and a short list of scenarios. Nothing of it is written by hand, so a new
question appears in it with no extra work: its right answer in every answered
notebook, and each of its catalogued mistakes in some student's.
"""

import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4.nbbase import random_cell_id

from graders.autograde.model import Mistake
from graders.instructor.course import read
from graders.instructor.synthetic import (
    defined_names,
    disguised,
    part_mistakes,
    with_code,
    with_mistake_in_part,
)

ON_TIME = "2026-11-30 14:05:00.000000 UTC"
LATE = "2026-12-02 09:30:00.000000 UTC"
DUE = "2026-12-01 17:00:00 UTC"
DAMAGED_BYTES = 5000  # where a damaged upload is cut off
ENDLESS_SOFTMAX = "def softmax(x):\n    while True:  # an endless loop\n        pass\n"
RELU_GRAD_AS_RELU = "def relu_grad(x):\n    return np.maximum(x, 0)\n"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
# Students who show the catalogued mistakes no scenario names, one mistake per part each.
EXTRA_NAMES = ["nia", "oto", "pia", "quy", "rex", "sam", "tia", "uma", "val", "wes", "xia", "yan", "zoe"]


@dataclass(frozen=True)
class Scenario:
    """One demo student: what they got wrong, or what went wrong with their hand-in.

    `mistakes` name catalogued mistakes as "grade_id/mistake name", written into the
    student's solution cells as a student would; `code` is more code written that way.
    """

    student: str
    mistakes: tuple[str, ...] = ()
    code: str = ""
    about: str = ""  # what `code` is, for the instructor's listing
    blank: bool = False
    late: bool = False
    damaged: str | None = None  # this notebook is cut off mid-upload
    copied_test_cell: str | None = None  # a copy of this test cell is pasted at the end
    copies: str | None = None  # hands in this student's code, names changed and laid out anew


SCENARIOS = [
    Scenario("ada"),
    Scenario("ben", blank=True),
    Scenario("cai", ("test_linear_forward/batch handled as x @ W + b",)),
    Scenario(
        "dee",
        (
            "test_activations/np.exp(-x) overflows for very negative x",
            "test_activation_limits/ReLU's upper limit given as a finite number",
        ),
    ),
    Scenario("eli", ("test_avg_pool2d/max instead of mean",)),
    Scenario(
        "fay", ("test_activation_grads/relu_grad(0) == 1", "test_activation_grads/tanh_grad as 1 - tanh(x)")
    ),
    Scenario(
        "gus", ("test_cross_entropy_grad/sign flipped", "test_softmax/no max-shift, so overflow to nan")
    ),
    Scenario("hal", ("test_vgg_shapes/ReLU rows left out", "test_param_counts/bias forgotten")),
    Scenario("ivy", ("test_backprop_functions/summed gradient without / batch size",)),
    Scenario("jon", late=True),
    Scenario("kim", code=ENDLESS_SOFTMAX, about="an endless loop"),
    Scenario("lou", damaged="part1_exam_questions"),
    Scenario("max", copied_test_cell="test_true_false"),
    Scenario("pat", code=RELU_GRAD_AS_RELU, about="relu_grad returns ReLU (uncatalogued: diagnosed)"),
    Scenario("ray", copies="nia", about="nia's work, copied: variables renamed, code laid out anew"),
]


def _answered(release: NotebookNode, source: NotebookNode) -> NotebookNode:
    """The released notebook with every answer cell holding the source's solution."""
    nb = copy.deepcopy(release)
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in solutions:
            lines = solutions[grade_id].splitlines()
            cell.source = "\n".join(line for line in lines if line.strip() not in SOLUTION_MARKERS)
    return nb


def _catalogue() -> dict[str, tuple[str, Mistake]]:
    """Every catalogued mistake by "grade_id/name" (the first, where a part has two of a name)."""
    found: dict[str, tuple[str, Mistake]] = {}
    for grade_id, mistake in part_mistakes():
        found.setdefault(f"{grade_id}/{mistake.name}", (grade_id, mistake))
    return found


def _extras(shown: set[str]) -> list[Scenario]:
    """Students for the catalogued mistakes no scenario shows: one mistake per part each."""
    extras: list[list[str]] = []
    for key in _catalogue():
        if key in shown:
            continue
        grade_id = key.split("/", 1)[0]
        home = next((s for s in extras if all(k.split("/", 1)[0] != grade_id for k in s)), None)
        if home is None:
            home = []
            extras.append(home)
        home.append(key)
    if len(extras) > len(EXTRA_NAMES):
        raise ValueError(f"the demo class needs {len(extras)} extra students; name more in EXTRA_NAMES")
    return [Scenario(name, tuple(keys)) for name, keys in zip(EXTRA_NAMES, extras, strict=False)]


def scenarios() -> list[Scenario]:
    """The demo class: the scenarios, then the students who show the rest of the catalogue."""
    shown = {key for s in SCENARIOS for key in s.mistakes}
    unknown = shown - set(_catalogue())
    if unknown:
        raise ValueError(f"demo scenarios name mistakes the catalogue does not have: {sorted(unknown)}")
    return SCENARIOS + _extras(shown)


def _notebooks(scenario: Scenario, release: dict[str, NotebookNode], source: dict[str, NotebookNode]):
    if scenario.copies:
        original = next(s for s in scenarios() if s.student == scenario.copies)
        for name, nb in _notebooks(original, release, source):
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution", True):
                    cell.source = disguised(cell.source)
            yield name, nb
        return
    catalogue = _catalogue()
    extra = scenario.student in EXTRA_NAMES
    for name in release:
        nb = copy.deepcopy(release[name]) if scenario.blank else _answered(release[name], source[name])
        for key in scenario.mistakes:
            grade_id, mistake = catalogue[key]
            if grade_id not in _grade_ids(nb):
                continue
            # A scenario's mistakes are written as a student would; an extra student's each
            # live only in their own part, so that several share one notebook.
            nb = with_mistake_in_part(nb, mistake, grade_id) if extra else with_code(nb, mistake.code)
        if scenario.code and _defines(nb, scenario.code):
            nb = with_code(nb, scenario.code)
        copied = [c for c in nb.cells if _grade_id(c) == scenario.copied_test_cell]
        nb.cells += [copy.deepcopy(c) for c in copied]
        yield name, nb


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _grade_ids(nb: NotebookNode) -> set[str]:
    return {_grade_id(c) for c in nb.cells} - {None}


def _defines(nb: NotebookNode, code: str) -> bool:
    """Does an answer cell of `nb` define one of the names `code` defines?"""
    names = defined_names(code)
    return any(
        c.metadata.get("nbgrader", {}).get("solution") and defined_names(c.source) & names for c in nb.cells
    )


def _unique_ids(nb: NotebookNode) -> NotebookNode:
    """Cells added or copied get ids of their own, as JupyterLab gives them."""
    seen: set[str] = set()
    for cell in nb.cells:
        if cell.get("id") in seen:
            cell.id = random_cell_id()
        seen.add(cell.get("id"))
    return nb


def write(release_dir: Path, source_dir: Path, submitted: Path, assignment: str) -> list[str]:
    """Hand in the demo class: `submitted/<student>/<assignment>/`; return the students."""
    release = {p.stem: read(p) for p in sorted(release_dir.glob("*.ipynb"))}
    source = {p.stem: read(p) for p in sorted(source_dir.glob("*.ipynb"))}
    students = []
    for scenario in scenarios():
        folder = submitted / scenario.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for name, nb in _notebooks(scenario, release, source):
            text = nbformat.writes(_unique_ids(nb)) + "\n"
            if scenario.damaged == name:
                text = text[:DAMAGED_BYTES]
            (folder / f"{name}.ipynb").write_text(text)
        (folder / "timestamp.txt").write_text(LATE if scenario.late else ON_TIME)
        students.append(scenario.student)
    return students


def describe() -> str:
    """One line per demo student, for the instructor's run."""
    lines = []
    for s in scenarios():
        what = [key.split("/", 1)[1] for key in s.mistakes]
        what += ["blank notebooks"] * s.blank + ["late"] * s.late + [s.about] * bool(s.about)
        what += [f"{s.damaged} cut off mid-upload"] * bool(s.damaged)
        what += [f"a copied {s.copied_test_cell} cell"] * bool(s.copied_test_cell)
        lines.append(f"  {s.student}: {', '.join(what) or 'full marks'}")
    return "\n".join(lines)
