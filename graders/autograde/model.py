"""The grading model, on the grader's side: what a part checks and how a verdict is reached.

A part is a list of items. An item asks one question of the student's code (a
function on some probe inputs, or a constant) and compares each answer with the
torch reference. A failed item is matched against the part's catalogued mistakes:
each mistake is student-shaped code that the grader runs on the same probes; when
the student's answers match a mistake's, the feedback names it.
"""

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graders.autograde.diagnosis import Case, Diagnosis, Related, as_array, diagnose
from graders.autograde.record import ItemRecord, MistakeRecord, VerdictRecord

SHOWN_ELEMENTS = 12  # a larger array is described by its shape, not its values


@dataclass(frozen=True)
class Probe:
    """One question put to the student's kernel: read `name`, call it on `args`."""

    id: str
    name: str
    args: tuple | None = None
    note: str = ""

    def describe(self) -> str:
        if self.args is None:
            return self.name
        return f"{self.name} on {self.note}" if self.note else self.name


@dataclass(frozen=True)
class Outcome:
    """What one probe gave: a value, or why there is none."""

    value: Any = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    type_name: str = ""
    seconds: float = 0.0  # how long the student's code took for it


def run(fn: Callable, args: tuple | None) -> Outcome:
    """Run trusted code (the reference or a known mistake) the way the kernel runs the student's."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with np.errstate(over="warn", divide="warn", invalid="warn"):
                value = fn(*args) if args is not None else fn
        return Outcome(
            value=normalize(value),
            warnings=tuple(f"{w.category.__name__}: {w.message}" for w in caught),
            type_name=type(value).__name__,
        )
    except Exception as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}")


def normalize(value: Any) -> Any:
    """Numbers and nested sequences of numbers become float arrays; the rest stays."""
    if value is None or isinstance(value, str | dict):
        return value
    array = np.asarray(value)
    return array.astype(float) if array.dtype.kind in "biuf" else value


def values_match(got: Any, want: Any, atol: float, rtol: float) -> bool:
    if isinstance(want, str):
        return isinstance(got, str) and _letter(got) == _letter(want)
    if not isinstance(want, np.ndarray) or not isinstance(got, np.ndarray):
        return False
    if got.shape != want.shape:
        return False
    return bool(np.allclose(got, want, atol=atol, rtol=rtol, equal_nan=True))


def _letter(text: str) -> str:
    return text.strip().strip("().").strip().lower()


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: the code a student writes, and what to tell them.

    `code` defines the student's name(s) the wrong way; the grader runs it on the
    same probes, and tests and the demo class paste it into a submission. `detect`
    replaces that comparison where a mistake is a property of the answer
    (a plot drawn over the wrong range). `required`: the exam's key asks for this
    mistake to be named (a test holds the catalogue to it).
    """

    name: str
    hint: str
    code: str
    detect: Callable[[dict[str, "Outcome"]], bool] | None = None
    required: bool = False

    def namespace(self) -> dict:
        ns: dict = {"np": np}
        exec(compile(self.code, f"<mistake: {self.name}>", "exec"), ns)
        return ns


@dataclass(frozen=True)
class WrongAnswer:
    """A wrong answer no catalogued mistake names, as a student writes it (`code`, pasted after
    the solution of `grade_id`'s notebook), with a phrase its diagnosis must hold. A question
    lists its own (`Question(wrong_answers=...)`); the tests run every one."""

    grade_id: str
    code: str
    phrase: str


@dataclass
class Item:
    """One graded question: `reference` must agree with the student on every probe."""

    label: str
    points: float
    probes: Sequence[Probe]
    reference: Callable | None = None
    mistakes: Sequence[Mistake] = ()
    atol: float = 1e-6
    rtol: float = 1e-5
    no_warnings: bool = False
    view: Callable[[Any], Any] | None = None
    judge: Callable[[dict[str, Outcome]], str | None] | None = None
    related: Sequence[Related] = ()  # other functions of the family, for diagnosis
    entries: Sequence[str] | None = None  # answers are counts or sizes: their last axis's names

    def expected(self, probe: Probe) -> Outcome:
        return run(self.reference, probe.args)

    def failure(self, answers: dict[str, Outcome]) -> str | None:
        """Why the student's answers fail this item, or None when they pass."""
        if self.judge is not None:
            missing = [p for p in self.probes if answers[p.id].error]
            if missing:
                return _describe_error(missing[0], answers[missing[0].id])
            return self.judge(answers)
        for probe in self.probes:
            got, want = answers[probe.id], self.expected(probe)
            reason = self._mismatch(probe, got, want)
            if reason:
                return reason
        return None

    def _mismatch(self, probe: Probe, got: Outcome, want: Outcome) -> str | None:
        if got.error:
            return _describe_error(probe, got)
        if self.no_warnings and got.warnings:
            return f"{probe.describe()} emitted {got.warnings[0]}"
        got_value, want_value = self._viewed(got.value), self._viewed(want.value)
        if values_match(got_value, want_value, self.atol, self.rtol):
            return None
        return f"{probe.describe()} gave {_show(got_value, got.type_name)}" + _shape_note(
            got_value, want_value
        )

    def _viewed(self, value: Any) -> Any:
        if self.view is None:
            return value
        try:
            return normalize(self.view(value))
        except Exception:
            return None

    def diagnose(self, answers: dict[str, Outcome], siblings: Sequence["Item"] = ()) -> Diagnosis | None:
        """A relation between the student's answers and the reference's that holds on every probe
        of this item and of its `siblings` that ask the same function (all the evidence there is)."""
        if self.judge is not None or self.reference is None:
            return None
        same = [
            i for i in siblings if i is not self and i.reference is self.reference and i.view is self.view
        ]
        cases = []
        for item in [self, *same]:
            for probe in item.probes:
                got, want = answers[probe.id], item.expected(probe)
                if got.error or want.error:
                    return None
                got_value, want_value = as_array(item._viewed(got.value)), as_array(item._viewed(want.value))
                if got_value is None or want_value is None:
                    return None
                cases.append(Case(probe.args or (), got_value, want_value))
        name = f"Your {self.probes[0].name}" if self.probes else self.label
        return diagnose(name, self.reference, cases, self.related, self.entries)

    def shown_answer(self, answers: dict[str, Outcome]) -> str | None:
        """The student's answer to a one-value item (a choice, a number, a shape) as shown, for
        the item analysis and for spotting identical wrong answers; None for a function's item."""
        if len(self.probes) != 1 or self.probes[0].args is not None:
            return None
        got = answers[self.probes[0].id]
        if got.error:
            return None
        try:
            raw = got.value if self.view is None else self.view(got.value)
        except Exception:
            raw = None
        if isinstance(raw, np.ndarray) and raw.ndim == 0:
            raw = raw.item()
        if isinstance(raw, (bool, np.bool_)) or (got.type_name in ("bool", "bool_") and np.ndim(raw) == 0):
            # normalized (or sent over the wire as a number), a bool would read as 1 or 0
            return str(bool(raw))
        return _show(self._viewed(got.value), got.type_name)[:80]

    def expected_note(self, answers: dict[str, Outcome]) -> str | None:
        """The reference's answer on the first probe the student got wrong."""
        for probe in self.probes:
            want = self.expected(probe)
            if self._mismatch(probe, answers[probe.id], want):
                return f"Expected on {probe.describe()}: {_show(self._viewed(want.value), want.type_name)}."
        return None

    def matches(self, mistake: Mistake, answers: dict[str, Outcome]) -> bool:
        """Do the student's answers on this item's probes agree with the mistake's?"""
        if mistake.detect is not None:
            return mistake.detect(answers)
        ns = mistake.namespace()
        return all(
            probe.name in ns and self._agrees(answers[probe.id], run(ns[probe.name], probe.args))
            for probe in self.probes
        )

    def _agrees(self, got: Outcome, want: Outcome) -> bool:
        if got.error or want.error:
            return bool(got.error and want.error) and _error_type(got) == _error_type(want)
        if self.no_warnings and bool(got.warnings) != bool(want.warnings):
            return False
        return values_match(self._viewed(got.value), self._viewed(want.value), self.atol, self.rtol)


def _error_type(outcome: Outcome) -> str:
    return (outcome.error or "").split(":", 1)[0]


def _describe_error(probe: Probe, got: Outcome) -> str:
    if got.error and got.error.startswith("NameError"):
        return f"`{probe.name}` is not defined: did the cell that defines it run without errors?"
    return f"{probe.describe()} failed: {got.error}"


def describe_value(outcome: Outcome) -> str:
    """An outcome as the feedback shows a value (or its error)."""
    return outcome.error if outcome.error else _show(outcome.value, outcome.type_name)


def _show(value: Any, type_name: str) -> str:
    if isinstance(value, np.ndarray):
        if value.size > SHOWN_ELEMENTS:
            return f"an array of shape {value.shape}"
        if value.ndim == 0:
            return f"{value.item():g}"
        text = np.array2string(value, separator=", ", formatter={"float_kind": lambda v: f"{v:.4g}"})
        return text.replace("\n", "")
    if value is None:
        return "None" if type_name == "NoneType" else f"a value of type {type_name}"
    return repr(value)[:80]


def _shape_note(got: Any, want: Any) -> str:
    if isinstance(got, np.ndarray) and isinstance(want, np.ndarray):
        if got.shape != want.shape:
            if got.size > SHOWN_ELEMENTS:  # already shown as "an array of shape ..."
                return f" (expected shape {want.shape})"
            return f" (shape {got.shape}; expected shape {want.shape})"
        if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
            return " (nan or inf where a finite value is expected)"
        return " (wrong values)"
    return ""


@dataclass
class ItemResult:
    label: str
    points: float
    earned: float
    problem: str | None = None
    mistake: Mistake | None = None
    diagnosis: Diagnosis | None = None
    expected: str | None = None
    answer: str | None = None


@dataclass
class Verdict:
    """The grader's decision on one part: points per item and what to tell the student."""

    title: str
    results: list[ItemResult] = field(default_factory=list)
    note: str | None = None

    @property
    def points(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def earned(self) -> float:
        return round(min(sum(r.earned for r in self.results), self.points), 6)

    @property
    def mistakes(self) -> list[Mistake]:
        seen: dict[str, Mistake] = {}
        for r in self.results:
            if r.mistake:
                seen.setdefault(r.mistake.name, r.mistake)
        return list(seen.values())

    def record(self, grade_id: str, seconds: float = 0.0) -> VerdictRecord:
        """The verdict as plain data, as it travels to the result files."""
        return VerdictRecord(
            grade_id=grade_id,
            title=self.title,
            points=self.points,
            earned=self.earned,
            items=[
                ItemRecord(
                    r.label,
                    r.points,
                    r.earned,
                    r.problem,
                    r.mistake.name if r.mistake else None,
                    r.diagnosis.what if r.diagnosis else None,
                    r.diagnosis.hint if r.diagnosis else r.expected,
                    r.answer,
                )
                for r in self.results
            ],
            mistakes=[MistakeRecord(m.name, m.hint) for m in self.mistakes],
            note=self.note,
            seconds=round(seconds, 3),
        )


Givens = dict[str, Any]  # a question's numbers, by the names the student's notebook uses


@dataclass(frozen=True)
class Variant:
    """How a question's numbers vary: the exam's own, and a draw of new ones (practice).
    A question with a Variant builds its items from givens: `build(rng, givens)`."""

    exam: Givens
    draw: Callable[[np.random.Generator], Givens]

    def whose(self, givens: Givens) -> str:
        """How feedback names the givens: the exam's, or the student's own."""
        return "the exam's" if givens is self.exam else "your"


@dataclass(frozen=True, eq=False)  # one object per part: hashed by identity
class Part:
    """An exam part graded by one autograder test cell (`grade_id`): its title, and `build`, which
    makes its items (from an rng, and the givens where its question's numbers vary)."""

    grade_id: str
    title: str
    build: Callable[..., list[Item]]
    practice: bool = True  # asked in practice too (where its numbers vary)
    notebook: str = ""  # the question's notebook, bound by Question
    variant: Variant | None = None  # the question's variant, bound by Question
    question: str = ""  # the question's id (its module's name), bound when it is discovered

    def items(self, rng: np.random.Generator, givens: Givens | None = None) -> list[Item]:
        """The items on the exam's numbers, or on `givens` (a variant's) where the part varies."""
        if self.variant is None:
            return self.build(rng)
        return self.build(rng, self.variant.exam if givens is None else givens)

    @property
    def points(self) -> float:
        """The part's points: its items' points (the test cell's points are written from this)."""
        return sum(item.points for item in self.items(np.random.default_rng(0)))

    def grade(self, items: list[Item], answers: dict[str, Outcome], show_expected: bool = False) -> Verdict:
        """Each item against the reference; a failed one is matched with the catalogued mistakes,
        then, when none matches, diagnosed; `show_expected` adds the expected value after that."""
        verdict = Verdict(self.title)
        for item in items:
            result = ItemResult(item.label, item.points, item.points, item.failure(answers))
            result.answer = item.shown_answer(answers)
            if result.problem:
                result.earned = 0.0
                result.mistake = next((m for m in item.mistakes if item.matches(m, answers)), None)
                if result.mistake is None:
                    result.diagnosis = item.diagnose(answers, items)
                    if result.diagnosis is None and show_expected:
                        result.expected = item.expected_note(answers)
            verdict.results.append(result)
        return verdict

    def probes(self, items: list[Item]) -> list[Probe]:
        unique: dict[str, Probe] = {}
        for item in items:
            for probe in item.probes:
                unique.setdefault(probe.id, probe)
        return list(unique.values())
