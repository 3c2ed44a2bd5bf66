"""Judging a plot, on the grader's side: the harness reports the lines of the matplotlib Axes a
student's function returns (their x, y and label); these judges say what is wrong with them,
for an `Item(..., judge=...)` of a plot question, and tell which lines a mistake would draw."""

import math
from collections.abc import Callable

import numpy as np

from graders.autograde.model import Outcome

Answers = dict[str, Outcome]
Judge = Callable[[Answers], str | None]


def lines(answers: Answers, probe: str = "plot") -> list[dict]:
    """The lines the probe's Axes holds ({"x", "y", "label"} each); none if it returned no Axes."""
    value = answers[probe].value
    return value.get("lines", []) if isinstance(value, dict) else []


def follows(line: dict, fn: Callable[[np.ndarray], np.ndarray], tolerance: float = 1e-2) -> bool:
    """Does the line trace fn (at its own x, within the tolerance)?"""
    x, y = np.asarray(line["x"], float), np.asarray(line["y"], float)
    if x.size < 2 or x.shape != y.shape:
        return False
    return bool(np.allclose(y, fn(x), atol=tolerance, rtol=tolerance))


def covers(line: dict, low: float, high: float, tolerance: float = 0.5) -> bool:
    """Does the line run from `low` to `high` in x (within the tolerance at each end)?"""
    x = np.asarray(line["x"], float)
    return (
        x.size > 1
        and math.isclose(x.min(), low, abs_tol=tolerance)
        and math.isclose(x.max(), high, abs_tol=tolerance)
    )


def curves_judge(function: str, curves: dict[str, Callable], probe: str = "plot") -> Judge:
    """A judge: the Axes holds a line that follows each of `curves` ({name: reference})."""

    def judge(answers: Answers) -> str | None:
        if not isinstance(answers[probe].value, dict):
            return f"{function}() must return the matplotlib Axes it drew on"
        drawn = lines(answers, probe)
        missing = [name for name, fn in curves.items() if not any(follows(c, fn) for c in drawn)]
        if missing:
            return f"found {len(drawn)} line(s); no line follows {' or '.join(missing)}"
        return None

    return judge


def range_judge(low: float, high: float, probe: str = "plot") -> Judge:
    """A judge: every line runs over [low, high] in x."""

    def judge(answers: Answers) -> str | None:
        drawn = lines(answers, probe)
        if not drawn or not all(covers(c, low, high) for c in drawn):
            spans = ", ".join(f"[{min(c['x']):g}, {max(c['x']):g}]" for c in drawn if c["x"])
            return f"the lines span {spans or 'nothing'}; expected [{low:g}, {high:g}]"
        return None

    return judge


def labels_judge(at_least: int, example: str, probe: str = "plot") -> Judge:
    """A judge: `at_least` lines, each with a label of its own (shown in a legend); `example`
    is a label the hint shows."""

    def judge(answers: Answers) -> str | None:
        drawn = lines(answers, probe)
        labels = [c["label"] for c in drawn if not c["label"].startswith("_")]
        if len(drawn) < at_least or len(set(labels)) < len(drawn):
            return f"give each line its own label (ax.plot(..., label={example!r})) and call ax.legend()"
        return None

    return judge
