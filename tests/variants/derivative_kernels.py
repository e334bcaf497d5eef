"""Part ``derivative_kernels``'s mutants and honest variants. ``mutants.py`` and ``honest.py``
gather every part's file and say what each must do."""

from variant_kinds import M, V

MUTANTS = [
    M("difference_wrong_sign", "derivative_kernels.py", "(-1) ** (order - j)", "(-1) ** j",
      ("finite_difference.coefficients", "finite_difference.polynomials"),
      "first coefficient positive"),
    M("difference_one_tap_short", "derivative_kernels.py", "for j in range(order + 1)]",
      "for j in range(order)]", ("finite_difference.coefficients",
                                 "finite_difference.polynomials"), "a tap short"),
    M("second_derivative_negated", "derivative_kernels.py",
      "return finite_difference_kernel(2, dtype=dtype, device=device)",
      "return -finite_difference_kernel(2, dtype=dtype, device=device)",
      ("second_derivative.kernel",), "[-1, 2, -1]"),
    M("difference_centred", "derivative_kernels.py",
      "    coeffs = [(-1) ** (order - j) * math.comb(order, j) for j in range(order + 1)]\n",
      "    if order == 1:  # the central difference of numerical analysis courses\n"
      "        return torch.tensor([[-0.5, 0.0, 0.5]], dtype=dtype, device=device)\n"
      "    coeffs = [(-1) ** (order - j) * math.comb(order, j) for j in range(order + 1)]\n",
      ("finite_difference.coefficients", "finite_difference.polynomials"),
      "the centred first difference (three taps) instead of the minimal kernel",
      misconceptions=("difference_centred_not_forward",)),
    M("integral_kernel_short", "derivative_kernels.py",
      "return torch.ones((1, width), dtype=dtype, device=device)",
      "return torch.ones((1, max(1, width - 1)), dtype=dtype, device=device)",
      ("integral.cumsum",), "width - 1 taps", misconceptions=("integral_one_tap_short",)),
    M("integral_kernel_one_tap_too_many", "derivative_kernels.py",
      "return torch.ones((1, width), dtype=dtype, device=device)",
      "return torch.ones((1, width + 1), dtype=dtype, device=device)",
      ("integral.cumsum[w1]", "integral.cumsum[w5]"), "width + 1 taps"),
    M("kernels_default_float64", "derivative_kernels.py",
      "return torch.ones((1, width), dtype=dtype, device=device)",
      "return torch.ones((1, width), dtype=torch.float64, device=device)",
      ("kernels.dtype_device",), "hard-codes float64 (right values: costs the dtype check)"),
    M("kernels_ignore_dtype", "derivative_kernels.py",
      "return torch.ones((1, width), dtype=dtype, device=device)", "return torch.ones((1, width))",
      ("kernels.dtype_device", "device.derivative_kernels"), "ignores dtype= and device=",
      misconceptions=("default_float32", "default_cpu")),
    M("min_kernel_size_order", "derivative_kernels.py", "    return order + 1\n",
      "    return order\n", ("min_kernel_size.values",), "forgets a sample"),
    # placeholders: the right shape, dtype and device, no computation (issue 19): each fails its
    # part's value checks and every dtype and device check ("not judged: the value is wrong")
    M("kernels_placeholders", "derivative_kernels.py", (
        "    return torch.tensor([coeffs], dtype=dtype, device=device)\n",
        "    return torch.ones((1, width), dtype=dtype, device=device)\n"), (
        "    return torch.zeros((1, len(coeffs)), dtype=dtype, device=device)\n",
        "    return torch.zeros((1, width), dtype=dtype, device=device)\n"),
      ("finite_difference.coefficients", "finite_difference.polynomials",
       "second_derivative.kernel", "integral.cumsum", "kernels.dtype_device",
       "device.derivative_kernels"), "zero kernels of the right shapes"),
    # taps off by a rounding step of float64 (issue 19): exact once rounded to float32
    M("difference_taps_from_a_solve", "derivative_kernels.py",
      "    coeffs = [(-1) ** (order - j) * math.comb(order, j) for j in range(order + 1)]\n"
      "    return torch.tensor([coeffs], dtype=dtype, device=device)\n",
      "    n = order + 1  # the conditions on x**0 .. x**order, solved in float64\n"
      "    V = torch.tensor([[float(t) ** p for t in range(n)] for p in range(n)],\n"
      "                     dtype=torch.float64)\n"
      "    rhs = torch.zeros(n, dtype=torch.float64)\n"
      "    rhs[order] = math.factorial(order)\n"
      "    return torch.linalg.solve(V, rhs).reshape(1, n).to(dtype=dtype, device=device)\n",
      ("finite_difference.coefficients",),
      "taps from a float64 linear solve: off by ~1e-15 in float64, exact in float32"),
]

VARIANTS = [
    V("kernels_comb_signs_full", "derivative_kernels", '''
def finite_difference_kernel(order, *, dtype=None, device=None):
    _check_int(order, "order", 0)
    dtype = _float_dtype(dtype)
    taps = []
    for j in range(order + 1):
        sign = 1 if (order - j) % 2 == 0 else -1
        taps.append(sign * math.comb(order, j))
    return torch.tensor(taps, dtype=dtype, device=device).unsqueeze(0)


def second_derivative_kernel(*, dtype=None, device=None):
    return torch.tensor([[1.0, -2.0, 1.0]], dtype=_float_dtype(dtype), device=device)


def integral_kernel(width, *, dtype=None, device=None):
    _check_int(width, "width", 1)
    return torch.full((1, width), 1.0, dtype=_float_dtype(dtype), device=device)


def min_kernel_size(order):
    _check_int(order, "order", 0)
    return finite_difference_kernel(order, device="meta").shape[1]
''', "binomial taps from math.comb with a sign variable, torch.full for the integral, the "
       "minimal size read off the kernel's shape"),
    V("kernels_repeated_diff_cumsum", "derivative_kernels", '''
import torch.nn.functional as F


def finite_difference_kernel(order, *, dtype=None, device=None):
    _check_int(order, "order", 0)
    dtype = _float_dtype(dtype)
    k = torch.ones(1, 1, dtype=torch.int64, device=device)
    for _ in range(order):
        k = -torch.diff(F.pad(k, (1, 1)), dim=1)  # convolve with [-1, 1] once more
    return k.to(dtype)


def integral_kernel(width, *, dtype=None, device=None):
    _check_int(width, "width", 1)
    impulse = torch.zeros(1, width, dtype=_float_dtype(dtype), device=device)
    impulse[0, 0] = 1
    return impulse.cumsum(dim=1)  # the running sum of a unit impulse
''', "finite differences by repeated torch.diff of the zero-padded kernel, in int64 then cast; "
       "the integral kernel as the cumsum of an impulse"),
    V("kernels_conv1d_self_convolution", "derivative_kernels", '''
import torch.nn.functional as F


def finite_difference_kernel(order, *, dtype=None, device=None):
    _check_int(order, "order", 0)
    dtype = _float_dtype(dtype)
    step = torch.tensor([[[1.0, -1.0]]], dtype=torch.float64, device=device)
    k = torch.ones(1, 1, 1, dtype=torch.float64, device=device)
    for _ in range(order):
        k = F.conv1d(F.pad(k, (1, 1)), step)  # [-1, 1] convolved with itself order times
    return k[0].to(dtype)


def integral_kernel(width, *, dtype=None, device=None):
    _check_int(width, "width", 1)
    return torch.ones(width, dtype=_float_dtype(dtype), device=device).unsqueeze(0)
''', "the order-d kernel as [-1, 1] convolved with itself d times with F.conv1d (no rule "
       "forbids it in this part) in float64, then cast"),
    V("kernels_pascal_recurrence", "derivative_kernels", '''
def finite_difference_kernel(order, *, dtype=None, device=None):
    _check_int(order, "order", 0)
    row = [1]
    for _ in range(order):  # Pascal's rule with signs: the next row is shift(row) - row
        row = [left - right for left, right in zip([0] + row, row + [0])]
    return torch.tensor([row], dtype=_float_dtype(dtype), device=device)


def min_kernel_size(order):
    _check_int(order, "order", 0)
    return len(range(order + 1))
''', "the taps by Pascal's rule on Python ints (differences of differences), exact at any "
       "order, then one torch.tensor"),
]
