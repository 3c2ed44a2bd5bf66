"""Finding a course's questions: every module of a questions package that declares
`QUESTION = Question(...)`, discovered on first use, one module at a time.

The engine does not know the course: the package is a setting (`c.CourseQuestions.questions`
for the nbgrader preprocessors, `graders.questions` by default). A module that cannot be
imported, declares a field wrongly, or catalogues a mistake its probes cannot tell from the
right answer is reported (file and field, once, on stderr) and skipped, so that the other
questions and every command that does not need it keep working; `python -m graders check`
lists every question with its problems.
"""

import difflib
import functools
import importlib
import pkgutil
import re
import sys
import traceback
from collections.abc import Iterator, Mapping
from types import ModuleType

import numpy as np

from graders.autograde.model import Part, describe_value, run
from graders.autograde.question import FIELDS, DeclarationError, Question

QUESTIONS = "graders.questions"  # the course's questions package, unless configured otherwise
DECLARATION = "QUESTION"  # the module-level name a question module declares itself under


class Registry(Mapping[str, Part]):
    """Every valid question's parts by grade_id, discovered on first use; `questions()` the
    questions themselves, `problems` what is wrong with the others (by module name)."""

    def __init__(self, package: str = QUESTIONS) -> None:
        self.package = package
        self._parts: dict[str, Part] | None = None
        self._questions: dict[str, Question] = {}
        self.problems: dict[str, list[str]] = {}

    def where(self, name: str) -> str:
        return f"{self.package.replace('.', '/')}/{name}.py"

    def _discover(self) -> dict[str, Part]:
        if self._parts is not None:
            return self._parts
        parts: dict[str, Part] = {}
        package = importlib.import_module(self.package)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            question, problems = self._load(info.name)
            if question is None and not problems:  # a helper module (tensors.py)
                continue
            for part in [] if question is None else question.parts:
                if part.grade_id in parts:
                    owner = self.where(parts[part.grade_id].question)
                    problems.append(
                        f"{self.where(info.name)}: parts: grade_id {part.grade_id!r} is already {owner}'s"
                    )
            if problems or question is None:
                self.problems[info.name] = problems
                continue
            self._questions[info.name] = question
            parts.update((p.grade_id, p) for p in question.parts)
        for problems in self.problems.values():
            for problem in problems:
                print(f"{problem}: question skipped (python -m graders check)", file=sys.stderr)
        self._parts = parts
        return parts

    def _load(self, name: str) -> tuple[Question | None, list[str]]:
        """The module's question (None for a helper module, or a broken one) and its problems."""
        where = self.where(name)
        try:
            module = importlib.import_module(f"{self.package}.{name}")
        except DeclarationError as error:
            return None, [f"{where}: {error}"]
        except TypeError as error:  # Question(...) with a field it does not have, or without one it needs
            return None, [f"{where}: {_signature_problem(error) or _import_problem(error)}"]
        except Exception as error:
            return None, [f"{where}: {_import_problem(error)}"]
        declared = getattr(module, DECLARATION, None)
        if declared is None:
            near = _near_miss(module)
            return None, [
                f"{where}: {near} is not a question field: did you mean {DECLARATION}?"
            ] if near else []
        if not isinstance(declared, Question):
            return None, [
                f"{where}: {DECLARATION} must be Question(notebook=..., parts=[...]), not {declared!r:.60}"
            ]
        question = declared.named(name)
        return question, indistinguishable(question, where)

    def questions(self) -> list[Question]:
        """Every valid question, by id."""
        self._discover()
        return list(self._questions.values())

    def question(self, id: str) -> Question:
        self._discover()
        return self._questions[id]

    def labels(self) -> dict[str, str]:
        """What each graded cell is called in feedback and result files, by grade_id: the parts'
        titles and the labels of the cells graded by hand."""
        return {k: v for q in self.questions() for k, v in q.labels.items()}

    def report(self) -> tuple[list[str], int]:
        """`python -m graders check`: a line per question (its parts, or its problems), and how
        many have problems."""
        lines = [
            f"{self.where(q.id)}: ok, {len(q.parts)} part(s)"
            + (f", {len(q.hand_graded)} graded by hand" if q.hand_graded else "")
            + f": {'; '.join([p.title for p in q.parts] + [h.label for h in q.hand_graded.values()])}"
            for q in self.questions()
        ]
        return sorted(lines + [p for ps in self.problems.values() for p in ps]), len(self.problems)

    def __getitem__(self, grade_id: str) -> Part:
        return self._discover()[grade_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._discover())

    def __len__(self) -> int:
        return len(self._discover())


@functools.cache
def registry(package: str = QUESTIONS) -> Registry:
    """The questions of `package`, one registry per process."""
    return Registry(package)


def _import_problem(error: Exception) -> str:
    return f"cannot be imported: {traceback.format_exception_only(type(error), error)[-1].strip()}"


def _signature_problem(error: TypeError) -> str | None:
    """Python's message for Question(...) called with a wrong field, as the author reads it."""
    text = str(error)
    if not text.startswith("Question.__init__()"):
        return None
    unknown = re.search(r"unexpected keyword argument '(\w+)'", text)
    if unknown:
        close = difflib.get_close_matches(unknown.group(1), FIELDS, n=1, cutoff=0.6)
        hint = f": did you mean {close[0]}?" if close else f" (the fields: {', '.join(FIELDS)})"
        return f"{unknown.group(1)} is not a question field{hint}"
    missing = re.findall(r"'(\w+)'", text.partition(":")[2])
    if "missing" in text and missing:
        return "; ".join(f"{name} missing ({FIELDS.get(name, '')})" for name in missing)
    return f"Question(...): {text.partition(' ')[2]}"


def _near_miss(module: ModuleType) -> str | None:
    """A module-level name that looks like a misspelt QUESTION (a question that forgot its name)."""
    names = [n for n in vars(module) if n.isupper() or isinstance(vars(module)[n], Question)]
    close = difflib.get_close_matches(DECLARATION, names, n=1, cutoff=0.75)
    return close[0] if close else None


def indistinguishable(question: Question, where: str) -> list[str]:
    """Each catalogued mistake whose code gives the right answers on every probe of the part's
    items that catalogue it: the probes can never name it. The two answers side by side."""
    problems = []
    for part in question.parts:
        hidden: dict[str, list] = {}  # mistake name -> (probe, the two answers) where it hides
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
                    hidden.setdefault(mistake.name, []).append((probe, right[probe.id], wrong))
        for name, cases in hidden.items():
            if len(cases) < seen[name]:
                continue  # another item of the part tells it apart
            probe, right, wrong = cases[0]
            problems.append(
                f"{where}: {part.title}: mistake {name!r} gives the right answers on every probe "
                f"of the part, so it can never be named: on {probe.describe()}, the reference gives "
                f"{describe_value(right)} | the mistake gives {describe_value(wrong)}. "
                "Add a probe that tells them apart."
            )
    return problems
