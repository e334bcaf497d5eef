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
    ### BEGIN SOLUTION
    ### TASK: Return y as defined above.
    ### HINT nudge: Your `corr2d` in one dimension: for a fixed offset `a`, which samples does
    ### HINT nudge: `k[a]` multiply, over all output positions t at once?
    ### HINT method: Loop over the kw offsets; each adds `k[a]` times one slice of x of length
    ### HINT method: `T - kw + 1` into `y`, which starts as `x.new_zeros(...)`. Work out of place.
    ### HINT full: `y += k[a] * x[a : a + n]` with `n = T - kw + 1`.
    ### ANSWER: k[a] * x[a : a + n]
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
        y, shape (T - kw + 1,): ``y[t] = sum_c sum_a X[c, t + a] * K[c, a]``, with X's dtype
        and device. Neither input is modified.
    """
    _check(X, "X", 2)
    _check(K, "K", 2)
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} channels but K has {K.shape[0]}")
    if K.shape[1] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[1]} exceeds signal length {X.shape[1]}")
    ### BEGIN SOLUTION
    ### TASK: Return y as defined above.
    ### HINT nudge: Write out y[t] for c_in = 2 and kw = 2 by hand, four terms. Group them by
    ### HINT nudge: the offset a: which entries of X and of K meet at one offset, over all t at
    ### HINT nudge: once? What shapes do those pieces have, and what must happen to the channel
    ### HINT nudge: axis to leave one number per t?
    ### HINT method: At offset `a`, the (c_in,) kernel column `K[:, a]` times the (c_in, n)
    ### HINT method: window of X starting at `a` is a vector-matrix product giving (n,); add it
    ### HINT method: into `y` for every offset.
    ### HINT full: `y += K[:, a] @ X[:, a : a + n]` with `n = T - kw + 1`.
    ### ANSWER: K[:, a] @ X[:, a : a + n]
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
        Y, shape (c_out, T - kw + 1): ``Y[o] = corr1d_multi_in(X, K[o])``, with X's dtype and
        device. Neither input is modified.
    """
    _check(X, "X", 2)
    _check(K, "K", 3)
    if X.shape[0] != K.shape[1]:
        raise ValueError(f"X has {X.shape[0]} channels but K expects {K.shape[1]}")
    if K.shape[2] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[2]} exceeds signal length {X.shape[1]}")
    ### BEGIN SOLUTION
    ### TASK: Return Y as defined above.
    ### HINT nudge: Compare with `corr1d_multi_in`: at one offset, which part of K now meets the
    ### HINT nudge: window of X, and which shape must that offset's contribution to Y have? Does
    ### HINT nudge: your `corr1d_multi_in` step still work if its kernel piece gains an axis?
    ### HINT method: Loop over the kw offsets; at offset `a`, the (c_out, c_in) slice of K for
    ### HINT method: that offset times the (c_in, n) window of X is a matrix product giving
    ### HINT method: (c_out, n); add it into `Y`.
    ### HINT full: `Y += K[:, :, a] @ X[:, a : a + n]`.
    ### ANSWER: K[:, :, a] @ X[:, a : a + n]
    n = X.shape[1] - K.shape[2] + 1
    Y = X.new_zeros((K.shape[0], n))
    for a in range(K.shape[2]):
        Y = Y + K[:, :, a] @ X[:, a : a + n]
    return Y
    ### END SOLUTION


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
        ### BEGIN SOLUTION
        ### TASK: Build the layers of your network.
        ### HINT nudge: Think of each `Conv1d` output channel as a detector of a short sound
        ### HINT nudge: pattern a few frames long. How many frames does a spoken word span, and
        ### HINT nudge: how many layers (or how wide kernels) does the last layer need to see
        ### HINT nudge: that much? Clips can be as short as 16 frames: every layer must leave some.
        ### HINT nudge:
        ### HINT nudge: The logits' size must not depend on T, so at some point the time axis has
        ### HINT nudge: to be summarised. Before choosing how, look at a few clips
        ### HINT nudge: (`data.load_audio`): where in the clip is the word, and what fills the rest?
        ### HINT method: Two or three `Conv1d` + ReLU layers with "same" padding (padding =
        ### HINT method: kernel // 2) and a few dozen to a hundred channels, perhaps one
        ### HINT method: `MaxPool1d(2)` between them; then, in `forward`, one reduction over the
        ### HINT method: whole time axis to (B, C), dropout and a single `nn.Linear(C, n_classes)`.
        ### HINT method: Try both a mean and a maximum over time as that reduction and compare the
        ### HINT method: held-out accuracy.
        ### HINT full: `Conv1d(n_mfcc, 64, 5, padding=2)` + ReLU, `Conv1d(64, 64, 5, padding=2)`
        ### HINT full: + ReLU, `MaxPool1d(2)`, `Conv1d(64, 128, 3, padding=1)` + ReLU; in
        ### HINT full: `forward` a global max over time (a max, not a mean: most frames are
        ### HINT full: background noise, and a mean dilutes the word with them), `Dropout(0.2)`
        ### HINT full: and `Linear(128, n_classes)`.
        ### ANSWER: Conv1d(n_mfcc, 64
        ### ANSWER: Linear(128, n_classes)
        ### ANSWER: global max
        ### ANSWER: a max, not a mean
        ### ANSWER: mean dilutes
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
        ### TASK: Return the logits (B, n_classes) of X, whatever T (>= 16) is.
        ### HINT nudge: Whatever T is, the linear layer needs the same number of features: what
        ### HINT nudge: do you do with the time axis of the last convolution's output?
        ### HINT method: Run the convolutional layers to get (B, C, T'), reduce the time axis
        ### HINT method: (dimension 2) to (B, C) with the reduction you chose in `__init__`, then
        ### HINT method: apply dropout and the linear layer.
        ### HINT full: `return self.head(self.dropout(self.features(X).amax(dim=2)))`.
        ### ANSWER: amax(dim=2)
        ### ANSWER: global max
        H = self.features(X)
        return self.head(self.dropout(H.amax(dim=2)))
        ### END SOLUTION
