"""2e: one backpropagation / SGD step on a 1-layer linear network."""

import numpy as np

from graders.autograde.diagnosis import Related
from graders.autograde.model import Givens, Item, Mistake, Part, Probe, Variant, WrongAnswer
from graders.autograde.question import Question
from graders.questions.tensors import array, tensor

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


def _draw(rng: np.random.Generator) -> Givens:
    """Another instance of the same size, in whole numbers, and another learning rate; never
    one where the gradient vanishes (there the step, and its mistakes, change nothing)."""
    while True:
        givens = {
            "A": rng.integers(-3, 4, size=(1, 2)).astype(float),
            "X": rng.integers(-4, 5, size=(2, 3)).astype(float),
            "T": rng.integers(-5, 16, size=(1, 3)).astype(float),
            "LEARNING_RATE": float(rng.choice([0.1, 0.2, 0.5, 1.0])),
        }
        if np.abs(grad_A(givens["A"], givens["X"], givens["T"])).max() > 0.5:
            return givens


VARIANT = Variant(exam={"A": A, "X": X, "T": T, "LEARNING_RATE": LEARNING_RATE}, draw=_draw)


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


def _number(value: float) -> str:
    return f"{value:g}"


def numbers_with_summed_gradient(givens: Givens) -> Mistake:
    """The numbers of 2e i when the step forgets to divide by the batch size."""
    a, x, t, lr = givens["A"], givens["X"], givens["T"], givens["LEARNING_RATE"]
    a_new = sgd_step(a, grad_A(a, x, t), lr, 1)
    after = loss(forward(a_new, x), t)
    shown = "[[" + ", ".join(_number(v) for v in a_new.ravel()) + "]]"
    return Mistake(
        f"A_NEW = {shown} and loss {_number(after)} (summed gradient)",
        SUMMED_GRADIENT.hint,
        f"A_NEW = np.array({a_new.tolist()!r})\nLOSS_AFTER = {after!r}\n",
        required=True,
    )


NUMBERS_WITH_SUMMED_GRADIENT = numbers_with_summed_gradient(VARIANT.exam)

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


def _function_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    cases = [(givens["A"], givens["X"], givens["T"], f"{VARIANT.whose(givens)} A, X, T")]
    cases += [
        (*_batch(rng, m, d, n), f"random A ({m}, {d}), X ({d}, {n})") for m, d, n in [(1, 2, 5), (2, 3, 4)]
    ]
    fwd = [Probe(f"forward{i}", "forward", (A, X), note) for i, (A, X, T, note) in enumerate(cases)]
    lss = [
        Probe(f"loss{i}", "loss", (forward(A, X) + 0.1 * i, T), f"Y = A X from {note}, and T")
        for i, (A, X, T, note) in enumerate(cases)
    ]
    grd = [Probe(f"grad{i}", "grad_A", (A, X, T), note) for i, (A, X, T, note) in enumerate(cases)]
    rates = [givens["LEARNING_RATE"], 0.1, 0.5]
    grads = [grad_A(A, X, T) for A, X, T, _ in cases]
    if givens is not VARIANT.exam:  # in practice, no probe's input is another part's answer
        grads[0] = np.round(rng.normal(size=grads[0].shape) * 10, 1)
    step = [
        Probe(f"step{i}", "sgd_step", (A, grad, lr, X.shape[1]), f"{note}, lr = {lr}")
        for i, ((A, X, T, note), grad, lr) in enumerate(zip(cases, grads, rates, strict=True))
    ]
    return [
        Item("forward", 0.5, fwd, forward),
        Item("loss", 0.5, lss, loss),
        Item("grad_A", 1, grd, grad_A, related=GRAD_RELATED),
        Item("sgd_step", 1, step, sgd_step, [SUMMED_GRADIENT, SIGN_FLIPPED], related=STEP_RELATED),
    ]


def _number_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    steps = backprop_step(givens["A"], givens["X"], givens["T"], givens["LEARNING_RATE"])
    answers = dict(zip(["LOSS_BEFORE", "GRAD_A", "A_NEW", "LOSS_AFTER"], steps, strict=True))
    mistakes = [numbers_with_summed_gradient(givens)]
    return [
        Item(name, 0.5, [Probe(name, name)], value, mistakes, atol=1.5e-3, rtol=0)
        for name, value in answers.items()
    ]


def _why_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    """Asked of the exam's numbers only (with them the loss goes up); practice leaves it out."""
    before, _, _, after = backprop_step(A, X, T, LEARNING_RATE)
    return [
        Item("LOSS_DECREASED", 0.5, [Probe("LOSS_DECREASED", "LOSS_DECREASED")], after < before),
        Item("WHY_NOT", 0.5, [Probe("WHY_NOT", "WHY_NOT")], RIGHT),
    ]


QUESTION = Question(
    notebook="part2_extra_exercises",
    parts=[
        Part("test_backprop_functions", "2e forward, loss, grad_A, sgd_step", _function_items),
        Part("test_backprop_numbers", "2e i LOSS_BEFORE, GRAD_A, A_NEW, LOSS_AFTER", _number_items),
        Part("test_loss_decreased", "2e ii LOSS_DECREASED and WHY_NOT", _why_items, practice=False),
    ],
    variant=VARIANT,
    options=OPTIONS,
    practice_task=(
        "## 2e) One backpropagation step\n\nA 1-layer linear network $Y = A X$ with the loss "
        "$L = \\frac12 \\sum_j (y_j - t_j)^2$ summed over the minibatch (the columns of `X`; targets `T`). "
        "Implement `forward`, `loss`, `grad_A` and `sgd_step` (the step averages the gradient over the "
        "batch), then compute `LOSS_BEFORE`, `GRAD_A`, `A_NEW` (one step with `LEARNING_RATE`) and "
        "`LOSS_AFTER` for your `A`, `X`, `T`."
    ),
    wrong_answers=[
        WrongAnswer(
            "test_backprop_functions",
            "def loss(Y, T):\n    return float(((Y - T) ** 2).sum())\n",
            "2 times",
        ),
        WrongAnswer(
            "test_backprop_functions",
            "def loss(Y, T):\n    return float(0.5 * ((Y - T) ** 2).mean())\n",
            "divided by the number of entries of Y",
        ),
        WrongAnswer(
            "test_backprop_functions",
            "def grad_A(A, X, T):\n    return (A @ X - T) @ X.T / X.shape[1]\n",
            "divided by the size of X along axis 1",
        ),
        WrongAnswer(
            "test_backprop_functions",
            "def grad_A(A, X, T):\n    return A.T @ (A @ X - T)\n",
            "dL/dX",
        ),
        WrongAnswer(
            "test_backprop_functions",
            "def grad_A(A, X, T):\n    return A @ X - T\n",
            "dL/dY",
        ),
        WrongAnswer(
            "test_backprop_functions",
            "def forward(A, X):\n    return X.T @ A.T\n",
            "transpose",
        ),
        WrongAnswer(
            "test_backprop_numbers",
            "GRAD_A = -GRAD_A\n",
            "opposite sign",
        ),
        WrongAnswer(
            "test_backprop_numbers",
            "GRAD_A = 3 * GRAD_A\n",
            "3 times",
        ),
    ],
)
