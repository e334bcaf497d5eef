"""Public tests for part ``conv_as_matmul`` (im2col, corr2d_matmul, kernel_matrix)."""

import pytest
import torch
import torch.nn.functional as F
from torch.autograd.functional import jacobian

from convolutions import corr2d_matmul, im2col, kernel_matrix
from support import (NO_CONV, Rules, assert_on_device, assert_tensor, assert_unchanged,
                     assert_vectorised, count_ops, randn, reference_corr2d, suspects)

pytestmark = pytest.mark.conv_as_matmul

# id, X shape, kernel size, padding, stride
GRID = [
    ("non-square", (4, 7), (2, 3), 0, 1),
    ("padding and stride pairs", (7, 6), (2, 2), (2, 1), (1, 2)),
    ("kernel as large as the input", (3, 4), (3, 4), 0, 1),
    ("1x1 kernel with stride", (6, 5), (1, 1), 0, (3, 2)),
    ("tall", (11, 2), (2, 2), (1, 0), (3, 1)),
]
# id, input shape, kernel shape
KERNEL_MATRICES = [("small", (5, 4), (3, 2)), ("1x1 kernel", (2, 5), (1, 1)),
                   ("kernel as large as the input", (4, 3), (4, 3)),
                   ("wide kernel", (6, 2), (1, 2))]


def _call(fn, *args, **kwargs):
    shapes = ", ".join(str(tuple(a.shape)) if isinstance(a, torch.Tensor) else repr(a)
                       for a in args)
    with Rules(NO_CONV, f"{fn.__name__}({shapes}, {kwargs})"):
        return fn(*args, **kwargs)


def _matrix_of_corr2d(K, input_shape):
    """The exact matrix of X -> corr2d(X, K), by differentiating torch's convolution."""
    X = torch.zeros(input_shape, dtype=K.dtype)
    return jacobian(lambda x: reference_corr2d(x, K).reshape(-1), X).reshape(-1, X.numel())


def test_im2col_small_example() -> None:
    X = torch.arange(9.0).reshape(3, 3)
    cols = _call(im2col, X, (2, 2))
    expected = torch.tensor([[0.0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]])
    assert_tensor(cols, expected, "im2col(arange(9).reshape(3, 3), (2, 2))",
                  suspects=suspects("im2col", X, (2, 2)))


@pytest.mark.parametrize("name, x_shape, k_shape, padding, stride", GRID, ids=[g[0] for g in GRID])
def test_im2col_matches_torch(name, x_shape, k_shape, padding, stride) -> None:
    X = randn(*x_shape, seed=11)
    X0 = X.clone()
    cols = _call(im2col, X, k_shape, padding, stride)
    expected_cols = F.unfold(X0[None, None], k_shape, padding=padding, stride=stride)[0].T
    assert_tensor(cols, expected_cols, f"im2col(X {x_shape}, {k_shape}, {padding}, {stride})",
                  layout=False, suspects=suspects("im2col", X0, k_shape, padding, stride))
    assert_unchanged(X, X0, "X")


# (apart from im2col's test: a wrong im2col shows here as what it does to the product)
@pytest.mark.parametrize("name, x_shape, k_shape, padding, stride", GRID, ids=[g[0] for g in GRID])
def test_corr2d_matmul_matches_torch(name, x_shape, k_shape, padding, stride) -> None:
    X, K = randn(*x_shape, seed=11), randn(*k_shape, seed=12)
    X0 = X.clone()
    Y = _call(corr2d_matmul, X, K, padding, stride)
    assert_tensor(Y, reference_corr2d(X0, K, padding, stride),
                  f"corr2d_matmul(X {x_shape}, K {k_shape}, {padding}, {stride})", layout=False,
                  suspects=suspects("corr2d_matmul", X0, K, padding, stride))
    assert_unchanged(X, X0, "X")


@pytest.mark.parametrize("name, x_shape, k_shape", KERNEL_MATRICES,
                         ids=[k[0] for k in KERNEL_MATRICES])
def test_kernel_matrix_is_the_matrix_of_corr2d(name, x_shape, k_shape) -> None:
    X, K = randn(*x_shape, seed=13), randn(*k_shape, seed=14)
    K0 = K.clone()
    M = _call(kernel_matrix, K, x_shape)
    assert_tensor(M, _matrix_of_corr2d(K0, x_shape),
                  f"kernel_matrix(K {k_shape}, {x_shape}) (rows: output positions, columns: "
                  "input positions, both row-major)", layout=False,
                  suspects=suspects("kernel_matrix", K0, x_shape))
    assert_tensor(M @ X.reshape(-1), reference_corr2d(X, K0).reshape(-1), "kernel_matrix @ vec(X)",
                  layout=False)
    assert_unchanged(K, K0, "K")


def test_kernel_matrix_transpose_gives_input_gradient() -> None:
    X, K, dY = randn(5, 4, seed=15).requires_grad_(), randn(3, 2, seed=16), randn(3, 3, seed=17)
    M = _call(kernel_matrix, K, (5, 4))
    assert tuple(M.shape) == (9, 20), f"kernel_matrix shape {tuple(M.shape)}, expected (9, 20)"
    (dX,) = torch.autograd.grad(reference_corr2d(X, K), X, dY)
    assert_tensor((M.T @ dY.reshape(-1)).reshape(5, 4), dX, "kernel_matrix.T @ vec(dY)",
                  layout=False)


def test_float32_kept() -> None:
    X, K = randn(6, 4, seed=18, dtype=torch.float32), randn(3, 2, seed=19, dtype=torch.float32)
    assert_tensor(_call(im2col, X, (3, 2)), F.unfold(X[None, None], (3, 2))[0].T,
                  "im2col in float32", suspects=suspects("im2col", X, (3, 2)))
    assert_tensor(_call(corr2d_matmul, X, K), reference_corr2d(X, K), "corr2d_matmul in float32",
                  suspects=suspects("corr2d_matmul", X, K))
    assert_tensor(_call(kernel_matrix, K, (6, 4)), _matrix_of_corr2d(K, (6, 4)),
                  "kernel_matrix in float32", suspects=suspects("kernel_matrix", K, (6, 4)))


def test_outputs_on_the_input_device() -> None:
    """On the meta device (shapes, no values), after the same calls give the right values on
    the CPU: a placeholder of the right shape and device earns nothing."""
    X, K = randn(5, 6, seed=22), randn(3, 2, seed=23)
    assert_on_device(lambda device: _call(im2col, X.to(device), (3, 2), 1, 2),
                     F.unfold(X[None, None], (3, 2), padding=1, stride=2)[0].T, "im2col")
    assert_on_device(lambda device: _call(corr2d_matmul, X.to(device), K.to(device)),
                     reference_corr2d(X, K), "corr2d_matmul")
    assert_on_device(lambda device: _call(kernel_matrix, K.to(device), (5, 6)),
                     _matrix_of_corr2d(K, (5, 6)), "kernel_matrix")


def test_im2col_vectorised_over_output_positions() -> None:
    counts = []
    for shape in ((5, 6), (10, 12)):
        ops = count_ops(NO_CONV, im2col, randn(*shape, seed=20), (3, 2),
                        what=f"im2col(X {shape}, (3, 2))")
        counts.append((ops, (shape[0] - 2, shape[1] - 1)))
    assert_vectorised("im2col", *counts)


def test_kernel_matrix_vectorised_over_output_positions() -> None:
    K, counts = randn(2, 3, seed=21), []
    for shape in ((4, 7), (8, 13)):
        ops = count_ops(NO_CONV, kernel_matrix, K, shape, what=f"kernel_matrix(K (2, 3), {shape})")
        counts.append((ops, (shape[0] - 1, shape[1] - 2)))
    assert_vectorised("kernel_matrix", *counts)
