"""2d: four true/false statements, one graded item each."""

import numpy as np

from graders.autograde.model import Item, Part, Probe

NOTEBOOK = "part2_extra_exercises"

# The exam's key, in its order.
TRUE_FALSE = [True, True, False, True]

STATEMENTS = [
    "AlexNet was the first neural network to win the ImageNet challenge (ILSVRC).",
    "Assume p_model(y | x, w) = N(y | w^T x, sigma). Maximum likelihood estimation of the "
    "parameters w is a least squares problem and can be solved in closed form.",
    "Logistic regression is used to solve regression problems.",
    "The backpropagation algorithm computes the output of all compute nodes in the forward "
    "pass and all model parameter updates in the backward pass.",
]


def _entry(i: int):
    def view(value):
        return bool(value[i]) if np.ndim(value) == 1 and len(value) == len(STATEMENTS) else None

    return view


def _items(rng: np.random.Generator) -> list[Item]:
    probe = [Probe("TRUE_FALSE", "TRUE_FALSE")]
    return [
        Item(f"TRUE_FALSE[{i}]: {text[:50]}...", 0.5, probe, TRUE_FALSE, view=_entry(i))
        for i, text in enumerate(STATEMENTS)
    ]


PARTS = [Part("test_true_false", "2d TRUE_FALSE", _items)]
