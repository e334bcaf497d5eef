"""Part ``conv2d_backward``: a convolutional layer with a hand-written backward pass.

d2l 6.2 "Learning a Kernel" and exercise 2 (what goes wrong when autograd meets the loop-based
``Conv2D``). Here the gradient is derived by hand:

* ``dK[a, b] = sum_{i, j} dY[i, j] * X[i + a, j + b]``  (cross-correlate X with dY), and
* ``dX[i + a, j + b] += K[a, b] * dY[i, j]``            (a "full" convolution of dY with K).

Rules: ``Corr2dFunction.backward`` may not call autograd (no ``torch.autograd.grad``, no
``.backward()``); the forward may not use torch's convolution, unfold, fold or as_strided.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.autograd.function import FunctionCtx, once_differentiable

from ._util import IntPair, as_pair, check_matrix
from .cross_correlation import corr2d


class Corr2dFunction(torch.autograd.Function):
    """``Y = corr2d(X, K)`` (no padding, stride 1) with an explicit backward.

    Shapes: X (h, w), K (kh, kw), Y and dY (h - kh + 1, w - kw + 1), dX (h, w), dK (kh, kw).
    """

    @staticmethod
    def forward(ctx: FunctionCtx, X: Tensor, K: Tensor) -> Tensor:  # type: ignore[override]
        """Return ``corr2d(X, K)`` and save what the backward pass needs."""
        ### BEGIN SOLUTION
        ### TASK: Compute Y with your corr2d and save X and K with ctx.save_for_backward.
        ctx.save_for_backward(X, K)
        return corr2d(X, K)
        ### END SOLUTION

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dY: Tensor) -> tuple[Tensor | None, Tensor | None]:  # type: ignore[override]
        """Given dL/dY (out_h, out_w), return (dL/dX (h, w), dL/dK (kh, kw)).

        Return ``None`` for an input whose gradient is not needed (``ctx.needs_input_grad``).
        """
        ### BEGIN SOLUTION
        ### TASK: Loop over the kernel offsets (a, b) only. dK[a, b] is the sum of dY times the
        ### TASK: (out_h, out_w) window of X at offset (a, b); dX gets K[a, b] * dY added into
        ### TASK: that same window. Do not call autograd.
        X, K = ctx.saved_tensors  # type: ignore[attr-defined]
        kh, kw = K.shape
        out_h, out_w = dY.shape
        need_dX, need_dK = ctx.needs_input_grad  # type: ignore[attr-defined]
        dX = X.new_zeros(X.shape) if need_dX else None
        dK = K.new_zeros(K.shape) if need_dK else None
        for a in range(kh):
            for b in range(kw):
                if dK is not None:
                    dK[a, b] = (dY * X[a : a + out_h, b : b + out_w]).sum()
                if dX is not None:
                    dX[a : a + out_h, b : b + out_w] += K[a, b] * dY
        return dX, dK
        ### END SOLUTION


class Conv2D(nn.Module):
    """d2l's ``Conv2D`` layer: ``Y = corr2d(X, weight) + bias`` through ``Corr2dFunction``.

    Parameters: ``weight`` (kh, kw), initialised uniformly in [0, 1) like d2l, and ``bias`` (1,),
    initialised to zero. Input X (h, w); output (h - kh + 1, w - kw + 1).
    """

    def __init__(self, kernel_size: IntPair) -> None:
        super().__init__()
        kh, kw = as_pair(kernel_size, "kernel_size", 1)
        ### BEGIN SOLUTION
        ### TASK: Create self.weight, an nn.Parameter of shape (kh, kw) drawn with torch.rand,
        ### TASK: and self.bias, an nn.Parameter of shape (1,) holding zero.
        self.weight = nn.Parameter(torch.rand(kh, kw))
        self.bias = nn.Parameter(torch.zeros(1))
        ### END SOLUTION

    def forward(self, X: Tensor) -> Tensor:
        """X (h, w) -> Y (h - kh + 1, w - kw + 1)."""
        ### BEGIN SOLUTION
        ### TASK: Apply Corr2dFunction to X and self.weight, then add self.bias.
        return Corr2dFunction.apply(X, self.weight) + self.bias
        ### END SOLUTION


def learn_kernel(X: Tensor, Y: Tensor, kernel_size: IntPair = (1, 2)) -> Conv2D:
    """Train a ``Conv2D`` from random initialisation so that ``conv(X)`` matches ``Y``.

    d2l 6.2.4: with the edge-detection data (X (6, 8): ones with a block of zeros;
    Y = corr2d(X, [[1, -1]])) the learned weight must be close to ``[[1, -1]]`` and the bias to 0.

    Args:
        X: input image, shape (h, w), floating.
        Y: target, shape (h - kh + 1, w - kw + 1), same dtype as X.
        kernel_size: ``k`` or ``(kh, kw)``.

    Returns:
        The trained ``Conv2D`` (its parameters have X's dtype and device).
    """
    check_matrix(X, "X")
    check_matrix(Y, "Y")
    ### BEGIN SOLUTION
    ### TASK: Build Conv2D(kernel_size) with X's dtype and device, then run plain gradient
    ### TASK: descent on the mean squared error between conv(X) and Y until it is tiny. (d2l's
    ### TASK: summed loss with lr 3e-2 diverges once there is a bias; 10 epochs are not enough.)
    conv = Conv2D(kernel_size).to(device=X.device, dtype=X.dtype)
    # For 0/1 images the loss's curvature is at most 2 * (kh * kw + 1); gradient descent is
    # stable below 2 / curvature, so take 80% of that.
    lr = 0.8 * 2 / (2 * (conv.weight.numel() + 1))
    for _ in range(5000):
        conv.zero_grad()
        loss = ((conv(X) - Y) ** 2).mean()
        if loss.item() < 1e-12:
            break
        loss.backward()
        with torch.no_grad():
            for p in conv.parameters():
                p -= lr * p.grad
    return conv
    ### END SOLUTION
