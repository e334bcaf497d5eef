"""Public tests for part ``text_conv`` (TextCNN with max-over-time pooling that ignores padding)."""

import pytest
import torch

from convolutions import TextCNN
from support import (assert_input_dependent, assert_layout, assert_tensor, assert_trained_accuracy,
                     load_data, on_device, tolerances, value_first)

pytestmark = pytest.mark.text_conv

RTOL, ATOL = tolerances.INVARIANCE


def _model() -> TextCNN:
    torch.manual_seed(0)
    return TextCNN(vocab_size=30, embed_size=8, kernel_sizes=[2, 3], num_channels=[4, 5],
                   num_classes=3).double().eval()


def _logits(rows: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return _model()(rows)


def _rows(sentence: list[int], length: int, offsets: list[int]) -> torch.Tensor:
    """One row per offset: the sentence starting there, padding (0) around it."""
    rows = torch.zeros(len(offsets), length, dtype=torch.int64)
    for i, offset in enumerate(offsets):
        rows[i, offset:offset + len(sentence)] = torch.tensor(sentence)
    return rows


@pytest.mark.parametrize("B, L", [(4, 12), (1, 6), (3, 33)], ids=str)
def test_logits_shape_and_input_dependence(B, L) -> None:
    tokens = torch.randint(1, 30, (B, L), generator=torch.Generator().manual_seed(1))
    logits = _logits(tokens)
    what = f"TextCNN on tokens ({B}, {L})"
    assert_layout(logits, (B, 3), torch.float64, "cpu", what)
    if B > 1:
        assert_input_dependent(logits, f"{what}, {B} different random sentences")


def test_logits_do_not_move_with_the_sentence() -> None:
    firsts = []
    for sentence in ([5, 9, 2, 17, 3], [8, 8, 21, 4, 13, 26, 2, 7]):
        n = len(sentence)
        logits = _logits(_rows(sentence, 13, [0, 13 - n, (13 - n) // 2, 1]))
        for i, where in enumerate(("end", "middle", "second position"), start=1):
            assert_tensor(logits[i], logits[0], f"logits of a {n}-token sentence moved to the "
                          f"{where} of its row, against at the start", rtol=RTOL, atol=ATOL)
        firsts.append(logits[0])
    assert_input_dependent(torch.stack(firsts), "TextCNN on two different sentences")


def test_more_padding_does_not_change_the_logits() -> None:
    sentences = ([12, 3, 27, 6], [19, 1, 15, 22, 9])
    short = torch.cat([_rows(s, 6, [0]) for s in sentences])
    long = torch.cat([_rows(s, 25, [7]) for s in sentences])
    a, b = _logits(short), _logits(long)
    assert_tensor(b, a, "logits with rows of 25 against rows of 6 tokens", rtol=RTOL, atol=ATOL)
    assert_input_dependent(a, "TextCNN on two different sentences")


def test_sentences_shorter_than_the_widest_kernel() -> None:
    """A 2-token sentence has no window of width 3 inside it: finite logits that still ignore
    the padding and depend on the sentence."""
    rows = torch.cat([_rows([11, 6], 7, [0, 5, 3]), _rows([24, 2], 7, [0]),
                      _rows([6, 11], 7, [0])])
    logits = _logits(rows)
    assert torch.isfinite(logits).all(), "a 2-token sentence (kernels 2 and 3) gives NaN or inf"
    for i, where in ((1, "end"), (2, "middle")):
        assert_tensor(logits[i], logits[0], f"logits of a 2-token sentence moved to the {where} "
                      "of its row, against at the start", rtol=RTOL, atol=ATOL)
    assert_input_dependent(logits[[0, 3, 4]], "TextCNN on three different 2-token sentences")


@pytest.mark.parametrize("B, L", [(3, 2), (2, 1)], ids=str)
def test_rows_shorter_than_the_widest_kernel(B, L) -> None:
    tokens = torch.randint(1, 30, (B, L), generator=torch.Generator().manual_seed(2))
    logits = _logits(tokens)
    what = f"TextCNN (kernels 2 and 3) on tokens ({B}, {L})"
    assert_layout(logits, (B, 3), torch.float64, "cpu", what)
    assert torch.isfinite(logits).all(), f"{what}: the logits contain NaN or inf"
    if L >= 2:  # (a 1-token row fits no kernel: nothing to see, whatever the word)
        assert_input_dependent(logits, f"{what}, {B} different rows")


def test_another_padding_idx() -> None:
    """With padding_idx=29, only 29 is padding (also for rows shorter than the widest kernel)
    and 0 is a word like any other."""
    torch.manual_seed(0)
    model = TextCNN(vocab_size=30, embed_size=8, kernel_sizes=[2, 3], num_channels=[4, 5],
                    num_classes=3, padding_idx=29).double().eval()
    sentences = ([0, 7], [7, 0])
    alone = torch.tensor(sentences)  # rows of 2 tokens, kernels up to 3
    padded = torch.full((4, 9), 29)
    for i, (sentence, offset) in enumerate((s, o) for s in sentences for o in (0, 7)):
        padded[i, offset:offset + 2] = torch.tensor(sentence)
    with torch.no_grad():
        a, b = model(alone), model(padded)
    for i, sentence in enumerate(sentences):
        for j, where in enumerate(("start", "end")):
            assert_tensor(b[2 * i + j], a[i], f"logits of {sentence} at the {where} of a row "
                          "padded with 29 (padding_idx=29), against alone in a row of 2 tokens",
                          rtol=RTOL, atol=ATOL)
    assert_input_dependent(a, "TextCNN(padding_idx=29) on [0, 7] and [7, 0] (0 is a word here)")


def test_logits_on_the_input_device() -> None:
    """On the meta device (shapes, no values), after the same model gives logits that depend on
    the sentence on the CPU: a constant model earns nothing."""
    tokens = torch.tensor([[4, 9, 2, 0, 0], [7, 3, 5, 1, 6]])

    def logits(device):
        torch.manual_seed(0)
        model = TextCNN(vocab_size=30, embed_size=8, kernel_sizes=[2, 3], num_channels=[4, 5],
                        num_classes=3).to(device).eval()
        with torch.no_grad():
            return model(tokens.to(device))

    with value_first("TextCNN on meta"):
        assert_input_dependent(logits("cpu"), "TextCNN on two different sentences, on cpu")
    on_meta = on_device(logits, "meta")
    if on_meta is not None:
        assert_layout(on_meta, (2, 3), None, "meta", "TextCNN output on meta")


def test_accuracy_after_the_given_training() -> None:
    from convolutions.training import TEXT_MODEL, TEXT_TRAINING

    data = load_data("text")
    torch.manual_seed(0)
    model = TextCNN(len(data["vocab"]), **TEXT_MODEL, num_classes=len(data["classes"]))
    assert_trained_accuracy(model, data, TEXT_TRAINING, "TextCNN", "sentences", "sentences")
