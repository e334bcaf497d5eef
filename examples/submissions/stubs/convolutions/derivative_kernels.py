"""Part ``derivative_kernels``: kernels that differentiate and integrate.

d2l 6.2 exercise 4: "What is the minimum size of a kernel to obtain a derivative of degree d?"
and "How would you design a kernel to obtain the second derivative / an integral?"

Here a kernel ``k`` of shape (1, m) acts on a row of samples ``x`` (shape (1, n), the values
f(0), f(h), f(2h), ... of a function f) through ``corr2d`` sliding along the width:
``y[j] = sum_t k[0, t] * x[0, j + t]``, one output per window of m consecutive samples. Such a
kernel "computes the derivative of order d" when, for every polynomial f of degree at most d,
``y`` equals ``h**d * f^(d)`` at every position, exactly. (For such an f, f^(d) is the constant
d! times f's coefficient of x**d, so every polynomial of lower degree gives 0.) On a smooth f
the kernel then approximates ``h**d * f^(d)``. What is the fewest taps m that can do this?
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
    """Finite-difference kernel of the given order, for ``corr2d`` along the width.

    Args:
        order: derivative order d >= 0.
        dtype, device: of the result (torch's defaults if None).

    Returns:
        k, shape (1, m) with m = ``min_kernel_size(order)``, the fewest taps that can do it:
        a kernel that computes the derivative of order d in the sense of the module docstring
        (with spacing 1: exact on polynomials of degree d, 0 on every lower degree), the window
        of output j being ``x[0, j : j + m]``. Its taps are exact, not rounded: they are
        compared with no tolerance.
    """
    _check_int(order, "order", 0)
    dtype = _float_dtype(dtype)
    # TODO: Return the kernel described above, with the requested dtype and device.
    raise NotImplementedError("finite_difference_kernel: not implemented yet (see the TODO)")


def second_derivative_kernel(
    *, dtype: torch.dtype | None = None, device: torch.device | str | None = None
) -> Tensor:
    """Second-derivative kernel, shape (1, m) with m = ``min_kernel_size(2)``: the discrete
    d^2/dx^2 with spacing 1 (divide its output by h**2 for samples with spacing h). On samples
    of x**2 it gives 2 at every position, on samples of 1 and of x it gives 0. Exact taps, in the
    requested dtype and on the requested device, as in ``finite_difference_kernel``.
    """
    dtype = _float_dtype(dtype)
    # TODO: Return the second-derivative kernel described above.
    raise NotImplementedError("second_derivative_kernel: not implemented yet (see the TODO)")


def integral_kernel(
    width: int, *, dtype: torch.dtype | None = None, device: torch.device | str | None = None
) -> Tensor:
    """Running-sum kernel, shape (1, width), in the requested dtype and on the requested device.

    If ``x`` has shape (1, n) and is zero-padded by ``width - 1`` columns on the left,
    ``corr2d(x_padded, k)[0, j] == x[0, max(0, j - width + 1) : j + 1].sum()``: with
    ``width == n`` that is ``x.cumsum(1)``, the discrete integral (times the spacing h).
    """
    _check_int(width, "width", 1)
    dtype = _float_dtype(dtype)
    # TODO: Return the running-sum kernel described above.
    raise NotImplementedError("integral_kernel: not implemented yet (see the TODO)")


def min_kernel_size(order: int) -> int:
    """Smallest number of taps m of a kernel (1, m) that computes the derivative of the given
    order in the sense of the module docstring (exact on polynomials of degree ``order``, 0 on
    every lower degree), as an int. Raises ``ValueError`` for a negative order.
    """
    _check_int(order, "order", 0)
    # TODO: Return that smallest number of taps.
    raise NotImplementedError("min_kernel_size: not implemented yet (see the TODO)")
