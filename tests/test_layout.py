"""The package's layout shows its parts: no import cycle, torch only where grading
happens, and a documented architecture (docs/architecture.md) that names every module."""

import ast
import re
import subprocess
import sys
from pathlib import Path

from helpers import REPO

PACKAGE = REPO / "graders"
# Where torch may be imported: the questions (their references) and the grading run
# (which imports them once before its workers fork).
TORCH_ALLOWED = ("graders.questions", "graders.instructor.grading")
RESULT_WRITERS = [
    "graders.autograde.record",
    "graders.instructor.results",
    "graders.instructor.exports",
    "graders.instructor.class_report",
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_no_import_cycle_in_the_package():
    modules = _modules()
    graph = {name: {i for i in _imports(p) if i in modules and i != name} for name, p in modules.items()}
    # A package's __init__ is imported with any of its modules: count that edge too.
    for name in modules:
        parent = name.rsplit(".", 1)[0]
        if parent != name and parent in modules and parent != "graders":
            graph[name].add(parent)
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for nxt in graph[name]:
            assert state.get(nxt) != 1, f"import cycle: {' -> '.join([*path, name, nxt])}"
            if nxt not in state:
                visit(nxt, [*path, name])
        state[name] = 2

    for name in modules:
        if name not in state:
            visit(name, [])


def _package(name: str) -> str:
    """The subpackage a module belongs to ("graders.autograde"), or the module itself at the top."""
    return ".".join(name.split(".")[:2])


def test_no_import_cycle_between_packages():
    """No subpackage imports one that imports it back (modules may be acyclic while their
    packages are not: autograde -> practice -> autograde was one)."""
    graph: dict[str, set[str]] = {}
    for name, path in _modules().items():
        for target in _imports(path):
            if target.startswith("graders.") and _package(target) != _package(name):
                graph.setdefault(_package(name), set()).add(_package(target))

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(
        f"{a} -> {b} -> ... -> {a}" for a, targets in graph.items() for b in targets if reaches(b, a, {b})
    )
    assert cycles == [], cycles


def test_only_grading_modules_import_torch():
    importers = [name for name, p in _modules().items() if "torch" in {i.split(".")[0] for i in _imports(p)}]
    assert importers and all(name.startswith(TORCH_ALLOWED) for name in importers), importers


def test_result_writers_load_neither_torch_nor_the_questions():
    code = f"import sys\nfor m in {RESULT_WRITERS!r}: __import__(m)\n"
    code += "print(sorted(m for m in sys.modules if m.startswith(('torch', 'graders.questions'))))"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_documented_architecture_names_every_module_and_only_modules_that_exist():
    readme = (REPO / "docs" / "architecture.md").read_text()
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(graders/[\w/]+\.py)`", section))
    existing = {str(p.relative_to(REPO)) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}
    existing -= {str(p.relative_to(REPO)) for p in (PACKAGE / "questions").glob("*.py")}
    assert named <= existing | {f"graders/questions/{p.name}" for p in (PACKAGE / "questions").glob("*.py")}
    assert existing <= named, f"not in docs/architecture.md: {sorted(existing - named)}"
