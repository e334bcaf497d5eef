"""Vectorisation checks: every part's rule "loop over the kernel offsets at most, never over
output positions" (for the corr1d functions: "never over time steps or channels"), judged without
a clock.

The rule guard counts the operators the student's call runs (``ops``; ``backward_ops`` for what
runs inside the backward pass). Called twice with the kernel fixed and about four times as many
output positions the second time, vectorised code runs the same number of operators; a loop over
output pixels (or rows) runs about four (or two) times as many. Likewise with the kernel width
fixed and about four times as many channels: a loop over channels runs about four times as many.
Deterministic: a count does not depend on the machine's speed or load.
"""

from typing import Any

from autograder.grade.bank import CheckFailed, check
from autograder.grade.judge import DEVICE, array, expect_layout
from autograder.tolerances import loops_over_outputs
from oracles import NO_CONV

NAME = "{fn} is vectorised: its work does not grow with the number of output positions"


def _size(shape) -> str:
    return "x".join(str(n) for n in shape)


def expect_flat(fn: str, counts: list[tuple[int, Any]], grows: str = "output positions"
                ) -> None:
    """``counts``: (operators, size) at a small and a large size. The size is the output shape
    when the output grows, else a text naming the call's shapes (``grows="channels"``)."""
    (small, small_size), (large, large_size) = counts
    if not isinstance(small, int) or not isinstance(large, int):
        raise CheckFailed(f"{fn}: the grader could not count the operators your code ran")
    if loops_over_outputs(small, large):
        if grows == "output positions":
            sizes = f"a {_size(small_size)} output and {large} for {_size(large_size)}"
            each = "output position"
        else:
            sizes, each = f"{small_size} and {large} for {large_size}", "channel"
        raise CheckFailed(
            f"{fn} ran {small} operations for {sizes}: its work grows with the number of "
            f"{grows}, so it loops over them; loop over the kernel offsets only and let each "
            f"operation handle every {each} at once")


def _counted(obs: dict, key: str, results: dict, what: str) -> int:
    """The count, once the call has produced results of the right shapes (a call that returns
    a constant or an object does no work to count: it earns nothing here)."""
    for name, shape in results.items():
        expect_layout(obs.get(name), shape, None, DEVICE.get(), f"{what}: {name}")
    return obs.get(key)


def _count_call(student, name: str, args: list, out_shape: tuple[int, ...],
                kwargs: dict | None = None) -> int:
    obs = student.probe("call", name=name, args=args, kwargs=kwargs or {}, rules=NO_CONV,
                        count=True)
    return _counted(obs, "ops", {"value": out_shape}, name)


@check("corr2d.vectorised", "cross_correlation", NAME.format(fn="corr2d"), weight=2)
def corr2d_vectorised(student) -> None:
    K = array(801, 3, 2)
    counts = []
    for h, w in ((6, 7), (11, 13)):
        X, out = array(802, h, w), (h + 2 - 3 + 1, w + 2 - 2 + 1)
        counts.append((_count_call(student, "corr2d", [X, K], out, {"padding": 1}), out))
    expect_flat("corr2d", counts)


@check("im2col.vectorised", "conv_as_matmul", NAME.format(fn="im2col"))
def im2col_vectorised(student) -> None:
    counts = []
    for h, w in ((6, 5), (11, 9)):
        X = array(803, h, w)
        counts.append((_count_call(student, "im2col", [X, [2, 3]], ((h - 1) * (w - 2), 6)),
                       (h - 1, w - 2)))
    expect_flat("im2col", counts)


@check("kernel_matrix.vectorised", "conv_as_matmul", NAME.format(fn="kernel_matrix"))
def kernel_matrix_vectorised(student) -> None:
    K = array(804, 2, 2)
    counts = []
    for h, w in ((5, 6), (9, 11)):
        counts.append((_count_call(student, "kernel_matrix", [K, [h, w]],
                                   ((h - 1) * (w - 1), h * w)), (h - 1, w - 1)))
    expect_flat("kernel_matrix", counts)


# Case -> the function, what grows, and the (X, K, output) shapes for n: n is T (12, then 48)
# with the channels fixed, or the number of input channels c (2, then 8; multi_in_out also has
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


@check("corr1d.vectorised", "audio_conv1d",
       "{fn} is vectorised: its work does not grow with the number of {grows}",
       cases=CORR1D_SIZES)
def corr1d_vectorised(student, fn, grows, shapes) -> None:
    counts = []
    for n in ((12, 48) if grows == "output positions" else (2, 8)):
        x_shape, k_shape, out = shapes(n)
        args = [array(805, *x_shape), array(806, *k_shape)]
        ops = _count_call(student, fn, args, out)
        counts.append((ops, out[-1:]) if grows == "output positions" else
                      (ops, f"X {_size(x_shape)} and K {_size(k_shape)}"))
    expect_flat(fn, counts, grows)


@check("backward.vectorised", "conv2d_backward",
       NAME.format(fn="Corr2dFunction.backward"), weight=2)
def backward_vectorised(student) -> None:
    K = array(807, 2, 3)
    counts = []
    for h, w in ((5, 6), (9, 12)):
        X, dY = array(808, h, w), array(809, h - 1, w - 2)
        obs = student.probe("corr2d_function", X=X, K=K, dY=dY)
        counts.append((_counted(obs, "backward_ops", {"dX": (h, w), "dK": (2, 3)},
                                "Corr2dFunction.backward"), (h - 1, w - 2)))
    expect_flat("Corr2dFunction.backward", counts)
