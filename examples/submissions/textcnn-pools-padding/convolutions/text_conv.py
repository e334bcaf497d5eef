"""Part ``text_conv``: a convolutional text classifier (textCNN) that ignores padding.

d2l 6.1 exercise 5: text is a sequence, so convolution slides along the token axis; a kernel of
width k is a learned detector for k-grams such as "not good" or "not very good". This is the
textCNN of d2l 16.3 (Kim, 2014) with one change: sentences in a batch are padded to a common
length, and here the padding must not influence the prediction. A sentence's logits must be the
same whether it sits at the start, the middle or the end of its padded row.

Rules: ``nn.Embedding``, ``nn.Conv1d``, ``nn.Linear`` and ``nn.Dropout`` are allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class TextCNN(nn.Module):
    """Embedding -> one Conv1d + ReLU per kernel size -> masked max over time -> linear.

    Args:
        vocab_size: number of token ids; ``padding_idx`` marks padding.
        embed_size: embedding dimension (the channels of the convolutions).
        kernel_sizes: widths k of the convolutions, each ``>= 1``.
        num_channels: output channels of each convolution (same length as ``kernel_sizes``).
        num_classes: number of logits.
        padding_idx: the padding token id (0 in ``load_text()``).

    Input tokens (B, L) int64, any L >= 1, each row a sentence followed and/or preceded by
    ``padding_idx``. Output logits (B, num_classes).

    Padding is ignored by pooling only over windows that lie entirely inside the sentence (no
    padding token in the k positions a window covers). A window's output depends only on the
    tokens it covers, so the set of pooled values, and hence the logits, do not depend on where
    the sentence sits in the row nor on L. A sentence shorter than k has no such window: that
    convolution then contributes 0 (its ReLU features' lowest possible value, "no k-gram found")
    instead of -inf; rows shorter than the widest kernel are padded internally first.
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
        ### TASK: Create self.embedding (nn.Embedding with padding_idx), an nn.ModuleList with one
        ### TASK: nn.Conv1d(embed_size, c, k) per (k, c) pair (no padding), an nn.Dropout(0.5),
        ### TASK: and a Linear layer from sum(num_channels) features to num_classes.
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
        ### TASK: Embed to (B, L, E) and transpose to (B, E, L) for Conv1d. For each kernel size k,
        ### TASK: conv + ReLU gives (B, C, L - k + 1); window t covers tokens t .. t + k - 1. Build
        ### TASK: a (B, L - k + 1) mask of windows without any padding token (Tensor.unfold on the
        ### TASK: "is a real token" mask helps), set the other outputs to 0 (safe after ReLU, and
        ### TASK: it gives 0 rather than -inf when a sentence is shorter than k), and take the
        ### TASK: max over time -> (B, C). Concatenate, dropout, linear. If L is smaller than the
        ### TASK: widest kernel, pad the tokens with padding_idx first.
        k_max = max(self.kernel_sizes)
        if tokens.shape[1] < k_max:  # Conv1d needs at least k positions
            tokens = F.pad(tokens, (0, k_max - tokens.shape[1]), value=self.padding_idx)
        real = tokens != self.padding_idx  # (B, L)
        E = self.embedding(tokens).transpose(1, 2)  # (B, E, L)
        pooled = []
        for k, conv in zip(self.kernel_sizes, self.convs):
            H = torch.relu(conv(E))  # (B, C, L - k + 1)
            inside = real.unfold(1, k, 1).all(dim=2)  # (B, L - k + 1): window has no padding
            pooled.append(H.amax(dim=2))
        return self.decoder(self.dropout(torch.cat(pooled, dim=1)))
        ### END SOLUTION
