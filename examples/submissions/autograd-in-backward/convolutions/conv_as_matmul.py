"""Part ``conv_as_matmul``: cross-correlation as a matrix product.

d2l 6.2 exercise 3: "How do you represent a cross-correlation operation as a matrix
multiplication by changing the input and kernel tensors?" There are two answers, and you write
both:

* ``im2col`` changes the input: each output position's window becomes one row, so
  ``corr2d(X, K) == (im2col(X, K.shape) @ K.reshape(-1)).reshape(out_h, out_w)``.
* ``kernel_matrix`` changes the kernel: a sparse (doubly block-Toeplitz) matrix ``M`` with
  ``M @ X.reshape(-1) == corr2d(X, K).reshape(-1)``. Its transpose maps dY back to dX, which is
  why the backward pass of a convolution is a ("transposed") convolution.

Rules: no torch convolution, unfold, fold or as_strided, nor ``nn.Conv*``. Loop over kernel
offsets at most.
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
    ### BEGIN SOLUTION
    ### TASK: Zero-pad X. For each kernel offset (a, b) the strided (out_h, out_w) slice of the
    ### TASK: padded input, flattened, is column a * kw + b of the result. Stack the kh * kw
    ### TASK: columns.
    h, w = X.shape
    out_h = output_size(h, kh, p_h, s_h, "height")
    out_w = output_size(w, kw, p_w, s_w, "width")
    Xp = X.new_zeros((h + 2 * p_h, w + 2 * p_w))
    Xp[p_h : p_h + h, p_w : p_w + w] = X
    columns = [
        Xp[a : a + s_h * (out_h - 1) + 1 : s_h, b : b + s_w * (out_w - 1) + 1 : s_w].reshape(-1)
        for a in range(kh)
        for b in range(kw)
    ]
    return torch.stack(columns, dim=1)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    ### TASK: Multiply im2col(X, K.shape, padding, stride) by the flattened kernel and reshape
    ### TASK: the result to (out_h, out_w).
    (h, w), (kh, kw) = X.shape, K.shape
    out_h = output_size(h, kh, p_h, s_h, "height")
    out_w = output_size(w, kw, p_w, s_w, "width")
    cols = im2col(X, (kh, kw), (p_h, p_w), (s_h, s_w))
    return (cols @ K.reshape(-1)).reshape(out_h, out_w)
    ### END SOLUTION


def kernel_matrix(K: Tensor, input_shape: tuple[int, int]) -> Tensor:
    """The matrix ``M`` of the linear map ``X -> corr2d(X, K)`` (no padding, stride 1).

    Args:
        K: kernel, shape (kh, kw).
        input_shape: (h, w), the shape of the inputs ``M`` will multiply.

    Returns:
        M, shape (out_h * out_w, h * w) with out_h = h - kh + 1 and out_w = w - kw + 1, such that
        ``M @ X.reshape(-1) == corr2d(X, K).reshape(-1)`` and ``M.T @ dY.reshape(-1)`` is the
        gradient with respect to X. Row ``i * out_w + j`` holds ``K[a, b]`` in column
        ``(i + a) * w + (j + b)`` and zeros elsewhere. Dtype and device of ``K``.
    """
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    ### BEGIN SOLUTION
    ### TASK: Start from zeros of shape (out_h * out_w, h * w). For each kernel offset (a, b),
    ### TASK: compute (with index arithmetic, no loop over positions) the column that K[a, b]
    ### TASK: lands in for every output row, and write K[a, b] there.
    kh, kw = K.shape
    out_h = output_size(h, kh, 0, 1, "height")
    out_w = output_size(w, kw, 0, 1, "width")
    i = torch.arange(out_h, device=K.device).reshape(-1, 1)
    j = torch.arange(out_w, device=K.device).reshape(1, -1)
    rows = (i * out_w + j).reshape(-1)
    M = K.new_zeros((out_h * out_w, h * w))
    for a in range(kh):
        for b in range(kw):
            cols = ((i + a) * w + (j + b)).reshape(-1)
            M[rows, cols] = K[a, b]
    return M
    ### END SOLUTION
