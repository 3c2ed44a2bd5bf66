"""Every exam part, by the grade_id of the autograder test cell that grades it.

Adding a question: write a module here with its items and mistakes, list its
PARTS below, and add the notebook cells (a test cell whose grade_id is the part's).
"""

from graders.checks import Part
from graders.parts import (
    activations,
    backprop,
    cnn_arithmetic,
    conv_vs_mlp,
    gradients,
    linear,
    pooling,
    softmax,
    true_false,
)

MODULES = [
    linear,
    activations,
    pooling,
    conv_vs_mlp,
    gradients,
    softmax,
    cnn_arithmetic,
    true_false,
    backprop,
]
REGISTRY: dict[str, Part] = {part.grade_id: part for module in MODULES for part in module.PARTS}
