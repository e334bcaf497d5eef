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
    ### BEGIN SOLUTION
    ### TASK: Return Y as defined above (zero padding, stride), with X's dtype and device.
    ### HINT nudge: Fix one kernel offset `(a, b)` and write down which entries of the padded
    ### HINT nudge: input `K[a, b]` multiplies, for all output positions `(i, j)` at once. What
    ### HINT nudge: shape do they form, and how far apart are neighbouring ones?
    ### HINT nudge:
    ### HINT nudge: d2l's `corr2d` loops over output pixels, which the rules forbid here, and its
    ### HINT nudge: `torch.zeros` ignores X's dtype and device.
    ### HINT method: Build the zero-padded input (`X.new_zeros` of the padded shape, X copied into
    ### HINT method: its middle). Loop over the `kh * kw` kernel offsets only; for each, take one
    ### HINT method: strided slice of the padded input (it starts at the offset, steps by the
    ### HINT method: stride and has `out_h` by `out_w` elements), multiply it by `K[a, b]` and add
    ### HINT method: it into `Y`. Work out of place, so that neither input changes.
    ### HINT full: `window = Xp[a : a + s_h * (out_h - 1) + 1 : s_h,
    ### HINT full: b : b + s_w * (out_w - 1) + 1 : s_w]`,
    ### HINT full: then `Y += K[a, b] * window`, with `Y` starting from
    ### HINT full: `X.new_zeros((out_h, out_w))` and the sizes from `_util.output_size`.
    ### ANSWER: s_h * (out_h - 1) + 1
    ### ANSWER: s_w * (out_w - 1) + 1
    (h, w), (kh, kw) = X.shape, K.shape
    out_h = output_size(h, kh, p_h, s_h, "height")
    out_w = output_size(w, kw, p_w, s_w, "width")
    Xp = X.new_zeros((h + 2 * p_h, w + 2 * p_w))
    Xp[p_h : p_h + h, p_w : p_w + w] = X
    Y = X.new_zeros((out_h, out_w))
    for a in range(kh):
        for b in range(kw):
            window = Xp[a : a + s_h * (out_h - 1) + 1 : s_h, b : b + s_w * (out_w - 1) + 1 : s_w]
            Y = Y + K[a, b] * window
    return Y
    ### END SOLUTION
