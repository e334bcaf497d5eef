"""What each graded name promises to accept: the preconditions its stub's docstring states
(``assignments/convolutions/*.py``), as one table of small checks.

A check is fair only if every call it makes reaches the student's code inside that contract: a
correct implementation may rely on each clause (K has X's dtype, the kernel fits in the padded
input, a layer's input has its parameters' dtype), so a probe outside it can fail correct code,
as ``Conv2D(3)`` (float32 parameters) fed a float64 ``X`` once failed a matmul-based backward.

``problems(name, *args, **kwargs)`` lists the clauses a call breaks. The table is written from
the docstrings, clause by clause (each function quotes what it enforces), never from the checks;
``tests/unit/grade/test_contracts.py`` runs the whole bank against the reference with every name
here wrapped, and fails on any call outside its contract. It lives beside the probes and checks
it constrains (grader side; nothing in it is secret, nothing in it is shipped to students).

Only metadata is read here (types, shapes, dtypes, devices): no tensor operation runs, so the
wrapped calls run under the rules and operator counts as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

Problems = list[str]


# ----------------------------------------------------------------------------------- clauses

def _tensor(t: Any, name: str, dims: int, floating: bool = True) -> Problems:
    """``name`` is a plain tensor with ``dims`` dimensions, of a floating dtype if asked."""
    if not isinstance(t, torch.Tensor):
        return [f"{name} is {type(t).__name__}, not a tensor"]
    out = [] if t.dim() == dims else [f"{name} is {t.dim()}-D, not {dims}-D"]
    if floating and not t.is_floating_point():
        out.append(f"{name} has dtype {t.dtype}, not a floating one")
    return out


def _like(t: Any, ref: Any, name: str, ref_name: str) -> Problems:
    """``name`` has ``ref_name``'s dtype and device."""
    if not isinstance(t, torch.Tensor) or not isinstance(ref, torch.Tensor):
        return []
    out = [] if t.dtype == ref.dtype else [f"{name} is {t.dtype} but {ref_name} is {ref.dtype}"]
    if t.device.type != ref.device.type:
        out.append(f"{name} is on {t.device} but {ref_name} is on {ref.device}")
    return out


def _pair(value: Any, name: str, minimum: int) -> tuple[Problems, tuple[int, int] | None]:
    """An int or a pair of ints (the given ``as_pair`` accepts a tuple, a list or a Size), each
    ``>= minimum``; the pair, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        pair = (value, value)
    elif (isinstance(value, (tuple, list, torch.Size)) and len(value) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        pair = (int(value[0]), int(value[1]))
    else:
        return [f"{name} = {value!r} is not an int or a pair of ints"], None
    if min(pair) < minimum:
        return [f"{name} = {value!r} is below {minimum}"], None
    return [], pair


def _int(value: Any, name: str, minimum: int) -> Problems:
    if not isinstance(value, int) or isinstance(value, bool):
        return [f"{name} = {value!r} is not an int"]
    return [] if value >= minimum else [f"{name} = {value} is below {minimum}"]


def _fits(kernel: Any, shape: Any, padding: tuple[int, int] | None, what: str) -> Problems:
    """The kernel is no larger than the (padded) input: the output is not empty."""
    if kernel is None or shape is None or padding is None or len(shape) != 2 \
            or len(kernel) != 2:
        return []
    padded = (shape[0] + 2 * padding[0], shape[1] + 2 * padding[1])
    if kernel[0] > padded[0] or kernel[1] > padded[1]:
        return [f"the {tuple(kernel)} kernel is larger than the {padded} padded {what}"]
    return []


def _shape(t: Any) -> tuple[int, ...] | None:
    return tuple(t.shape) if isinstance(t, torch.Tensor) else None


def _dtype_arg(dtype: Any) -> Problems:
    """``dtype``: None (torch's default) or a floating dtype."""
    if dtype is None or (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        return []
    return [f"dtype = {dtype!r} is not None or a floating dtype"]


def _parameter(module: Any) -> torch.Tensor | None:
    return next((p for p in module.parameters()), None) if isinstance(module, nn.Module) \
        else None


# ------------------------------------------------------------------------- the contracts

def corr2d(X: Any, K: Any, padding: Any = 0, stride: Any = 1) -> Problems:
    """cross_correlation.corr2d: "X: input, shape (h, w), any floating dtype, any device. K:
    kernel, shape (kh, kw), same dtype and device as X. padding: p or (p_h, p_w) >= 0. stride:
    s or (s_h, s_w) >= 1." The output shape formula needs the kernel to fit in the padded
    input (the given ``output_size`` raises otherwise)."""
    pad_problems, pad = _pair(padding, "padding", 0)
    stride_problems, _ = _pair(stride, "stride", 1)
    return [*_tensor(X, "X", 2), *_tensor(K, "K", 2), *_like(K, X, "K", "X"), *pad_problems,
            *stride_problems, *_fits(_shape(K), _shape(X), pad, "input")]


def im2col(X: Any, kernel_size: Any, padding: Any = 0, stride: Any = 1) -> Problems:
    """conv_as_matmul.im2col: "X: input, shape (h, w). kernel_size: k or (kh, kw). padding: p
    or (p_h, p_w). stride: s or (s_h, s_w)." (floating: ``check_matrix``; sizes as corr2d's)."""
    kernel_problems, kernel = _pair(kernel_size, "kernel_size", 1)
    pad_problems, pad = _pair(padding, "padding", 0)
    stride_problems, _ = _pair(stride, "stride", 1)
    return [*_tensor(X, "X", 2), *kernel_problems, *pad_problems, *stride_problems,
            *_fits(kernel, _shape(X), pad, "input")]


def corr2d_matmul(X: Any, K: Any, padding: Any = 0, stride: Any = 1) -> Problems:
    """conv_as_matmul.corr2d_matmul: "X: input, shape (h, w). K: kernel, shape (kh, kw).
    padding, stride: as in corr2d" (and so K like X, as corr2d's contract says)."""
    return corr2d(X, K, padding, stride)


def kernel_matrix(K: Any, input_shape: Any) -> Problems:
    """conv_as_matmul.kernel_matrix: "K: kernel, shape (kh, kw). input_shape: (h, w)", with
    out_h = h - kh + 1 and out_w = w - kw + 1 (so the kernel fits in the input)."""
    shape_problems, shape = _pair(input_shape, "input_shape", 1)
    return [*_tensor(K, "K", 2), *shape_problems, *_fits(_shape(K), shape, (0, 0), "input")]


def corr2d_function_forward(X: Any, K: Any) -> Problems:
    """conv2d_backward.Corr2dFunction: "Y = corr2d(X, K) (no padding, stride 1). Shapes: X
    (h, w), K (kh, kw)" (and corr2d's contract: K has X's dtype and device)."""
    return corr2d(X, K)


def corr2d_function_backward(dY: Any, X: Any, K: Any) -> Problems:
    """Corr2dFunction.backward: "Given dL/dY (out_h, out_w)": dY has Y's shape (and, as Y,
    X's dtype and device)."""
    problems = _tensor(dY, "dY", 2) + _like(dY, X, "dY", "X")
    x, k = _shape(X), _shape(K)
    if x and k and _shape(dY) and _shape(dY) != (x[0] - k[0] + 1, x[1] - k[1] + 1):
        problems.append(f"dY has shape {_shape(dY)}, not Y's {(x[0] - k[0] + 1, x[1] - k[1] + 1)}")
    return problems


def conv2d_init(kernel_size: Any) -> Problems:
    """conv2d_backward.Conv2D: "an int kernel_size k means (k, k)"."""
    return _pair(kernel_size, "kernel_size", 1)[0]


def conv2d_forward(layer: Any, X: Any) -> Problems:
    """Conv2D.forward: "X (h, w) -> Y (h - kh + 1, w - kw + 1)", through Corr2dFunction with
    K = the weight, so X has the weight's dtype and device (Corr2dFunction: K has X's dtype; the
    weight is made like d2l's, ``torch.rand``: torch's default dtype, unless the layer was
    converted with ``.to``)."""
    weight = getattr(layer, "weight", None)
    return [*_tensor(X, "X", 2), *_like(X, weight, "X", "the layer's weight"),
            *_fits(_shape(weight), _shape(X), (0, 0), "input")]


def learn_kernel(X: Any, Y: Any, kernel_size: Any = (1, 2)) -> Problems:
    """conv2d_backward.learn_kernel: "X: input image, shape (h, w), floating. Y: target, shape
    (h - kh + 1, w - kw + 1), same dtype as X. kernel_size: k or (kh, kw)"."""
    kernel_problems, kernel = _pair(kernel_size, "kernel_size", 1)
    problems = [*_tensor(X, "X", 2), *_tensor(Y, "Y", 2), *_like(Y, X, "Y", "X"),
                *kernel_problems, *_fits(kernel, _shape(X), (0, 0), "input")]
    x, y = _shape(X), _shape(Y)
    if kernel and x and y and y != (x[0] - kernel[0] + 1, x[1] - kernel[1] + 1):
        problems.append(f"Y has shape {y}, not (h - kh + 1, w - kw + 1) for X {x}")
    return problems


def linear_to_conv1x1(linear: Any) -> Problems:
    """conv1x1_fc.linear_to_conv1x1: "linear: nn.Linear(c_in, c_out)"."""
    return [] if isinstance(linear, nn.Linear) else [f"{type(linear).__name__}, not nn.Linear"]


def conv1x1_to_linear(conv: Any) -> Problems:
    """conv1x1_fc.conv1x1_to_linear: "conv: nn.Conv2d(c_in, c_out, kernel_size=1) with stride
    1, no padding, dilation 1 and groups 1"."""
    if not isinstance(conv, nn.Conv2d):
        return [f"{type(conv).__name__}, not nn.Conv2d"]
    plain = (tuple(conv.kernel_size) == (1, 1) and tuple(conv.stride) == (1, 1)
             and conv.padding in ((0, 0), "valid") and tuple(conv.dilation) == (1, 1)
             and conv.groups == 1)
    return [] if plain else ["the conv is not a plain 1x1 convolution"]


def finite_difference_kernel(order: Any, *, dtype: Any = None, device: Any = None) -> Problems:
    """derivative_kernels.finite_difference_kernel: "order: derivative order d >= 0. dtype,
    device: of the result (torch's defaults if None)" (a floating dtype: ``_float_dtype``)."""
    return [*_int(order, "order", 0), *_dtype_arg(dtype)]


def second_derivative_kernel(*, dtype: Any = None, device: Any = None) -> Problems:
    """derivative_kernels.second_derivative_kernel: dtype and device as above."""
    return _dtype_arg(dtype)


def integral_kernel(width: Any, *, dtype: Any = None, device: Any = None) -> Problems:
    """derivative_kernels.integral_kernel: "shape (1, width)" (``_check_int(width, ..., 1)``)."""
    return [*_int(width, "width", 1), *_dtype_arg(dtype)]


def min_kernel_size(order: Any) -> Problems:
    """derivative_kernels.min_kernel_size: an order >= 0 ("Raises ValueError for a negative
    order": a negative order is outside what the checks may ask of a right answer)."""
    return _int(order, "order", 0)


def corr1d(x: Any, k: Any) -> Problems:
    """audio_conv1d.corr1d: "x: signal, shape (T,), floating, any device. k: kernel, shape (kw,)
    with kw <= T" (with x's dtype and device: the output has them)."""
    problems = [*_tensor(x, "x", 1), *_tensor(k, "k", 1), *_like(k, x, "k", "x")]
    if _shape(x) and _shape(k) and k.shape[0] > x.shape[0]:
        problems.append(f"kernel width {k.shape[0]} exceeds the signal length {x.shape[0]}")
    return problems


def corr1d_multi_in(X: Any, K: Any) -> Problems:
    """audio_conv1d.corr1d_multi_in: "X: signal, shape (c_in, T). K: kernel, shape (c_in, kw)"
    (kw <= T, as corr1d's)."""
    problems = [*_tensor(X, "X", 2), *_tensor(K, "K", 2), *_like(K, X, "K", "X")]
    x, k = _shape(X), _shape(K)
    if x and k and len(x) == 2 and len(k) == 2:
        if k[0] != x[0]:
            problems.append(f"K has {k[0]} channels but X has {x[0]}")
        if k[1] > x[1]:
            problems.append(f"kernel width {k[1]} exceeds the signal length {x[1]}")
    return problems


def corr1d_multi_in_out(X: Any, K: Any) -> Problems:
    """audio_conv1d.corr1d_multi_in_out: "X: signal, shape (c_in, T). K: kernels, shape (c_out,
    c_in, kw)" (kw <= T)."""
    problems = [*_tensor(X, "X", 2), *_tensor(K, "K", 3), *_like(K, X, "K", "X")]
    x, k = _shape(X), _shape(K)
    if x and k and len(x) == 2 and len(k) == 3:
        if k[1] != x[0]:
            problems.append(f"K expects {k[1]} channels but X has {x[0]}")
        if k[2] > x[1]:
            problems.append(f"kernel width {k[2]} exceeds the signal length {x[1]}")
    return problems


def audio_net_forward(model: Any, X: Any) -> Problems:
    """audio_conv1d.AudioConvNet: "Input X (B, n_mfcc, T) float with any T >= 16", in the
    model's dtype and on its device (torch.nn's contract for a module's input)."""
    problems = [*_tensor(X, "X", 3), *_like(X, _parameter(model), "X", "the model")]
    if _shape(X) and len(X.shape) == 3:
        if X.shape[1] != getattr(model, "n_mfcc", X.shape[1]):
            problems.append(f"X has {X.shape[1]} MFCC channels, the model {model.n_mfcc}")
        if X.shape[2] < 16:
            problems.append(f"T = {X.shape[2]} frames, below 16")
    return problems


def textcnn_forward(model: Any, tokens: Any) -> Problems:
    """text_conv.TextCNN: "Input tokens (B, L) int64, any L >= 1", ids below vocab_size (the
    ids are not read here: reading values would run operators), on the model's device."""
    problems = _tensor(tokens, "tokens", 2, floating=False)
    if isinstance(tokens, torch.Tensor):
        if tokens.dtype != torch.int64:
            problems.append(f"tokens are {tokens.dtype}, not int64")
        if tokens.dim() == 2 and tokens.shape[1] < 1:
            problems.append("rows of no tokens")
        weight = _parameter(model)
        if weight is not None and tokens.device.type != weight.device.type:
            problems.append(f"tokens on {tokens.device}, the model on {weight.device}")
    return problems


# name -> its contract. A dotted name is a method: its contract takes the instance first
# (``Corr2dFunction.forward`` without ctx; ``.backward`` gets dY and the forward's X and K).
CONTRACTS: dict[str, Callable[..., Problems]] = {
    "corr2d": corr2d,
    "im2col": im2col,
    "corr2d_matmul": corr2d_matmul,
    "kernel_matrix": kernel_matrix,
    "Corr2dFunction.forward": corr2d_function_forward,
    "Corr2dFunction.backward": corr2d_function_backward,
    "Conv2D": conv2d_init,
    "Conv2D.forward": conv2d_forward,
    "learn_kernel": learn_kernel,
    "linear_to_conv1x1": linear_to_conv1x1,
    "conv1x1_to_linear": conv1x1_to_linear,
    "finite_difference_kernel": finite_difference_kernel,
    "second_derivative_kernel": second_derivative_kernel,
    "integral_kernel": integral_kernel,
    "min_kernel_size": min_kernel_size,
    "corr1d": corr1d,
    "corr1d_multi_in": corr1d_multi_in,
    "corr1d_multi_in_out": corr1d_multi_in_out,
    "AudioConvNet.forward": audio_net_forward,
    "TextCNN.forward": textcnn_forward,
}


def problems(name: str, *args: Any, **kwargs: Any) -> Problems:
    """The clauses of ``name``'s contract that a call with these arguments breaks."""
    try:
        return CONTRACTS[name](*args, **kwargs)
    except TypeError as exc:  # arguments the signature does not take
        return [f"arguments outside the signature ({exc})"]
