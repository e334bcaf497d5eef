"""Part ``conv2d_backward``: a convolutional layer with a hand-written backward pass.

d2l 6.2.4 "Learning a Kernel" (d2l 6.2 exercise 2 is explored in the handout). Here autograd
does not look inside ``corr2d``: you derive the gradients of ``Y = corr2d(X, K)`` with respect
to ``X`` and ``K`` by hand and write them in ``Corr2dFunction.backward``. ``Conv2D`` and
``learn_kernel`` then train through your backward.

Rules: ``Corr2dFunction.backward`` may not call autograd (no ``torch.autograd.grad``, no
``.backward()``); nothing in this part may use torch's convolution, unfold, fold or as_strided
(your ``corr2d`` is fine); in ``Corr2dFunction`` tensor values stay in torch, as in ``corr2d``
(``learn_kernel`` may read its loss with ``.item()``). The backward's own loops run over the
kernel offsets (kh * kw iterations) at most: the operations it runs itself must not grow with
the size of ``dY``. It may call ``corr2d``: in grading, a correct ``corr2d`` whose operations
do not grow with its output stands in for yours.
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
    Its gradients are those autograd computes for torch's ``F.conv2d`` (which is a
    cross-correlation), and ``torch.autograd.gradcheck`` passes on it.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, X: Tensor, K: Tensor) -> Tensor:  # type: ignore[override]
        """Return ``corr2d(X, K)`` and save what the backward pass needs."""
        ### BEGIN SOLUTION
        ### TASK: Return corr2d(X, K), and keep on ctx what backward will need.
        ### HINT nudge: Which tensors appear in the two gradients that backward has to compute?
        ### HINT method: `ctx.save_for_backward(...)` stores tensors for the backward pass, which
        ### HINT method: reads them back from `ctx.saved_tensors`.
        ### HINT full: `ctx.save_for_backward(X, K)`, then `return corr2d(X, K)`.
        ctx.save_for_backward(X, K)
        return corr2d(X, K)
        ### END SOLUTION

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dY: Tensor) -> tuple[Tensor | None, Tensor | None]:  # type: ignore[override]
        """Given dL/dY (out_h, out_w), return (dL/dX (h, w), dL/dK (kh, kw)).

        Each gradient has the dtype and device of the input it belongs to. Return ``None`` for
        an input whose gradient is not needed (``ctx.needs_input_grad``). No autograd here, and
        a loop over the kernel offsets at most (see the module's rules); ``dY`` and the saved
        tensors are not modified.
        """
        ### BEGIN SOLUTION
        ### TASK: Return the pair (dL/dX, dL/dK) described above, derived by hand.
        ### HINT nudge: Start from the definition `Y[i, j] = sum_{a, b} X[i + a, j + b] * K[a, b]`
        ### HINT nudge: and the chain rule `dL/dz = sum_{i, j} dL/dY[i, j] * dY[i, j]/dz`. For one
        ### HINT nudge: kernel entry `K[a, b]`: which entries of X does it multiply, over all
        ### HINT nudge: outputs `(i, j)`? For one input entry `X[r, c]`: which outputs does it
        ### HINT nudge: reach, and through which kernel entries?
        ### HINT nudge:
        ### HINT nudge: Check your formulas on a tiny case by hand (X of shape (1, 3), K of shape
        ### HINT nudge: (1, 2)), then against `torch.autograd.grad` of `F.conv2d` in the notebook.
        ### HINT method: Loop over the `kh * kw` offsets `(a, b)`. The entries of X that `K[a, b]`
        ### HINT method: multiplies form one `(out_h, out_w)` window, the one `corr2d` reads at
        ### HINT method: that offset. The gradient for `K[a, b]` pairs `dY` with that window; the
        ### HINT method: gradient for X receives, for every offset, `K[a, b]` times `dY` sent back
        ### HINT method: into the same window, and since windows overlap, contributions add up
        ### HINT method: rather than overwrite. In other words dK is a cross-correlation of X with
        ### HINT method: dY, and dX a "full" convolution of dY with K. Allocate with `new_zeros`
        ### HINT method: on the saved tensors, and skip what `ctx.needs_input_grad` rules out.
        ### HINT full: `dK[a, b] = (X[a : a + out_h, b : b + out_w] * dY).sum()` and
        ### HINT full: `dX[a : a + out_h, b : b + out_w] += dY * K[a, b]`, that is
        ### HINT full: `dK[a, b] = sum_{i, j} dY[i, j] * X[i + a, j + b]` and
        ### HINT full: `dX[i + a, j + b] += K[a, b] * dY[i, j]`.
        ### ANSWER: dX[i + a, j + b]
        ### ANSWER: dK[a, b] =
        ### ANSWER: dY[i, j] * X[i + a, j + b]
        ### ANSWER: K[a, b] * dY[i, j]
        ### ANSWER: dY * X[a : a + out_h
        ### ANSWER: X[a : a + out_h, b : b + out_w] * dY
        ### ANSWER: += K[a, b] * dY
        ### ANSWER: += dY * K[a, b]
        ### ANSWER method: "full" convolution
        ### ANSWER method: full convolution
        ### ANSWER method: cross-correlation of X with dY
        ### ANSWER method: corr2d(X, dY)
        ### ANSWER method: transposed convolution
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
    initialised to zero; an int ``kernel_size`` k means (k, k). Input X (h, w); output
    (h - kh + 1, w - kw + 1). The forward pass goes through ``Corr2dFunction``, so that its
    gradients come from your backward.
    """

    def __init__(self, kernel_size: IntPair) -> None:
        super().__init__()
        kh, kw = as_pair(kernel_size, "kernel_size", 1)
        ### BEGIN SOLUTION
        ### TASK: Create the parameters self.weight and self.bias described in the class docstring.
        ### HINT nudge: d2l 6.2.2 builds this layer. What makes a tensor a learnable parameter of
        ### HINT nudge: an `nn.Module`, and which shape does `Conv2D(3)` need?
        ### HINT method: Wrap the tensors in `nn.Parameter`: uniform draws of shape `(kh, kw)`
        ### HINT method: (the pair, not `kernel_size` itself) and one zero.
        ### HINT full: `nn.Parameter(torch.rand(kh, kw))` as `self.weight` and
        ### HINT full: `nn.Parameter(torch.zeros(1))` as `self.bias`.
        self.weight = nn.Parameter(torch.rand(kh, kw))
        self.bias = nn.Parameter(torch.zeros(1))
        ### END SOLUTION

    def forward(self, X: Tensor) -> Tensor:
        """X (h, w) -> Y (h - kh + 1, w - kw + 1)."""
        ### BEGIN SOLUTION
        ### TASK: Return corr2d(X, weight) + bias, computed through Corr2dFunction.
        ### HINT nudge: A custom `torch.autograd.Function` is not called like a plain function.
        ### HINT method: Call it through its `apply` method, then add the bias (broadcasting).
        ### HINT full: `Corr2dFunction.apply(X, self.weight) + self.bias`.
        return Corr2dFunction.apply(X, self.weight) + self.bias
        ### END SOLUTION


def learn_kernel(X: Tensor, Y: Tensor, kernel_size: IntPair = (1, 2)) -> Conv2D:
    """Train a ``Conv2D`` from random initialisation so that ``conv(X)`` matches ``Y``.

    d2l 6.2.4: with the edge-detection data (X (6, 8): ones with a block of zeros;
    Y = corr2d(X, [[1, -1]])) the learned weight must be close to ``[[1, -1]]`` and the bias to 0.
    More generally, when ``Y = corr2d(X, K) + b`` for a kernel and bias that ``X`` determines
    (d2l's edge image, or an image of -1s and 1s), the learned weight and bias must match ``K``
    and ``b`` to within 1e-2. The grader draws such ``K`` (up to 3 x 3, entries between -1.5 and
    1.5) and ``b`` (between -1 and 1) at random; each call must finish within about 2 s of CPU
    time on one core.

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
    ### TASK: Train and return a Conv2D as described above.
    ### HINT nudge: Start from d2l 6.2.4's training loop and run it on the public tests' cases (a
    ### HINT nudge: bias, random kernels, float64). Print the loss every few steps: if it grows,
    ### HINT nudge: the step is too large for the loss you chose; if it is still falling when the
    ### HINT nudge: loop ends, you stop too early. And mind which dtype and device the layer has.
    ### HINT method: Plain gradient descent by hand (`p -= lr * p.grad` under `torch.no_grad()`,
    ### HINT method: then zero the gradients) on a loss whose scale does not grow with the image
    ### HINT method: (the mean, not the sum, of the squared errors), with a fixed step safely below
    ### HINT method: the stability limit of that loss, for up to a few thousand steps, stopping
    ### HINT method: once the loss is negligible. Move the new layer to X's dtype and device
    ### HINT method: with `.to(...)` before training.
    ### HINT full: The mean squared error's curvature is at most `2 * (kh * kw + 1)` for these
    ### HINT full: images, and gradient descent is stable below 2 / curvature, so
    ### HINT full: `lr = 0.8 / (kh * kw + 1)`; up to 5000 steps, stopping when the loss is below
    ### HINT full: 1e-12. d2l's summed loss with lr 3e-2 diverges once there is a bias, and its
    ### HINT full: 10 epochs are too few.
    ### ANSWER: 0.8 / (kh * kw + 1)
    ### ANSWER: 2 * (kh * kw + 1)
    ### ANSWER: lr 3e-2 diverges
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
