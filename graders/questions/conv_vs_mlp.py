"""1d: the main advantage of convolution layers over MLPs (multiple choice)."""

import numpy as np

from graders.autograde.model import Item, Part, Probe
from graders.autograde.question import Question

OPTIONS = {
    "a": "They can represent non-linear functions, which MLPs cannot.",
    "b": "They need far fewer parameters, through local connectivity and weight sharing.",
    "c": "They do not need an activation function.",
    "d": "They are trained without backpropagation.",
}
RIGHT = "b"


def _items(rng: np.random.Generator) -> list[Item]:
    return [Item("CONV_ADVANTAGE", 1, [Probe("CONV_ADVANTAGE", "CONV_ADVANTAGE")], RIGHT)]


QUESTION = Question(
    notebook="part1_exam_questions",
    parts=[Part("test_conv_advantage", "1d CONV_ADVANTAGE", _items)],
    options=OPTIONS,
)
