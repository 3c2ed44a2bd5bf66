"""2d: four true/false statements, one graded item each; for practice, four drawn from a bank."""

import numpy as np

from graders.autograde.model import Givens, Item, Part, Probe, Variant
from graders.autograde.question import Question

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

# The bank practice draws from: the exam's statements and more, each with its truth. The
# student sees the statements (STATEMENTS), never this key.
BANK = dict(zip(STATEMENTS, TRUE_FALSE, strict=True)) | {
    "A 3x3 convolution with stride 1 and padding 1 keeps the height and width of its input.": True,
    "A max-pooling layer has learnable parameters.": False,
    "The ReLU function is differentiable everywhere, 0 included.": False,
    "Dropout is usually turned off when a trained network is evaluated.": True,
    "The outputs of a softmax are non-negative and sum to one.": True,
    "During training, batch normalization normalizes with the statistics of the current minibatch.": True,
    "A larger learning rate always makes gradient descent converge faster.": False,
    "A fully connected layer from 100 to 10 units has 1,000 parameters, its biases included.": False,
    "The derivative of the sigmoid function is largest at 0.": True,
    "Linear layers stacked with no nonlinearity between them represent more than one linear layer.": False,
}
ASKED = len(STATEMENTS)


def _draw(rng: np.random.Generator) -> Givens:
    """Four statements of the bank, some true and some false."""
    texts = list(BANK)
    while True:
        chosen = [texts[i] for i in rng.choice(len(texts), size=ASKED, replace=False)]
        if len({BANK[s] for s in chosen}) == 2:
            return {"STATEMENTS": chosen}


VARIANT = Variant(exam={"STATEMENTS": STATEMENTS}, draw=_draw)


def _entry(i: int):
    def view(value):
        return bool(value[i]) if np.ndim(value) == 1 and len(value) == ASKED else None

    return view


def _items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    probe = [Probe("TRUE_FALSE", "TRUE_FALSE")]
    key = [BANK[s] for s in givens["STATEMENTS"]]
    return [
        Item(f"TRUE_FALSE[{i}]: {text[:50]}...", 0.5, probe, key, view=_entry(i))
        for i, text in enumerate(givens["STATEMENTS"])
    ]


QUESTION = Question(
    notebook="part2_extra_exercises",
    parts=[Part("test_true_false", "2d TRUE_FALSE", _items)],
    variant=VARIANT,
    statements=STATEMENTS,
    practice_task=(
        "## 2d) True or false\n\nYour four statements, `STATEMENTS`, are below. Set "
        "`TRUE_FALSE` to a list of 4 booleans, one per statement, in the same order."
    ),
    practice_solutions={
        "true_false": "### BEGIN SOLUTION\n"
        f"_KEY = {BANK!r}\n"
        "TRUE_FALSE = [_KEY[s] for s in STATEMENTS]\n"
        "### END SOLUTION"
    },
)
