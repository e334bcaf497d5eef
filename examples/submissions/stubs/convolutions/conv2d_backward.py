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
        # TODO: Return corr2d(X, K), and keep on ctx what backward will need.
        raise NotImplementedError("Corr2dFunction.forward: not implemented yet (see the TODO)")

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dY: Tensor) -> tuple[Tensor | None, Tensor | None]:  # type: ignore[override]
        """Given dL/dY (out_h, out_w), return (dL/dX (h, w), dL/dK (kh, kw)).

        Each gradient has the dtype and device of the input it belongs to. Return ``None`` for
        an input whose gradient is not needed (``ctx.needs_input_grad``). No autograd here, and
        a loop over the kernel offsets at most (see the module's rules); ``dY`` and the saved
        tensors are not modified.
        """
        # TODO: Return the pair (dL/dX, dL/dK) described above, derived by hand.
        raise NotImplementedError("Corr2dFunction.backward: not implemented yet (see the TODO)")


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
        # TODO: Create the parameters self.weight and self.bias described in the class docstring.
        raise NotImplementedError("Conv2D.__init__: not implemented yet (see the TODO)")

    def forward(self, X: Tensor) -> Tensor:
        """X (h, w) -> Y (h - kh + 1, w - kw + 1)."""
        # TODO: Return corr2d(X, weight) + bias, computed through Corr2dFunction.
        raise NotImplementedError("Conv2D.forward: not implemented yet (see the TODO)")


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
    # TODO: Train and return a Conv2D as described above.
    raise NotImplementedError("learn_kernel: not implemented yet (see the TODO)")
