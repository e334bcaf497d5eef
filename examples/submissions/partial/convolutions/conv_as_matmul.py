"""Part ``conv_as_matmul``: cross-correlation as a matrix product.

d2l 6.2 exercise 3: "How do you represent a cross-correlation operation as a matrix
multiplication by changing the input and kernel tensors?" There are two answers, and you write
both:

* ``im2col`` changes the input: each output position's window becomes one row, so
  ``corr2d(X, K) == (im2col(X, K.shape) @ K.reshape(-1)).reshape(out_h, out_w)``.
* ``kernel_matrix`` changes the kernel: a matrix ``M`` built from ``K`` alone with
  ``M @ X.reshape(-1) == corr2d(X, K).reshape(-1)`` for every ``X`` of the given shape. Its
  transpose maps ``dY.reshape(-1)`` to the gradient with respect to ``X``.

Rules: no torch convolution, unfold, fold or as_strided, nor ``nn.Conv*``. Loop over kernel
offsets at most. Tensor values stay in torch (no ``.item()``, ``.tolist()``, ``.numpy()``,
nothing made back from numpy arrays), as in ``corr2d``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ._util import IntPair, as_pair, check_matrix, output_size


def im2col(X: Tensor, kernel_size: IntPair, padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """Unroll the sliding windows of ``X`` into the rows of a matrix.

    Args:
        X: input, shape (h, w).
        kernel_size: ``k`` or ``(kh, kw)``.
        padding: ``p`` or ``(p_h, p_w)`` zeros on each side.
        stride: ``s`` or ``(s_h, s_w)``.

    Returns:
        cols, shape (out_h * out_w, kh * kw): row ``i * out_w + j`` holds the window under output
        position (i, j), its elements in row-major order (column ``a * kw + b`` is the element
        that kernel entry ``K[a, b]`` multiplies). Dtype and device of ``X``.
    """
    check_matrix(X, "X")
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    # TODO: Return the (out_h * out_w, kh * kw) matrix described above.
    raise NotImplementedError("im2col: not implemented yet (see the TODO)")


def corr2d_matmul(X: Tensor, K: Tensor, padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """``corr2d`` computed as one matrix-vector product with ``im2col``.

    Args:
        X: input, shape (h, w).
        K: kernel, shape (kh, kw).
        padding, stride: as in ``corr2d``.

    Returns:
        Y, shape (out_h, out_w), equal to ``corr2d(X, K, padding, stride)``.
    """
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    # TODO: Return corr2d(X, K, padding, stride), computed as one product with im2col.
    raise NotImplementedError("corr2d_matmul: not implemented yet (see the TODO)")


def kernel_matrix(K: Tensor, input_shape: tuple[int, int]) -> Tensor:
    """The matrix ``M`` of the linear map ``X -> corr2d(X, K)`` (no padding, stride 1).

    Args:
        K: kernel, shape (kh, kw).
        input_shape: (h, w), the shape of the inputs ``M`` will multiply.

    Returns:
        M, shape (out_h * out_w, h * w) with out_h = h - kh + 1 and out_w = w - kw + 1, such that
        ``M @ X.reshape(-1) == corr2d(X, K).reshape(-1)`` for every X of shape (h, w) (this
        determines M), and ``M.T @ dY.reshape(-1)`` is the gradient of
        ``(corr2d(X, K) * dY).sum()`` with respect to X, flattened. Dtype and device of ``K``;
        ``K`` is not modified.
    """
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    # TODO: Return the matrix M described above.
    raise NotImplementedError("kernel_matrix: not implemented yet (see the TODO)")
