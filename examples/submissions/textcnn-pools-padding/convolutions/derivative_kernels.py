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
    ### BEGIN SOLUTION
    ### TASK: Return the kernel described above, with the requested dtype and device.
    ### HINT nudge: Work out d = 1 and d = 2 by hand: sample 1, x and x**2 at 0, 1, 2, ...,
    ### HINT nudge: and find taps that give what the docstring asks on each. Then compare the two
    ### HINT nudge: kernels you found: how could the second come from the first?
    ### HINT method: The d-th difference is the first difference applied d times. Two kernels
    ### HINT method: applied one after the other act as one kernel whose taps are the polynomial
    ### HINT method: product of theirs (a "full" 1-D convolution of the two tap lists), so start
    ### HINT method: from the order-0 kernel and multiply by the first-difference kernel d times.
    ### HINT method: Equivalently, expand `(E - 1)^d`, where E shifts the signal by one sample:
    ### HINT method: the coefficients come from the binomial theorem. Compute them in exact
    ### HINT method: integer arithmetic, then build the tensor.
    ### HINT full: `k[0, j] = (-1)^(d - j) * C(d, j)` for j = 0..d (`math.comb(d, j)`): order 1
    ### HINT full: gives [-1, 1], order 2 gives [1, -2, 1], order 0 gives [1].
    ### ANSWER: (-1)^(d - j)
    ### ANSWER: (-1)^(d-k)
    ### ANSWER: (-1)**(order-j)
    ### ANSWER: (-1)**(d - j)
    ### ANSWER: C(d, j)
    ### ANSWER: C(d, k)
    ### ANSWER: comb(
    ### ANSWER: \binom{d}{k}
    ### ANSWER: \binom{d}{j}
    ### ANSWER: [-1, 1]
    ### ANSWER: [1, -2, 1]
    ### ANSWER: [-1, 2, -1]
    ### ANSWER: [-1, 3, -3, 1]
    ### ANSWER: [1, -3, 3, -1]
    ### ANSWER: [1, -4, 6, -4, 1]
    ### ANSWER method: binomial
    ### ANSWER method: (E - 1)^d
    coeffs = [(-1) ** (order - j) * math.comb(order, j) for j in range(order + 1)]
    return torch.tensor([coeffs], dtype=dtype, device=device)
    ### END SOLUTION


def second_derivative_kernel(
    *, dtype: torch.dtype | None = None, device: torch.device | str | None = None
) -> Tensor:
    """Second-derivative kernel, shape (1, m) with m = ``min_kernel_size(2)``: the discrete
    d^2/dx^2 with spacing 1 (divide its output by h**2 for samples with spacing h). On samples
    of x**2 it gives 2 at every position, on samples of 1 and of x it gives 0. Exact taps, in the
    requested dtype and on the requested device, as in ``finite_difference_kernel``.
    """
    dtype = _float_dtype(dtype)
    ### BEGIN SOLUTION
    ### TASK: Return the second-derivative kernel described above.
    ### HINT nudge: Sample 1, x and x**2 at a few points and write, tap by tap, what a (1, m)
    ### HINT nudge: kernel must give on each of them. Which m is this docstring's, and which
    ### HINT nudge: taps meet all three requirements?
    ### HINT method: It is the finite-difference kernel of order 2: call your function.
    ### HINT full: Return `finite_difference_kernel(2, ...)`, passing on `dtype` and `device`.
    ### ANSWER: [1, -2, 1]
    return finite_difference_kernel(2, dtype=dtype, device=device)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    ### TASK: Return the running-sum kernel described above.
    ### HINT nudge: Take width 3 and x = [a, b, c] by hand: write the padded row, the three
    ### HINT nudge: windows, and the three outputs the docstring asks for. What must the taps be
    ### HINT nudge: for every window to give its output?
    ### HINT method: Every tap passes its sample on unchanged, whatever its position in the
    ### HINT method: window.
    ### HINT full: `torch.ones((1, width), dtype=dtype, device=device)`.
    ### ANSWER: ones((1, width)
    ### ANSWER: ones(1, width)
    ### ANSWER: all ones
    return torch.ones((1, width), dtype=dtype, device=device)
    ### END SOLUTION


def min_kernel_size(order: int) -> int:
    """Smallest number of taps m of a kernel (1, m) that computes the derivative of the given
    order in the sense of the module docstring (exact on polynomials of degree ``order``, 0 on
    every lower degree), as an int. Raises ``ValueError`` for a negative order.
    """
    _check_int(order, "order", 0)
    ### BEGIN SOLUTION
    ### TASK: Return that smallest number of taps.
    ### HINT nudge: Try d = 1 and d = 2 by hand: is there a kernel of one tap (of two) that does
    ### HINT nudge: what the module docstring asks? When a shorter kernel fails, which polynomial
    ### HINT nudge: does it get wrong?
    ### HINT method: Count the conditions (one per degree, from 0 up to d) against the unknowns
    ### HINT method: (one per tap). On consecutive samples the conditions form a Vandermonde
    ### HINT method: system, which has a solution once there are as many taps as conditions, and
    ### HINT method: none with fewer.
    ### HINT full: `order + 1`: one tap per degree 0..d.
    ### ANSWER: (1, d + 1)
    ### ANSWER: d + 1 taps
    ### ANSWER: d + 1 samples
    ### ANSWER: d + 1 points
    ### ANSWER: d + 1 coefficients
    ### ANSWER: is d + 1
    ### ANSWER: = d + 1
    ### ANSWER: order + 1
    ### ANSWER: one more than the order
    ### ANSWER method: Vandermonde
    return order + 1
    ### END SOLUTION
