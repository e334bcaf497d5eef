"""Public tests for part ``derivative_kernels`` (finite differences and integrals as kernels)."""

import math

import pytest
import torch
import torch.nn.functional as F

from convolutions import (
    finite_difference_kernel,
    integral_kernel,
    min_kernel_size,
    second_derivative_kernel,
)
from support import assert_layout, assert_tensor, randn, reference_corr2d

pytestmark = pytest.mark.derivative_kernels

KERNELS = [("finite_difference_kernel", finite_difference_kernel, (4,), 5),
           ("second_derivative_kernel", second_derivative_kernel, (), 3),
           ("integral_kernel", integral_kernel, (7,), 7)]


def test_first_and_second_order_values() -> None:
    assert_tensor(finite_difference_kernel(1), torch.tensor([[-1.0, 1.0]]),
                  "finite_difference_kernel(1)", rtol=0, atol=0)
    assert_tensor(second_derivative_kernel(), torch.tensor([[1.0, -2.0, 1.0]]),
                  "second_derivative_kernel()", rtol=0, atol=0)


@pytest.mark.parametrize("order", [7, 8])
def test_high_order_coefficients(order: int) -> None:
    expected = torch.tensor([[(-1.0) ** (order - j) * math.comb(order, j)
                              for j in range(order + 1)]])
    assert_tensor(finite_difference_kernel(order), expected, f"finite_difference_kernel({order})",
                  rtol=0, atol=0)


@pytest.mark.parametrize("order", [1, 3, 5])
def test_exact_on_polynomials(order: int) -> None:
    x = torch.arange(12, dtype=torch.float64).reshape(1, -1)
    k = finite_difference_kernel(order, dtype=torch.float64)
    assert tuple(k.shape) == (1, order + 1), (
        f"finite_difference_kernel({order}) has shape {tuple(k.shape)}, expected (1, {order + 1}) "
        "(the minimal size)")
    # The order-th difference of x**order is order! everywhere; lower degrees vanish.
    y = reference_corr2d(x**order, k)
    assert_tensor(y, torch.full_like(y, float(math.factorial(order))), f"difference of x**{order}")
    assert_tensor(reference_corr2d(x ** (order - 1), k), torch.zeros_like(y),
                  f"difference of x**{order - 1}", atol=1e-6)


def test_second_derivative_of_a_sampled_cosine() -> None:
    h = 0.02
    t = torch.arange(0, 2, h, dtype=torch.float64).reshape(1, -1)
    approx = reference_corr2d(torch.cos(t), second_derivative_kernel(dtype=torch.float64)) / h**2
    assert_tensor(approx, -torch.cos(t[:, 1:-1]), "f'' of cos from the kernel", rtol=0, atol=1e-4)


@pytest.mark.parametrize("width", [2, 6])
def test_integral_kernel_gives_cumsum(width: int) -> None:
    x = randn(1, width, seed=20)
    k = integral_kernel(width, dtype=torch.float64)
    assert_tensor(k, torch.ones(1, width, dtype=torch.float64), f"integral_kernel({width})",
                  rtol=0, atol=0)
    y = reference_corr2d(F.pad(x, (width - 1, 0)), k)
    assert_tensor(y, x.cumsum(1), f"corr2d(x left-padded by {width - 1}, integral_kernel({width}))")


@pytest.mark.parametrize("name, fn, args, width", KERNELS, ids=[k[0] for k in KERNELS])
def test_dtype_argument_and_default(name, fn, args, width) -> None:
    assert_layout(fn(*args, dtype=torch.float16), (1, width), torch.float16, "cpu",
                  f"{name}(..., dtype=torch.float16)")
    assert_layout(fn(*args), (1, width), torch.get_default_dtype(), "cpu",
                  f"{name}(...) without dtype= (torch's default dtype)")


@pytest.mark.parametrize("name, fn, args, width", KERNELS, ids=[k[0] for k in KERNELS])
def test_device_argument(name, fn, args, width) -> None:
    assert_layout(fn(*args, device="meta"), (1, width), None, "meta",
                  f"{name}(..., device='meta')")


@pytest.mark.parametrize("order", [10, 12, 20])
def test_min_kernel_size(order: int) -> None:
    size = min_kernel_size(order)
    assert type(size) is int, f"min_kernel_size({order}) must be an int, got {type(size).__name__}"
    assert size == order + 1, f"min_kernel_size({order}) = {size}, expected {order + 1}"
