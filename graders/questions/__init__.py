"""The course's questions, one module each, discovered rather than listed.

A question module holds everything about one exam question: its givens (the
exam's numbers), its torch reference, its probes, items and points, its
catalogued mistakes (`required=True` for those the exam's key asks to name), the
notebook its cells live in (`NOTEBOOK`), its `PARTS`, one per autograder test
cell, the labels of its cells graded by hand (`HAND_GRADED`, if any), and how its
numbers vary for practice (`VARIANT`, if they do: the exam's givens and a draw).
`python -m graders new-question ID` writes a new one.
"""

import importlib
import pkgutil
from types import ModuleType

from graders.autograde.model import Part


def modules() -> list[ModuleType]:
    """Every question module of this package (a module with PARTS), by name."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "PARTS"):
            found.append(module)
    return found


def _registry() -> dict[str, Part]:
    registry: dict[str, Part] = {}
    for module in modules():
        for part in module.PARTS:
            if part.grade_id in registry:
                raise ValueError(f"grade_id {part.grade_id!r} is claimed by two questions")
            part.notebook = module.NOTEBOOK
            part.variant = getattr(module, "VARIANT", None)
            part.question = module.__name__.rsplit(".", 1)[-1]
            registry[part.grade_id] = part
    return registry


REGISTRY: dict[str, Part] = _registry()


def labels() -> dict[str, str]:
    """What each graded cell is called in feedback and result files, by grade_id: the parts'
    titles, and the labels of the cells graded by hand (a question's HAND_GRADED)."""
    found = {grade_id: part.title for grade_id, part in REGISTRY.items()}
    for module in modules():
        found.update(getattr(module, "HAND_GRADED", {}))
    return found
