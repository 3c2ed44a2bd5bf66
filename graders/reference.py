"""The reference solution, in torch: one general function per exam part.

Every answer the grader expects is computed here from its inputs; the exam's own
numbers come from calling these on `graders.exam`. Inputs and outputs are numpy.
"""

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from graders import exam

Shape = tuple[int, ...]


def _t(x) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=np.float64))


def _n(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy()


# 1a linear layer ------------------------------------------------------------


def linear_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """y = W x + b for x of shape (D,) or a batch (N, D)."""
    return _n(F.linear(_t(x), _t(W), _t(b)))


def linear_param_shapes(in_features: int, out_features: int) -> tuple[Shape, Shape]:
    """Shapes of (W, b) of a linear layer, as torch lays them out."""
    layer = nn.Linear(in_features, out_features, device="meta")
    return tuple(layer.weight.shape), tuple(layer.bias.shape)


# 1b activations -------------------------------------------------------------


def sigmoid(x: np.ndarray) -> np.ndarray:
    return _n(torch.sigmoid(_t(x)))


def relu(x: np.ndarray) -> np.ndarray:
    return _n(torch.relu(_t(x)))


def limits(fn: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    """(limit as x -> -inf, limit as x -> +inf) of an elementwise activation."""
    low, high = fn(np.array([-np.inf, np.inf]))
    return float(low), float(high)


# 1c pooling -----------------------------------------------------------------


def avg_pool2d(image: np.ndarray, kernel_size: int, stride: int) -> np.ndarray:
    """Average pooling of a 2-D image, no padding."""
    return _n(F.avg_pool2d(_t(image)[None, None], kernel_size, stride))[0, 0]


def max_pool2d(image: np.ndarray, kernel_size: int, stride: int) -> np.ndarray:
    return _n(F.max_pool2d(_t(image)[None, None], kernel_size, stride))[0, 0]


# 2a gradients (autograd, elementwise) ---------------------------------------


def _elementwise_grad(fn: Callable[[torch.Tensor], torch.Tensor], x) -> np.ndarray:
    xt = _t(x).clone().requires_grad_(True)
    fn(xt).sum().backward()
    return _n(xt.grad)


def relu_grad(x: np.ndarray) -> np.ndarray:
    return _elementwise_grad(torch.relu, x)


def leaky_relu_grad(x: np.ndarray, c: float) -> np.ndarray:
    return _elementwise_grad(lambda t: F.leaky_relu(t, negative_slope=float(c)), x)


def tanh_grad(x: np.ndarray) -> np.ndarray:
    return _elementwise_grad(torch.tanh, x)


def cross_entropy_grad(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """dH/dp of H(y, p) = -sum_i y_i log p_i."""
    pt = _t(p).clone().requires_grad_(True)
    (-(_t(y) * torch.log(pt)).sum()).backward()
    return _n(pt.grad)


# 2b softmax -----------------------------------------------------------------


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis."""
    return _n(torch.softmax(_t(x), dim=-1))


# 2c CNN arithmetic (shapes and counts on the meta device: nothing allocated) -


def conv2d_output_shape(in_shape: Shape, c_out: int, kernel_size: int, stride: int, padding: int) -> Shape:
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


def vgg_layers() -> list[nn.Module]:
    """The exam's conv stack: (Conv, ReLU, MaxPool) for each conv."""
    layers: list[nn.Module] = []
    for c_in, c_out in fill_channels(exam.VGG_INPUT[0], exam.VGG_CONVS):
        layers += [
            nn.Conv2d(
                c_in,
                c_out,
                exam.VGG_CONV_KERNEL,
                exam.VGG_CONV_STRIDE,
                exam.VGG_CONV_PADDING,
                device="meta",
            ),
            nn.ReLU(),
            nn.MaxPool2d(exam.VGG_POOL_KERNEL, exam.VGG_POOL_STRIDE),
        ]
    return layers


def layer_output_shapes(layers: Sequence[nn.Module], in_shape: Shape) -> list[Shape]:
    """(C, H, W) after each layer when an input of in_shape passes through."""
    x, shapes = torch.empty(1, *in_shape, device="meta"), []
    for layer in layers:
        x = layer(x)
        shapes.append(tuple(x.shape[1:]))
    return shapes


def count_params(layer: nn.Module) -> int:
    return sum(p.numel() for p in layer.parameters())


def conv_params(c_in: int, c_out: int, kernel_size: int) -> int:
    return count_params(nn.Conv2d(c_in, c_out, kernel_size, device="meta"))


def fc_params(c_in: int, c_out: int) -> int:
    return count_params(nn.Linear(c_in, c_out, device="meta"))


# 2d true/false: the exam's key, in its order --------------------------------

TRUE_FALSE = [True, True, False, True]

# 2e backpropagation ---------------------------------------------------------


def forward(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Y = A X for weights A (M, D) and a minibatch X (D, N)."""
    return _n(_t(A) @ _t(X))


def loss(Y: np.ndarray, T: np.ndarray) -> float:
    """L = 1/2 sum_j (y_j - t_j)^2, a sum over the minibatch."""
    return float(0.5 * ((_t(Y) - _t(T)) ** 2).sum())


def grad_A(A: np.ndarray, X: np.ndarray, T: np.ndarray) -> np.ndarray:
    """dL/dA of the summed loss, by autograd."""
    At = _t(A).clone().requires_grad_(True)
    (0.5 * ((At @ _t(X) - _t(T)) ** 2).sum()).backward()
    return _n(At.grad)


def sgd_step(A: np.ndarray, grad: np.ndarray, lr: float, batch_size: int) -> np.ndarray:
    """One SGD step with the gradient averaged over the minibatch."""
    return _n(_t(A) - lr * _t(grad) / batch_size)


def backprop_step(
    A: np.ndarray, X: np.ndarray, T: np.ndarray, lr: float
) -> tuple[float, np.ndarray, np.ndarray, float]:
    """(loss before, dL/dA, A after one step, loss after) on one minibatch."""
    grad = grad_A(A, X, T)
    A_new = sgd_step(A, grad, lr, X.shape[1])
    return loss(forward(A, X), T), grad, A_new, loss(forward(A_new, X), T)
