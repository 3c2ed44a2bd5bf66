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
from graders.autograde.question import Question
from graders.autograde.registry import Registry
from graders.instructor import question_kinds
from graders.instructor.course import Course, CourseError, read

QUESTIONS_PACKAGE = questions.__name__  # where new-question writes (the course's own package)
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
    **options: str | bool,
) -> list[Path]:
    """Write the question's module (of `kind`, see question_kinds.py) and append its cells;
    return the files written. `options`: the kind's own (signature, integer, multiple)."""
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
        raise CourseError(f"{name!r} is not a question id: use a Python name, such as batchnorm_forward")
    if kind not in question_kinds.KINDS:
        raise CourseError(f"no kind of question {kind!r}: the kinds are {', '.join(question_kinds.KINDS)}")
    student = student or question_kinds.student_name(kind, name)
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
    try:
        scaffold = question_kinds.KINDS[kind](name, student, title or name, notebook, **options)
    except ValueError as error:
        raise CourseError(str(error)) from None
    module.write_text(scaffold.module)
    importlib.invalidate_caches()
    question = importlib.import_module(f"{QUESTIONS_PACKAGE}.{name}").QUESTION
    nb.cells.append(new_markdown_cell(scaffold.task, metadata=_nbgrader(f"{name}_text")))
    if scaffold.check is None:  # an answer a person grades: nbgrader's manually graded answer
        points = question.hand_graded[name].points
        nb.cells.append(new_markdown_cell(scaffold.solution, metadata=_nbgrader(name, True, points, False)))
    else:
        part = question.parts[0]
        nb.cells += [
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


def _listed(cell: NotebookNode, registry: Registry) -> str | None:
    """A scaffolded question's task text with its list made from the question (a choice's
    options, a true/false question's statements; the task cell is `<question>_text`); None where
    that does not apply."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    if cell.cell_type != "markdown" or not grade_id.endswith("_text"):
        return None
    question = next((q for q in registry.questions() if q.id == grade_id[:-5]), None)
    if question is None:
        return None
    for pattern, listed in _lists(question):
        if pattern.search(cell.source):
            return pattern.sub(lambda _, text=listed: text + "\n", cell.source, count=1).rstrip("\n")
    return None


def _lists(question: Question) -> list[tuple[re.Pattern, str]]:
    found = []
    if question.options:
        found.append((question_kinds.OPTION_LINES, question_kinds.options_text(question.options)))
    if question.statements:
        found.append((question_kinds.STATEMENT_LINES, question_kinds.statements_text(question.statements)))
    return found


def _hand_points(registry: Registry) -> dict[str, float]:
    return {k: h.points for q in registry.questions() for k, h in q.hand_graded.items()}


def _points_of(cell: NotebookNode, registry: Registry, hand: dict[str, float]) -> tuple[str, float] | None:
    """(grade_id, the points its question gives) of a graded cell of one of the questions."""
    meta = cell.metadata.get("nbgrader", {})
    grade_id = meta.get("grade_id")
    if not meta.get("grade"):
        return None
    if cell.cell_type == "code" and grade_id in registry:
        return grade_id, registry[grade_id].points
    if meta.get("solution") and grade_id in hand:
        return grade_id, hand[grade_id]
    return None


def point_mismatches(course: Course, assignment: str) -> list[str]:
    """Each graded cell whose points differ from its question's, each question's part without a
    cell, and each scaffolded task whose list (options, statements) is not its question's."""
    registry, problems, found = course.questions, [], set()
    hand = _hand_points(registry)
    for path in sorted((course.folder("source") / assignment).glob("*.ipynb")):
        for cell in read(path).cells:
            listed = _listed(cell, registry)
            if listed is not None and listed != cell.source:
                problems.append(
                    f"{path.name}: {cell.metadata.nbgrader['grade_id']} lists other options or "
                    "statements than its question's"
                )
            points = _points_of(cell, registry, hand)
            if points is None:
                continue
            found.add(points[0])
            if float(cell.metadata.nbgrader.get("points", 0)) != points[1]:
                problems.append(
                    f"{path.name}: {points[0]} has {cell.metadata.nbgrader.get('points')} points, "
                    f"its question {points[1]:g}"
                )
    for grade_id, part in registry.items():
        if (
            grade_id not in found
            and (course.folder("source") / assignment / f"{part.notebook}.ipynb").is_file()
        ):
            problems.append(
                f"{part.notebook}.ipynb has no test cell {grade_id} (its question is "
                f"{registry.where(part.question)})"
            )
    return problems


def write_points(course: Course, assignment: str) -> list[str]:
    """Rewrite each graded cell's points (and each scaffolded task's list) from its question;
    return what changed."""
    registry, changed = course.questions, []
    hand = _hand_points(registry)
    for path in sorted((course.folder("source") / assignment).glob("*.ipynb")):
        nb, dirty = read(path), False
        for cell in nb.cells:
            listed = _listed(cell, registry)
            if listed is not None and listed != cell.source:
                changed.append(f"{path.name}: {cell.metadata.nbgrader['grade_id']} list from its question")
                cell.source, dirty = listed, True
            points = _points_of(cell, registry, hand)
            if points and cell.metadata.nbgrader.get("points") != points[1]:
                changed.append(
                    f"{path.name}: {points[0]} {cell.metadata.nbgrader.get('points')} -> {points[1]:g}"
                )
                cell.metadata.nbgrader["points"] = _whole(points[1])
                dirty = True
        if dirty:
            nbformat.write(nb, path)
    return changed
