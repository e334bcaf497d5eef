"""Checks of part ``derivative_kernels``: finite differences, minimal size, integrals."""

import math
from typing import Any

import torch
import torch.nn.functional as F

from autograder.recognise import suspects
from autograder.grade.bank import CheckFailed, check
from autograder.grade.judge import (as_tensor, array, compare_values, expect_dtype, expect_tensor,
                                    expect_value, value_first)
from contracts import Problems, contract, dtype_arg, integer
from oracles import oracle_corr2d

PART = "derivative_kernels"


def _binomial_row(order: int) -> torch.Tensor:
    return torch.tensor([[(-1.0) ** (order - j) * math.comb(order, j) for j in range(order + 1)]])


# ----------------------------------------------------- known wrong answers (misconceptions.toml)
# Hidden: the kernels themselves are the exercise.

def _centred(order: int) -> torch.Tensor:
    """The centred difference of an odd order: d + 2 taps, reaching as far before the middle
    sample as after it (the order d - 1 row times the half-difference [-1/2, 0, 1/2])."""
    if order % 2 == 0:
        raise ValueError("an even order's centred stencil is the forward one")
    row = _binomial_row(order - 1)[0].double()
    return torch.tensor([[sum(row[i] * c for i, c in ((t, -0.5), (t - 2, 0.5)) if 0 <= i < order)
                          for t in range(order + 2)]], dtype=torch.float64)


WRONG_ANSWERS = {
    "finite_difference_kernel": [
        ("difference_centred_not_forward", _centred),
        # the same, not halved (order 1: x[j + 2] - x[j])
        ("difference_centred_not_forward", lambda order: 2 * _centred(order)),
    ],
    "integral_kernel": [
        ("integral_one_tap_short", lambda width: torch.ones(1, width - 1)),
    ],
}


def _suspects(target: str, *args) -> list:
    return suspects([WRONG_ANSWERS], target, *args)


# The dtypes the taps are judged in: torch's default (None) and float64, where a tap off by one
# rounding step of float64 (a float division, a linear solve) no longer rounds to the exact value.
DTYPES = (None, torch.float64)


def _kernel(student, name: str, args: list, dtype: torch.dtype | None) -> dict:
    """The observation of ``name(*args)``, with ``dtype=`` when one is given."""
    kwargs = {} if dtype is None else {"dtype": dtype}
    return student.probe("call", name=name, args=args, kwargs=kwargs)


def _called(name: str, args: list, dtype: torch.dtype | None) -> str:
    shown = ", ".join([*map(str, args), *([f"dtype={dtype}"] if dtype else [])])
    return f"{name}({shown})"


@check("finite_difference.coefficients", PART, "finite_difference_kernel(order) for orders "
       "0 to 6: the exact taps of the minimal kernel, in the default dtype and in float64",
       weight=3, public=["test_first_and_second_order_values", "test_high_order_coefficients"])
def coefficients(student) -> None:
    for dtype in DTYPES:
        for order in range(7):
            obs = _kernel(student, "finite_difference_kernel", [order], dtype)
            expect_tensor(obs["value"], _binomial_row(order),
                          _called("finite_difference_kernel", [order], dtype), rtol=0, atol=0,
                          suspects=_suspects("finite_difference_kernel", order))


@check("finite_difference.polynomials", PART, "finite-difference kernels are exact on "
       "polynomials: the order-d kernel gives d! on x^d and 0 on lower degrees", weight=3,
       public=["test_exact_on_polynomials"])
def polynomials(student) -> None:
    x = torch.arange(-11.0, 12.0, dtype=torch.float64).reshape(1, -1)  # spacing 1
    for dtype in DTYPES:
        for order in (1, 2, 3, 4):
            called = _called("finite_difference_kernel", [order], dtype)
            k = as_tensor(_kernel(student, "finite_difference_kernel", [order], dtype)["value"],
                          called).double()
            if k.shape != (1, order + 1):
                raise CheckFailed(f"{called} has shape {tuple(k.shape)}: not the smallest kernel "
                                  "exact on polynomials of that degree",
                                  f"expected shape (1, {order + 1})")
            coeffs = array(501 + order, order + 1)
            poly = sum(c * x**p for p, c in enumerate(coeffs.tolist()))
            y = oracle_corr2d(poly, k)
            compare_values(y, torch.full_like(y, coeffs[order].item() * math.factorial(order)),
                           f"{called} on a degree-{order} polynomial", rtol=1e-9, atol=1e-6)


@check("second_derivative.kernel", PART, "second_derivative_kernel() has the exact taps (in the "
       "default dtype and in float64), and approximates f'' of a sampled sine",
       public=["test_first_and_second_order_values", "test_second_derivative_of_a_sampled_cosine"])
def second_derivative(student) -> None:
    for dtype in DTYPES:
        obs = _kernel(student, "second_derivative_kernel", [], dtype)
        k = expect_tensor(obs["value"], torch.tensor([[1.0, -2.0, 1.0]]),
                          _called("second_derivative_kernel", [], dtype), rtol=0, atol=0)
    h = 0.01
    t = torch.arange(0, 3, h, dtype=torch.float64).reshape(1, -1)
    approx = oracle_corr2d(torch.sin(t), k.double()) / h**2
    compare_values(approx, -torch.sin(t[:, 1:-1]), "f'' of sin from the kernel", rtol=0,
                   atol=1e-4)


@check("integral.cumsum", PART, "integral_kernel(width) on x left-padded by width - 1 gives the "
       "running sum (width {width})", weight=1,
       cases=[("w1", dict(width=1)), ("w5", dict(width=5)), ("w9", dict(width=9))],
       public=["test_integral_kernel_gives_cumsum"])
def integral(student, width) -> None:
    for dtype in DTYPES:
        obs = _kernel(student, "integral_kernel", [width], dtype)
        expect_tensor(obs["value"], torch.ones(1, width),
                      _called("integral_kernel", [width], dtype), rtol=0, atol=0,
                      suspects=_suspects("integral_kernel", width))
    x = array(510, 1, width)
    k = as_tensor(obs["value"], "kernel").double()
    compare_values(oracle_corr2d(F.pad(x, (width - 1, 0)), k), x.cumsum(1), "running sum")


KERNELS = (("finite_difference_kernel", [2], [[1.0, -2.0, 1.0]]),
           ("second_derivative_kernel", [], [[1.0, -2.0, 1.0]]),
           ("integral_kernel", [3], [[1.0, 1.0, 1.0]]))


@check("kernels.dtype_device", PART, "the kernels honour dtype= and device=, and default to "
       "torch's default dtype", weight=1, public=["test_dtype_argument_and_default"])
def dtype_device(student) -> None:
    for name, args, taps in KERNELS:
        for kwargs, dtype, called in (
                ({"dtype": torch.float64, "device": "cpu"}, torch.float64,
                 f"{name}(..., dtype=torch.float64)"),
                ({}, torch.get_default_dtype(), f"{name}(...) without dtype=")):
            with value_first(called):
                obs = student.probe("call", name=name, args=args, kwargs=kwargs)
                expect_tensor(obs["value"], torch.tensor(taps, dtype=dtype), called, rtol=0,
                              atol=0, suspects=_suspects(name, *args))
            expect_dtype(obs["value"], dtype, called)


@check("min_kernel_size.values", PART, "min_kernel_size(order) is right for orders 0 to 9",
       public=["test_min_kernel_size"])
def min_size(student) -> None:
    for order in range(10):
        obs = student.probe("call", name="min_kernel_size", args=[order])
        value = expect_value(obs["value"], int, f"min_kernel_size({order})")
        if value != order + 1:
            raise CheckFailed(f"min_kernel_size({order}) is wrong",
                              f"min_kernel_size({order}) = {value}, expected {order + 1}")


# ------------------------------------------------------------ the contracts of the part's names
# What each graded name promises to accept, from its docstring (tests/hidden/contracts.py).

@contract("finite_difference_kernel")
def finite_difference_kernel_contract(order: Any, *, dtype: Any = None,
                                      device: Any = None) -> Problems:
    """derivative_kernels.finite_difference_kernel: "order: derivative order d >= 0. dtype,
    device: of the result (torch's defaults if None)" (a floating dtype: ``_float_dtype``)."""
    return [*integer(order, "order", 0), *dtype_arg(dtype)]


@contract("second_derivative_kernel")
def second_derivative_kernel_contract(*, dtype: Any = None, device: Any = None) -> Problems:
    """derivative_kernels.second_derivative_kernel: dtype and device as above."""
    return dtype_arg(dtype)


@contract("integral_kernel")
def integral_kernel_contract(width: Any, *, dtype: Any = None, device: Any = None) -> Problems:
    """derivative_kernels.integral_kernel: "shape (1, width)" (``_check_int(width, ..., 1)``)."""
    return [*integer(width, "width", 1), *dtype_arg(dtype)]


@contract("min_kernel_size")
def min_kernel_size_contract(order: Any) -> Problems:
    """derivative_kernels.min_kernel_size: an order >= 0 ("Raises ValueError for a negative
    order": a negative order is outside what the checks may ask of a right answer)."""
    return integer(order, "order", 0)
