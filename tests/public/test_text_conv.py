"""Public tests for part ``text_conv`` (TextCNN with max-over-time pooling that ignores padding)."""

import pytest
import torch

from convolutions import TextCNN
from support import assert_tensor

pytestmark = pytest.mark.text_conv


def _model() -> TextCNN:
    torch.manual_seed(0)
    return TextCNN(vocab_size=30, embed_size=8, kernel_sizes=[2, 3], num_channels=[4, 5],
                   num_classes=3).double().eval()


def test_logits_shape() -> None:
    tokens = torch.randint(1, 30, (4, 12), generator=torch.Generator().manual_seed(1))
    logits = _model()(tokens)
    assert type(logits) is torch.Tensor and tuple(logits.shape) == (4, 3), (
        f"TextCNN on tokens (4, 12) gave {getattr(logits, 'shape', logits)}, expected (4, 3)"
    )


def test_logits_do_not_move_with_the_sentence() -> None:
    sentence = torch.tensor([5, 9, 2, 17, 3])
    rows = torch.zeros(3, 10, dtype=torch.int64)
    rows[0, :5], rows[1, 5:], rows[2, 2:7] = sentence, sentence, sentence  # left, right, middle
    logits = _model()(rows)
    assert_tensor(logits[1], logits[0], "logits of the sentence moved to the end of its row")
    assert_tensor(logits[2], logits[0], "logits of the sentence moved to the middle of its row")
