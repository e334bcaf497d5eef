"""Part ``audio_conv1d``: one-dimensional cross-correlation for audio (MFCC frames).

d2l 6.1 exercise 4: audio is a sequence in time, so a convolution slides along time only. An
utterance's MFCC matrix has shape (n_mfcc, T): the MFCC coefficients are the input channels and
T is the number of frames.

Rules: the ``corr1d*`` functions may not use torch's convolution, unfold, fold or as_strided,
nor ``nn.Conv*``; loop over the kernel offsets (kw iterations) at most. ``AudioConvNet`` may
use ``nn.Conv1d``.
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
        y, shape (T - kw + 1,), with x's dtype and device.
    """
    _check(x, "x", 1)
    _check(k, "k", 1)
    if k.shape[0] > x.shape[0]:
        raise ValueError(f"kernel width {k.shape[0]} exceeds signal length {x.shape[0]}")
    ### BEGIN SOLUTION
    ### TASK: Loop over the kw kernel offsets a and accumulate k[a] * x[a : a + T - kw + 1].
    n = x.shape[0] - k.shape[0] + 1
    y = x.new_zeros(n)
    for a in range(k.shape[0]):
        y = y + k[a] * x[a : a + n]
    return y
    ### END SOLUTION


def corr1d_multi_in(X: Tensor, K: Tensor) -> Tensor:
    """Multi-input-channel 1-D cross-correlation, summed over channels.

    Args:
        X: signal, shape (c_in, T).
        K: kernel, shape (c_in, kw).

    Returns:
        y, shape (T - kw + 1,): ``y[t] = sum_c sum_a X[c, t + a] * K[c, a]``.
    """
    _check(X, "X", 2)
    _check(K, "K", 2)
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} channels but K has {K.shape[0]}")
    if K.shape[1] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[1]} exceeds signal length {X.shape[1]}")
    ### BEGIN SOLUTION
    ### TASK: Loop over the kw offsets only (not over channels): at offset a, the window
    ### TASK: X[:, a : a + n] (c_in, n) is weighted by K[:, a] (c_in,) and summed over channels.
    n = X.shape[1] - K.shape[1] + 1
    y = X.new_zeros(n)
    for a in range(K.shape[1]):
        y = y + K[:, a] @ X[:, a : a + n]
    return y
    ### END SOLUTION


def corr1d_multi_in_out(X: Tensor, K: Tensor) -> Tensor:
    """Multi-input, multi-output-channel 1-D cross-correlation.

    Args:
        X: signal, shape (c_in, T).
        K: kernels, shape (c_out, c_in, kw).

    Returns:
        Y, shape (c_out, T - kw + 1): ``Y[o] = corr1d_multi_in(X, K[o])``.
    """
    _check(X, "X", 2)
    _check(K, "K", 3)
    if X.shape[0] != K.shape[1]:
        raise ValueError(f"X has {X.shape[0]} channels but K expects {K.shape[1]}")
    if K.shape[2] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[2]} exceeds signal length {X.shape[1]}")
    ### BEGIN SOLUTION
    ### TASK: Loop over the kw offsets only: at offset a, K[:, :, a] (c_out, c_in) times the
    ### TASK: window X[:, a : a + n] (c_in, n) is a matrix product giving (c_out, n).
    n = X.shape[1] - K.shape[2] + 1
    Y = X.new_zeros((K.shape[0], n))
    for a in range(K.shape[2]):
        Y = Y + K[:, :, a] @ X[:, a : a + n]
    return Y
    ### END SOLUTION


class AudioConvNet(nn.Module):
    """A small 1-D CNN that classifies spoken words from their MFCC frames.

    Input X (B, n_mfcc, T) float with any T >= 16: the n_mfcc coefficients are the input
    channels and the convolutions slide along time only. Output: logits (B, n_classes).
    Pooling over the whole time axis at the end makes the output size independent of T and
    the prediction insensitive to where in the clip the word is spoken.
    """

    def __init__(self, n_mfcc: int, n_classes: int) -> None:
        super().__init__()
        self.n_mfcc, self.n_classes = n_mfcc, n_classes
        ### BEGIN SOLUTION
        ### TASK: Build the layers. A design that works well here: Conv1d(n_mfcc, 64, kernel 5,
        ### TASK: padding 2) + ReLU, Conv1d(64, 64, 5, padding 2) + ReLU, MaxPool1d(2),
        ### TASK: Conv1d(64, 128, 3, padding 1) + ReLU, then (in forward) a global max over time,
        ### TASK: Dropout(0.2) and Linear(128, n_classes). "Same" padding keeps every frame, so
        ### TASK: short inputs (T = 16) still work. Only nn.Conv1d/nn.Linear/pooling, no RNNs.
        width = 64
        self.features = nn.Sequential(
            nn.Conv1d(n_mfcc, width, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.Conv1d(width, width, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool1d(2),  # halves T: cheaper, and a wider receptive field for the last layer
            nn.Conv1d(width, 2 * width, kernel_size=3, padding=1),
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(0.2)
        self.head = nn.Linear(2 * width, n_classes)
        ### END SOLUTION

    def forward(self, X: Tensor) -> Tensor:
        """X (B, n_mfcc, T) -> logits (B, n_classes)."""
        _check(X, "X", 3)
        if X.shape[1] != self.n_mfcc:
            raise ValueError(f"X must have {self.n_mfcc} MFCC channels, got shape {tuple(X.shape)}")
        ### BEGIN SOLUTION
        ### TASK: Apply the convolutional layers to get (B, C, T'), take the maximum over the time
        ### TASK: axis to get (B, C) whatever T was (a max, not a mean: most frames are background
        ### TASK: noise, and a mean dilutes the word with them), then dropout and the linear layer.
        H = self.features(X)
        return self.head(self.dropout(H.amax(dim=2)))
        ### END SOLUTION
