"""Vectorisation checks: every part's rule "loop over the kernel offsets at most, never over
output positions" (for the corr1d functions: "never over time steps or channels"), judged without
a clock, from the work the student's call does at a small and a large size (how the work is
counted and judged: ``work_counts.py``). Likewise with the kernel width fixed and eight times as
many channels.

The vectorisation checks of the first parts live here, in this order, so that the bank's order
(and every result file) stays as it was; a new part writes its vectorisation check in its own
checks file, with the helpers of ``work_counts.py``.
"""

import torch
import torch.nn.functional as F

from autograder.grade.bank import check
from autograder.grade.judge import array
from oracles import oracle_corr1d, oracle_corr2d
from work_counts import NAME, count_call, counted, expect_flat, size


def _kernel_matrix(K: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """corr2d's matrix for (h, w) inputs: column j is corr2d of the j-th basis image."""
    basis = torch.eye(h * w, dtype=K.dtype).reshape(h * w, 1, h, w)
    return F.conv2d(basis, K[None, None]).reshape(h * w, -1).T


@check("corr2d.vectorised", "cross_correlation", NAME.format(fn="corr2d"), weight=2,
       public=["test_vectorised_over_output_positions"])
def corr2d_vectorised(student) -> None:
    K = array(801, 3, 2)
    counts = []
    for h, w in ((6, 7), (25, 29)):
        X, out = array(802, h, w), (h + 2 - 3 + 1, w + 2 - 2 + 1)
        counts.append((count_call(student, "corr2d", [X, K], oracle_corr2d(X, K, 1),
                                  {"padding": 1}), out))
    expect_flat("corr2d", counts)


@check("im2col.vectorised", "conv_as_matmul", NAME.format(fn="im2col"),
       public=["test_im2col_vectorised_over_output_positions"])
def im2col_vectorised(student) -> None:
    counts = []
    for h, w in ((6, 5), (25, 21)):
        X = array(803, h, w)
        cols = F.unfold(X[None, None], (2, 3))[0].T
        counts.append((count_call(student, "im2col", [X, [2, 3]], cols), (h - 1, w - 2)))
    expect_flat("im2col", counts)


@check("kernel_matrix.vectorised", "conv_as_matmul", NAME.format(fn="kernel_matrix"),
       public=["test_kernel_matrix_vectorised_over_output_positions"])
def kernel_matrix_vectorised(student) -> None:
    K = array(804, 2, 2)
    counts = []
    for h, w in ((5, 6), (17, 21)):
        counts.append((count_call(student, "kernel_matrix", [K, [h, w]],
                                  _kernel_matrix(K, h, w)), (h - 1, w - 1)))
    expect_flat("kernel_matrix", counts)


# Case -> the function, what grows, and the (X, K, output) shapes for n: n is T (12, then 96)
# with the channels fixed, or the number of input channels c (2, then 16; multi_in_out also has
# 2c output channels) with T and the kernel width fixed.
CORR1D_SIZES = [
    ("corr1d", dict(fn="corr1d", grows="output positions",
                    shapes=lambda T: ((T,), (3,), (T - 2,)))),
    ("multi-in", dict(fn="corr1d_multi_in", grows="output positions",
                      shapes=lambda T: ((2, T), (2, 3), (T - 2,)))),
    ("multi-in-out", dict(fn="corr1d_multi_in_out", grows="output positions",
                          shapes=lambda T: ((2, T), (3, 2, 3), (3, T - 2)))),
    ("multi-in-channels", dict(fn="corr1d_multi_in", grows="channels",
                               shapes=lambda c: ((c, 12), (c, 3), (10,)))),
    ("multi-in-out-channels", dict(fn="corr1d_multi_in_out", grows="channels",
                                   shapes=lambda c: ((c, 12), (2 * c, c, 3), (2 * c, 10)))),
]
# Each function's value, from F.conv1d (X and K as the function takes them).
CORR1D_ORACLES = {
    "corr1d": lambda X, K: oracle_corr1d(X[None], K[None, None])[0],
    "corr1d_multi_in": lambda X, K: oracle_corr1d(X, K[None])[0],
    "corr1d_multi_in_out": oracle_corr1d,
}


@check("corr1d.vectorised", "audio_conv1d",
       "{fn} is vectorised: its work does not grow with the number of {grows}",
       cases=CORR1D_SIZES,
       public=["test_vectorised_over_output_positions", "test_vectorised_over_channels"])
def corr1d_vectorised(student, fn, grows, shapes) -> None:
    counts = []
    for n in ((12, 96) if grows == "output positions" else (2, 16)):
        x_shape, k_shape, out = shapes(n)
        args = [array(805, *x_shape), array(806, *k_shape)]
        ops = count_call(student, fn, args, CORR1D_ORACLES[fn](*args))
        counts.append((ops, out[-1:]) if grows == "output positions" else
                      (ops, f"X {size(x_shape)} and K {size(k_shape)}"))
    expect_flat(fn, counts, grows)


@check("backward.vectorised", "conv2d_backward",
       NAME.format(fn="Corr2dFunction.backward"), weight=2,
       public=["test_backward_vectorised_over_output_positions"])
def backward_vectorised(student) -> None:
    K = array(807, 2, 3)
    counts = []
    for h, w in ((5, 6), (21, 26)):
        X, dY = array(808, h, w), array(809, h - 1, w - 2)
        obs = student.probe("corr2d_function", X=X, K=K, dY=dY)
        Xr, Kr = X.clone().requires_grad_(), K.clone().requires_grad_()
        dX, dK = torch.autograd.grad(oracle_corr2d(Xr, Kr), (Xr, Kr), dY)
        counts.append((counted(obs, ("backward_ops", "backward_lines"), {"dX": dX, "dK": dK},
                               "Corr2dFunction.backward"), (h - 1, w - 2)))
    expect_flat("Corr2dFunction.backward", counts)
