"""1a: a linear layer y = W x + b from R^3 to R^10."""

import numpy as np
import torch.nn.functional as F
from torch import nn

from graders.autograde.diagnosis import Related
from graders.autograde.model import Item, Mistake, Part, Probe
from graders.questions.tensors import array, tensor

NOTEBOOK = "part1_exam_questions"

# Givens: a linear layer from R^3 to R^10.
LINEAR_IN, LINEAR_OUT = 3, 10

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
W_TRANSPOSED = Mistake(
    "W_SHAPE is W transposed",
    "With y = W x, W has one row per output and one column per input: (10, 3), not (3, 10).",
    "W_SHAPE = (3, 10)\n",
    required=True,
)


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


def _linear_probes(rng: np.random.Generator) -> tuple[list[Probe], list[Probe]]:
    d_in, d_out = LINEAR_IN, LINEAR_OUT
    single, batch = [], []
    for i, (din, dout) in enumerate([(d_in, d_out), (d_in, d_out), (5, 2)]):
        W, b = rng.normal(size=(dout, din)), rng.normal(size=dout)
        note = f"x of shape ({din},), W of shape {W.shape}"
        single.append(Probe(f"single{i}", "linear_forward", (rng.normal(size=din), W, b), note))
        n = 4 + i
        note = f"a batch x of shape ({n}, {din}), W of shape {W.shape}"
        batch.append(Probe(f"batch{i}", "linear_forward", (rng.normal(size=(n, din)), W, b), note))
    return single, batch


def _linear_items(rng: np.random.Generator) -> list[Item]:
    single, batch = _linear_probes(rng)
    mistakes = [BATCH_AS_XW, BIAS_DROPPED]
    return [
        Item("linear_forward on one input x", 1, single, linear_forward, mistakes, related=RELATED),
        Item("linear_forward on a batch (N, 3)", 1, batch, linear_forward, mistakes, related=RELATED),
    ]


def _shape_items(rng: np.random.Generator) -> list[Item]:
    w_shape, b_shape = linear_param_shapes(LINEAR_IN, LINEAR_OUT)
    return [
        Item(
            "W_SHAPE",
            0.5,
            [Probe("W_SHAPE", "W_SHAPE")],
            w_shape,
            [W_TRANSPOSED],
            entries=("rows", "columns"),
        ),
        Item("B_SHAPE", 0.5, [Probe("B_SHAPE", "B_SHAPE")], b_shape, entries=("length",)),
    ]


PARTS = [
    Part("test_linear_forward", "1a linear_forward", _linear_items),
    Part("test_layer_shapes", "1a W_SHAPE and B_SHAPE", _shape_items),
]
