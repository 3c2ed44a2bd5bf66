"""1a: a linear layer y = W x + b from R^3 to R^10."""

import numpy as np

from graders import exam
from graders import reference as ref
from graders.checks import Item, Mistake, Part, Probe

BATCH_AS_XW = Mistake(
    "batch handled as x @ W + b",
    "With y = W x + b, W has shape (10, 3): a single x of shape (3,) works with W @ x, "
    "but a batch X of shape (N, 3) needs X @ W.T + b (each row is one input).",
    "def linear_forward(x, W, b):\n    if x.ndim == 1:\n        return W @ x + b\n    return x @ W + b\n",
)
BIAS_DROPPED = Mistake(
    "bias dropped",
    "The layer computes W x + b: add the bias vector b to every output.",
    "def linear_forward(x, W, b):\n    return x @ W.T\n",
)
W_TRANSPOSED = Mistake(
    "W_SHAPE is W transposed",
    "With y = W x, W has one row per output and one column per input: (10, 3), not (3, 10).",
    "W_SHAPE = (3, 10)\n",
)


def _linear_probes(rng: np.random.Generator) -> tuple[list[Probe], list[Probe]]:
    d_in, d_out = exam.LINEAR_IN, exam.LINEAR_OUT
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
        Item("linear_forward on one input x", 1, single, ref.linear_forward, mistakes),
        Item("linear_forward on a batch (N, 3)", 1, batch, ref.linear_forward, mistakes),
    ]


def _shape_items(rng: np.random.Generator) -> list[Item]:
    w_shape, b_shape = ref.linear_param_shapes(exam.LINEAR_IN, exam.LINEAR_OUT)
    return [
        Item("W_SHAPE", 0.5, [Probe("W_SHAPE", "W_SHAPE")], w_shape, [W_TRANSPOSED]),
        Item("B_SHAPE", 0.5, [Probe("B_SHAPE", "B_SHAPE")], b_shape),
    ]


PARTS = [
    Part("test_linear_forward", "1a linear_forward", _linear_items),
    Part("test_layer_shapes", "1a W_SHAPE and B_SHAPE", _shape_items),
]
