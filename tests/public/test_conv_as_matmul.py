"""Public tests for part ``conv_as_matmul`` (im2col, corr2d_matmul, kernel_matrix)."""

import pytest
import torch
import torch.nn.functional as F

from convolutions import corr2d_matmul, im2col, kernel_matrix
from support import assert_tensor, no_torch_convolution, randn, reference_corr2d

pytestmark = pytest.mark.conv_as_matmul


def test_im2col_small_example() -> None:
    X = torch.arange(9.0).reshape(3, 3)
    with no_torch_convolution():
        cols = im2col(X, (2, 2))
    expected = torch.tensor([[0.0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]])
    assert_tensor(cols, expected, "im2col(arange(9).reshape(3, 3), (2, 2))")


@pytest.mark.parametrize("x_shape, k_shape, padding, stride",
                         [((5, 7), (2, 3), 0, 1), ((6, 6), (3, 3), (1, 2), (2, 1))])
def test_im2col_and_corr2d_matmul_match_torch(x_shape, k_shape, padding, stride) -> None:
    X, K = randn(*x_shape, seed=11), randn(*k_shape, seed=12)
    with no_torch_convolution():
        cols = im2col(X, k_shape, padding, stride)
        Y = corr2d_matmul(X, K, padding, stride)
    expected_cols = F.unfold(X[None, None], k_shape, padding=padding, stride=stride)[0].T
    assert_tensor(cols, expected_cols, f"im2col(X {x_shape}, {k_shape}, {padding}, {stride})")
    assert_tensor(Y, reference_corr2d(X, K, padding, stride), "corr2d_matmul")


def test_kernel_matrix_times_vec_x_is_corr2d() -> None:
    X, K = randn(4, 5, seed=13), randn(2, 3, seed=14)
    with no_torch_convolution():
        M = kernel_matrix(K, (4, 5))
    assert tuple(M.shape) == (3 * 3, 4 * 5), f"kernel_matrix shape {tuple(M.shape)}, expected (9, 20)"
    assert_tensor(M @ X.reshape(-1), reference_corr2d(X, K).reshape(-1), "kernel_matrix @ vec(X)")


def test_kernel_matrix_transpose_gives_input_gradient() -> None:
    X, K, dY = randn(5, 4, seed=15).requires_grad_(), randn(3, 2, seed=16), randn(3, 3, seed=17)
    with no_torch_convolution():
        M = kernel_matrix(K, (5, 4))
    (dX,) = torch.autograd.grad(reference_corr2d(X, K), X, dY)
    assert_tensor((M.T @ dY.reshape(-1)).reshape(5, 4), dX, "kernel_matrix.T @ vec(dY)")
