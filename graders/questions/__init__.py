"""The course's questions, one module each, discovered rather than listed.

A question module holds everything about one exam question: its givens (the
exam's numbers), its torch reference, its probes, items and points, its
catalogued mistakes (`required=True` for those the exam's key asks to name), the
notebook its cells live in (`NOTEBOOK`), its `PARTS`, one per autograder test
cell, the labels of its cells graded by hand (`HAND_GRADED`, if any), and how its
numbers vary for practice (`VARIANT`, if they do: the exam's givens and a draw).
`python -m graders new-question ID` writes a new one.

Discovery happens on first use, one module at a time: a module that cannot be imported or
lacks a field is reported (file and field, once, on stderr) and skipped, so the other
questions and every command that does not need it keep working; `python -m graders check`
lists every question with its problems.
"""

import difflib
import importlib
import pkgutil
import sys
import traceback
from collections.abc import Iterator, Mapping
from types import ModuleType

from graders.autograde.model import Part, WrongAnswer

FIELDS = {
    "PARTS": "a list of Part, one per autograded test cell",
    "NOTEBOOK": "the name of the notebook (without .ipynb) its cells live in",
    "HAND_GRADED": "optional: {grade_id: label} of its cells graded by hand",
    "VARIANT": "optional: how its numbers vary for practice",
    "PRACTICE_TASK": "optional: its task text for practice",
    "PRACTICE_SOLUTIONS": "optional: {grade_id: solution} where practice's differs",
    "WRONG_ANSWERS": "optional: WrongAnswer(grade_id, code, phrase) for each uncatalogued wrong answer",
}


def _where(name: str) -> str:
    return f"graders/questions/{name}.py"


def _problems_of(name: str, module: ModuleType) -> list[str]:
    """What is wrong with a question module's declaration: each message names the field."""
    where, problems = _where(name), []
    parts = getattr(module, "PARTS", None)
    if parts is None:
        problems.append(f"{where}: PARTS missing ({FIELDS['PARTS']})")
    elif not isinstance(parts, list | tuple) or not parts or not all(isinstance(p, Part) for p in parts):
        problems.append(f"{where}: PARTS must be {FIELDS['PARTS']}, not {parts!r:.80}")
    notebook = getattr(module, "NOTEBOOK", None)
    if not isinstance(notebook, str) or not notebook:
        problems.append(
            f"{where}: NOTEBOOK {'missing' if notebook is None else 'must be a name'} ({FIELDS['NOTEBOOK']})"
        )
    hand = getattr(module, "HAND_GRADED", {})
    if not isinstance(hand, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in hand.items()
    ):
        problems.append(f"{where}: HAND_GRADED must be {{grade_id: label}}")
    own = {p.grade_id for p in parts} if isinstance(parts, list | tuple) else set()
    for wrong in getattr(module, "WRONG_ANSWERS", []):
        if not isinstance(wrong, WrongAnswer) or wrong.grade_id not in own:
            problems.append(f"{where}: WRONG_ANSWERS must hold {FIELDS['WRONG_ANSWERS']} of its own parts")
            break
    for field in [n for n in vars(module) if n.isupper() and n not in FIELDS]:
        close = difflib.get_close_matches(field, FIELDS, n=1, cutoff=0.8)
        if close and not hasattr(module, close[0]):
            problems.append(f"{where}: {field} is not a question field: did you mean {close[0]}?")
    return problems


def _is_question(module: ModuleType) -> bool:
    """A module that declares PARTS or NOTEBOOK (or a near miss of either) is a question; the
    rest are helpers."""
    names = [n for n in vars(module) if n.isupper()]
    return any(difflib.get_close_matches(f, names, n=1, cutoff=0.8) for f in ("PARTS", "NOTEBOOK"))


class Registry(Mapping):
    """Every valid question's parts by grade_id, discovered on first use."""

    def __init__(self) -> None:
        self._parts: dict[str, Part] | None = None
        self._modules: list[ModuleType] = []
        self.problems: dict[str, list[str]] = {}  # module name -> what is wrong with it

    def _discover(self) -> dict[str, Part]:
        if self._parts is not None:
            return self._parts
        parts: dict[str, Part] = {}
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            try:
                module = importlib.import_module(f"{__name__}.{info.name}")
            except Exception as error:
                line = traceback.format_exception_only(type(error), error)[-1].strip()
                self.problems[info.name] = [f"{_where(info.name)}: cannot be imported: {line}"]
                continue
            if not _is_question(module):  # a helper module (tensors.py)
                continue
            problems = _problems_of(info.name, module)
            for part in [] if problems else module.PARTS:
                if part.grade_id in parts:
                    problems.append(
                        f"{_where(info.name)}: PARTS: grade_id {part.grade_id!r} is already "
                        f"{_where(parts[part.grade_id].question)}'s"
                    )
            if problems:
                self.problems[info.name] = problems
                continue
            for part in module.PARTS:
                part.notebook = module.NOTEBOOK
                part.variant = getattr(module, "VARIANT", None)
                part.question = info.name
                parts[part.grade_id] = part
            self._modules.append(module)
        for problems in self.problems.values():
            for problem in problems:
                print(f"{problem}: question skipped (python -m graders check)", file=sys.stderr)
        self._parts = parts
        return parts

    def __getitem__(self, grade_id: str) -> Part:
        return self._discover()[grade_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._discover())

    def __len__(self) -> int:
        return len(self._discover())

    def modules(self) -> list[ModuleType]:
        self._discover()
        return list(self._modules)


REGISTRY = Registry()


def modules() -> list[ModuleType]:
    """Every valid question module of this package, by name."""
    return REGISTRY.modules()


def labels() -> dict[str, str]:
    """What each graded cell is called in feedback and result files, by grade_id: the parts'
    titles, and the labels of the cells graded by hand (a question's HAND_GRADED)."""
    found = {grade_id: part.title for grade_id, part in REGISTRY.items()}
    for module in modules():
        found.update(getattr(module, "HAND_GRADED", {}))
    return found


def indistinguishable(name: str, module: ModuleType) -> list[str]:
    """Each catalogued mistake whose code gives the right answers on every probe of its item:
    the probes cannot tell it from the right answer (run here, not at discovery: it runs the
    torch references). The two answers are shown side by side."""
    import numpy as np

    from graders.autograde.model import describe_value, run

    problems = []
    for part in module.PARTS:
        hidden: dict[str, list] = {}  # mistake name -> (item, its probe's two answers) where it hides
        seen: dict[str, int] = {}
        for item in part.items(np.random.default_rng(0)):
            if item.reference is None or item.judge is not None:
                continue
            right = {probe.id: item.expected(probe) for probe in item.probes}
            for mistake in item.mistakes:
                if mistake.detect is not None:
                    continue
                seen[mistake.name] = seen.get(mistake.name, 0) + 1
                if item.matches(mistake, right):
                    probe = item.probes[0]
                    wrong = run(mistake.namespace()[probe.name], probe.args)
                    hidden.setdefault(mistake.name, []).append((item, probe, right[probe.id], wrong))
        for name_, cases in hidden.items():
            if len(cases) < seen[name_]:
                continue  # another item of the part tells it apart
            item, probe, right, wrong = cases[0]
            problems.append(
                f"{_where(name)}: {part.title}: mistake {name_!r} gives the right answers on every probe "
                f"of the part, so it can never be named: on {probe.describe()}, the reference gives "
                f"{describe_value(right)} | the mistake gives {describe_value(wrong)}. "
                "Add a probe that tells them apart."
            )
    return problems


def report() -> tuple[list[str], int]:
    """`python -m graders check`: a line per question (its parts, or its problems: a field, or
    a mistake the probes cannot tell from the right answer), and how many have problems."""
    REGISTRY._discover()
    lines, broken = [], len(REGISTRY.problems)
    for module in modules():
        name = module.__name__.rsplit(".", 1)[-1]
        found = indistinguishable(name, module)
        broken += bool(found)
        titles = [p.title for p in module.PARTS]
        lines += found or [f"{_where(name)}: ok, {len(titles)} part(s): {'; '.join(titles)}"]
    for problems in REGISTRY.problems.values():
        lines += problems
    return sorted(lines), broken
