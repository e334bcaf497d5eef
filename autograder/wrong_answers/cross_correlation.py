"""Part ``cross_correlation``: the public wrong answers of ``corr2d(X, K, padding, stride)``
(each computed with torch's convolution, as the public tests' oracle is)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _corr(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    return F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]


def kernel_flipped(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    """A true convolution: the kernel flipped along both axes."""
    return _corr(X, K.flip(0, 1), padding, stride)


def padding_one_side_double(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    """The whole padding (2p rows and columns) below and to the right of the input."""
    (p_h, p_w) = _pair(padding)
    return _corr(F.pad(X, (0, 2 * p_w, 0, 2 * p_h)), K, 0, stride)


def padding_one_side_single(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    """p rows and columns below and to the right only."""
    (p_h, p_w) = _pair(padding)
    return _corr(F.pad(X, (0, p_w, 0, p_h)), K, 0, stride)


def stride_ignored(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Every window, as with stride 1."""
    return _corr(X, K, padding, 1)


def stride_ignored_cropped(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    """The windows of stride 1, as many as the strided output has: the first ones."""
    (out_h, out_w) = _corr(X, K, padding, stride).shape
    return _corr(X, K, padding, 1)[:out_h, :out_w]


def output_size_ceiling(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> torch.Size:
    """The shape an output-size formula that rounds up gives (values unknowable: the last
    windows would hang over the padded input's edge)."""
    (p_h, p_w), (s_h, s_w) = _pair(padding), _pair(stride)
    rounded_up = [-(-(n + 2 * p - k) // s) + 1
                  for n, k, p, s in zip(X.shape, K.shape, (p_h, p_w), (s_h, s_w))]
    return torch.Size(rounded_up)


def overwrite_not_accumulate(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Only the last kernel entry's contribution: each offset's product replaced the sum."""
    last = torch.zeros_like(K)
    last[-1, -1] = K[-1, -1]
    return _corr(X, last, padding, stride)


WRONG_ANSWERS = {
    "corr2d": [
        ("kernel_flipped", kernel_flipped),
        ("padding_one_side", padding_one_side_double),
        ("padding_one_side", padding_one_side_single),
        ("stride_ignored", stride_ignored),
        ("stride_ignored", stride_ignored_cropped),
        ("output_size_ceiling", output_size_ceiling),
        ("overwrite_not_accumulate", overwrite_not_accumulate),
    ],
}
