"""Build student submissions from the source notebooks: right ones, and ones with
a catalogued mistake in them. The demo class and the tests are made this way.
"""

import ast
import copy
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from graders.autograde.model import Mistake
from graders.autograde.registry import registry
from graders.instructor.course import read


def solution_namespace(notebook: Path, extra_code: str = "") -> dict:
    """Run a source notebook's code cells (and extra_code) in a fresh namespace: what a student
    who knows every answer defines."""
    import matplotlib

    matplotlib.use("Agg")
    ns: dict = {}
    for cell in read(notebook).cells:
        nbg = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and not nbg.get("grade"):
            exec(cell.source.replace("%matplotlib inline", ""), ns)
    if extra_code:
        exec(extra_code, ns)
    return ns


def defined_names(source: str) -> set[str]:
    """Top-level names a cell assigns or defines (tolerates IPython magics)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _solution_cells(nb: NotebookNode) -> list[NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


def with_code(nb: NotebookNode, code: str) -> NotebookNode:
    """The notebook with `code` appended to each solution cell that defines one of its names.

    Like a student who wrote it that way: whatever later cells compute from those
    names is computed from the new code.
    """
    nb = copy.deepcopy(nb)
    names = defined_names(code)
    cells = [c for c in _solution_cells(nb) if defined_names(c.source) & names]
    if not cells:
        raise ValueError(f"no solution cell defines any of {sorted(names)}")
    for cell in cells:
        cell.source = f"{cell.source}\n\n{code}"
    return nb


def with_mistake_in_part(nb: NotebookNode, mistake: Mistake, grade_id: str) -> NotebookNode:
    """The notebook with `mistake` live only while the test cell `grade_id` runs.

    The mistake's code goes in a cell just before that test cell, and the right
    definitions are restored just after it, so exactly one part sees the mistake.
    """
    nb = copy.deepcopy(nb)
    names = defined_names(mistake.code)
    restore = [c.source for c in _solution_cells(nb) if defined_names(c.source) & names]
    index = next(
        i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    nb.cells.insert(index + 1, new_code_cell("\n\n".join(restore)))
    nb.cells.insert(index, new_code_cell(mistake.code))
    return nb


def part_mistakes() -> list[tuple[str, Mistake]]:
    """Every (grade_id, mistake) pair of the catalogue, each mistake once per part."""
    import numpy as np

    pairs = []
    for grade_id, part in registry().items():
        seen = set()
        for item in part.items(np.random.default_rng(0)):
            for mistake in item.mistakes:
                if mistake.code not in seen:
                    seen.add(mistake.code)
                    pairs.append((grade_id, mistake))
    return pairs


def notebook_of(source_dir: Path, grade_id: str) -> Path:
    """The source notebook that holds the test cell `grade_id`."""
    for path in sorted(source_dir.glob("*.ipynb")):
        if any(c.metadata.get("nbgrader", {}).get("grade_id") == grade_id for c in read(path).cells):
            return path
    raise KeyError(grade_id)


class _Renamed(ast.NodeTransformer):
    """Every argument and local variable of a function renamed, as a copier disguises code."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:  # noqa: N802 (ast's name)
        if node.id in self.names:
            node.id = f"my_{node.id.lower()}"
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        if node.arg in self.names:
            node.arg = f"my_{node.arg.lower()}"
        return node


def disguised(source: str) -> str:
    """`source` as a student who copied it hands it in: each function's arguments and local
    variables renamed, the code laid out anew (comments gone); unchanged if it is not Python."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.Lambda)]:
        names = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        names |= {
            n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        for statement in function.body if isinstance(function.body, list) else [function.body]:
            _Renamed(names).visit(statement)
        _Renamed(names).visit(function.args)
    return ast.unparse(tree)
