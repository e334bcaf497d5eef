"""Part ``cross_correlation``: the two-dimensional cross-correlation operator.

d2l 6.2 "Convolutions for Images" (the ``corr2d`` function), extended with zero padding and
stride (d2l 6.3), which is how 6.1 exercise 3 (what happens at the boundary pixels) is answered
in code.

Rules: no ``torch.nn.functional.conv*``, ``unfold``, ``fold``, ``as_strided`` or ``nn.Conv*``.
Loop over the kernel offsets (kh * kw iterations) at most, never over output pixels. Tensor
values stay in torch: no ``.item()``, ``.tolist()``, ``float(t)``, ``.numpy()``, and nothing
made back from numpy arrays (inside ``corr2d`` a printed tensor shows only its shape).
"""

from __future__ import annotations

from torch import Tensor

from ._util import IntPair, as_pair, check_matrix, output_size


def corr2d(X: Tensor, K: Tensor, padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """Two-dimensional cross-correlation of ``X`` with the kernel ``K``.

    ``Y[i, j] = sum_{a, b} Xp[i * s_h + a, j * s_w + b] * K[a, b]`` where ``Xp`` is ``X``
    zero-padded by ``p_h`` rows above and below and ``p_w`` columns left and right.

    Args:
        X: input, shape (h, w), any floating dtype, any device.
        K: kernel, shape (kh, kw), same dtype and device as ``X``.
        padding: ``p`` or ``(p_h, p_w)``, zeros added on each side; ``>= 0``.
        stride: ``s`` or ``(s_h, s_w)``; ``>= 1``.

    Returns:
        Y, shape ((h + 2 p_h - kh) // s_h + 1, (w + 2 p_w - kw) // s_w + 1), with the dtype and
        device of ``X``. Neither input is modified.
    """
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    # TODO: Return Y as defined above (zero padding, stride), with X's dtype and device.
    raise NotImplementedError("corr2d: not implemented yet (see the TODO)")
