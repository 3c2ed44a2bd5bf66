"""1b: sigmoid and ReLU, their plot over [-10, 10], and their asymptotes."""

from collections.abc import Callable

import numpy as np
import torch

from graders.autograde import plots
from graders.autograde.diagnosis import Related
from graders.autograde.model import Item, Mistake, Outcome, Part, Probe, WrongAnswer
from graders.autograde.question import Question
from graders.questions.tensors import array, tensor


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
    detect=lambda answers: len(plots.lines(answers)) == 1,
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
    detect=lambda answers: any(not plots.covers(c, *PLOT_RANGE) for c in plots.lines(answers)),
    required=True,
)


CURVES = plots.curves_judge("plot_activations", {"sigmoid": sigmoid, "ReLU": relu})

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
        Item("both curves drawn", 1, plot, mistakes=[ONE_CURVE], judge=CURVES),
        Item("over [-10, 10]", 0.5, plot, mistakes=[WRONG_RANGE], judge=plots.range_judge(*PLOT_RANGE)),
        Item("each line labelled", 0.5, plot, judge=plots.labels_judge(2, "sigmoid")),
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


QUESTION = Question(
    notebook="part1_exam_questions",
    parts=[
        Part("test_activations", "1b sigmoid and relu", _activation_items),
        Part("test_plot_activations", "1b plot_activations", _plot_items),
        Part("test_activation_limits", "1b asymptotes", _limit_items),
    ],
    wrong_answers=[
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
    ],
)
