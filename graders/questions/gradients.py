"""2a: analytic gradients of ReLU, LeakyReLU, tanh and the cross-entropy loss."""

import numpy as np
import torch
import torch.nn.functional as F

from graders.autograde.diagnosis import Related
from graders.autograde.model import Item, Mistake, Part, Probe, WrongAnswer
from graders.autograde.question import Question
from graders.questions.tensors import array, elementwise_grad, tensor


def relu_grad(x: np.ndarray) -> np.ndarray:
    """Reference, by autograd (torch's ReLU has derivative 0 at 0, the exam's convention)."""
    return elementwise_grad(torch.relu, x)


def leaky_relu_grad(x: np.ndarray, c: float) -> np.ndarray:
    return elementwise_grad(lambda t: F.leaky_relu(t, negative_slope=float(c)), x)


def tanh_grad(x: np.ndarray) -> np.ndarray:
    return elementwise_grad(torch.tanh, x)


def cross_entropy_grad(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """dH/dp of H(y, p) = -sum_i y_i log p_i."""
    pt = tensor(p).clone().requires_grad_(True)
    (-(tensor(y) * torch.log(pt)).sum()).backward()
    return array(pt.grad)


RELU_GRAD_AT_ZERO = Mistake(
    "relu_grad(0) == 1",
    "The exam's convention: dReLU/dx is 1 for x > 0 and 0 for x <= 0, so relu_grad(0) is 0.",
    "def relu_grad(x):\n    return (x >= 0).astype(float)\n",
    required=True,
)
LEAKY_RETURNS_CX = Mistake(
    "leaky_relu_grad returning c * x",
    "For x <= 0, LeakyReLU(x) = c x, whose derivative is the constant c, not c * x.",
    "def leaky_relu_grad(x, c):\n    return np.where(x > 0, 1.0, c * x)\n",
    required=True,
)
TANH_GRAD_NOT_SQUARED = Mistake(
    "tanh_grad as 1 - tanh(x)",
    "d tanh(x)/dx = 1 - tanh(x)**2: the tanh is squared.",
    "def tanh_grad(x):\n    return 1 - np.tanh(x)\n",
    required=True,
)
CE_SIGN_FLIPPED = Mistake(
    "sign flipped",
    "H = -sum_i y_i log p_i, so dH/dp_i = -y_i / p_i: keep the minus sign.",
    "def cross_entropy_grad(y, p):\n    return y / p\n",
    required=True,
)


RELU_GRAD_RELATED = [
    Related(
        "ReLU itself, not its derivative",
        lambda x: array(torch.relu(tensor(x))),
        "The derivative of ReLU is 1 where x > 0 and 0 where x <= 0.",
    )
]
LEAKY_GRAD_RELATED = [
    Related(
        "LeakyReLU itself, not its derivative",
        lambda x, c: array(F.leaky_relu(tensor(x), negative_slope=float(c))),
        "The derivative of LeakyReLU is 1 where x > 0 and the constant c where x <= 0.",
    )
]
TANH_GRAD_RELATED = [
    Related(
        "tanh itself, not its derivative",
        lambda x: array(torch.tanh(tensor(x))),
        "d tanh(x)/dx = 1 - tanh(x)**2.",
    )
]
CE_RELATED = [
    Related(
        "the loss terms -y log p themselves, not their derivative",
        lambda y, p: array(-tensor(y) * torch.log(tensor(p))),
        "Differentiate -y_i log p_i with respect to p_i: -y_i / p_i.",
    ),
    Related(
        "-1 / p: the factor y is missing",
        lambda y, p: -1 / np.asarray(p, dtype=float),
        "dH/dp_i = -y_i / p_i: each term keeps its y_i.",
    ),
]


def _points(rng: np.random.Generator) -> list[tuple[np.ndarray, str]]:
    return [
        (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]), "x = [-2, -0.5, 0, 0.5, 2]"),
        (np.array([0.0]), "x = [0] (the kink)"),
        (rng.normal(0, 3, size=(4, 5)), "a random (4, 5) array"),
    ]


def _activation_grad_items(rng: np.random.Generator) -> list[Item]:
    points = _points(rng)
    c = float(rng.uniform(0.01, 0.3))

    def probes(name: str, extra: tuple = ()) -> list[Probe]:
        suffix = f", c = {c:.3g}" if extra else ""
        return [Probe(f"{name}{i}", name, (x, *extra), note + suffix) for i, (x, note) in enumerate(points)]

    return [
        Item("relu_grad", 1, probes("relu_grad"), relu_grad, [RELU_GRAD_AT_ZERO], related=RELU_GRAD_RELATED),
        Item(
            "leaky_relu_grad",
            1,
            probes("leaky_relu_grad", (c,)),
            leaky_relu_grad,
            [LEAKY_RETURNS_CX],
            related=LEAKY_GRAD_RELATED,
        ),
        Item(
            "tanh_grad", 1, probes("tanh_grad"), tanh_grad, [TANH_GRAD_NOT_SQUARED], related=TANH_GRAD_RELATED
        ),
    ]


def _cross_entropy_items(rng: np.random.Generator) -> list[Item]:
    probes = []
    for i, n in enumerate([3, 5, 10]):
        p = rng.dirichlet(np.ones(n)) * 0.9 + 0.1 / n
        y = np.eye(n)[rng.integers(n)] if i < 2 else rng.dirichlet(np.ones(n))
        kind = "one-hot" if i < 2 else "soft"
        probes.append(Probe(f"ce{i}", "cross_entropy_grad", (y, p), f"a {kind} y and p of length {n}"))
    return [Item("cross_entropy_grad", 1, probes, cross_entropy_grad, [CE_SIGN_FLIPPED], related=CE_RELATED)]


QUESTION = Question(
    notebook="part2_extra_exercises",
    parts=[
        Part("test_activation_grads", "2a relu_grad, leaky_relu_grad, tanh_grad", _activation_grad_items),
        Part("test_cross_entropy_grad", "2a cross_entropy_grad", _cross_entropy_items),
    ],
    wrong_answers=[
        WrongAnswer(
            "test_activation_grads",
            "def relu_grad(x):\n    return np.maximum(x, 0)\n",
            "ReLU itself",
        ),
        WrongAnswer(
            "test_activation_grads",
            "def relu_grad(x):\n    return np.sign(x)\n",
            "right where x > 0 and wrong where x < 0",
        ),
        WrongAnswer(
            "test_activation_grads",
            "def leaky_relu_grad(x, c):\n    return np.where(x > 0, 1.0, 0.0)\n",
            "wrong where x < 0",
        ),
        WrongAnswer(
            "test_activation_grads",
            "def leaky_relu_grad(x, c):\n    return np.where(x > 0, x, c * x)\n",
            "LeakyReLU itself",
        ),
        WrongAnswer(
            "test_activation_grads",
            "def tanh_grad(x):\n    return np.tanh(x)\n",
            "tanh itself",
        ),
        WrongAnswer(
            "test_activation_grads",
            "def tanh_grad(x):\n    return np.tanh(x) ** 2 - 1\n",
            "opposite sign",
        ),
        WrongAnswer(
            "test_cross_entropy_grad",
            "def cross_entropy_grad(y, p):\n    return -y * np.log(p)\n",
            "-y log p",
        ),
        WrongAnswer(
            "test_cross_entropy_grad",
            "def cross_entropy_grad(y, p):\n    return -1 / p\n",
            "factor y is missing",
        ),
        WrongAnswer(
            "test_cross_entropy_grad",
            "def cross_entropy_grad(y, p):\n    return -y / p / len(p)\n",
            "divided by the size of",
        ),
    ],
)
