"""2c: CNN arithmetic: output shapes, the VGG16 stack and parameter counts."""

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from graders.autograde.model import Givens, Item, Mistake, Part, Probe, Variant, WrongAnswer
from graders.autograde.question import Question
from graders.questions.tensors import count_params

# Givens: the VGG-style stack. Each conv is (C_in, C_out); None is one of the exam's "?".
VGG_INPUT = (3, 320, 320)
VGG_CONVS = [(None, None), (64, None), (128, 256), (None, 512)]
VGG_CONV_KERNEL, VGG_CONV_STRIDE, VGG_CONV_PADDING = 3, 1, 1
VGG_POOL_KERNEL, VGG_POOL_STRIDE = 2, 2
FC1 = (25088, 4096)

Shape = tuple[int, ...]
CHW = ("the channels C", "the height H", "the width W")  # the entries of a shape, for diagnosis


def conv2d_output_shape(in_shape: Shape, c_out: int, kernel_size: int, stride: int, padding: int) -> Shape:
    """Reference, on the meta device: nothing is allocated."""
    conv = nn.Conv2d(in_shape[0], c_out, kernel_size, stride, padding, device="meta")
    return tuple(conv(torch.empty(1, *in_shape, device="meta")).shape[1:])


def maxpool2d_output_shape(in_shape: Shape, kernel_size: int, stride: int) -> Shape:
    pool = nn.MaxPool2d(kernel_size, stride)
    return tuple(pool(torch.empty(1, *in_shape, device="meta")).shape[1:])


def fill_channels(
    image_channels: int, convs: Sequence[tuple[int | None, int | None]]
) -> list[tuple[int, int]]:
    """Fill the unknown channels of a conv stack so that each conv feeds the next."""
    filled = [list(c) for c in convs]
    for i, conv in enumerate(filled):
        if conv[0] is None:
            conv[0] = image_channels if i == 0 else filled[i - 1][1]
        if conv[1] is None:
            conv[1] = filled[i + 1][0]
    if any(c is None for conv in filled for c in conv):
        raise ValueError(f"channels cannot be inferred from {convs}")
    return [(c_in, c_out) for c_in, c_out in filled]


def vgg_layers(image_channels: int = VGG_INPUT[0], convs: Sequence = VGG_CONVS) -> list[nn.Module]:
    """The conv stack (the exam's by default): (Conv, ReLU, MaxPool) for each conv."""
    layers: list[nn.Module] = []
    for c_in, c_out in fill_channels(image_channels, convs):
        conv = nn.Conv2d(c_in, c_out, VGG_CONV_KERNEL, VGG_CONV_STRIDE, VGG_CONV_PADDING, device="meta")
        layers += [conv, nn.ReLU(), nn.MaxPool2d(VGG_POOL_KERNEL, VGG_POOL_STRIDE)]
    return layers


def layer_output_shapes(layers: Sequence[nn.Module], in_shape: Shape) -> list[Shape]:
    """(C, H, W) after each layer when an input of in_shape passes through."""
    x, shapes = torch.empty(1, *in_shape, device="meta"), []
    for layer in layers:
        x = layer(x)
        shapes.append(tuple(x.shape[1:]))
    return shapes


def conv_params(c_in: int, c_out: int, kernel_size: int) -> int:
    return count_params(nn.Conv2d(c_in, c_out, kernel_size, device="meta"))


def fc_params(c_in: int, c_out: int) -> int:
    return count_params(nn.Linear(c_in, c_out, device="meta"))


# For practice: another input and other channels, the same stack and the same "?" (the
# student's givens, by name: the image VGG_C x VGG_H x VGG_H and the channels shown).
def _givens(image: Shape, convs: Sequence, fc1: tuple[int, int]) -> Givens:
    return {
        "VGG_C": image[0],
        "VGG_H": image[1],
        "CONV2_IN": convs[1][0],
        "CONV3_IN": convs[2][0],
        "CONV3_OUT": convs[2][1],
        "CONV4_OUT": convs[3][1],
        "FC1_IN": fc1[0],
        "FC1_OUT": fc1[1],
    }


def stack(givens: Givens) -> tuple[Shape, list[tuple[int | None, int | None]], tuple[int, int]]:
    """The input shape, the conv stack (with its "?") and FC1 of a variant."""
    image = (givens["VGG_C"], givens["VGG_H"], givens["VGG_H"])
    convs = [(None, None), (givens["CONV2_IN"], None), (givens["CONV3_IN"], givens["CONV3_OUT"])]
    convs.append((None, givens["CONV4_OUT"]))
    return image, convs, (givens["FC1_IN"], givens["FC1_OUT"])


def _draw(rng: np.random.Generator) -> Givens:
    size = int(rng.choice([64, 96, 128, 160, 224, 320]))
    c1 = int(rng.choice([16, 32, 64]))
    c2, c3 = c1 * int(rng.choice([1, 2])), c1 * int(rng.choice([2, 4]))
    c4 = c3 * int(rng.choice([1, 2]))
    convs = [(None, None), (c1, None), (c2, c3), (None, c4)]
    fc1 = (c4 * 7 * 7, int(rng.choice([1024, 2048, 4096])))
    return _givens((int(rng.choice([1, 3])), size, size), convs, fc1)


VARIANT = Variant(exam=_givens(VGG_INPUT, VGG_CONVS, FC1), draw=_draw)


def vgg_shapes(givens: Givens) -> list[Shape]:
    image, convs, _ = stack(givens)
    return layer_output_shapes(vgg_layers(image[0], convs), image)


PADDING_LEFT_OUT = Mistake(
    "padding left out",
    "Padding P adds P pixels on each side: H_out = (H + 2P - K) // S + 1.",
    "def conv2d_output_shape(in_shape, c_out, kernel_size, stride, padding):\n"
    "    c, h, w = in_shape\n"
    "    return (c_out, (h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1)\n",
    required=True,
)
CEIL_NOT_FLOOR = Mistake(
    "ceil instead of floor",
    "A window that does not fit is dropped: H_out = floor((H + 2P - K) / S) + 1, rounding down.",
    "import math\n"
    "\n"
    "def conv2d_output_shape(in_shape, c_out, kernel_size, stride, padding):\n"
    "    c, h, w = in_shape\n"
    "    f = lambda n: math.ceil((n + 2 * padding - kernel_size) / stride) + 1\n"
    "    return (c_out, f(h), f(w))\n"
    "\n"
    "def maxpool2d_output_shape(in_shape, kernel_size, stride):\n"
    "    c, h, w = in_shape\n"
    "    f = lambda n: math.ceil((n - kernel_size) / stride) + 1\n"
    "    return (c, f(h), f(w))\n",
    required=True,
)


def relu_rows_left_out(givens: Givens) -> Mistake:
    shapes = [shape for i, shape in enumerate(vgg_shapes(givens)) if i % 3 != 1]
    return Mistake(
        "ReLU rows left out",
        "The table has one row per layer, ReLU included: 12 shapes (a ReLU keeps the shape).",
        f"VGG_SHAPES = {shapes!r}\n",
        required=True,
    )


def hwc_order(givens: Givens) -> Mistake:
    shapes = [(h, w, c) for c, h, w in vgg_shapes(givens)]
    return Mistake(
        "(H, W, C) order",
        "Report each shape as (C, H, W), channels first, as PyTorch does.",
        f"VGG_SHAPES = {shapes!r}\n",
        required=True,
    )


RELU_ROWS_LEFT_OUT = relu_rows_left_out(VARIANT.exam)
HWC_ORDER = hwc_order(VARIANT.exam)
CONV_BIAS_FORGOTTEN = Mistake(
    "bias forgotten",
    "Each output channel (or output unit) also has one bias: "
    "conv: C_out * (K * K * C_in + 1); FC: C_out * (C_in + 1).",
    "def conv_params(c_in, c_out, kernel_size):\n"
    "    return c_out * kernel_size * kernel_size * c_in\n"
    "\n"
    "def fc_params(c_in, c_out):\n"
    "    return c_out * c_in\n",
    required=True,
)


def params_bias_forgotten(givens: Givens) -> Mistake:
    image, convs, (fc_in, fc_out) = stack(givens)
    (c1_in, c1_out), (c2_in, c2_out) = fill_channels(image[0], convs)[:2]
    k = VGG_CONV_KERNEL
    return Mistake(
        "bias forgotten",
        CONV_BIAS_FORGOTTEN.hint,
        f"PARAMS_CONV1 = {k} * {k} * {c1_in} * {c1_out}\nPARAMS_CONV2 = {k} * {k} * {c2_in} * {c2_out}\n"
        f"PARAMS_FC1 = {fc_in} * {fc_out}\n",
        required=True,
    )


PARAMS_BIAS_FORGOTTEN = params_bias_forgotten(VARIANT.exam)


def _random_shape(rng: np.random.Generator) -> tuple[int, int, int]:
    return (int(rng.integers(1, 8)), int(rng.integers(7, 64)), int(rng.integers(7, 64)))


def _shape_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    conv_cases = [((3, 320, 320), 64, 3, 1, 1), ((3, 32, 32), 16, 5, 2, 1), ((1, 28, 28), 8, 3, 2, 0)]
    conv_cases += [
        (_random_shape(rng), int(rng.integers(1, 64)), int(k), int(s), int(p))
        for k, s, p in [(3, 2, 1), (5, 3, 2), (4, 2, 1)]
    ]
    pool_cases = [((64, 320, 320), 2, 2), ((16, 15, 15), 2, 1), ((8, 7, 9), 3, 2)]
    pool_cases += [(_random_shape(rng), int(k), int(s)) for k, s in [(2, 2), (3, 2)]]
    conv = [
        Probe(
            f"conv{i}",
            "conv2d_output_shape",
            (shape, c, k, s, p),
            f"in_shape={shape}, C_out={c}, K={k}, S={s}, P={p}",
        )
        for i, (shape, c, k, s, p) in enumerate(conv_cases)
    ]
    pool = [
        Probe(f"pool{i}", "maxpool2d_output_shape", (shape, k, s), f"in_shape={shape}, K={k}, S={s}")
        for i, (shape, k, s) in enumerate(pool_cases)
    ]
    return [
        Item(
            "conv2d_output_shape",
            1,
            conv,
            conv2d_output_shape,
            [PADDING_LEFT_OUT, CEIL_NOT_FLOOR],
            entries=CHW,
        ),
        Item("maxpool2d_output_shape", 1, pool, maxpool2d_output_shape, [CEIL_NOT_FLOOR], entries=CHW),
    ]


def _channel_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    image, convs, _ = stack(givens)
    filled = fill_channels(image[0], convs)
    answers = {
        "CONV1_IN": filled[0][0],
        "CONV1_OUT": filled[0][1],
        "CONV2_OUT": filled[1][1],
        "CONV4_IN": filled[3][0],
    }
    return [Item(name, 0.25, [Probe(name, name)], value, entries=()) for name, value in answers.items()]


def _vgg_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    probe = [Probe("VGG_SHAPES", "VGG_SHAPES")]
    mistakes = [relu_rows_left_out(givens), hwc_order(givens)]
    return [Item("VGG_SHAPES", 2, probe, vgg_shapes(givens), mistakes, entries=CHW)]


def _count_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    conv_cases = [(3, 64, 3), (64, 128, 3), (3, 16, 5)] + [
        (int(rng.integers(1, 300)), int(rng.integers(1, 300)), int(rng.integers(1, 8))) for _ in range(2)
    ]
    fc_cases = [FC1, (10, 1)] + [(int(rng.integers(1, 5000)), int(rng.integers(1, 5000)))]
    conv = [
        Probe(f"conv{i}", "conv_params", case, f"C_in={case[0]}, C_out={case[1]}, K={case[2]}")
        for i, case in enumerate(conv_cases)
    ]
    fc = [
        Probe(f"fc{i}", "fc_params", case, f"C_in={case[0]}, C_out={case[1]}")
        for i, case in enumerate(fc_cases)
    ]
    return [
        Item("conv_params", 1, conv, conv_params, [CONV_BIAS_FORGOTTEN], entries=()),
        Item("fc_params", 1, fc, fc_params, [CONV_BIAS_FORGOTTEN], entries=()),
    ]


def _param_items(rng: np.random.Generator, givens: Givens) -> list[Item]:
    image, convs, fc1 = stack(givens)
    (c1_in, c1_out), (c2_in, c2_out) = fill_channels(image[0], convs)[:2]
    k = VGG_CONV_KERNEL
    answers = {
        "PARAMS_CONV1": conv_params(c1_in, c1_out, k),
        "PARAMS_CONV2": conv_params(c2_in, c2_out, k),
        "PARAMS_FC1": fc_params(*fc1),
    }
    mistakes = [params_bias_forgotten(givens)]
    return [
        Item(name, 0.5, [Probe(name, name)], value, mistakes, entries=()) for name, value in answers.items()
    ]


QUESTION = Question(
    notebook="part2_extra_exercises",
    parts=[
        Part("test_output_shapes", "2c conv2d_output_shape and maxpool2d_output_shape", _shape_items),
        Part("test_vgg_channels", "2c i the missing channels", _channel_items),
        Part("test_vgg_shapes", "2c i VGG_SHAPES", _vgg_items),
        Part("test_param_counts", "2c ii conv_params and fc_params", _count_items),
        Part("test_vgg_params", "2c ii PARAMS_CONV1, PARAMS_CONV2, PARAMS_FC1", _param_items),
    ],
    variant=VARIANT,
    practice_task=(
        "## 2c) CNN arithmetic\n\nPyTorch's notation: `Conv(C_in, C_out, K, S, P)`, `MaxPool(K, S)` (no "
        "padding). Write `conv2d_output_shape` and `maxpool2d_output_shape` (the output `(C, H, W)` for an "
        "input `(C, H, W)`). Your image is `VGG_C` x `VGG_H` x `VGG_H`; it passes through "
        "Conv(?, ?, 3, 1, 1), ReLU, MaxPool(2, 2), Conv(`CONV2_IN`, ?, 3, 1, 1), ReLU, MaxPool(2, 2), "
        "Conv(`CONV3_IN`, `CONV3_OUT`, 3, 1, 1), ReLU, MaxPool(2, 2), Conv(?, `CONV4_OUT`, 3, 1, 1), ReLU, "
        "MaxPool(2, 2). Fill in the `?` (`CONV1_IN`, `CONV1_OUT`, `CONV2_OUT`, `CONV4_IN`), list the 12 "
        "shapes in `VGG_SHAPES`, "
        "write `conv_params` and `fc_params` (with bias), and count the parameters of the first two "
        "convolutions and of FC(`FC1_IN`, `FC1_OUT`)."
    ),
    practice_solutions={
        "vgg_channels": "### BEGIN SOLUTION\nCONV1_IN, CONV1_OUT = VGG_C, CONV2_IN\nCONV2_OUT = CONV3_IN\n"
        "CONV4_IN = CONV3_OUT\n### END SOLUTION",
        "vgg_shapes": "### BEGIN SOLUTION\nVGG_SHAPES = []\n_shape = (VGG_C, VGG_H, VGG_H)\n"
        "for _c_in, _c_out in [(CONV1_IN, CONV1_OUT), (CONV2_IN, CONV2_OUT), (CONV3_IN, CONV3_OUT), "
        "(CONV4_IN, CONV4_OUT)]:\n"
        "    _shape = conv2d_output_shape(_shape, _c_out, 3, 1, 1)\n"
        "    VGG_SHAPES += [_shape, _shape]  # the conv, then the ReLU\n"
        "    _shape = maxpool2d_output_shape(_shape, 2, 2)\n"
        "    VGG_SHAPES.append(_shape)\n### END SOLUTION",
        "vgg_params": "### BEGIN SOLUTION\nPARAMS_CONV1 = conv_params(CONV1_IN, CONV1_OUT, 3)\n"
        "PARAMS_CONV2 = conv_params(CONV2_IN, CONV2_OUT, 3)\nPARAMS_FC1 = fc_params(FC1_IN, FC1_OUT)\n"
        "### END SOLUTION",
    },
    wrong_answers=[
        WrongAnswer(
            "test_vgg_params",
            "PARAMS_FC1 = 2 * PARAMS_FC1\n",
            "2 times",
        ),
        WrongAnswer(
            "test_output_shapes",
            "def conv2d_output_shape(in_shape, c_out, kernel_size, stride, padding):\n"
            "    c, h, w = in_shape\n"
            "    f = lambda n: (n + 2 * padding - kernel_size) / stride + 1\n"
            "    return (c_out, f(h), f(w))\n",
            "not a whole number",
        ),
        WrongAnswer(
            "test_output_shapes",
            "def conv2d_output_shape(in_shape, c_out, kernel_size, stride, padding):\n"
            "    c, h, w = in_shape\n"
            "    f = lambda n: (n + 2 * padding - kernel_size) // stride + 1\n"
            "    return (c, f(h), f(w))\n",
            "the channels C",
        ),
        WrongAnswer(
            "test_output_shapes",
            "def maxpool2d_output_shape(in_shape, kernel_size, stride):\n"
            "    c, h, w = in_shape\n"
            "    f = lambda n: (n - kernel_size) // stride + 1\n"
            "    return (f(h), f(w), c)\n",
            "wrong positions",
        ),
        WrongAnswer(
            "test_vgg_shapes",
            "VGG_SHAPES = [(c, h, w * 2 if i % 3 == 2 else w) for i, (c, h, w) in enumerate(VGG_SHAPES)]\n",
            "the width W",
        ),
        WrongAnswer(
            "test_vgg_channels",
            "CONV2_OUT = 128.5\n",
            "not a whole number",
        ),
        WrongAnswer(
            "test_param_counts",
            "def fc_params(c_in, c_out):\n    return 2 * (c_in * c_out + c_out)\n",
            "2 times",
        ),
    ],
)
