"""Honest variants: correct code written in other styles than the reference, which must get full
marks on its part from the hidden checks and pass the part's public tests.

The mutants (``mutants.py``) are buggy code the checks must fail; these are the other half of
the checks' validity: code as it is written elsewhere (d2l, CS231n, "Deep Learning from
Scratch", numpy-ml, popular TextCNN repositories), ported into the student API with the least
glue, within the stated rules. A check that fails one of them judges style, not correctness.

One mechanism: a variant's ``code`` is **appended** to a copy of the reference module ``file``
(as in ``tests/adversarial/corpus.py``). A top-level ``def`` or ``class`` there redefines the
reference's name, so a variant only writes the functions it changes, and it can use everything
the module already imports or defines (``torch``, ``Tensor``, ``nn``, the given helpers
``check_matrix``, ``as_pair``, ``output_size``, ``_check``, ``_float_dtype``, ``_check_int``).
Functions of the module that are not redefined (e.g. ``Conv2D`` calling ``Corr2dFunction``)
find the new definitions, since they look names up in the module at call time. Keep the stub's
given lines (argument checks outside the ``TODO``) as a student would.

``pending``: only for a correct variant that the grader still fails while a fix of the grader is
pending: the hidden check ids and public test names (``test_<module>::<test>``) it fails, and
``pending_why`` the diagnosis. The repository test then requires exactly those to fail, so any
other failure is still caught, and a fix shows up as a test to update (remove the entry).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HonestVariant:
    id: str
    part: str                # the part it must get full marks on
    file: str                # the module it is appended to, ``<part>.py``
    code: str                # appended to the reference module: redefines its functions
    why: str                 # the style, and where code like it comes from
    pending: tuple[str, ...] = ()  # checks / public tests it still fails (grader fix pending)
    pending_why: str = ""          # the diagnosis of those failures

    def write_into(self, package: Path) -> None:
        """Apply the variant to ``package`` (a copy of the reference): append its code."""
        with open(package / self.file, "a") as fh:
            fh.write("\n\n# ---- honest variant " + self.id + " ----\n" + self.code)


def V(id: str, part: str, code: str, why: str, pending: tuple[str, ...] = (),
      pending_why: str = "") -> HonestVariant:
    return HonestVariant(id, part, f"{part}.py", code, why, pending, pending_why)


VARIANTS = [
    # ------------------------------------------------------------------ cross_correlation
    V("corr2d_d2l_offsets_inplace", "cross_correlation", '''
import torch


def corr2d(X, K, padding=0, stride=1):
    """d2l's corr2d turned inside out: the loop runs over the kernel, not over Y."""
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    h, w = X.shape
    kh, kw = K.shape
    Xp = torch.zeros((h + 2 * p_h, w + 2 * p_w), dtype=X.dtype, device=X.device)
    Xp[p_h:p_h + h, p_w:p_w + w] = X
    out_h = (h + 2 * p_h - kh) // s_h + 1
    out_w = (w + 2 * p_w - kw) // s_w + 1
    Y = torch.zeros((out_h, out_w), dtype=X.dtype, device=X.device)
    for i in range(kh):
        for j in range(kw):
            Y += K[i, j] * Xp[i:i + s_h * out_h:s_h, j:j + s_w * out_w:s_w]
    return Y
''', "d2l 6.2's corr2d with the loops over kernel offsets, torch.zeros with dtype= and "
       "device=, in-place += on a fresh Y"),
    V("corr2d_stack_einsum", "cross_correlation", '''
import torch
import torch.nn.functional as F


def corr2d(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    kh, kw = K.shape
    Xp = F.pad(X, (p_w, p_w, p_h, p_h))
    out_h = (Xp.shape[0] - kh) // s_h + 1
    out_w = (Xp.shape[1] - kw) // s_w + 1
    shifted = torch.stack([
        Xp[a:a + s_h * (out_h - 1) + 1:s_h, b:b + s_w * (out_w - 1) + 1:s_w]
        for a in range(kh) for b in range(kw)
    ])  # (kh * kw, out_h, out_w)
    return torch.einsum("k,kij->ij", K.reshape(-1), shifted)
''', "F.pad, one shifted strided slice per kernel offset stacked, einsum with the kernel"),
    V("corr2d_cat_padding_tensordot", "cross_correlation", '''
import torch


def corr2d(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    (h, w), (kh, kw) = X.shape, K.shape
    rows = X.new_zeros((p_h, w))
    Xp = torch.cat([rows, X, rows], dim=0)
    cols = X.new_zeros((h + 2 * p_h, p_w))
    Xp = torch.cat([cols, Xp, cols], dim=1)
    out_h = output_size(h, kh, p_h, s_h, "height")
    out_w = output_size(w, kw, p_w, s_w, "width")
    windows = torch.stack(
        [Xp[a::s_h][:out_h, b::s_w][:, :out_w] for a in range(kh) for b in range(kw)], dim=-1
    ).reshape(out_h, out_w, kh, kw)
    return torch.tensordot(windows, K, dims=([2, 3], [0, 1]))
''', "padding by torch.cat of zero blocks, windows stacked on the last axis and reshaped to "
       "(out_h, out_w, kh, kw), torch.tensordot with K (numpy-ml's style)"),
    V("corr2d_float64_accumulate", "cross_correlation", '''
import torch
import torch.nn.functional as F


def corr2d(X, K, padding=0, stride=1):
    """Accumulates in float64 (no rounding build-up), returns X's dtype."""
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    kh, kw = K.shape
    Xp = F.pad(X.to(torch.float64), (p_w, p_w, p_h, p_h))
    K64 = K.to(torch.float64)
    out_h = (Xp.shape[0] - kh) // s_h + 1
    out_w = (Xp.shape[1] - kw) // s_w + 1
    acc = torch.zeros(out_h, out_w, dtype=torch.float64, device=X.device)
    for a in range(kh):
        for b in range(kw):
            acc = acc + K64[a, b] * Xp[a:a + s_h * (out_h - 1) + 1:s_h,
                                       b:b + s_w * (out_w - 1) + 1:s_w]
    return acc.to(X.dtype)
''', "float64 accumulation, cast back to the input's dtype (bfloat16 and float16 kept)"),
    V("corr2d_index_gather_matmul", "cross_correlation", '''
import torch
import torch.nn.functional as F


def corr2d(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    kh, kw = K.shape
    Xp = F.pad(X, (p_w, p_w, p_h, p_h))
    out_h = (Xp.shape[0] - kh) // s_h + 1
    out_w = (Xp.shape[1] - kw) // s_w + 1
    dev = X.device
    rows = (torch.arange(out_h, device=dev) * s_h)[:, None] + torch.arange(kh, device=dev)
    cols = (torch.arange(out_w, device=dev) * s_w)[:, None] + torch.arange(kw, device=dev)
    patches = Xp[rows[:, None, :, None], cols[None, :, None, :]]  # (out_h, out_w, kh, kw)
    return (patches.reshape(out_h * out_w, kh * kw) @ K.reshape(kh * kw)).reshape(out_h, out_w)
''', "im2col by index gather (torch.arange broadcasting, advanced indexing), then a "
       "matrix-vector product"),
    V("corr2d_leftover_print", "cross_correlation", '''
import torch


def corr2d(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    (h, w), (kh, kw) = X.shape, K.shape
    out_h = output_size(h, kh, p_h, s_h, "height")
    out_w = output_size(w, kw, p_w, s_w, "width")
    Xp = torch.zeros(h + 2 * p_h, w + 2 * p_w, dtype=X.dtype, device=X.device)
    Xp[p_h:p_h + h, p_w:p_w + w] = X
    print("corr2d: X", X.shape, "K", K.shape, "->", (out_h, out_w))  # left from debugging
    Y = 0
    for a in range(kh):
        for b in range(kw):
            Y = Y + K[a, b] * Xp[a:a + s_h * (out_h - 1) + 1:s_h, b:b + s_w * (out_w - 1) + 1:s_w]
    print(Y)
    return Y
''', "debugging prints left in (shapes, and the output tensor itself), Y starting from the "
       "int 0"),
    # ------------------------------------------------------------------ conv2d_backward
    V("backward_full_conv_flipped_kernel", "conv2d_backward", '''
import torch.nn.functional as F


class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.save_for_backward(X, K)
        return corr2d(X, K)

    @staticmethod
    def backward(ctx, dY):
        X, K = ctx.saved_tensors
        kh, kw = K.shape
        dX = dK = None
        if ctx.needs_input_grad[0]:
            # the "full" convolution: dY padded by the kernel size minus one, correlated with
            # the kernel rotated by 180 degrees
            dX = corr2d(F.pad(dY, (kw - 1, kw - 1, kh - 1, kh - 1)), K.flip(0, 1))
        if ctx.needs_input_grad[1]:
            dK = corr2d(X, dY)
        return dX, dK
''', "the textbook formulas: dK = corr2d(X, dY), dX = corr2d(pad(dY), K.flip(0, 1)); no "
       "@once_differentiable (d2l never uses it)"),
    V("backward_im2col_index_add", "conv2d_backward", '''
def _window_index(h, w, kh, kw, device):
    """Flat indices into X.reshape(-1) of every window, (out_h * out_w, kh * kw)."""
    out_h, out_w = h - kh + 1, w - kw + 1
    r = (torch.arange(out_h, device=device)[:, None, None, None]
         + torch.arange(kh, device=device)[None, None, :, None])
    c = (torch.arange(out_w, device=device)[None, :, None, None]
         + torch.arange(kw, device=device)[None, None, None, :])
    return (r * w + c).reshape(out_h * out_w, kh * kw)


class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.X, ctx.K = X, K  # kept on ctx, as many tutorials do
        return corr2d(X, K)

    @staticmethod
    @once_differentiable
    def backward(ctx, dY):
        X, K = ctx.X, ctx.K
        (h, w), (kh, kw) = X.shape, K.shape
        idx = _window_index(h, w, kh, kw, X.device)
        dy = dY.reshape(-1)
        dX = dK = None
        if ctx.needs_input_grad[1]:
            cols = X.reshape(-1)[idx]  # im2col
            dK = (cols.T @ dy).reshape(kh, kw)
        if ctx.needs_input_grad[0]:
            dcols = torch.outer(dy, K.reshape(-1))  # gradient of every window
            dX = X.new_zeros(h * w).index_add_(0, idx.reshape(-1), dcols.reshape(-1))
            dX = dX.reshape(h, w)  # col2im: overlapping windows add up
        return dX, dK
''', "CS231n's im2col backward: dK = cols^T dY, dX by scattering dY outer K back with "
       "index_add_ (col2im, np.add.at); the inputs kept as ctx attributes"),
    V("conv2d_d2l_rand_matmul_backward", "conv2d_backward", '''
class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.save_for_backward(X, K)
        return corr2d(X, K)

    @staticmethod
    @once_differentiable
    def backward(ctx, dY):
        X, K = ctx.saved_tensors
        kh, kw = K.shape
        oh, ow = dY.shape
        dX = dK = None
        if ctx.needs_input_grad[1]:
            windows = torch.stack([X[a:a + oh, b:b + ow].reshape(-1)
                                   for a in range(kh) for b in range(kw)])  # (kh * kw, oh * ow)
            dK = torch.matmul(windows, dY.reshape(-1)).reshape(kh, kw)
        if ctx.needs_input_grad[0]:
            contrib = torch.matmul(K.reshape(-1, 1), dY.reshape(1, -1)).reshape(kh * kw, oh, ow)
            dX = torch.zeros_like(X)
            for a in range(kh):
                for b in range(kw):
                    dX[a:a + oh, b:b + ow] += contrib[a * kw + b]
        return dX, dK


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        kernel_size = as_pair(kernel_size, "kernel_size", 1)
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return Corr2dFunction.apply(x, self.weight) + self.bias
''', "d2l's Conv2D verbatim (torch.rand in float32) and a backward written with torch.matmul"),
    V("learn_kernel_sgd_mse", "conv2d_backward", '''
def learn_kernel(X, Y, kernel_size=(1, 2)):
    check_matrix(X, "X")
    check_matrix(Y, "Y")
    conv2d = Conv2D(kernel_size).to(X)
    kh, kw = conv2d.weight.shape
    optimizer = torch.optim.SGD(conv2d.parameters(), lr=0.8 / (kh * kw + 1))
    loss_fn = nn.MSELoss()
    for _ in range(5000):
        optimizer.zero_grad()
        loss = loss_fn(conv2d(X), Y)
        loss.backward()
        optimizer.step()
        if loss.item() < 1e-12:
            break
    return conv2d
''', "learn_kernel with torch.optim.SGD and nn.MSELoss instead of a manual update; the layer "
       "moved with .to(X)"),
    V("learn_kernel_permute_reshape_im2col", "conv2d_backward", '''
def _im2col(X, kh, kw):
    """(out_h * out_w, kh * kw): the kh * kw shifted views, stacked, permuted and reshaped."""
    out_h, out_w = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    shifted = torch.stack([X[a:a + out_h, b:b + out_w] for a in range(kh) for b in range(kw)])
    return shifted.permute(1, 2, 0).reshape(out_h * out_w, kh * kw)


class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        kh, kw = K.shape
        ctx.save_for_backward(X, K)
        Y = _im2col(X, kh, kw) @ K.flatten()
        return Y.view(X.shape[0] - kh + 1, X.shape[1] - kw + 1)

    @staticmethod
    @once_differentiable
    def backward(ctx, dY):
        X, K = ctx.saved_tensors
        kh, kw = K.shape
        out_h, out_w = dY.shape
        dX = dK = None
        if ctx.needs_input_grad[1]:
            dK = (_im2col(X, kh, kw).T @ dY.flatten()).reshape(kh, kw)
        if ctx.needs_input_grad[0]:
            dX = torch.zeros_like(X)
            for a in range(kh):
                for b in range(kw):
                    dX[a:a + out_h, b:b + out_w] += K[a, b] * dY
        return dX, dK
''', "forward and dK through an im2col that ends in permute(...).reshape(...), trained by the "
       "reference's learn_kernel (the case the guard refused with _reshape_alias)"),
    V("backward_einsum_pad_sum", "conv2d_backward", '''
import torch.nn.functional as F


class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.save_for_backward(X, K)
        return corr2d(X, K)

    @staticmethod
    def backward(ctx, grad_output):
        X, K = ctx.saved_tensors
        (h, w), (kh, kw) = X.shape, K.shape
        oh, ow = grad_output.shape
        grad_X = grad_K = None
        with torch.no_grad():
            if ctx.needs_input_grad[1]:
                windows = torch.stack([X[a:a + oh, b:b + ow]
                                       for a in range(kh) for b in range(kw)])
                grad_K = torch.einsum("kij,ij->k", windows, grad_output).reshape(kh, kw)
            if ctx.needs_input_grad[0]:
                grad_X = sum(F.pad(K[a, b] * grad_output, (b, w - ow - b, a, h - oh - a))
                             for a in range(kh) for b in range(kw))
        return grad_X, grad_K
''', "dK by einsum over stacked windows, dX as a Python sum of F.pad-ded shifted copies, "
       "inside torch.no_grad(), no @once_differentiable"),
    V("learn_kernel_lbfgs", "conv2d_backward", '''
def learn_kernel(X, Y, kernel_size=(1, 2)):
    check_matrix(X, "X")
    check_matrix(Y, "Y")
    net = Conv2D(kernel_size).to(device=X.device, dtype=X.dtype)
    opt = torch.optim.LBFGS(net.parameters(), lr=1, max_iter=100, tolerance_grad=1e-12,
                            tolerance_change=1e-15, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((net(X) - Y) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    return net
''', "least squares the scipy way: torch.optim.LBFGS with a closure and a strong-Wolfe line "
       "search"),
    V("conv2d_via_conv_as_matmul", "conv2d_backward", '''
from .conv_as_matmul import im2col, kernel_matrix


class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.save_for_backward(X, K)
        kh, kw = K.shape
        Y = im2col(X, (kh, kw)) @ K.reshape(-1)
        return Y.reshape(X.shape[0] - kh + 1, X.shape[1] - kw + 1)

    @staticmethod
    @once_differentiable
    def backward(ctx, dY):
        X, K = ctx.saved_tensors
        kh, kw = K.shape
        dX = dK = None
        if ctx.needs_input_grad[1]:
            dK = (im2col(X, (kh, kw)).T @ dY.reshape(-1)).reshape(kh, kw)
        if ctx.needs_input_grad[0]:
            # conv_as_matmul's docstring: M.T maps dY.reshape(-1) to the gradient for X
            dX = (kernel_matrix(K, tuple(X.shape)).T @ dY.reshape(-1)).reshape(X.shape)
        return dX, dK
''', "forward and backward through the part conv_as_matmul's (correct) im2col and "
       "kernel_matrix: dX = M.T @ vec(dY), as that module's docstring says"),
    # ------------------------------------------------------------------ conv_as_matmul
    V("im2col_permute_reshape", "conv_as_matmul", '''
import torch.nn.functional as F


def im2col(X, kernel_size, padding=0, stride=1):
    check_matrix(X, "X")
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    Xp = F.pad(X, (p_w, p_w, p_h, p_h))
    out_h = (Xp.shape[0] - kh) // s_h + 1
    out_w = (Xp.shape[1] - kw) // s_w + 1
    shifted = torch.stack([
        Xp[a:a + s_h * (out_h - 1) + 1:s_h, b:b + s_w * (out_w - 1) + 1:s_w]
        for a in range(kh) for b in range(kw)
    ])  # (kh * kw, out_h, out_w)
    return shifted.permute(1, 2, 0).reshape(out_h * out_w, kh * kw)


def corr2d_matmul(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    (h, w), (kh, kw) = X.shape, K.shape
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    out_h = (h + 2 * p_h - kh) // s_h + 1
    out_w = (w + 2 * p_w - kw) // s_w + 1
    return (im2col(X, (kh, kw), padding, stride) @ K.flatten()).view(out_h, out_w)
''', "im2col as stacked shifted slices, permute(1, 2, 0).reshape(...); the product viewed "
       "back with .view"),
    V("im2col_index_tensor_einsum", "conv_as_matmul", '''
def im2col(X, kernel_size, padding=0, stride=1):
    check_matrix(X, "X")
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    h, w = X.shape
    out_h = output_size(h, kh, p_h, s_h, "height")
    out_w = output_size(w, kw, p_w, s_w, "width")
    Xp = X.new_zeros((h + 2 * p_h, w + 2 * p_w))
    Xp[p_h:p_h + h, p_w:p_w + w] = X
    d = X.device
    i = (torch.arange(out_h, device=d)[:, None, None, None] * s_h
         + torch.arange(kh, device=d)[None, None, :, None])
    j = (torch.arange(out_w, device=d)[None, :, None, None] * s_w
         + torch.arange(kw, device=d)[None, None, None, :])
    return Xp[i, j].reshape(out_h * out_w, kh * kw)


def corr2d_matmul(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    cols = im2col(X, K.shape, padding, stride)
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    out_h = (X.shape[0] + 2 * p_h - K.shape[0]) // s_h + 1
    return torch.einsum("pk,k->p", cols, K.reshape(-1)).reshape(out_h, -1)
''', "im2col by advanced indexing with broadcast index tensors; corr2d_matmul with einsum"),
    V("im2col_cs231n_repeat_indices", "conv_as_matmul", '''
def im2col(X, kernel_size, padding=0, stride=1):
    """CS231n's get_im2col_indices (np.repeat / np.tile) in torch, one channel."""
    check_matrix(X, "X")
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    h, w = X.shape
    out_h = (h + 2 * p_h - kh) // s_h + 1
    out_w = (w + 2 * p_w - kw) // s_w + 1
    x_padded = torch.nn.functional.pad(X, (p_w, p_w, p_h, p_h), mode="constant")
    d = X.device
    i0 = torch.arange(kh, device=d).repeat_interleave(kw)
    i1 = s_h * torch.arange(out_h, device=d).repeat_interleave(out_w)
    j0 = torch.arange(kw, device=d).repeat(kh)
    j1 = s_w * torch.arange(out_w, device=d).repeat(out_h)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    cols = x_padded[i, j]  # (kh * kw, out_h * out_w), CS231n's layout
    return cols.T
''', "CS231n's get_im2col_indices ported (repeat_interleave for np.repeat, .repeat for "
       "np.tile), returned as a transposed view"),
    V("kernel_matrix_scatter", "conv_as_matmul", '''
def kernel_matrix(K, input_shape):
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    kh, kw = K.shape
    out_h, out_w = h - kh + 1, w - kw + 1
    M = torch.zeros(out_h * out_w, h * w, dtype=K.dtype, device=K.device)
    d = K.device
    top_left = (torch.arange(out_h, device=d)[:, None] * w
                + torch.arange(out_w, device=d)).reshape(-1, 1)  # (out_h * out_w, 1)
    for a in range(kh):
        for b in range(kw):
            M.scatter_(1, top_left + (a * w + b), K[a, b].expand(out_h * out_w, 1))
    return M
''', "kernel_matrix with scatter_ along the rows, one call per kernel offset"),
    V("kernel_matrix_index_put", "conv_as_matmul", '''
def kernel_matrix(K, input_shape):
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    kh, kw = K.shape
    out_h, out_w = h - kh + 1, w - kw + 1
    rows = torch.arange(out_h * out_w, device=K.device)
    oi, oj = rows // out_w, rows % out_w
    M = K.new_zeros(out_h * out_w, h * w)
    for a in range(kh):
        for b in range(kw):
            M.index_put_((rows, (oi + a) * w + (oj + b)), K[a, b].expand(out_h * out_w),
                         accumulate=True)
    return M
''', "kernel_matrix with index_put_(accumulate=True), output positions from // and %"),
    V("kernel_matrix_basis_images", "conv_as_matmul", '''
def _corr2d_batch(Xs, K):
    """corr2d of every image of Xs (n, h, w) at once: one slice per kernel offset."""
    kh, kw = K.shape
    out_h, out_w = Xs.shape[1] - kh + 1, Xs.shape[2] - kw + 1
    Y = Xs.new_zeros((Xs.shape[0], out_h, out_w))
    for a in range(kh):
        for b in range(kw):
            Y = Y + K[a, b] * Xs[:, a:a + out_h, b:b + out_w]
    return Y


def kernel_matrix(K, input_shape):
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    # column c of M is corr2d(e_c, K), e_c the c-th basis image: all of them in one call
    basis = torch.eye(h * w, dtype=K.dtype, device=K.device).reshape(h * w, h, w)
    return _corr2d_batch(basis, K).reshape(h * w, -1).T
''', "the matrix of a linear map from its images of the basis: corr2d of every basis image "
       "in one batched call, transposed"),
    V("kernel_matrix_doubly_block_toeplitz", "conv_as_matmul", '''
def kernel_matrix(K, input_shape):
    """The doubly block Toeplitz matrix: block (i, i + a) is the Toeplitz matrix of K's row a."""
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    kh, kw = K.shape
    out_h, out_w = h - kh + 1, w - kw + 1
    eye_h = torch.eye(h, dtype=K.dtype, device=K.device)
    eye_w = torch.eye(w, dtype=K.dtype, device=K.device)
    M = K.new_zeros((out_h * out_w, h * w))
    for a in range(kh):
        T = sum(K[a, b] * eye_w[b:b + out_w] for b in range(kw))  # (out_w, w), Toeplitz
        M = M + torch.kron(eye_h[a:a + out_h], T)
    return M
''', "the textbook doubly block Toeplitz construction: one Toeplitz block per kernel row, "
       "placed with torch.kron"),
    # ------------------------------------------------------------------ conv1x1_fc
    V("conv1x1_view_copy_clone", "conv1x1_fc", '''
def linear_to_conv1x1(linear):
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"expected nn.Linear, got {type(linear).__name__}")
    o, i = linear.weight.shape
    conv = nn.Conv2d(i, o, kernel_size=1, bias=linear.bias is not None).to(linear.weight)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.view(o, i, 1, 1))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv


def conv1x1_to_linear(conv):
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"expected nn.Conv2d, got {type(conv).__name__}")
    plain = (
        tuple(conv.kernel_size) == (1, 1)
        and tuple(conv.stride) == (1, 1)
        and tuple(conv.dilation) == (1, 1)
        and conv.groups == 1
        and (conv.padding in ("valid", (0, 0)))
    )
    if not plain:
        raise ValueError("only a plain 1x1 convolution is a per-pixel linear layer")
    o, i = conv.out_channels, conv.in_channels
    linear = nn.Linear(i, o, bias=conv.bias is not None)
    linear.weight = nn.Parameter(conv.weight.detach().reshape(o, i).clone())
    if conv.bias is not None:
        linear.bias = nn.Parameter(conv.bias.detach().clone())
    return linear
''', "weight.view(o, i, 1, 1) + copy_ under no_grad into a layer moved with .to(weight); "
       "the reverse by new Parameters from reshape(...).clone()"),
    V("conv1x1_load_state_dict", "conv1x1_fc", '''
def linear_to_conv1x1(linear):
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"expected nn.Linear, got {type(linear).__name__}")
    w = linear.weight
    conv = nn.Conv2d(linear.in_features, linear.out_features, 1,
                     bias=linear.bias is not None, device=w.device, dtype=w.dtype)
    shapes = {name: p.shape for name, p in conv.state_dict().items()}
    conv.load_state_dict({name: t.reshape(shapes[name])
                          for name, t in linear.state_dict().items()})
    return conv


def conv1x1_to_linear(conv):
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"expected nn.Conv2d, got {type(conv).__name__}")
    plain = (
        tuple(conv.kernel_size) == (1, 1)
        and tuple(conv.stride) == (1, 1)
        and tuple(conv.dilation) == (1, 1)
        and conv.groups == 1
        and (conv.padding in ("valid", (0, 0)))
    )
    if not plain:
        raise ValueError("only a plain 1x1 convolution is a per-pixel linear layer")
    w = conv.weight
    linear = nn.Linear(conv.in_channels, conv.out_channels, bias=conv.bias is not None,
                       device=w.device, dtype=w.dtype)
    linear.load_state_dict({name: t.flatten(1) if t.dim() == 4 else t
                            for name, t in conv.state_dict().items()})
    return linear
''', "conversion through state_dict() and load_state_dict (which copies)"),
    V("conv1x1_d2l_data_assign", "conv1x1_fc", '''
def linear_to_conv1x1(linear):
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"expected nn.Linear, got {type(linear).__name__}")
    conv = nn.Conv2d(linear.in_features, linear.out_features, kernel_size=1,
                     bias=linear.bias is not None)
    conv.weight.data = linear.weight.data.clone().unsqueeze(-1).unsqueeze(-1)
    if linear.bias is not None:
        conv.bias.data = linear.bias.data.clone()
    return conv
''', "d2l 6.2.4's idiom: conv.weight.data = ... (a cloned, unsqueezed copy), which takes the "
       "copy's dtype and device"),
    # ------------------------------------------------------------------ derivative_kernels
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
    # ------------------------------------------------------------------ audio_conv1d
    V("audio_einsum_batchnorm_maxpool", "audio_conv1d", '''
def corr1d(x, k):
    _check(x, "x", 1)
    _check(k, "k", 1)
    if k.shape[0] > x.shape[0]:
        raise ValueError(f"kernel width {k.shape[0]} exceeds signal length {x.shape[0]}")
    n = x.shape[0] - k.shape[0] + 1
    shifted = torch.stack([x[a:a + n] for a in range(k.shape[0])])  # (kw, n)
    return torch.einsum("a,an->n", k, shifted)


def corr1d_multi_in(X, K):
    _check(X, "X", 2)
    _check(K, "K", 2)
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} channels but K has {K.shape[0]}")
    if K.shape[1] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[1]} exceeds signal length {X.shape[1]}")
    n = X.shape[1] - K.shape[1] + 1
    shifted = torch.stack([X[:, a:a + n] for a in range(K.shape[1])])  # (kw, c_in, n)
    return torch.einsum("ca,acn->n", K, shifted)


def corr1d_multi_in_out(X, K):
    _check(X, "X", 2)
    _check(K, "K", 3)
    if X.shape[0] != K.shape[1]:
        raise ValueError(f"X has {X.shape[0]} channels but K expects {K.shape[1]}")
    if K.shape[2] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[2]} exceeds signal length {X.shape[1]}")
    n = X.shape[1] - K.shape[2] + 1
    shifted = torch.stack([X[:, a:a + n] for a in range(K.shape[2])], dim=1)  # (c_in, kw, n)
    return torch.einsum("oca,can->on", K, shifted)


class AudioConvNet(nn.Module):
    def __init__(self, n_mfcc, n_classes):
        super().__init__()
        self.n_mfcc, self.n_classes = n_mfcc, n_classes
        self.net = nn.Sequential(
            nn.Conv1d(n_mfcc, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(64, 128, 3, padding=1), nn.BatchNorm1d(128), nn.ReLU(),
            nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, n_classes),
        )

    def forward(self, X):
        _check(X, "X", 3)
        if X.shape[1] != self.n_mfcc:
            raise ValueError(f"X must have {self.n_mfcc} MFCC channels, got shape {tuple(X.shape)}")
        return self.net(X)
''', "corr1d* as stacked shifted slices + einsum; a conv net with BatchNorm1d, MaxPool1d, "
       "AdaptiveMaxPool1d, Flatten and Dropout in one nn.Sequential"),
    V("audio_tensordot_avgpool", "audio_conv1d", '''
def corr1d_multi_in_out(X, K):
    _check(X, "X", 2)
    _check(K, "K", 3)
    if X.shape[0] != K.shape[1]:
        raise ValueError(f"X has {X.shape[0]} channels but K expects {K.shape[1]}")
    if K.shape[2] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[2]} exceeds signal length {X.shape[1]}")
    c_out, c_in, kw = K.shape
    n = X.shape[1] - kw + 1
    windows = torch.stack([X[:, a:a + n] for a in range(kw)], dim=1)  # (c_in, kw, n)
    return torch.tensordot(K, windows, dims=([1, 2], [0, 1]))


def corr1d_multi_in(X, K):
    _check(X, "X", 2)
    _check(K, "K", 2)
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} channels but K has {K.shape[0]}")
    if K.shape[1] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[1]} exceeds signal length {X.shape[1]}")
    return corr1d_multi_in_out(X, K.unsqueeze(0))[0]


def corr1d(x, k):
    _check(x, "x", 1)
    _check(k, "k", 1)
    if k.shape[0] > x.shape[0]:
        raise ValueError(f"kernel width {k.shape[0]} exceeds signal length {x.shape[0]}")
    return corr1d_multi_in(x[None], k[None])


class AudioConvNet(nn.Module):
    def __init__(self, n_mfcc, n_classes):
        super().__init__()
        self.n_mfcc, self.n_classes = n_mfcc, n_classes
        self.conv1 = nn.Conv1d(n_mfcc, 64, kernel_size=5, padding=2)
        self.conv2 = nn.Conv1d(64, 64, kernel_size=5, padding=2)
        self.pool = nn.AvgPool1d(2)
        self.conv3 = nn.Conv1d(64, 128, kernel_size=3, padding=1)
        self.global_pool = nn.AdaptiveMaxPool1d(1)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(128, n_classes)

    def forward(self, X):
        _check(X, "X", 3)
        if X.shape[1] != self.n_mfcc:
            raise ValueError(f"X must have {self.n_mfcc} MFCC channels, got shape {tuple(X.shape)}")
        if not torch.isfinite(X).all():
            raise ValueError("X holds NaN or inf")
        h = torch.relu(self.conv1(X))
        h = self.pool(torch.relu(self.conv2(h)))
        h = torch.relu(self.conv3(h))
        return self.fc(self.drop(self.global_pool(h).squeeze(-1)))
''', "corr1d_multi_in_out by tensordot over stacked windows, the other two as its special "
       "cases; a net with AvgPool1d and AdaptiveMaxPool1d, layers as attributes, that "
       "refuses non-finite input (`if not torch.isfinite(X).all(): raise`)"),
    V("audio_fft_depthwise_separable", "audio_conv1d", '''
def corr1d_multi_in_out(X, K):
    _check(X, "X", 2)
    _check(K, "K", 3)
    if X.shape[0] != K.shape[1]:
        raise ValueError(f"X has {X.shape[0]} channels but K expects {K.shape[1]}")
    if K.shape[2] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[2]} exceeds signal length {X.shape[1]}")
    T, kw = X.shape[1], K.shape[2]
    # cross-correlation theorem: circular correlation = irfft(rfft(x) * conj(rfft(k))); the
    # first T - kw + 1 outputs never wrap around
    Yf = (torch.fft.rfft(X, n=T)[None] * torch.fft.rfft(K, n=T).conj()).sum(dim=1)
    return torch.fft.irfft(Yf, n=T)[:, :T - kw + 1]


def corr1d_multi_in(X, K):
    _check(X, "X", 2)
    _check(K, "K", 2)
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} channels but K has {K.shape[0]}")
    if K.shape[1] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[1]} exceeds signal length {X.shape[1]}")
    return corr1d_multi_in_out(X, K[None])[0]


def corr1d(x, k):
    _check(x, "x", 1)
    _check(k, "k", 1)
    if k.shape[0] > x.shape[0]:
        raise ValueError(f"kernel width {k.shape[0]} exceeds signal length {x.shape[0]}")
    return corr1d_multi_in_out(x[None], k[None, None])[0]


def _separable(c_in, c_out, k):
    """MobileNet's block in 1-D: a depthwise Conv1d, then a pointwise one."""
    return nn.Sequential(nn.Conv1d(c_in, c_in, k, padding=k // 2, groups=c_in),
                         nn.Conv1d(c_in, c_out, 1), nn.BatchNorm1d(c_out), nn.ReLU())


class AudioConvNet(nn.Module):
    def __init__(self, n_mfcc, n_classes):
        super().__init__()
        self.n_mfcc, self.n_classes = n_mfcc, n_classes
        self.body = nn.Sequential(nn.Conv1d(n_mfcc, 64, 5, padding=2), nn.ReLU(),
                                  _separable(64, 96, 5), nn.MaxPool1d(2), _separable(96, 128, 3))
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(128, n_classes))

    def forward(self, X):
        _check(X, "X", 3)
        if X.shape[1] != self.n_mfcc:
            raise ValueError(f"X must have {self.n_mfcc} MFCC channels, got shape {tuple(X.shape)}")
        return self.head(self.body(X).max(dim=-1).values)
''', "corr1d* by the FFT (the cross-correlation theorem; allowed by the letter of the rules: "
       "no torch convolution, no loop at all); a depthwise-separable net (Conv1d groups=C)"),
    # ------------------------------------------------------------------ text_conv
    V("textcnn_kim_cumsum_mask", "text_conv", '''
class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels, num_classes,
                 padding_idx=0):
        super().__init__()
        if len(kernel_sizes) != len(num_channels) or not kernel_sizes:
            raise ValueError("kernel_sizes and num_channels must be non-empty and equally long")
        if min(kernel_sizes) < 1 or min(num_channels) < 1:
            raise ValueError("kernel sizes and channel counts must be >= 1")
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.padding_idx = padding_idx
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=padding_idx)
        self.convs = nn.ModuleList([nn.Conv1d(embed_size, c, k)
                                    for k, c in zip(self.kernel_sizes, num_channels)])
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(sum(num_channels), num_classes)

    def forward(self, tokens):
        if tokens.dim() != 2 or tokens.is_floating_point():
            raise ValueError(f"tokens must be a 2-D integer tensor, got {tokens.dtype} "
                             f"of shape {tuple(tokens.shape)}")
        widest = max(self.kernel_sizes)
        if tokens.shape[1] < widest:
            tokens = F.pad(tokens, (0, widest - tokens.shape[1]), value=self.padding_idx)
        # pads_before[:, t] = number of padding tokens among the first t
        pads_before = F.pad((tokens == self.padding_idx).long().cumsum(dim=1), (1, 0))
        x = self.embedding(tokens).permute(0, 2, 1)  # (B, E, L)
        pooled = []
        for k, conv in zip(self.kernel_sizes, self.convs):
            h = conv(x)  # (B, C, L - k + 1)
            touches_padding = (pads_before[:, k:] - pads_before[:, :-k]) > 0
            h = h.masked_fill(touches_padding.unsqueeze(1), float("-inf"))
            # max-over-time, then ReLU (they commute); relu(-inf) = 0 when no window fits
            pooled.append(F.relu(F.max_pool1d(h, h.shape[2]).squeeze(2)))
        return self.fc(self.dropout(torch.cat(pooled, dim=1)))
''', "Kim (2014): F.pad to the widest kernel, windows touching padding found with a cumsum "
       "and set to -inf before F.max_pool1d over time, ReLU after the pooling"),
    V("textcnn_constantpad_zero_embedding", "text_conv", '''
class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels, num_classes,
                 padding_idx=0):
        super().__init__()
        if len(kernel_sizes) != len(num_channels) or not kernel_sizes:
            raise ValueError("kernel_sizes and num_channels must be non-empty and equally long")
        if min(kernel_sizes) < 1 or min(num_channels) < 1:
            raise ValueError("kernel sizes and channel counts must be >= 1")
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.padding_idx = padding_idx
        # padding_idx embeds to a zero vector that training never moves; every branch pads
        # the row with k more zero vectors on each side, so some window always sees only
        # padding, and the windows that see the sentence are the same wherever it sits
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=padding_idx)
        self.branches = nn.ModuleList(
            nn.Sequential(nn.ConstantPad1d(k, 0.0), nn.Conv1d(embed_size, c, k), nn.ReLU(),
                          nn.AdaptiveMaxPool1d(1), nn.Flatten())
            for k, c in zip(self.kernel_sizes, num_channels)
        )
        self.dropout = nn.Dropout(0.5)
        self.decoder = nn.Linear(sum(num_channels), num_classes)

    def forward(self, tokens):
        if tokens.dim() != 2 or tokens.is_floating_point():
            raise ValueError(f"tokens must be a 2-D integer tensor, got {tokens.dtype} "
                             f"of shape {tuple(tokens.shape)}")
        E = self.embedding(tokens).transpose(1, 2)  # (B, E, L)
        return self.decoder(self.dropout(torch.cat([b(E) for b in self.branches], dim=1)))
''', "padding inside with nn.ConstantPad1d(k) on the embeddings: with padding_idx's zero "
       "embedding every window's content is the same wherever the sentence sits"),
    V("textcnn_mask_counted_by_conv1d", "text_conv", '''
class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels, num_classes,
                 padding_idx=0):
        super().__init__()
        if len(kernel_sizes) != len(num_channels) or not kernel_sizes:
            raise ValueError("kernel_sizes and num_channels must be non-empty and equally long")
        if min(kernel_sizes) < 1 or min(num_channels) < 1:
            raise ValueError("kernel sizes and channel counts must be >= 1")
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.padding_idx = padding_idx
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=padding_idx)
        self.convs = nn.ModuleList(nn.Conv1d(embed_size, c, k)
                                   for k, c in zip(self.kernel_sizes, num_channels))
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(sum(num_channels), num_classes)

    def forward(self, tokens):
        if tokens.dim() != 2 or tokens.is_floating_point():
            raise ValueError(f"tokens must be a 2-D integer tensor, got {tokens.dtype} "
                             f"of shape {tuple(tokens.shape)}")
        if (tokens < 0).any() or (tokens >= self.embedding.num_embeddings).any():
            raise ValueError("token ids must lie in [0, vocab_size)")
        widest = max(self.kernel_sizes)
        if tokens.size(1) < widest:
            fill = tokens.new_full((tokens.size(0), widest - tokens.size(1)), self.padding_idx)
            tokens = torch.cat([tokens, fill], dim=1)
        mask = (tokens != self.padding_idx).to(self.fc.weight.dtype).unsqueeze(1)  # (B, 1, L)
        emb = self.embedding(tokens).transpose(1, 2)
        outs = []
        for conv in self.convs:
            k = conv.kernel_size[0]
            real = F.conv1d(mask, mask.new_ones(1, 1, k))  # real tokens under each window
            h = F.relu(conv(emb)) * (real == k)  # a window with padding counts as 0
            outs.append(h.max(dim=2).values)
        return self.fc(self.dropout(torch.cat(outs, 1)))
''', "windows without padding found by convolving the padding mask with ones (F.conv1d "
       "inside TextCNN, which its rules allow), rows lengthened with torch.cat; token ids "
       "validated with `if (...).any(): raise`"),
]
