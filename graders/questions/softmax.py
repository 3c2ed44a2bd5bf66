"""2b: a numerically stable softmax over the last axis."""

import numpy as np
import torch

from graders.autograde.diagnosis import Related
from graders.autograde.model import Item, Mistake, Part, Probe, WrongAnswer
from graders.autograde.question import HandGraded, Question
from graders.questions.tensors import array, tensor


def softmax(x: np.ndarray) -> np.ndarray:
    """Reference: softmax over the last axis."""
    return array(torch.softmax(tensor(x), dim=-1))


NO_MAX_SHIFT = Mistake(
    "no max-shift, so overflow to nan",
    "np.exp(1000) is inf and inf / inf is nan. Softmax(x) = Softmax(x - c) for any c "
    "(the proof below): subtract x.max(axis=-1, keepdims=True) before np.exp.",
    "def softmax(x):\n    e = np.exp(x)\n    return e / e.sum(axis=-1, keepdims=True)\n",
    required=True,
)


RELATED = [
    Related(
        "the softmax over the first axis instead of the last",
        lambda x: array(torch.softmax(tensor(x), dim=0)),
        "Normalize over the last axis: sum with axis=-1, keepdims=True.",
    ),
    Related(
        "one softmax over all entries at once",
        lambda x: array(torch.softmax(tensor(x).reshape(-1), dim=0).reshape(np.shape(x))),
        "Each row is its own distribution: sum with axis=-1, keepdims=True, not over the whole array.",
    ),
    Related(
        "the exponentials without dividing by their sum",
        lambda x: np.exp(np.asarray(x) - np.max(x, axis=-1, keepdims=True)),
        "Normalize: divide the exponentials by their sum over the last axis, so that each row sums to 1.",
    ),
    Related(
        "the exponentials exp(x) without dividing by their sum",
        lambda x: np.exp(np.asarray(x, dtype=float)),
        "Normalize: divide the exponentials by their sum over the last axis, so that each row sums to 1.",
    ),
    Related(
        "the log-softmax",
        lambda x: array(torch.log_softmax(tensor(x), dim=-1)),
        "Softmax is exp(x_i) / sum_j exp(x_j): do not take the log.",
    ),
]


def _items(rng: np.random.Generator) -> list[Item]:
    x = rng.normal(size=5)
    c = float(rng.uniform(-50, 50))
    values = [
        Probe("vec", "softmax", (x,), "a random vector of length 5"),
        Probe("mat", "softmax", (rng.normal(size=(3, 4)),), "a random (3, 4) array (over the last axis)"),
    ]
    large = [
        Probe("large", "softmax", (np.array([1000.0, 1001.0]),), "x = [1000, 1001]"),
        Probe("large_neg", "softmax", (np.array([-1000.0, -1001.0, -999.0]),), "x = [-1000, -1001, -999]"),
    ]
    shifted = [Probe("shifted", "softmax", (x + c,), f"the same vector shifted by c = {c:.3g}")]
    return [
        Item("softmax values", 1, values, softmax, related=RELATED),
        Item("softmax finite for large inputs", 0.5, large, softmax, [NO_MAX_SHIFT], no_warnings=True),
        Item("softmax(x + c) == softmax(x)", 0.5, shifted, softmax),
    ]


QUESTION = Question(
    notebook="part2_extra_exercises",
    parts=[Part("test_softmax", "2b softmax", _items)],
    hand_graded={"softmax_proof": HandGraded("2b proof: Softmax(x) = Softmax(x + c)", 2)},
    wrong_answers=[
        WrongAnswer(
            "test_softmax",
            "def softmax(x):\n    e = np.exp(x - x.max(axis=0))\n    return e / e.sum(axis=0)\n",
            "first axis",
        ),
        WrongAnswer(
            "test_softmax",
            "def softmax(x):\n    e = np.exp(x - x.max())\n    return e / e.sum()\n",
            "all entries at once",
        ),
        WrongAnswer(
            "test_softmax",
            "def softmax(x):\n"
            "    s = x - x.max(axis=-1, keepdims=True)\n"
            "    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))\n",
            "log-softmax",
        ),
    ],
)
