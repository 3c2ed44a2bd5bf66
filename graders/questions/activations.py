"""1b: sigmoid and ReLU, their plot over [-10, 10], and their asymptotes."""

import math
from collections.abc import Callable

import numpy as np
import torch

from graders.autograde.diagnosis import Related
from graders.autograde.model import Item, Mistake, Outcome, Part, Probe, WrongAnswer
from graders.questions.tensors import array, tensor

NOTEBOOK = "part1_exam_questions"


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Reference."""
    return array(torch.sigmoid(tensor(x)))


def relu(x: np.ndarray) -> np.ndarray:
    """Reference."""
    return array(torch.relu(tensor(x)))


def limits(fn: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    """(limit as x -> -inf, limit as x -> +inf) of an elementwise activation."""
    low, high = fn(np.array([-np.inf, np.inf]))
    return float(low), float(high)


PLOT_RANGE = (-10.0, 10.0)

NAIVE_SIGMOID = Mistake(
    "np.exp(-x) overflows for very negative x",
    "For x = -1000, np.exp(-x) = exp(1000) overflows (RuntimeWarning, inf). "
    "Compute exp(-|x|) only: for x < 0 use exp(x) / (1 + exp(x)).",
    "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n",
    required=True,
)
RELU_LIMIT_FINITE = Mistake(
    "ReLU's upper limit given as a finite number",
    "ReLU(x) = max(0, x) grows without bound: its limit as x -> +inf is infinity (np.inf).",
    "RELU_LIMITS = (0, 1)\n",
    detect=lambda answers: _finite_upper(answers["RELU_LIMITS"]),
    required=True,
)


def _finite_upper(outcome: Outcome) -> bool:
    value = outcome.value
    return isinstance(value, np.ndarray) and value.shape == (2,) and bool(np.isfinite(value[1]))


def _curves(answers: dict[str, Outcome]) -> list[dict]:
    value = answers["plot"].value
    return value.get("lines", []) if isinstance(value, dict) else []


def _matches_curve(line: dict, fn) -> bool:
    x, y = np.asarray(line["x"], float), np.asarray(line["y"], float)
    if x.size < 2 or x.shape != y.shape:
        return False
    return bool(np.allclose(y, fn(x), atol=1e-2, rtol=1e-2))


def _covers_range(line: dict) -> bool:
    x = np.asarray(line["x"], float)
    low, high = PLOT_RANGE
    return x.size > 1 and math.isclose(x.min(), low, abs_tol=0.5) and math.isclose(x.max(), high, abs_tol=0.5)


ONE_CURVE = Mistake(
    "only one curve",
    "Draw both functions on the same Axes: one line for sigmoid and one for ReLU.",
    "def plot_activations():\n"
    "    import matplotlib.pyplot as plt\n"
    "    fig, ax = plt.subplots()\n"
    "    x = np.linspace(-10, 10, 201)\n"
    "    ax.plot(x, 1 / (1 + np.exp(-x)), label='sigmoid')\n"
    "    ax.legend()\n"
    "    return ax\n",
    detect=lambda answers: len(_curves(answers)) == 1,
    required=True,
)
WRONG_RANGE = Mistake(
    "range not [-10, 10]",
    "The question asks for the plot between -10 and 10: use x = np.linspace(-10, 10, ...).",
    "def plot_activations():\n"
    "    import matplotlib.pyplot as plt\n"
    "    fig, ax = plt.subplots()\n"
    "    x = np.linspace(-5, 5, 101)\n"
    "    ax.plot(x, 1 / (1 + np.exp(-x)), label='sigmoid')\n"
    "    ax.plot(x, np.maximum(0, x), label='ReLU')\n"
    "    ax.legend()\n"
    "    return ax\n",
    detect=lambda answers: any(not _covers_range(c) for c in _curves(answers)),
    required=True,
)


def _judge_curves(answers: dict[str, Outcome]) -> str | None:
    curves = _curves(answers)
    if not isinstance(answers["plot"].value, dict):
        return "plot_activations() must return the matplotlib Axes it drew on"
    missing = [
        name
        for name, fn in (("sigmoid", sigmoid), ("ReLU", relu))
        if not any(_matches_curve(c, fn) for c in curves)
    ]
    if missing:
        return f"found {len(curves)} line(s); no line follows {' or '.join(missing)}"
    return None


def _judge_range(answers: dict[str, Outcome]) -> str | None:
    curves = _curves(answers)
    if not curves or not all(_covers_range(c) for c in curves):
        spans = ", ".join(f"[{min(c['x']):g}, {max(c['x']):g}]" for c in curves if c["x"])
        return f"the lines span {spans or 'nothing'}; expected [-10, 10]"
    return None


def _judge_labels(answers: dict[str, Outcome]) -> str | None:
    curves = _curves(answers)
    labels = [c["label"] for c in curves if not c["label"].startswith("_")]
    if len(curves) < 2 or len(set(labels)) < len(curves):
        return "give each line its own label (ax.plot(..., label='sigmoid')) and call ax.legend()"
    return None


SIGMOID_RELATED = [
    Related(
        "tanh(x), not the sigmoid",
        lambda x: array(torch.tanh(tensor(x))),
        "sigmoid(x) = 1 / (1 + exp(-x)) has values in (0, 1); tanh's are in (-1, 1).",
    ),
    Related(
        "sigmoid(-x) = 1 - sigmoid(x): the sign inside exp is flipped",
        lambda x: sigmoid(-np.asarray(x, dtype=float)),
        "sigmoid(x) = 1 / (1 + exp(-x)): mind the minus sign in the exponent.",
    ),
]


def _activation_items(rng: np.random.Generator) -> list[Item]:
    def probes(name: str) -> list[Probe]:
        return [
            Probe(f"{name}_grid", name, (np.linspace(-10, 10, 41),), "x = linspace(-10, 10, 41)"),
            Probe(f"{name}_rand", name, (rng.normal(0, 5, size=(3, 4)),), "a random (3, 4) array"),
        ]

    extreme = [
        Probe(
            "sigmoid_extreme",
            "sigmoid",
            (np.array([-1000.0, -750.0, -50.0, 0.0, 50.0, 750.0, 1000.0]),),
            "x = [-1000, -750, -50, 0, 50, 750, 1000]",
        )
    ]
    return [
        Item("sigmoid values", 0.5, probes("sigmoid"), sigmoid, related=SIGMOID_RELATED),
        Item(
            "sigmoid without overflow on [-1000, 1000]",
            0.5,
            extreme,
            sigmoid,
            [NAIVE_SIGMOID],
            no_warnings=True,
        ),
        Item("relu values", 1, probes("relu"), relu),
    ]


def _plot_items(rng: np.random.Generator) -> list[Item]:
    plot = [Probe("plot", "plot_activations", (), "no arguments")]
    return [
        Item("both curves drawn", 1, plot, mistakes=[ONE_CURVE], judge=_judge_curves),
        Item("over [-10, 10]", 0.5, plot, mistakes=[WRONG_RANGE], judge=_judge_range),
        Item("each line labelled", 0.5, plot, judge=_judge_labels),
    ]


def _limit_items(rng: np.random.Generator) -> list[Item]:
    return [
        Item("SIGMOID_LIMITS", 0.5, [Probe("SIGMOID_LIMITS", "SIGMOID_LIMITS")], limits(sigmoid)),
        Item(
            "RELU_LIMITS",
            0.5,
            [Probe("RELU_LIMITS", "RELU_LIMITS")],
            limits(relu),
            [RELU_LIMIT_FINITE],
        ),
    ]


PARTS = [
    Part("test_activations", "1b sigmoid and relu", _activation_items),
    Part("test_plot_activations", "1b plot_activations", _plot_items),
    Part("test_activation_limits", "1b asymptotes", _limit_items),
]


# Wrong answers no mistake above names, each with what its diagnosis must say (tests run them).
WRONG_ANSWERS = [
    WrongAnswer(
        "test_activations",
        "def sigmoid(x):\n    return np.tanh(x)\n",
        "tanh(x)",
    ),
    WrongAnswer(
        "test_activations",
        "def sigmoid(x):\n    return 1 / (1 + np.exp(np.clip(x, -500, 500)))\n",
        "sigmoid(-x)",
    ),
    WrongAnswer(
        "test_activations",
        "def relu(x):\n    return np.abs(x)\n",
        "right where x > 0 and wrong where x < 0",
    ),
    WrongAnswer(
        "test_activations",
        "def relu(x):\n    return np.where(x > 0, x, 0.01 * x)\n",
        "right where x > 0",
    ),
    WrongAnswer(
        "test_activations",
        "def relu(x):\n    return (x > 0).astype(float)\n",
        "0s and 1s",
    ),
    WrongAnswer(
        "test_activations",
        "def sigmoid(x):\n    return np.exp(x) / (1 + np.exp(x))\n",
        "nan or inf where the answer is a finite number",
    ),
    WrongAnswer(
        "test_activation_limits",
        "SIGMOID_LIMITS = (1, 0)\n",
        "wrong positions",
    ),
]
