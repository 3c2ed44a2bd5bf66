"""Torch helpers the questions' references share: numpy in, torch inside, numpy out."""

from collections.abc import Callable

import numpy as np
import torch


def tensor(x) -> torch.Tensor:
    """A float64 tensor of any array-like."""
    return torch.as_tensor(np.asarray(x, dtype=np.float64))


def array(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy()


def elementwise_grad(fn: Callable[[torch.Tensor], torch.Tensor], x) -> np.ndarray:
    """d fn(x) / dx of an elementwise function, by autograd."""
    xt = tensor(x).clone().requires_grad_(True)
    fn(xt).sum().backward()
    return array(xt.grad)


def count_params(layer: torch.nn.Module) -> int:
    return sum(p.numel() for p in layer.parameters())
