"""Part ``audio_conv1d``: the public wrong answers of ``corr1d``, ``corr1d_multi_in`` and
``corr1d_multi_in_out`` (each computed with torch's conv1d, as the public tests' oracle is)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def _multi_in_out(X: Tensor, K: Tensor) -> Tensor:
    """Every output channel of the signals X with the kernels K, by torch's conv1d."""
    (Y,) = F.conv1d(X.unsqueeze(0), K)
    return Y


def _as_multi_in_out(fn):
    """``fn`` of (X, K (c_out, c_in, kw)) as the wrong answer of the single-output versions."""
    def one_row(X: Tensor, K: Tensor) -> Tensor:
        return fn(X, K[None])[0]

    def one_signal(x: Tensor, k: Tensor) -> Tensor:
        return fn(x[None], k[None, None])[0]

    return one_signal, one_row, fn


def kernel_flipped(X: Tensor, K: Tensor) -> Tensor:
    return _multi_in_out(X, K.flip(-1))


def first_channel_only(X: Tensor, K: Tensor) -> Tensor:
    return _multi_in_out(X[:1], K[:, :1])


def last_channel_only(X: Tensor, K: Tensor) -> Tensor:
    return _multi_in_out(X[-1:], K[:, -1:])


def last_offset_only(X: Tensor, K: Tensor) -> Tensor:
    """Only the last kernel offset's contribution: each offset's term replaced the sum."""
    last = K.new_zeros(K.shape)
    last[..., -1] = K[..., -1]
    return _multi_in_out(X, last)


def last_tap_skipped(X: Tensor, K: Tensor) -> Tensor:
    """The kernel without its last tap, on windows of the full width (not for a kernel of one
    tap: all zeros, which a placeholder gives too)."""
    if K.shape[-1] < 2:
        raise ValueError("a kernel of one tap")
    K = K.clone()
    K[..., -1] = 0
    return _multi_in_out(X, K)


_TABLE = {"kernel_flipped": [kernel_flipped],
          "channels_not_summed": [first_channel_only, last_channel_only],
          "last_tap_skipped": [last_tap_skipped],
          "overwrite_not_accumulate": [last_offset_only]}
_TARGETS = ("corr1d", "corr1d_multi_in", "corr1d_multi_in_out")

WRONG_ANSWERS = {
    target: [(mid, _as_multi_in_out(fn)[i]) for mid, fns in _TABLE.items() for fn in fns
             if not (target == "corr1d" and mid == "channels_not_summed")]
    for i, target in enumerate(_TARGETS)
}
