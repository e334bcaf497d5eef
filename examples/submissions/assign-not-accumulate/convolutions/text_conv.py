"""Part ``text_conv``: a convolutional text classifier (textCNN) that ignores padding.

d2l 6.1 exercise 5 (convolutions for text) is a written question in the notebook. This part is
the textCNN of d2l 16.3 (Kim, 2014) with one change: sentences in a batch are padded to a common
length, and here the padding must not influence the prediction. A sentence's logits must be the
same whether it sits at the start, the middle or the end of its padded row.

Rules: ``TextCNN`` may use ``torch.nn`` (e.g. ``nn.Embedding``, ``nn.Conv1d``, ``nn.Linear``,
``nn.Dropout``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class TextCNN(nn.Module):
    """d2l's textCNN: embedding -> one Conv1d + ReLU per kernel size -> max-over-time pooling ->
    concatenation -> dropout -> linear, made blind to padding.

    Args:
        vocab_size: number of token ids; ``padding_idx`` marks padding.
        embed_size: embedding dimension.
        kernel_sizes: widths k of the convolutions, each ``>= 1``.
        num_channels: output channels of each convolution (same length as ``kernel_sizes``).
        num_classes: number of logits.
        padding_idx: the padding token id (0 in ``load_text()``).

    Input tokens (B, L) int64, any L >= 1: each row is one sentence (a run of tokens other than
    ``padding_idx``) with ``padding_idx`` before and/or after it, or none at all. Output logits
    (B, num_classes), in the model's dtype, on the tokens' device.

    The contract (in eval mode, where dropout is off):

    * A sentence's logits depend only on the sentence: not on where it sits in its row (start,
      middle, end), not on how much padding surrounds it, not on L. That includes rows shorter
      than the widest kernel, which must be accepted: a sentence alone in such a row gets the
      same logits as in any longer padded row.
    * A sentence shorter than some kernel (no k-gram of that width fits in it) still gets finite
      logits, with the same independence from padding.
    * Only ``padding_idx`` is padding: with ``padding_idx`` other than 0, token 0 is a word like
      any other.
    * The logits depend on the sentence: different sentences at least as long as the narrowest
      kernel do not all get the same logits.
    * Trained by ``training.train_classifier`` with ``training.TEXT_MODEL`` and
      ``TEXT_TRAINING``, the model reaches 90% accuracy on held-out sentences.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        kernel_sizes: Sequence[int],
        num_channels: Sequence[int],
        num_classes: int,
        padding_idx: int = 0,
    ) -> None:
        super().__init__()
        if len(kernel_sizes) != len(num_channels) or not kernel_sizes:
            raise ValueError("kernel_sizes and num_channels must be non-empty and equally long")
        if min(kernel_sizes) < 1 or min(num_channels) < 1:
            raise ValueError("kernel sizes and channel counts must be >= 1")
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.padding_idx = padding_idx
        ### BEGIN SOLUTION
        ### TASK: Create the layers of the textCNN described above.
        ### HINT nudge: d2l 16.3's `TextCNN` has these layers. Which one needs `padding_idx`, how
        ### HINT nudge: many features reach the linear layer, and how do you register a list of
        ### HINT nudge: layers so that their parameters are trained?
        ### HINT method: `nn.Embedding(vocab_size, embed_size, padding_idx=padding_idx)`; an
        ### HINT method: `nn.ModuleList` holding one `nn.Conv1d(embed_size, c, k)` (no padding)
        ### HINT method: per (k, c) pair; `nn.Dropout(0.5)` as in d2l; and
        ### HINT method: `nn.Linear(sum(num_channels), num_classes)`.
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=padding_idx)
        self.convs = nn.ModuleList(
            nn.Conv1d(embed_size, c, kernel_size=k) for k, c in zip(self.kernel_sizes, num_channels)
        )
        self.dropout = nn.Dropout(0.5)  # on the pooled features, training only
        self.decoder = nn.Linear(sum(num_channels), num_classes)
        ### END SOLUTION

    def forward(self, tokens: Tensor) -> Tensor:
        """tokens (B, L) int64 -> logits (B, num_classes)."""
        if tokens.dim() != 2 or tokens.is_floating_point():
            raise ValueError(f"tokens must be a 2-D integer tensor, got {tokens.dtype} "
                             f"of shape {tuple(tokens.shape)}")
        ### BEGIN SOLUTION
        ### TASK: Return the logits (B, num_classes) of the rows, keeping the contract above.
        ### HINT nudge: Experiment with d2l's plain textCNN first: put one sentence at the start
        ### HINT nudge: of a padded row and at its end, and print one convolution's outputs for
        ### HINT nudge: both rows side by side. Which outputs reappear, shifted, in the other
        ### HINT nudge: row, and which do not? What does the pooling make of the difference? Then
        ### HINT nudge: repeat with a sentence shorter than the widest kernel, and look at its
        ### HINT nudge: logits wherever you put it.
        ### HINT nudge:
        ### HINT nudge: `nn.Conv1d` needs at least k positions. How can you lengthen a row that is
        ### HINT nudge: shorter than the widest kernel without changing its sentence?
        ### HINT method: Embed, transpose to (B, E, L) for `Conv1d`. For each kernel width k, build
        ### HINT method: a (B, L - k + 1) boolean mask of the windows that contain no padding token
        ### HINT method: (a sliding "all" over the `tokens != padding_idx` mask), and keep the other
        ### HINT method: windows out of the max by overwriting their outputs with a constant that
        ### HINT method: no real window's output can exceed and that is finite: think about the
        ### HINT method: range of ReLU's outputs. Then concatenate, dropout, linear. Pad rows
        ### HINT method: shorter than the widest kernel with `padding_idx` (not with 0) first.
        ### HINT full: `inside = (tokens != self.padding_idx).unfold(1, k, 1).all(dim=2)`, then
        ### HINT full: `torch.relu(conv(E)).masked_fill(~inside.unsqueeze(1), 0.0).amax(dim=2)`: 0
        ### HINT full: rather than -inf, because after ReLU it is the lowest value ("no k-gram
        ### HINT full: found") and it keeps the logits finite for sentences shorter than k. Short
        ### HINT full: rows: `F.pad(tokens, (0, k_max - L), value=self.padding_idx)`.
        ### ANSWER: unfold(1, k, 1)
        ### ANSWER: masked_fill(~inside
        ### ANSWER: rather than -inf
        ### ANSWER: instead of -inf
        ### ANSWER: no k-gram found
        k_max = max(self.kernel_sizes)
        if tokens.shape[1] < k_max:  # Conv1d needs at least k positions
            tokens = F.pad(tokens, (0, k_max - tokens.shape[1]), value=self.padding_idx)
        real = tokens != self.padding_idx  # (B, L)
        E = self.embedding(tokens).transpose(1, 2)  # (B, E, L)
        pooled = []
        for k, conv in zip(self.kernel_sizes, self.convs):
            H = torch.relu(conv(E))  # (B, C, L - k + 1)
            inside = real.unfold(1, k, 1).all(dim=2)  # (B, L - k + 1): window has no padding
            pooled.append(H.masked_fill(~inside.unsqueeze(1), 0.0).amax(dim=2))
        return self.decoder(self.dropout(torch.cat(pooled, dim=1)))
        ### END SOLUTION
