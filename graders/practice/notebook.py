"""The practice assignment's notebook, generated from the exam's source and the questions
whose numbers vary (`python -m graders practice-notebook` writes
source/cv_practice/practice.ipynb; a test holds the committed one to this).

Each practised question brings its heading and a cell that shows its task with the
student's own numbers (`practice.task("1a")`: its practice_task, filled in by the service);
each of its parts the exam's solution cell that precedes its test cell (or the question's
practice_solutions where the exam's writes its numbers out) and a test cell with the part's
points, a check of that part alone (`practice.check("1a linear_forward")`) and only hidden
tests: the grading happens outside, as for the exam. The first cell loads the student's own
numbers; the last one checks every part, a line each.
"""

from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from graders.autograde.model import Part
from graders.autograde.registry import Registry, registry
from graders.practice import variants
from graders.practice.state import ASSIGNMENT, STATE_FILE
from graders.practice.tasks import label

NOTEBOOK = "practice"
EXAM_NOTEBOOK = "exam"  # a variant exam's
EXAM = "cv_exam"

INTRO = f"""# Practice: the exam's questions on your own numbers

The first code cell loads **your own numbers** (each student has theirs) and shows them.
Each task below is shown with your numbers. Answer it, then run the check cell under your
answer: within a second it says right, wrong, or wrong *with the name of the mistake*, and
a hint. The **Check** cell at the end gives one line a part (right, wrong, not answered
yet). The answers never reach this notebook: the checks run on the instructor's side.

Want new numbers? Run `practice.new_variant()` in a cell, then run the notebook again
from the top and check. How many variants you tried is handed in with your work
(`{STATE_FILE}`); the grading uses the numbers of your last variant."""

SETUP = """import numpy as np
from cvexam_student.practice import Practice

practice = Practice()  # your numbers: LINEAR_IN, LINEAR_OUT, IMAGE, STATEMENTS, A, X, T, LEARNING_RATE"""

EXAM_INTRO = """# Exam: the questions on your own numbers

Each student has **their own numbers**: the first code cell loads yours and shows them, and
each task below is shown with them. Answer every task with your numbers. There are no checks
here: your answers are graded after you hand the notebook in, on your numbers (answers
computed for someone else's numbers lose the points)."""

EXAM_SETUP = """import numpy as np
from cvexam_student.practice import Practice

exam = Practice(assignment={assignment!r}, checks=False)  # your numbers"""

CHECK = "## Check\n\nEvery part, a line each: right, wrong (with the mistake's name), or not answered yet."
NEW_VARIANT = (
    "## New numbers\n\nIn a new cell, run `practice.new_variant()`; then run the notebook again "
    "from the top (your answers are computed from the numbers, so they follow) and check."
)


def _exam_cells(course_root: Path) -> list[NotebookNode]:
    cells = []
    for path in sorted((course_root / "source" / EXAM).glob("*.ipynb")):
        cells += nbformat.read(path, as_version=4).cells
    return cells


def _solution_before(cells: list[NotebookNode], grade_id: str) -> NotebookNode:
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]
    at = ids.index(grade_id)
    return next(c for c in reversed(cells[:at]) if c.metadata.get("nbgrader", {}).get("solution"))


def _test_cell(part: Part, checks: bool) -> NotebookNode:
    first = (
        f"practice.check({part.title!r})  # this part only; graded outside your kernel when handed in"
        if checks
        else f"# {part.title}: graded after you hand the notebook in"
    )
    source = f"{first}\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS"
    cell = new_code_cell(source)
    cell.metadata.nbgrader = {
        "grade": True,
        "grade_id": part.grade_id,
        "locked": True,
        "points": part.points,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    return cell


def build(course_root: Path, assignment: str = ASSIGNMENT, questions: Registry | None = None) -> NotebookNode:
    """The practice notebook; or, for another `assignment`, a variant exam: the same tasks on
    each student's own numbers (keyed by the exam), with no checks and no new variants. Of the
    course's questions, or of `questions`."""
    questions = questions or registry()
    checks = assignment == ASSIGNMENT
    client = "practice" if checks else "exam"
    exam = _exam_cells(course_root)
    nb = new_notebook(metadata={"kernelspec": exam_kernelspec(course_root)})
    if checks:
        nb.cells = [new_markdown_cell(INTRO), new_code_cell(SETUP)]
    else:
        nb.cells = [new_markdown_cell(EXAM_INTRO), new_code_cell(EXAM_SETUP.format(assignment=assignment))]
    by_question: dict[str, list[Part]] = {}
    for part in variants.parts(questions):
        by_question.setdefault(part.question, []).append(part)
    for question, parts in by_question.items():
        declared = questions.question(question)
        overrides = declared.practice_solutions
        heading, _, _ = (declared.practice_task or "").partition("\n")
        nb.cells += [new_markdown_cell(heading), new_code_cell(f"{client}.task({label(parts[0].title)!r})")]
        for part in parts:
            solution = nbformat.from_dict(_solution_before(exam, part.grade_id))
            solution.pop("id", None)
            solution.pop("outputs", None)
            solution.execution_count = None
            solution.outputs = []
            solution.source = overrides.get(solution.metadata.nbgrader["grade_id"], solution.source)
            nb.cells += [solution, _test_cell(part, checks)]
    if checks:
        nb.cells += [
            new_markdown_cell(CHECK),
            new_code_cell("practice.check()"),
            new_markdown_cell(NEW_VARIANT),
        ]
    for i, cell in enumerate(nb.cells):
        cell.id = f"practice-{i}"
    return nb


def exam_kernelspec(course_root: Path) -> dict:
    first = sorted((course_root / "source" / EXAM).glob("*.ipynb"))[0]
    return dict(nbformat.read(first, as_version=4).metadata.get("kernelspec", {}))


def path(course_root: Path, assignment: str = ASSIGNMENT) -> Path:
    name = NOTEBOOK if assignment == ASSIGNMENT else EXAM_NOTEBOOK
    return course_root / "source" / assignment / f"{name}.ipynb"


def write(course_root: Path, assignment: str = ASSIGNMENT, questions: Registry | None = None) -> Path:
    target = path(course_root, assignment)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(build(course_root, assignment, questions), target)
    return target
