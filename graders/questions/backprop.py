"""2e: one backpropagation / SGD step on a 1-layer linear network."""

import numpy as np

from graders.autograde.diagnosis import Related
from graders.autograde.model import Item, Mistake, Part, Probe
from graders.questions.tensors import array, tensor

NOTEBOOK = "part2_extra_exercises"

# Givens: a 1-layer linear network y = A x on a minibatch of 3 points.
A = np.array([[3.0, 2.0]])
X = np.array([[2.0, 1.0, -1.0], [4.0, -2.0, 0.0]])
T = np.array([[15.0, 3.0, 1.0]])
LEARNING_RATE = 1.0


def forward(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Reference: Y = A X for weights A (M, D) and a minibatch X (D, N)."""
    return array(tensor(A) @ tensor(X))


def loss(Y: np.ndarray, T: np.ndarray) -> float:
    """L = 1/2 sum_j (y_j - t_j)^2, a sum over the minibatch."""
    return float(0.5 * ((tensor(Y) - tensor(T)) ** 2).sum())


def grad_A(A: np.ndarray, X: np.ndarray, T: np.ndarray) -> np.ndarray:
    """dL/dA of the summed loss, by autograd."""
    At = tensor(A).clone().requires_grad_(True)
    (0.5 * ((At @ tensor(X) - tensor(T)) ** 2).sum()).backward()
    return array(At.grad)


def sgd_step(A: np.ndarray, grad: np.ndarray, lr: float, batch_size: int) -> np.ndarray:
    """One SGD step with the gradient averaged over the minibatch."""
    return array(tensor(A) - lr * tensor(grad) / batch_size)


def backprop_step(
    A: np.ndarray, X: np.ndarray, T: np.ndarray, lr: float
) -> tuple[float, np.ndarray, np.ndarray, float]:
    """(loss before, dL/dA, A after one step, loss after) on one minibatch."""
    grad = grad_A(A, X, T)
    A_new = sgd_step(A, grad, lr, X.shape[1])
    return loss(forward(A, X), T), grad, A_new, loss(forward(A_new, X), T)


SUMMED_GRADIENT = Mistake(
    "summed gradient without / batch size",
    "The loss is a sum over the minibatch, but the update uses the gradient averaged "
    "over it: A <- A - lr * grad / batch_size (here batch_size = 3).",
    "def sgd_step(A, grad, lr, batch_size):\n    return A - lr * grad\n",
    required=True,
)
SIGN_FLIPPED = Mistake(
    "update sign flipped",
    "Gradient descent steps against the gradient: A <- A - lr * grad / batch_size.",
    "def sgd_step(A, grad, lr, batch_size):\n    return A + lr * grad / batch_size\n",
    required=True,
)
NUMBERS_WITH_SUMMED_GRADIENT = Mistake(
    "A_NEW = [[5, -2]] and loss 120.5 (summed gradient)",
    SUMMED_GRADIENT.hint,
    "A_NEW = np.array([[5.0, -2.0]])\nLOSS_AFTER = 120.5\n",
    required=True,
)

OPTIONS = {
    "a": "The learning rate is too high: the step overshoots the minimum.",
    "b": "The gradient was computed with the wrong sign.",
    "c": "The minibatch is too small to estimate the gradient.",
    "d": "A linear network cannot fit these targets, so no step can lower the loss.",
}
RIGHT = "a"


GRAD_RELATED = [
    Related(
        "dL/dX, the gradient with respect to the inputs X",
        lambda A, X, T: A.T @ (forward(A, X) - T),
        "grad_A asks for dL/dA = (A X - T) X^T: differentiate with respect to the weights A.",
    ),
    Related(
        "dL/dY = A X - T, the gradient with respect to the outputs",
        lambda A, X, T: forward(A, X) - T,
        "Chain it with dY/dA: dL/dA = (A X - T) X^T.",
    ),
]


STEP_RELATED = [
    Related(
        "A - grad / batch_size: the learning rate left out",
        lambda A, grad, lr, batch_size: sgd_step(A, grad, 1.0, batch_size),
        "The step is scaled by the learning rate: A <- A - lr * grad / batch_size.",
    ),
]


def _batch(rng: np.random.Generator, m: int, d: int, n: int) -> tuple[np.ndarray, ...]:
    return rng.normal(size=(m, d)), rng.normal(size=(d, n)), rng.normal(size=(m, n))


def _function_items(rng: np.random.Generator) -> list[Item]:
    cases = [(A, X, T, "the exam's A, X, T")]
    cases += [
        (*_batch(rng, m, d, n), f"random A ({m}, {d}), X ({d}, {n})") for m, d, n in [(1, 2, 5), (2, 3, 4)]
    ]
    fwd = [Probe(f"forward{i}", "forward", (A, X), note) for i, (A, X, T, note) in enumerate(cases)]
    lss = [
        Probe(f"loss{i}", "loss", (forward(A, X) + 0.1 * i, T), f"Y = A X from {note}, and T")
        for i, (A, X, T, note) in enumerate(cases)
    ]
    grd = [Probe(f"grad{i}", "grad_A", (A, X, T), note) for i, (A, X, T, note) in enumerate(cases)]
    step = [
        Probe(f"step{i}", "sgd_step", (A, grad_A(A, X, T), lr, X.shape[1]), f"{note}, lr = {lr}")
        for i, ((A, X, T, note), lr) in enumerate(zip(cases, [LEARNING_RATE, 0.1, 0.5], strict=True))
    ]
    return [
        Item("forward", 0.5, fwd, forward),
        Item("loss", 0.5, lss, loss),
        Item("grad_A", 1, grd, grad_A, related=GRAD_RELATED),
        Item("sgd_step", 1, step, sgd_step, [SUMMED_GRADIENT, SIGN_FLIPPED], related=STEP_RELATED),
    ]


def _number_items(rng: np.random.Generator) -> list[Item]:
    before, grad, a_new, after = backprop_step(A, X, T, LEARNING_RATE)
    answers = {"LOSS_BEFORE": before, "GRAD_A": grad, "A_NEW": a_new, "LOSS_AFTER": after}
    return [
        Item(name, 0.5, [Probe(name, name)], value, [NUMBERS_WITH_SUMMED_GRADIENT], atol=1.5e-3, rtol=0)
        for name, value in answers.items()
    ]


def _why_items(rng: np.random.Generator) -> list[Item]:
    before, _, _, after = backprop_step(A, X, T, LEARNING_RATE)
    return [
        Item("LOSS_DECREASED", 0.5, [Probe("LOSS_DECREASED", "LOSS_DECREASED")], after < before),
        Item("WHY_NOT", 0.5, [Probe("WHY_NOT", "WHY_NOT")], RIGHT),
    ]


PARTS = [
    Part("test_backprop_functions", "2e forward, loss, grad_A, sgd_step", _function_items),
    Part("test_backprop_numbers", "2e i LOSS_BEFORE, GRAD_A, A_NEW, LOSS_AFTER", _number_items),
    Part("test_loss_decreased", "2e ii LOSS_DECREASED and WHY_NOT", _why_items),
]
