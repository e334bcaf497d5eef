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
    ### BEGIN SOLUTION
    ### TASK: Return the (out_h * out_w, kh * kw) matrix described above.
    ### HINT nudge: Column `a * kw + b` holds, for every output position, the input element that
    ### HINT nudge: `K[a, b]` multiplies there. Where have you already computed all of those at
    ### HINT nudge: once?
    ### HINT method: Exactly as in `corr2d`: for each kernel offset, the strided `(out_h, out_w)`
    ### HINT method: slice of the zero-padded input, flattened row-major, is one column. Stack the
    ### HINT method: `kh * kw` columns along dimension 1, offsets in row-major order.
    ### HINT full: `torch.stack([Xp[a : a + s_h * (out_h - 1) + 1 : s_h,
    ### HINT full: b : b + s_w * (out_w - 1) + 1 : s_w].reshape(-1) for a in range(kh)
    ### HINT full: for b in range(kw)], dim=1)`.
    ### ANSWER: s_h * (out_h - 1) + 1
    ### ANSWER: s_w * (out_w - 1) + 1
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
    ### TASK: Return corr2d(X, K, padding, stride), computed as one product with im2col.
    ### HINT nudge: The module docstring states the identity; which `im2col` arguments and which
    ### HINT nudge: output shape do padding and stride change?
    ### HINT method: Multiply `im2col(X, K.shape, padding, stride)` by the flattened kernel and
    ### HINT method: reshape to `(out_h, out_w)`, computed with `_util.output_size`.
    ### HINT full: `(im2col(X, (kh, kw), (p_h, p_w), (s_h, s_w)) @ K.reshape(-1)).reshape(out_h,
    ### HINT full: out_w)`.
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
        ``M @ X.reshape(-1) == corr2d(X, K).reshape(-1)`` for every X of shape (h, w) (this
        determines M), and ``M.T @ dY.reshape(-1)`` is the gradient of
        ``(corr2d(X, K) * dY).sum()`` with respect to X, flattened. Dtype and device of ``K``;
        ``K`` is not modified.
    """
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    ### BEGIN SOLUTION
    ### TASK: Return the matrix M described above.
    ### HINT nudge: Row `i * out_w + j` of M computes the output `(i, j)`. Which entries of
    ### HINT nudge: `X.reshape(-1)` does that output read, and with which weights? Take a 3 x 3 X
    ### HINT nudge: and a 2 x 2 K, write M out by hand, and look for the pattern from one row to
    ### HINT nudge: the next. The rules still allow a loop over the kernel offsets only.
    ### HINT method: Start from zeros of the right shape, dtype and device. For each offset
    ### HINT method: `(a, b)`, `K[a, b]` appears once in every row, in the column of the input
    ### HINT method: element it multiplies at that output position. Compute all those (row,
    ### HINT method: column) pairs at once as index tensors (`torch.arange` for i and j,
    ### HINT method: broadcast, then flattened) and write `K[a, b]` at all of them with one
    ### HINT method: advanced-indexing assignment, `M[rows, cols]`. (The result is a doubly
    ### HINT method: block-Toeplitz matrix.)
    ### HINT full: Rows `i * out_w + j` and, for each offset, columns `(i + a) * w + (j + b)`,
    ### HINT full: both flattened, with `i` of shape (out_h, 1) and `j` of shape (1, out_w).
    ### ANSWER: (i + a) * w + (j + b)
    ### ANSWER: (i + a) * w
    ### ANSWER method: Toeplitz
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
