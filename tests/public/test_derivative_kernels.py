"""Public tests for part ``derivative_kernels`` (finite differences and integrals as kernels).

The kernels are judged by what they do, as the docstrings define it: on samples of polynomials
(in exact arithmetic, and through torch's own convolution), on a sampled cosine, and against
``torch.cumsum``. No test compares a kernel with its values.
"""

import math
from fractions import Fraction

import pytest
import torch
import torch.nn.functional as F

from convolutions import (
    finite_difference_kernel,
    integral_kernel,
    min_kernel_size,
    second_derivative_kernel,
)
from support import assert_layout, assert_tensor, randn, reference_corr2d, value_first

pytestmark = pytest.mark.derivative_kernels

KERNELS = [("finite_difference_kernel", finite_difference_kernel, (4,)),
           ("second_derivative_kernel", second_derivative_kernel, ()),
           ("integral_kernel", integral_kernel, (7,))]
POSITIONS = range(-4, 5)  # where the windows start on the integer grid (any grid point will do)


def _row_kernel(k, what: str) -> torch.Tensor:
    assert type(k) is torch.Tensor, f"{what}: expected a torch.Tensor, got {type(k).__name__}"
    assert k.dim() == 2 and k.shape[0] == 1 and k.shape[1] >= 1, (
        f"{what}: shape {tuple(k.shape)}, expected a row kernel of shape (1, m)")
    return k


def _expect_exact(k, order: int, degrees, what: str) -> None:
    """corr2d of samples of x**p (spacing 1) with ``k``, in exact rational arithmetic on the
    kernel's float64 values: d! where p is the order, 0 for lower degrees, at every position."""
    taps = [Fraction(v) for v in _row_kernel(k, what).double()[0].tolist()]
    for p in degrees:
        want = math.factorial(order) if p == order else 0
        why = f"{order}! on x**{order}" if p == order else "0 on a lower degree"
        for j in POSITIONS:
            got = sum(t * (j + i) ** p for i, t in enumerate(taps))
            scale = sum(abs(t) * abs(j + i) ** p for i, t in enumerate(taps))
            rounded = abs(got - want) <= 1e-6 * max(scale, 1)
            assert got == want, (
                f"{what} on samples of x**{p} (spacing 1), window starting at x = {j}: got "
                f"{float(got):.17g}, expected {want} ({why}), computed exactly from your taps"
                + (" (close: the taps must be exact, not rounded)" if rounded else ""))


def _expect_size_matches(order: int) -> int:
    size = min_kernel_size(order)
    assert type(size) is int, f"min_kernel_size({order}) must be an int, got {type(size).__name__}"
    k = _row_kernel(finite_difference_kernel(order), f"finite_difference_kernel({order})")
    assert tuple(k.shape) == (1, size), (
        f"finite_difference_kernel({order}) has shape {tuple(k.shape)}, but min_kernel_size"
        f"({order}) = {size}: the kernel must have exactly min_kernel_size(order) taps")
    return size


def test_first_and_second_order_values() -> None:
    """The order-1 and order-2 kernels and ``second_derivative_kernel()``, judged exactly by
    what they do on samples of 1, x and x**2 (d! on x**d, 0 on the lower degrees)."""
    for order in (1, 2):
        _expect_size_matches(order)
        k = finite_difference_kernel(order, dtype=torch.float64)
        _expect_exact(k, order, [*range(order), order], f"finite_difference_kernel({order})")
    k = _row_kernel(second_derivative_kernel(dtype=torch.float64), "second_derivative_kernel()")
    assert tuple(k.shape) == (1, min_kernel_size(2)), (
        f"second_derivative_kernel() has shape {tuple(k.shape)}, but min_kernel_size(2) = "
        f"{min_kernel_size(2)}")
    _expect_exact(k, 2, range(3), "second_derivative_kernel()")


@pytest.mark.parametrize("order", [0, 3, 4, 7, 8, 10, 12, 20])
def test_high_order_coefficients(order: int) -> None:
    """Exact, with min_kernel_size(order) taps: d! on x**d and 0 on every lower degree, in exact
    arithmetic on the kernel's values (for the highest orders on a few of the degrees)."""
    _expect_size_matches(order)
    k = finite_difference_kernel(order, dtype=torch.float64)
    degrees = [*range(order), order] if order <= 8 else (0, 1, order // 2, order - 1, order)
    _expect_exact(k, order, degrees, f"finite_difference_kernel({order})")


@pytest.mark.parametrize("order", [1, 3, 5])
def test_exact_on_polynomials(order: int) -> None:
    """Through torch's convolution, on samples at spacing h: h**d * d! on x**d, 0 below."""
    h = 0.5
    x = (torch.arange(-6, 7, dtype=torch.float64) * h).reshape(1, -1)
    k = finite_difference_kernel(order, dtype=torch.float64)
    y = reference_corr2d(x**order, k)
    assert_tensor(y, torch.full_like(y, math.factorial(order) * h**order),
                  f"finite_difference_kernel({order}) on samples of x**{order} at spacing {h} "
                  f"(expected h**{order} * {order}!)")
    for p in range(order):
        assert_tensor(reference_corr2d(x**p, k), torch.zeros_like(y),
                      f"finite_difference_kernel({order}) on samples of x**{p} (a lower degree "
                      "gives 0)", atol=1e-6)


def _residual(order: int, taps: int) -> float:
    """How far the best kernel of ``taps`` taps is from computing the order-th derivative: the
    relative least-squares residual of the requirements (d! on windows of x**order, 0 on windows
    of every lower degree), posed as data."""
    rows, targets = [], []
    for p in [*range(order), order]:
        for j in POSITIONS:
            rows.append([float(j + i) ** p for i in range(taps)])
            targets.append(float(math.factorial(order)) if p == order else 0.0)
    A = torch.tensor(rows, dtype=torch.float64)
    b = torch.tensor(targets, dtype=torch.float64)[:, None]
    k = torch.linalg.lstsq(A, b, driver="gelsd").solution
    return float((A @ k - b).norm() / b.norm())


@pytest.mark.parametrize("order", [0, 1, 2, 3, 4, 5, 6])
def test_min_kernel_size(order: int) -> None:
    """An int; a kernel of that many taps can compute the derivative, one of fewer cannot."""
    size = _expect_size_matches(order)
    enough = _residual(order, size)
    assert enough < 1e-8, (
        f"min_kernel_size({order}) = {size}, but no kernel of {size} taps is exact on x**{order} "
        f"and 0 on every lower degree (least-squares residual {enough:.2g}): more taps are needed")
    if size > 1:
        fewer = _residual(order, size - 1)
        assert fewer > 1e-3, (
            f"min_kernel_size({order}) = {size}, but a kernel of {size - 1} taps already is exact "
            f"on x**{order} and 0 on every lower degree (least-squares residual {fewer:.2g}): "
            f"{size} is not the smallest size")


def test_second_derivative_of_a_sampled_cosine() -> None:
    h = 0.02
    t = torch.arange(0, 2, h, dtype=torch.float64).reshape(1, -1)
    k = second_derivative_kernel(dtype=torch.float64)
    approx = reference_corr2d(torch.cos(t), k) / h**2
    start = (t.shape[1] - approx.shape[1]) // 2  # each output belongs to its window's centre
    assert_tensor(approx, -torch.cos(t[:, start:start + approx.shape[1]]),
                  "f'' of cos from the kernel (output / h**2 against -cos at the window centres)",
                  rtol=0, atol=1e-4)


@pytest.mark.parametrize("n, width", [(2, 2), (6, 6), (9, 4), (5, 1)], ids=str)
def test_integral_kernel_gives_cumsum(n: int, width: int) -> None:
    x = randn(1, n, seed=20 + width)
    k = _row_kernel(integral_kernel(width, dtype=torch.float64), f"integral_kernel({width})")
    assert tuple(k.shape) == (1, width), (
        f"integral_kernel({width}) has shape {tuple(k.shape)}, expected (1, {width})")
    y = reference_corr2d(F.pad(x, (width - 1, 0)), k)
    sums = x.cumsum(1)
    expected = sums - F.pad(sums, (width, 0))[:, :n]  # the sum of the last `width` samples
    what = f"corr2d(x (1, {n}) left-padded by {width - 1}, integral_kernel({width}))"
    if width == n:
        assert_tensor(y, torch.cumsum(x, 1), f"{what} against torch.cumsum(x, 1)")
    else:
        assert_tensor(y, expected, f"{what}: the running sum of the last {width} samples")


def _expect_works(name: str, k, args: tuple) -> None:
    """``k`` does what ``name(*args)`` promises, judged by what it does (as the tests above)."""
    if name == "integral_kernel":
        (width,) = args
        _row_kernel(k, f"{name}{args}")
        x = randn(1, width + 3, seed=30)
        sums = x.cumsum(1)
        assert_tensor(reference_corr2d(F.pad(x, (width - 1, 0)), k.double()),
                      sums - F.pad(sums, (width, 0))[:, :x.shape[1]],
                      f"corr2d(x left-padded by {width - 1}, {name}({width}))", layout=False)
    else:
        order = args[0] if args else 2
        _expect_exact(k, order, [*range(order), order], f"{name}{args}")


@pytest.mark.parametrize("name, fn, args", KERNELS, ids=[k[0] for k in KERNELS])
def test_dtype_argument_and_default(name, fn, args) -> None:
    """The dtype asked for (torch's default without dtype=), judged once the kernel works."""
    shape = tuple(_row_kernel(fn(*args, dtype=torch.float64), f"{name}(...)").shape)
    for kwargs, dtype, what in (({"dtype": torch.float16}, torch.float16,
                                 f"{name}(..., dtype=torch.float16)"),
                                ({}, torch.get_default_dtype(),
                                 f"{name}(...) without dtype= (torch's default dtype)")):
        with value_first(what):
            k = fn(*args, **kwargs)
            _expect_works(name, k, args)
        assert_layout(k, shape, dtype, "cpu", what)


@pytest.mark.parametrize("name, fn, args", KERNELS, ids=[k[0] for k in KERNELS])
def test_device_argument(name, fn, args) -> None:
    """On the meta device (shapes, no values), once the same call works on the CPU."""
    with value_first(f"{name}(..., device='meta')"):
        k = fn(*args, device="cpu")
        _expect_works(name, k, args)
    assert_layout(fn(*args, device="meta"), tuple(k.shape), None, "meta",
                  f"{name}(..., device='meta')")
