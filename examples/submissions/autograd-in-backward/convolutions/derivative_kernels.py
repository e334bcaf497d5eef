"""Part ``derivative_kernels``: kernels that differentiate and integrate.

d2l 6.2 exercise 4: "What is the minimum size of a kernel to obtain a derivative of degree d?"
and "How would you design a kernel to obtain the second derivative / an integral?"

With ``corr2d`` sliding along the width of a row ``x`` (shape (1, n)) the forward difference
of order d is ``(Delta^d x)[j] = sum_k (-1)^(d-k) C(d, k) x[j + k]``: it is exact (divided by
the spacing^d) on polynomials of degree d, annihilates lower degrees, and needs d + 1 taps.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def _float_dtype(dtype: torch.dtype | None) -> torch.dtype:
    """Resolve ``None`` to torch's default dtype and insist on a floating one."""
    dtype = torch.get_default_dtype() if dtype is None else dtype
    if not dtype.is_floating_point:
        raise TypeError(f"dtype must be floating, got {dtype}")
    return dtype


def _check_int(value: int, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def finite_difference_kernel(
    order: int, *, dtype: torch.dtype | None = None, device: torch.device | str | None = None
) -> Tensor:
    """Forward-difference kernel of the given order, for ``corr2d`` along the width.

    Args:
        order: derivative order d >= 0.
        dtype, device: of the result (torch's defaults if None).

    Returns:
        k, shape (1, d + 1), ``k[0, j] = (-1)^(d - j) * C(d, j)``: order 1 gives [-1, 1],
        order 2 gives [1, -2, 1], order 0 gives [1].
    """
    _check_int(order, "order", 0)
    dtype = _float_dtype(dtype)
    ### BEGIN SOLUTION
    ### TASK: Fill the d + 1 binomial coefficients with alternating signs, the last one positive.
    coeffs = [(-1) ** (order - j) * math.comb(order, j) for j in range(order + 1)]
    return torch.tensor([coeffs], dtype=dtype, device=device)
    ### END SOLUTION


def second_derivative_kernel(
    *, dtype: torch.dtype | None = None, device: torch.device | str | None = None
) -> Tensor:
    """Second-derivative kernel, shape (1, 3): [1, -2, 1] (the discrete d^2/dx^2, spacing 1)."""
    dtype = _float_dtype(dtype)
    ### BEGIN SOLUTION
    ### TASK: Return the order-2 finite-difference kernel.
    return finite_difference_kernel(2, dtype=dtype, device=device)
    ### END SOLUTION


def integral_kernel(
    width: int, *, dtype: torch.dtype | None = None, device: torch.device | str | None = None
) -> Tensor:
    """Running-sum kernel, shape (1, width).

    If ``x`` has shape (1, n) and is zero-padded by ``width - 1`` columns on the left,
    ``corr2d(x_padded, k)[0, j] == x[0, max(0, j - width + 1) : j + 1].sum()``: with
    ``width == n`` that is ``x.cumsum(1)``, the discrete integral.
    """
    _check_int(width, "width", 1)
    dtype = _float_dtype(dtype)
    ### BEGIN SOLUTION
    ### TASK: Every tap weighs one sample equally.
    return torch.ones((1, width), dtype=dtype, device=device)
    ### END SOLUTION


def min_kernel_size(order: int) -> int:
    """Smallest number of taps of a kernel that computes a derivative of the given order."""
    _check_int(order, "order", 0)
    ### BEGIN SOLUTION
    ### TASK: A degree-d difference needs d + 1 samples.
    return order + 1
    ### END SOLUTION
