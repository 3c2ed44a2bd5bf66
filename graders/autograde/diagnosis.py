"""Diagnosis of wrong answers nobody catalogued: relations between the student's answers and
the reference's, checked on the probes the grader already has.

A relation is reported only when it holds on every probe of the item (a probe the
student got right must fit it too), so a right answer never gets one and a partly
right answer gets one only when the relation describes it exactly. Catalogued
mistakes come first; a diagnosis is the fallback when none of them matches.
"""

import inspect
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

ATOL, RTOL = 1e-6, 1e-5


@dataclass(frozen=True)
class Diagnosis:
    """One sentence on what the answer is, one on what to do."""

    what: str
    hint: str


@dataclass(frozen=True)
class Related:
    """Another function of the question's family, which a student may have written instead:
    `name` is what it is ("relu itself"), `fn` computes it from the probe's arguments."""

    name: str
    fn: Callable
    hint: str


@dataclass(frozen=True)
class Case:
    """One probe: its arguments, the student's answer and the reference's (float arrays)."""

    args: tuple
    got: np.ndarray
    want: np.ndarray

    @property
    def right(self) -> bool:
        return _close(self.got, self.want)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, atol=ATOL, rtol=RTOL, equal_nan=True))


def _finite(a: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a)))


def _number(x: float) -> str:
    for value, text in ((0.5, "1/2"), (1 / 3, "1/3"), (0.25, "1/4")):
        if np.isclose(x, value):
            return text
    return f"{x:.4g}"


# Each relation takes every probe of the item and returns a diagnosis only when it
# describes every one of them.


def _overflow(cases: list[Case], name: str) -> Diagnosis | None:
    broken = [c for c in cases if c.got.shape == c.want.shape and not _finite(c.got) and _finite(c.want)]
    if not broken:
        return None
    for c in cases:
        if c.got.shape != c.want.shape or not _finite(c.want):
            return None
        ok = np.isfinite(c.got)
        if not np.allclose(c.got[ok], c.want[ok], atol=ATOL, rtol=RTOL):
            return None
    return Diagnosis(
        f"{name} gives nan or inf where the answer is a finite number, and is right elsewhere.",
        "Something overflows for large inputs (np.exp of a large number is inf): rewrite the formula "
        "so that no intermediate value grows without bound.",
    )


def _size_one_axis(cases: list[Case], name: str) -> Diagnosis | None:
    if all(c.got.shape == c.want.shape for c in cases):
        return None
    for c in cases:
        if c.got.size != c.want.size or not _close(np.squeeze(c.got), np.squeeze(c.want)):
            return None
    c = next(c for c in cases if c.got.shape != c.want.shape)
    extra = "an extra" if c.got.ndim > c.want.ndim else "a missing"
    return Diagnosis(
        f"{name} has the right values but shape {c.got.shape} where {c.want.shape} is expected: "
        f"{extra} axis of size 1.",
        "Check where a dimension is added or dropped (keepdims, reshape, [None], np.squeeze).",
    )


def _transposed(cases: list[Case], name: str) -> Diagnosis | None:
    if not any(c.got.ndim == 2 and not c.right for c in cases):
        return None
    # A vector is its own transpose: a right answer on a vector fits too.
    if all((c.got.ndim < 2 and c.right) or (c.got.ndim == 2 and _close(c.got, c.want.T)) for c in cases):
        return Diagnosis(
            f"{name} gives the transpose of the right answer.",
            "Rows and columns are swapped: check which axis holds which quantity (and a .T or an "
            "argument order).",
        )
    return None


def _one_axis(cases: list[Case], name: str) -> Diagnosis | None:
    axes = set()
    for c in cases:
        if c.right:
            continue
        if c.got.ndim != c.want.ndim or c.got.ndim < 2:
            return None
        wrong = [i for i, (a, b) in enumerate(zip(c.got.shape, c.want.shape, strict=True)) if a != b]
        if len(wrong) != 1:
            return None
        axes.add(wrong[0])
    if len(axes) != 1:
        return None
    axis = axes.pop()
    c = next(c for c in cases if not c.right)
    return Diagnosis(
        f"{name} gives shape {c.got.shape} where {c.want.shape} is expected: axis {axis} has "
        f"{c.got.shape[axis]} entries instead of {c.want.shape[axis]}, the other axes are right.",
        f"Check how the size along axis {axis} is computed (which input it comes from, and the formula).",
    )


def _shape_with_ones(cases: list[Case], name: str) -> Diagnosis | None:
    """A shape given with an extra (or without a needed) axis of size 1: (10, 1) for (10,)."""
    if all(c.got.shape == c.want.shape for c in cases):
        return None
    for c in cases:
        if c.got.ndim != 1 or c.want.ndim != 1:
            return None
        if not np.array_equal(c.got[c.got != 1], c.want[c.want != 1]):
            return None
    c = next(c for c in cases if c.got.shape != c.want.shape)
    extra = "an extra axis of size 1" if c.got.size > c.want.size else "an axis of size 1 missing"
    return Diagnosis(
        f"{name} gives the shape {tuple(int(n) for n in c.got)} for {tuple(int(n) for n in c.want)}: "
        f"{extra}.",
        "A vector of n numbers has shape (n,); (n, 1) is a matrix with one column.",
    )


def _some_entries(cases: list[Case], name: str, entries: Sequence[str]) -> Diagnosis | None:
    """A shape (or a list of shapes) right but for some of its entries, the same ones on every
    probe: which are wrong, and by how much when it is the same amount everywhere."""
    wrong: set[int] = set()
    for c in cases:
        if c.got.shape != c.want.shape or c.got.ndim == 0:
            return None
        differs = np.any(~np.isclose(c.got, c.want).reshape(-1, c.want.shape[-1]), axis=0)
        wrong |= {int(i) for i in np.flatnonzero(differs)}
    size = cases[0].want.shape[-1]
    if not wrong or len(wrong) == size or any(c.want.shape[-1] != size for c in cases):
        return None
    named = [entries[i] if i < len(entries) else f"entry {i}" for i in sorted(wrong)]
    what = " and ".join(named)
    gaps = {round(float(d), 6) for c in cases for d in (c.got - c.want)[..., sorted(wrong)].ravel() if d}
    by = f", each off by {gaps.pop():+g} where wrong" if len(gaps) == 1 else ""
    return Diagnosis(
        f"{name} is right but for {what}{by}; the other entries are right on every probe.",
        f"Check how {what} {'is' if len(named) == 1 else 'are'} computed: the inputs used, and the formula "
        "(its + 1, the padding, the stride).",
    )


def _sign(cases: list[Case], name: str) -> Diagnosis | None:
    if all(c.got.shape == c.want.shape and _close(c.got, -c.want) for c in cases):
        if any(np.any(np.abs(c.want) > ATOL) for c in cases):
            return Diagnosis(
                f"{name} gives the right values with the opposite sign.",
                "Check the sign of the formula (a minus sign dropped or added).",
            )
    return None


def _named_quantities(case: Case, params: Sequence[str]) -> dict[str, float]:
    """Scalars a factor may come from: numeric arguments, and the sizes of array arguments."""
    found: dict[str, float] = {}
    for i, arg in enumerate(case.args):
        label = params[i] if i < len(params) else f"argument {i + 1}"
        if isinstance(arg, int | float | np.integer | np.floating) and not isinstance(arg, bool):
            found[label] = float(arg)
            found[f"{label} squared"] = float(arg) ** 2
        elif isinstance(arg, np.ndarray):
            for axis, n in enumerate(arg.shape):
                found[f"the size of {label} along axis {axis}"] = float(n)
            if arg.ndim > 1:
                found[f"the number of entries of {label}"] = float(arg.size)
    return found


def _factor(cases: list[Case], name: str, params: Sequence[str]) -> Diagnosis | None:
    ratios = []
    for c in cases:
        if c.got.shape != c.want.shape or not (_finite(c.got) and _finite(c.want)):
            return None
        nonzero = np.abs(c.want) > ATOL
        if not np.all(np.abs(c.got[~nonzero]) <= ATOL) or not np.any(nonzero):
            return None
        k = c.got[nonzero] / c.want[nonzero]
        if not np.allclose(k, k.flat[0], rtol=1e-6, atol=0):
            return None
        ratios.append(float(k.flat[0]))
    if not ratios or all(np.isclose(k, 1.0) for k in ratios) or any(np.isclose(k, -1.0) for k in ratios):
        return None
    if np.allclose(ratios, ratios[0], rtol=1e-6):
        k = ratios[0]
        return Diagnosis(
            f"{name} is off by a constant factor: every value is {_number(k)} times the right one.",
            _factor_hint(k),
        )
    shared: list[tuple[str, int]] | None = None  # in the order of the arguments
    for c, k in zip(cases, ratios, strict=True):
        fits = [
            (label, power)
            for label, value in _named_quantities(c, params).items()
            for power in (1, -1)
            if value and np.isclose(k, value**power, rtol=1e-6)
        ]
        shared = fits if shared is None else [f for f in shared if f in fits]
    if shared:
        label, power = shared[0]
        how = f"multiplied by {label}" if power == 1 else f"divided by {label}"
        return Diagnosis(
            f"{name} is off by a factor: each value is the right one {how}.",
            f"Check whether {label} belongs in the formula (a sum where a mean is asked, or the reverse).",
        )
    return None


def _factor_hint(k: float) -> str:
    if np.isclose(k, 2) or np.isclose(k, 0.5):
        return "A factor of 2 often comes from a 1/2 in the definition (or its derivative) kept or dropped."
    return "Check the constants of the formula, and any sum that should be a mean (or the reverse)."


def _shift(cases: list[Case], name: str) -> Diagnosis | None:
    shifts = []
    for c in cases:
        if c.got.shape != c.want.shape or not (_finite(c.got) and _finite(c.want)):
            return None
        d = (c.got - c.want).ravel()
        if d.size == 0 or not np.allclose(d, d[0], atol=ATOL, rtol=RTOL):
            return None
        shifts.append(float(d[0]))
    if not shifts or not np.allclose(shifts, shifts[0], atol=ATOL) or abs(shifts[0]) <= ATOL:
        return None
    return Diagnosis(
        f"{name} is off by a constant: every value is the right one {shifts[0]:+.4g}.",
        "Look for a term added or dropped in the formula (a 1, a bias, an offset).",
    )


def _domain(cases: list[Case], name: str) -> Diagnosis | None:
    """Right on part of the inputs only: x > 0 vs x < 0, x = 0, or the first row of a batch."""
    elementwise = all(
        c.args and isinstance(c.args[0], np.ndarray) and c.args[0].shape == c.want.shape == c.got.shape
        for c in cases
    )
    if elementwise:
        for where, region, rest in (
            (lambda x: x > 0, "x > 0", "x < 0"),
            (lambda x: x < 0, "x < 0", "x > 0"),
            (lambda x: x != 0, "x != 0", "x = 0"),
        ):
            fits, wrong_somewhere, telling = True, False, False
            for c in cases:
                x = np.asarray(c.args[0], dtype=float)
                right = np.isclose(c.got, c.want, atol=ATOL, rtol=RTOL)
                inside, outside = where(x), ~where(x) & ((x != 0) if rest != "x = 0" else (x == 0))
                if not np.all(right[inside]) or np.any(right[outside] & (np.abs(c.want[outside]) > ATOL)):
                    fits = False
                    break
                wrong_somewhere |= bool(np.any(~right[outside]))
                telling |= bool(np.any(np.abs(c.want[inside]) > ATOL))  # right on more than zeros
            if fits and wrong_somewhere and telling:
                return Diagnosis(
                    f"{name} is right where {region} and wrong where {rest}.",
                    f"Check the case {rest} on its own: what does the function (or its derivative) do there?",
                )
    batched = [
        c
        for c in cases
        if c.want.ndim == 2
        and c.want.shape[0] > 1
        and c.args
        and isinstance(c.args[0], np.ndarray)
        and c.args[0].shape[:1] == c.want.shape[:1]
    ]
    if batched and all(c.got.shape == c.want.shape for c in batched):
        if all(_close(c.got[0], c.want[0]) and not _close(c.got[1:], c.want[1:]) for c in batched):
            if all(c.right for c in cases if not any(c is b for b in batched)):
                return Diagnosis(
                    f"{name} is right for the first row (the first input of a batch), wrong for the others.",
                    "Make sure every row of a batch is handled, not only the first.",
                )
    return None


def _permuted(cases: list[Case], name: str) -> Diagnosis | None:
    if all(c.right for c in cases):
        return None
    for c in cases:
        if c.got.size != c.want.size or c.got.size < 2:
            return None
        if not np.allclose(np.sort(c.got.ravel()), np.sort(c.want.ravel()), atol=ATOL, rtol=RTOL):
            return None
    return Diagnosis(
        f"{name} has the right numbers in the wrong positions.",
        "The values are right but their order or layout is not: check the indexing, the axis order "
        "(e.g. (C, H, W) vs (H, W, C)) and any reshape.",
    )


def _mask(cases: list[Case], name: str) -> Diagnosis | None:
    if not all(np.all(np.isin(c.got, (0.0, 1.0))) for c in cases):
        return None
    if all(np.all(np.isin(c.want, (0.0, 1.0))) for c in cases):
        return None
    return Diagnosis(
        f"{name} gives only 0s and 1s (a mask or booleans) where values are asked.",
        "A comparison like x > 0 gives a mask: use it to select or weight the values, not as the result.",
    )


def _not_whole(cases: list[Case], name: str) -> Diagnosis | None:
    odd = [c for c in cases if c.got.shape == c.want.shape and np.any(c.got != np.round(c.got))]
    if not odd or not all(np.all(c.want == np.round(c.want)) for c in cases):
        return None
    c = odd[0]
    value = c.got[c.got != np.round(c.got)].flat[0]
    floor = all(c.got.shape == c.want.shape and np.array_equal(np.floor(c.got), c.want) for c in cases)
    tail = " Rounded down, your values are right." if floor else ""
    return Diagnosis(
        f"{name} gives {value:g}, not a whole number, where a count or a size is asked.{tail}",
        "Sizes and counts are whole numbers: use floor division (//) where the formula divides.",
    )


def _related(cases: list[Case], name: str, related: Sequence[Related]) -> Diagnosis | None:
    for other in related:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                values = [np.asarray(other.fn(*c.args), dtype=float) for c in cases]
        except Exception:
            continue
        if all(_close(c.got, v) for c, v in zip(cases, values, strict=True)):
            return Diagnosis(f"{name} computes {other.name}.", other.hint)
    return None


def diagnose(
    name: str,
    reference: Callable | None,
    cases: list[Case],
    related: Sequence[Related] = (),
    entries: Sequence[str] | None = None,
) -> Diagnosis | None:
    """The relation that describes every probe of a failed item, or None when none does.

    `entries`, for answers that are counts or sizes (a shape, a list of shapes): the names
    of the last axis's entries, such as ("C", "H", "W"); those answers are whole numbers."""
    if not cases or all(c.right for c in cases):
        return None
    params = _parameters(reference)
    found = _related(cases, name, related)
    if entries is not None:
        found = found or _not_whole(cases, name) or _shape_with_ones(cases, name) or _permuted(cases, name)
        found = found or _some_entries(cases, name, entries)
    for relation in (_overflow, _size_one_axis, _transposed, _sign):
        found = found or relation(cases, name)
    found = found or _factor(cases, name, params) or _shift(cases, name) or _domain(cases, name)
    return found or _mask(cases, name) or _permuted(cases, name) or _one_axis(cases, name)


def _parameters(reference: Callable | None) -> list[str]:
    try:
        return list(inspect.signature(reference).parameters) if callable(reference) else []
    except (TypeError, ValueError):
        return []


def as_array(value: Any) -> np.ndarray | None:
    """A numeric answer as a float array, or None for text, plots and missing answers."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.astype(float)
    return None
