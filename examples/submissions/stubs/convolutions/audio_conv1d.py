"""Part ``audio_conv1d``: one-dimensional cross-correlation for audio (MFCC frames).

d2l 6.1 exercise 4 (a convolutional layer for audio) is a written question in the notebook. An
utterance's MFCC matrix has shape (n_mfcc, T), with T the number of frames; ``AudioConvNet``
takes a batch of them, X (B, n_mfcc, T), the input layout of ``nn.Conv1d``.

Rules: the ``corr1d*`` functions may not use torch's convolution, unfold, fold or as_strided,
nor ``nn.Conv*``; they loop over the kernel offsets (kw iterations) at most, never over time
steps or channels: the number of operations they run must not grow with T, nor with the number
of input or output channels; tensor values stay in torch in them, as in ``corr2d``.
``AudioConvNet`` may use ``torch.nn``, with ``nn.Conv1d`` as its only convolution: no 2-D/3-D
convolutions, no recurrent (RNN/LSTM/GRU and cells) or attention (MultiheadAttention,
Transformer*) layers, nor their functions (``F.scaled_dot_product_attention``, ...).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def _check(t: Tensor, name: str, dim: int) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.dim() != dim:
        raise ValueError(f"{name} must be {dim}-D, got shape {tuple(t.shape)}")


def corr1d(x: Tensor, k: Tensor) -> Tensor:
    """One-dimensional cross-correlation: ``y[t] = sum_a x[t + a] * k[a]``.

    Args:
        x: signal, shape (T,), floating, any device.
        k: kernel, shape (kw,) with kw <= T.

    Returns:
        y, shape (T - kw + 1,), with x's dtype and device. Neither input is modified.
    """
    _check(x, "x", 1)
    _check(k, "k", 1)
    if k.shape[0] > x.shape[0]:
        raise ValueError(f"kernel width {k.shape[0]} exceeds signal length {x.shape[0]}")
    # TODO: Return y as defined above.
    raise NotImplementedError("corr1d: not implemented yet (see the TODO)")


def corr1d_multi_in(X: Tensor, K: Tensor) -> Tensor:
    """Multi-input-channel 1-D cross-correlation, summed over channels.

    Args:
        X: signal, shape (c_in, T).
        K: kernel, shape (c_in, kw).

    Returns:
        y, shape (T - kw + 1,): ``y[t] = sum_c sum_a X[c, t + a] * K[c, a]``, with X's dtype
        and device. Neither input is modified.
    """
    _check(X, "X", 2)
    _check(K, "K", 2)
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} channels but K has {K.shape[0]}")
    if K.shape[1] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[1]} exceeds signal length {X.shape[1]}")
    # TODO: Return y as defined above.
    raise NotImplementedError("corr1d_multi_in: not implemented yet (see the TODO)")


def corr1d_multi_in_out(X: Tensor, K: Tensor) -> Tensor:
    """Multi-input, multi-output-channel 1-D cross-correlation.

    Args:
        X: signal, shape (c_in, T).
        K: kernels, shape (c_out, c_in, kw).

    Returns:
        Y, shape (c_out, T - kw + 1): ``Y[o] = corr1d_multi_in(X, K[o])``, with X's dtype and
        device. Neither input is modified.
    """
    _check(X, "X", 2)
    _check(K, "K", 3)
    if X.shape[0] != K.shape[1]:
        raise ValueError(f"X has {X.shape[0]} channels but K expects {K.shape[1]}")
    if K.shape[2] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[2]} exceeds signal length {X.shape[1]}")
    # TODO: Return Y as defined above.
    raise NotImplementedError("corr1d_multi_in_out: not implemented yet (see the TODO)")


class AudioConvNet(nn.Module):
    """A small 1-D CNN that classifies spoken words from their MFCC frames.

    Input X (B, n_mfcc, T) float with any T >= 16 (see the module's rules for the layers it
    may use). Output: logits (B, n_classes), finite, depending on the input. The architecture is
    yours to design: trained by ``training.train_classifier`` with ``training.AUDIO_TRAINING``,
    it must reach 90% accuracy on clips of speakers it has not heard, and that training must
    take seconds, not minutes, on one CPU core.
    """

    def __init__(self, n_mfcc: int, n_classes: int) -> None:
        super().__init__()
        self.n_mfcc, self.n_classes = n_mfcc, n_classes
        # TODO: Build the layers of your network.
        raise NotImplementedError("AudioConvNet.__init__: not implemented yet (see the TODO)")

    def forward(self, X: Tensor) -> Tensor:
        """X (B, n_mfcc, T) -> logits (B, n_classes)."""
        _check(X, "X", 3)
        if X.shape[1] != self.n_mfcc:
            raise ValueError(f"X must have {self.n_mfcc} MFCC channels, got shape {tuple(X.shape)}")
        # TODO: Return the logits (B, n_classes) of X, whatever T (>= 16) is.
        raise NotImplementedError("AudioConvNet.forward: not implemented yet (see the TODO)")
