"""Authoring the course's questions: a new question from a scaffold, and the test cells'
points kept equal to the questions' (the question is the one source of truth).

`python -m graders new-question ID --notebook NAME` writes `graders/questions/ID.py`, a
question the whole pipeline grades as it is, and appends its cells to the source
notebook; `python -m graders points --write` rewrites every test cell's points from
its question.
"""

import importlib
import keyword
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from graders import questions
from graders.instructor import question_kinds
from graders.instructor.course import Course, CourseError, read

QUESTIONS_DIR = Path(questions.__file__).parent


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


def new_question(
    course: Course,
    assignment: str,
    name: str,
    notebook: str,
    title: str = "",
    kind: str = "function",
    student: str | None = None,
    signature: str = "x",
    integer: bool = False,
    multiple: bool = False,
) -> list[Path]:
    """Write the question's module (of `kind`, see question_kinds.py) and append its cells;
    return the files written."""
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
        raise CourseError(f"{name!r} is not a question id: use a Python name, such as batchnorm_forward")
    student = student or (name if kind == "function" else name.upper())
    if not student.isidentifier() or keyword.iskeyword(student):
        raise CourseError(f"{student!r} cannot be the name a student defines: use a Python name")
    module = QUESTIONS_DIR / f"{name}.py"
    if module.exists():
        raise CourseError(f"{module} exists already: pick another id, or edit that question")
    path = course.folder("source") / assignment / f"{notebook}.ipynb"
    nb = read(path) if path.is_file() else _new_notebook(course, assignment, notebook)
    taken = _grade_ids(nb) & {name, f"test_{name}", f"{name}_text"}
    if taken:
        raise CourseError(f"{path.name} already has cells with grade_id {sorted(taken)}")
    title = title or name
    try:
        if kind == "function":
            scaffold = question_kinds.function(name, student, title, notebook, signature)
        elif kind == "number":
            scaffold = question_kinds.number(name, student, title, notebook, integer)
        elif kind == "choice":
            scaffold = question_kinds.choice(name, student, title, notebook, multiple)
        else:
            raise CourseError(
                f"no kind of question {kind!r}: the kinds are {', '.join(question_kinds.KINDS)}"
            )
    except ValueError as error:
        raise CourseError(str(error)) from None
    module.write_text(scaffold.module)
    importlib.invalidate_caches()
    part = importlib.import_module(f"graders.questions.{name}").PARTS[0]
    nb.cells += [
        new_markdown_cell(scaffold.task, metadata=_nbgrader(f"{name}_text")),
        new_code_cell(scaffold.solution, metadata=_nbgrader(name, True, locked=False)),
        new_code_cell(scaffold.check, metadata=_nbgrader(part.grade_id, points=part.points)),
    ]
    nbformat.write(nb, path)
    return [module, path]


def _new_notebook(course: Course, assignment: str, notebook: str) -> NotebookNode:
    others = sorted((course.folder("source") / assignment).glob("*.ipynb"))
    nb = new_notebook(metadata=read(others[0]).metadata if others else {})
    intro = "import numpy as np"
    nb.cells.append(new_code_cell(intro, metadata=_nbgrader(f"{notebook}_imports")))
    return nb


OPTION_LINES = re.compile(r"(?:^- \*\*\([a-z]\)\*\* .*(?:\n|$))+", re.M)


def _options_from_question(cell: NotebookNode) -> str | None:
    """A scaffolded choice question's task text with its options made from the question's
    OPTIONS (the task cell is `<question>_text`); None where that does not apply."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    if cell.cell_type != "markdown" or not grade_id.endswith("_text"):
        return None
    module = next((m for m in questions.modules() if m.__name__.endswith(f".{grade_id[:-5]}")), None)
    if module is None or not hasattr(module, "OPTIONS") or not OPTION_LINES.search(cell.source):
        return None
    listed = question_kinds.options_text(module.OPTIONS) + "\n"
    return OPTION_LINES.sub(lambda _: listed, cell.source, count=1).rstrip("\n")


def point_mismatches(course: Course, assignment: str) -> list[str]:
    """Each test cell whose points differ from its question's, each question without a cell, and
    each choice question whose listed options are not its OPTIONS."""
    problems, found = [], set()
    for path in sorted((course.folder("source") / assignment).glob("*.ipynb")):
        for cell in read(path).cells:
            options = _options_from_question(cell)
            if options is not None and options != cell.source:
                problems.append(
                    f"{path.name}: {cell.metadata.nbgrader['grade_id']} lists other options "
                    "than its question's OPTIONS"
                )
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
            options = _options_from_question(cell)
            if options is not None and options != cell.source:
                changed.append(f"{path.name}: {cell.metadata.nbgrader['grade_id']} options from its question")
                cell.source, dirty = options, True
            meta = cell.metadata.get("nbgrader", {})
            part = questions.REGISTRY.get(meta.get("grade_id"))
            if part and meta.get("grade") and cell.cell_type == "code" and meta.get("points") != part.points:
                changed.append(f"{path.name}: {part.grade_id} {meta.get('points')} -> {part.points:g}")
                meta["points"] = _whole(part.points)
                dirty = True
        if dirty:
            nbformat.write(nb, path)
    return changed
