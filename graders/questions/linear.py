"""1a: a linear layer y = W x + b from R^3 to R^10."""

import numpy as np
import torch.nn.functional as F
from torch import nn

from graders.autograde.diagnosis import Related
from graders.autograde.model import Givens, Item, Mistake, Part, Probe, Variant, WrongAnswer
from graders.autograde.question import Question
from graders.questions.tensors import array, tensor

# Givens: a linear layer from R^3 to R^10; for practice, other sizes.
LINEAR_IN, LINEAR_OUT = 3, 10


def _draw(rng: np.random.Generator) -> Givens:
    """Other sizes, never square (W and its transpose must differ, as in the exam)."""
    d_in = int(rng.integers(2, 9))
    d_out = int(rng.integers(2, 16))
    return {"LINEAR_IN": d_in, "LINEAR_OUT": d_out + (d_out >= d_in)}


VARIANT = Variant(exam={"LINEAR_IN": LINEAR_IN, "LINEAR_OUT": LINEAR_OUT}, draw=_draw)

Shape = tuple[int, ...]


def linear_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Reference: y = W x + b for x of shape (D,) or a batch (N, D)."""
    return array(F.linear(tensor(x), tensor(W), tensor(b)))


def linear_param_shapes(in_features: int, out_features: int) -> tuple[Shape, Shape]:
    """Reference: the shapes of (W, b) of a linear layer, as torch lays them out."""
    layer = nn.Linear(in_features, out_features, device="meta")
    return tuple(layer.weight.shape), tuple(layer.bias.shape)


BATCH_AS_XW = Mistake(
    "batch handled as x @ W + b",
    "With y = W x + b, W has shape (10, 3): a single x of shape (3,) works with W @ x, "
    "but a batch X of shape (N, 3) needs X @ W.T + b (each row is one input).",
    "def linear_forward(x, W, b):\n    if x.ndim == 1:\n        return W @ x + b\n    return x @ W + b\n",
    required=True,
)
BIAS_DROPPED = Mistake(
    "bias dropped",
    "The layer computes W x + b: add the bias vector b to every output.",
    "def linear_forward(x, W, b):\n    return x @ W.T\n",
    required=True,
)


def w_transposed(givens: Givens) -> Mistake:
    d_in, d_out = givens["LINEAR_IN"], givens["LINEAR_OUT"]
    return Mistake(
        "W_SHAPE is W transposed",
        f"With y = W x, W has one row per output and one column per input: ({d_out}, {d_in}), "
        f"not ({d_in}, {d_out}).",
        f"W_SHAPE = ({d_in}, {d_out})\n",
        required=True,
    )


W_TRANSPOSED = w_transposed(VARIANT.exam)


RELATED = [
    Related(
        "ReLU(W x + b): an activation applied to the layer's output",
        lambda x, W, b: np.maximum(linear_forward(x, W, b), 0),
        "A linear layer has no activation: return W x + b itself.",
    ),
    Related(
        "W x - b: the bias subtracted",
        lambda x, W, b: linear_forward(x, W, -b),
        "Add the bias: y = W x + b.",
    ),
]


def _linear_probes(rng: np.random.Generator, givens: Givens) -> tuple[list[Probe], list[Probe]]:
    d_in, d_out = givens["LINEAR_IN"], givens["LINEAR_OUT"]
    single, batch = [], []
    for i, (din, dout) in enumerate([(d_in, d_out), (d_in, d_out), (5, 2)]):
        W, b = rng.normal(size=(dout, din)), rng.normal(size=dout)
        note = f"x of shape ({din},), W of shape {W.shape}"
        single.append(Probe(f"single{i}", "linear_forward", (rng.normal(size=din), W, b), note))
        n = 4 + i
        note = f"a batch x of shape ({n}, {din}), W of shape {W.shape}"
        batch.append(Probe(f"batch{i}", "linear_forward", (rng.normal(size=(n, din)), W, b), note))
    return single, batch


def _linear_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    single, batch = _linear_probes(rng, givens)
    mistakes = [BATCH_AS_XW, BIAS_DROPPED]
    batch_label = f"linear_forward on a batch (N, {givens['LINEAR_IN']})"
    return [
        Item("linear_forward on one input x", 1, single, linear_forward, mistakes, related=RELATED),
        Item(batch_label, 1, batch, linear_forward, mistakes, related=RELATED),
    ]


def _shape_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    w_shape, b_shape = linear_param_shapes(givens["LINEAR_IN"], givens["LINEAR_OUT"])
    return [
        Item(
            "W_SHAPE",
            0.5,
            [Probe("W_SHAPE", "W_SHAPE")],
            w_shape,
            [w_transposed(givens)],
            entries=("rows", "columns"),
        ),
        Item("B_SHAPE", 0.5, [Probe("B_SHAPE", "B_SHAPE")], b_shape, entries=("length",)),
    ]


QUESTION = Question(
    notebook="part1_exam_questions",
    parts=[
        Part("test_linear_forward", "1a linear_forward", _linear_items),
        Part("test_layer_shapes", "1a W_SHAPE and B_SHAPE", _shape_items),
    ],
    variant=VARIANT,
    practice_task=(
        "## 1a) A linear layer\n\nA linear layer maps an input $\\mathbf{x} \\in \\mathbb{R}^{D}$ "
        "(`D` = `LINEAR_IN`) to $\\mathbf{y} = \\mathbf{W}\\mathbf{x} + \\mathbf{b} \\in \\mathbb{R}^{M}$ "
        "(`M` = `LINEAR_OUT`). Implement `linear_forward(x, W, b)` for one input `x` of shape `(D,)` or a "
        "batch of shape `(N, D)`; then give the shapes of `W` and `b` for your layer as tuples."
    ),
    practice_solutions={
        "layer_shapes": "### BEGIN SOLUTION\nW_SHAPE = (LINEAR_OUT, LINEAR_IN)\nB_SHAPE = (LINEAR_OUT,)\n"
        "### END SOLUTION"
    },
    wrong_answers=[
        WrongAnswer(
            "test_linear_forward",
            "def linear_forward(x, W, b):\n    return np.maximum(x @ W.T + b, 0)\n",
            "ReLU(W x + b)",
        ),
        WrongAnswer(
            "test_linear_forward",
            "def linear_forward(x, W, b):\n    return x @ W.T - b\n",
            "bias subtracted",
        ),
        WrongAnswer(
            "test_linear_forward",
            "def linear_forward(x, W, b):\n    return (x @ W.T + b).T\n",
            "transpose",
        ),
        WrongAnswer(
            "test_layer_shapes",
            "B_SHAPE = (10, 1)\n",
            "an extra axis of size 1",
        ),
        WrongAnswer(
            "test_layer_shapes",
            "W_SHAPE = (10, 3, 1)\nB_SHAPE = (1, 10)\n",
            "an extra axis of size 1",
        ),
    ],
)
