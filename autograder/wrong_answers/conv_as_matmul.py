"""Part ``conv_as_matmul``: the public wrong answers of ``im2col``, ``corr2d_matmul`` and
``kernel_matrix`` (each computed with torch's unfold, convolution and autograd, as the public
tests' oracles are)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.functional import jacobian


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _unfold(X: Tensor, kernel_size: Any, padding: Any = 0, stride: Any = 1) -> Tensor:
    return F.unfold(X[None, None], _pair(kernel_size), padding=padding, stride=stride)[0]


def _corr(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    return F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]


def im2col_transposed(X: Tensor, kernel_size: Any, padding: Any = 0, stride: Any = 1) -> Tensor:
    """One column per window (the other axis's order)."""
    return _unfold(X, kernel_size, padding, stride)


def im2col_column_major(X: Tensor, kernel_size: Any, padding: Any = 0, stride: Any = 1) -> Tensor:
    """One row per window, each window read column by column."""
    kh, kw = _pair(kernel_size)
    rows = _unfold(X, kernel_size, padding, stride).T
    return rows.reshape(-1, kh, kw).transpose(1, 2).reshape(len(rows), kh * kw)


def _kernels_reordered(K: Tensor) -> list[Tensor]:
    """The kernel with its entries met in another order: its transpose flattened row by row,
    or its row-major entries read as a column-major kernel."""
    kh, kw = K.shape
    return [K.T.reshape(kh, kw), K.reshape(kw, kh).T]


def corr2d_matmul_kernel_order(X: Tensor, K: Tensor, padding: Any = 0,
                               stride: Any = 1) -> Tensor:
    """Windows and kernel flattened in different orders (the first such order)."""
    return _corr(X, _kernels_reordered(K)[0], padding, stride)


def corr2d_matmul_kernel_order_other(X: Tensor, K: Tensor, padding: Any = 0,
                                     stride: Any = 1) -> Tensor:
    return _corr(X, _kernels_reordered(K)[1], padding, stride)


def _matrix(K: Tensor, input_shape: Any) -> Tensor:
    X = torch.zeros(tuple(input_shape), dtype=K.dtype)
    with torch.enable_grad():
        return jacobian(lambda x: _corr(x, K).reshape(-1), X).reshape(-1, X.numel())


def kernel_matrix_kernel_order(K: Tensor, input_shape: Any) -> Tensor:
    """The matrix of the cross-correlation with the kernel's entries in another order."""
    return _matrix(_kernels_reordered(K)[0], input_shape)


def kernel_matrix_outputs_column_major(K: Tensor, input_shape: Any) -> Tensor:
    """The right rows, one per output position, with the positions taken column by column."""
    M = _matrix(K, input_shape)
    (h, w), (kh, kw) = _pair(tuple(input_shape)), K.shape
    out_h, out_w = h - kh + 1, w - kw + 1
    return M.reshape(out_h, out_w, -1).transpose(0, 1).reshape(M.shape)


WRONG_ANSWERS = {
    "im2col": [
        ("im2col_transposed", im2col_transposed),
        ("im2col_column_major", im2col_column_major),
    ],
    "corr2d_matmul": [
        ("kernel_order_mismatch", corr2d_matmul_kernel_order),
        ("kernel_order_mismatch", corr2d_matmul_kernel_order_other),
    ],
    "kernel_matrix": [
        ("kernel_order_mismatch", kernel_matrix_kernel_order),
        ("outputs_column_major", kernel_matrix_outputs_column_major),
    ],
}
