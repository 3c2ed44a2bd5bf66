"""1c: average pooling of a 2-D image, and the exam's 4x4 example."""

import numpy as np
import torch.nn.functional as F

from graders.autograde.diagnosis import Related
from graders.autograde.model import Givens, Item, Mistake, Part, Probe, Variant, WrongAnswer
from graders.autograde.question import Question
from graders.questions.tensors import array, tensor

# Givens: the 4x4 image, pooled with a 2x2 kernel, stride 2, no padding; for practice,
# another image of whole numbers 0-9, 4 or 6 pixels a side.
IMAGE = np.array([[1, 4, 3, 2], [7, 8, 1, 2], [1, 0, 7, 3], [2, 1, 5, 1]], dtype=np.float64)
POOL_KERNEL, POOL_STRIDE = 2, 2


def _draw(rng: np.random.Generator) -> Givens:
    shape = tuple(int(n) for n in rng.choice([4, 6], size=2))
    return {"IMAGE": rng.integers(0, 10, size=shape).astype(np.float64)}


VARIANT = Variant(exam={"IMAGE": IMAGE}, draw=_draw)


def avg_pool2d(image: np.ndarray, kernel_size: int, stride: int) -> np.ndarray:
    """Reference: average pooling of a 2-D image, no padding."""
    return array(F.avg_pool2d(tensor(image)[None, None], kernel_size, stride))[0, 0]


def max_pool2d(image: np.ndarray, kernel_size: int, stride: int) -> np.ndarray:
    return array(F.max_pool2d(tensor(image)[None, None], kernel_size, stride))[0, 0]


MAX_NOT_MEAN = Mistake(
    "max instead of mean",
    "Average pooling takes the mean of each window (window.mean()), not its maximum.",
    "def avg_pool2d(image, kernel_size, stride):\n"
    "    h = (image.shape[0] - kernel_size) // stride + 1\n"
    "    w = (image.shape[1] - kernel_size) // stride + 1\n"
    "    out = np.zeros((h, w))\n"
    "    for i in range(h):\n"
    "        for j in range(w):\n"
    "            r, c = i * stride, j * stride\n"
    "            out[i, j] = image[r:r + kernel_size, c:c + kernel_size].max()\n"
    "    return out\n",
    required=True,
)
STRIDE_IGNORED = Mistake(
    "stride ignored",
    "Windows start every `stride` pixels: the output has (H - K) // S + 1 rows, "
    "and window (i, j) starts at row i * S, column j * S.",
    "def avg_pool2d(image, kernel_size, stride):\n"
    "    h = image.shape[0] - kernel_size + 1\n"
    "    w = image.shape[1] - kernel_size + 1\n"
    "    out = np.zeros((h, w))\n"
    "    for i in range(h):\n"
    "        for j in range(w):\n"
    "            out[i, j] = image[i:i + kernel_size, j:j + kernel_size].mean()\n"
    "    return out\n",
    required=True,
)
STRIDE_IS_KERNEL = Mistake(
    "stride ignored",
    STRIDE_IGNORED.hint,
    "def avg_pool2d(image, kernel_size, stride):\n"
    "    h = image.shape[0] // kernel_size\n"
    "    w = image.shape[1] // kernel_size\n"
    "    out = np.zeros((h, w))\n"
    "    for i in range(h):\n"
    "        for j in range(w):\n"
    "            r, c = i * kernel_size, j * kernel_size\n"
    "            out[i, j] = image[r:r + kernel_size, c:c + kernel_size].mean()\n"
    "    return out\n",
)


def pooled_as_max(givens: Givens) -> Mistake:
    return Mistake(
        "POOLED is the max-pooling answer",
        MAX_NOT_MEAN.hint,
        "POOLED = " + repr(max_pool2d(givens["IMAGE"], POOL_KERNEL, POOL_STRIDE).tolist()),
        required=True,
    )


POOLED_AS_MAX = pooled_as_max(VARIANT.exam)


RELATED = [
    Related(
        "the sum of each window, not its mean",
        lambda image, k, s: avg_pool2d(image, k, s) * k * k,
        "Average pooling divides each window's sum by the window's size (K * K).",
    ),
    Related(
        "the minimum of each window",
        lambda image, k, s: -max_pool2d(-np.asarray(image, dtype=float), k, s),
        "Average pooling takes the mean of each window.",
    ),
]


def _pool_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    k, s, image = POOL_KERNEL, POOL_STRIDE, givens["IMAGE"]
    size = "x".join(str(n) for n in image.shape)
    whose = VARIANT.whose(givens)
    exam_probe = Probe("exam", "avg_pool2d", (image, k, s), f"{whose} {size} image, K=2, S=2")
    general = [
        Probe(f"rand{i}", "avg_pool2d", (rng.integers(0, 10, size=shape).astype(float), k, s), note)
        for i, (shape, k, s, note) in enumerate(
            [
                ((5, 6), 2, 1, "a random 5x6 image, K=2, S=1"),
                ((7, 7), 3, 2, "a random 7x7 image, K=3, S=2"),
                ((6, 9), 3, 3, "a random 6x9 image, K=3, S=3"),
                ((5, 5), 2, 2, "a random 5x5 image, K=2, S=2 (the last row and column are dropped)"),
            ]
        )
    ]
    mistakes = [MAX_NOT_MEAN, STRIDE_IGNORED, STRIDE_IS_KERNEL]
    return [
        Item(f"avg_pool2d on {whose} image", 1, [exam_probe], avg_pool2d, mistakes, related=RELATED),
        Item(
            "avg_pool2d for other sizes, kernels and strides",
            1,
            general,
            avg_pool2d,
            mistakes,
            related=RELATED,
        ),
    ]


def _pooled_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    want = avg_pool2d(givens["IMAGE"], POOL_KERNEL, POOL_STRIDE)
    return [Item("POOLED", 1, [Probe("POOLED", "POOLED")], want, [pooled_as_max(givens)])]


QUESTION = Question(
    notebook="part1_exam_questions",
    parts=[
        Part("test_avg_pool2d", "1c avg_pool2d", _pool_items),
        Part("test_pooled", "1c POOLED", _pooled_items),
    ],
    variant=VARIANT,
    practice_task=(
        "## 1c) Average pooling\n\nImplement `avg_pool2d(image, kernel_size, stride)` (no "
        "padding), then pool your `IMAGE` with a 2x2 kernel and stride 2 into `POOLED`."
    ),
    wrong_answers=[
        WrongAnswer(
            "test_avg_pool2d",
            "def avg_pool2d(image, kernel_size, stride):\n"
            "    h = (image.shape[0] - kernel_size) // stride + 1\n"
            "    w = (image.shape[1] - kernel_size) // stride + 1\n"
            "    return np.array([[image[i*stride:i*stride+kernel_size,"
            " j*stride:j*stride+kernel_size].sum()\n"
            "                      for j in range(w)] for i in range(h)])\n",
            "sum of each window",
        ),
        WrongAnswer(
            "test_avg_pool2d",
            "def avg_pool2d(image, kernel_size, stride):\n"
            "    h = (image.shape[0] - kernel_size) // stride + 1\n"
            "    w = (image.shape[1] - kernel_size) // stride + 1\n"
            "    out = np.zeros((w, h))\n"
            "    for i in range(h):\n"
            "        for j in range(w):\n"
            "            out[j, i] = image[i*stride:i*stride+kernel_size,"
            " j*stride:j*stride+kernel_size].mean()\n"
            "    return out\n",
            "transpose",
        ),
        WrongAnswer(
            "test_pooled",
            "POOLED = [[5, 1], [2, 4]]\n",
            "transpose",
        ),
        WrongAnswer(
            "test_pooled",
            "POOLED = [[20, 8], [4, 16]]\n",
            "4 times the right one",
        ),
    ],
)
