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
        # TODO: Create the layers of the textCNN described above.
        raise NotImplementedError("TextCNN.__init__: not implemented yet (see the TODO)")

    def forward(self, tokens: Tensor) -> Tensor:
        """tokens (B, L) int64 -> logits (B, num_classes)."""
        if tokens.dim() != 2 or tokens.is_floating_point():
            raise ValueError(f"tokens must be a 2-D integer tensor, got {tokens.dtype} "
                             f"of shape {tuple(tokens.shape)}")
        # TODO: Return the logits (B, num_classes) of the rows, keeping the contract above.
        raise NotImplementedError("TextCNN.forward: not implemented yet (see the TODO)")
