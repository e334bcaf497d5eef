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
from support import assert_tensor, reference_corr2d

pytestmark = pytest.mark.derivative_kernels


def test_first_and_second_order_values() -> None:
    assert_tensor(finite_difference_kernel(1), torch.tensor([[-1.0, 1.0]]), "finite_difference_kernel(1)")
    assert_tensor(second_derivative_kernel(), torch.tensor([[1.0, -2.0, 1.0]]), "second_derivative_kernel()")


@pytest.mark.parametrize("order", [1, 3])
def test_exact_on_polynomials(order: int) -> None:
    x = torch.arange(12, dtype=torch.float64).reshape(1, -1)
    k = finite_difference_kernel(order, dtype=torch.float64)
    assert k.shape == (1, min_kernel_size(order)), f"kernel shape {tuple(k.shape)}"
    # The order-th difference of x**order is order! everywhere; lower degrees vanish.
    y = reference_corr2d(x**order, k)
    assert_tensor(y, torch.full_like(y, float(math.factorial(order))), f"difference of x**{order}")
    assert_tensor(reference_corr2d(x ** (order - 1), k), torch.zeros_like(y), f"difference of x**{order - 1}")


def test_integral_kernel_gives_cumsum() -> None:
    x = torch.tensor([[3.0, -1.0, 4.0, 1.0, -5.0, 9.0]], dtype=torch.float64)
    k = integral_kernel(6, dtype=torch.float64)
    y = reference_corr2d(F.pad(x, (5, 0)), k)
    assert_tensor(y, x.cumsum(1), "corr2d(x left-padded by width - 1, integral_kernel(width))")
