"""Small helpers shared by every part (given code: identical in the stubs and the reference)."""

from __future__ import annotations

import torch
from torch import Tensor

IntPair = int | tuple[int, int]


def as_pair(value: IntPair, name: str, minimum: int) -> tuple[int, int]:
    """Return ``value`` as an ``(int, int)`` pair, checking that both entries are ``>= minimum``.

    Accepts an int (used for both dimensions) or a pair of ints; anything else raises
    ``TypeError``/``ValueError`` naming the argument, so mistakes surface at the call site.
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a pair of ints, got a bool")
    if isinstance(value, int):
        pair = (value, value)
    elif isinstance(value, (tuple, list, torch.Size)) and len(value) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {pair}")
    return pair


def check_matrix(t: Tensor, name: str) -> None:
    """Raise a clear error unless ``t`` is a 2-D floating-point tensor."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.dim() != 2:
        raise ValueError(f"{name} must be 2-D, got shape {tuple(t.shape)}")
    if not t.is_floating_point():
        raise TypeError(f"{name} must have a floating dtype, got {t.dtype}")


def output_size(size: int, kernel: int, pad: int, stride: int, dim: str) -> int:
    """Length of a cross-correlation output along one dimension:
    (size + 2*pad - kernel)//stride + 1."""
    padded = size + 2 * pad
    if kernel > padded:
        raise ValueError(
            f"kernel {dim} {kernel} is larger than the padded input {dim} {padded}"
        )
    return (padded - kernel) // stride + 1
