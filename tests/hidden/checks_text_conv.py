"""Checks of part ``text_conv``: TextCNN shapes, padding invariance and accuracy."""

import contextlib
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autograder import paths
from autograder.grade.bank import CheckFailed, check
from autograder.grade.judge import as_tensor, compare_values
from autograder.tolerances import ACCURACY, INVARIANCE
from contracts import Problems, contract, parameter_of, tensor
from oracles import (expect_accuracy, expect_input_dependent, load_npz, reference_training,
                     trainer_source)

PART = "text_conv"
EVAL = Path(__file__).parent / "data" / "eval.npz"
SMALL = dict(vocab_size=40, embed_size=6, kernel_sizes=[2, 3, 5], num_channels=[4, 3, 2],
             num_classes=3)


def _rows(sentence: list[int], length: int, offsets: list[int]) -> torch.Tensor:
    rows = torch.zeros(len(offsets), length, dtype=torch.int64)
    for i, o in enumerate(offsets):
        rows[i, o:o + len(sentence)] = torch.tensor(sentence)
    return rows


def _logits(student, rows_list, init=SMALL, seed=0):
    obs = student.probe("module_forward", name="TextCNN", init=init, seed=seed,
                        inputs=rows_list, dtype="float64")
    return [as_tensor(o, f"TextCNN logits for tokens {tuple(r.shape)}")
            for o, r in zip(obs["outputs"], rows_list)]


# ----------------------------------------------------- known wrong answers (misconceptions.toml)
# A TextCNN's logits depend on its own layers (which the probe does not report), so its pooling
# mistakes are recognised by how the logits move, not by their values: one extra forward, made
# only when a padding check failed. Each sentence sits at both edges of a row of 24 and at two
# places with at least 4 (the widest kernel less one) padding tokens on both sides, and at one
# of those places in rows of 32 and 40.
POOLING_PROBE = ([12, 3, 27, 8, 19, 6], [33, 7, 1, 25, 14], [5, 30, 2])


def _pooling_mistake(student) -> str | None:
    """``textcnn_max_over_padding`` where a sentence's logits change at the row's edges but not
    between two places with padding on both sides, nor with the row's length (a maximum that
    also sees the windows holding padding); ``textcnn_mean_pool`` where they do not change
    between those two places but do with the row's length, and not in proportion to it (an
    average over the row: a sum over it would grow in proportion); None otherwise."""
    n = len(POOLING_PROBE)
    rows = [torch.cat([_rows(s, 24, [0, 9, 12, 24 - len(s)]) for s in POOLING_PROBE]),
            *(torch.cat([_rows(s, L, [9]) for s in POOLING_PROBE]) for L in (32, 40))]
    try:
        (a, b, c) = _logits(student, rows)
    except CheckFailed:
        return None
    shapes = [tuple(t.shape) for t in (a, b, c)]
    if shapes != [(4 * n, 3), (n, 3), (n, 3)] or \
            not all(bool(torch.isfinite(t).all()) for t in (a, b, c)):
        return None
    a = a.reshape(n, 4, 3)  # per sentence: at the start, at 9, at 12, at the end

    def same(x, y) -> bool:
        return bool(torch.allclose(x, y, rtol=INVARIANCE[0], atol=INVARIANCE[1]))

    padded = [a[i, 1] for i in range(n)]
    moved_within = all(same(a[i, 2], padded[i]) for i in range(n))
    edges_same = all(same(a[i, 0], padded[i]) and same(a[i, 3], padded[i]) for i in range(n))
    longer_same = all(same(b[i], padded[i]) and same(c[i], padded[i]) for i in range(n))
    averaged = all(not same(c[i], padded[i]) and not same(b[i], (padded[i] + c[i]) / 2)
                   for i in range(n))
    if moved_within and not edges_same and longer_same:
        return "textcnn_max_over_padding"
    if moved_within and averaged:
        return "textcnn_mean_pool"
    return None


@contextlib.contextmanager
def _pooling_recognised(student):
    """A failure in the block carries the pooling mistake the logits show, if one."""
    try:
        yield
    except CheckFailed as failure:
        failure.misconception = failure.misconception or _pooling_mistake(student)
        raise


@check("textcnn.shapes", PART, "TextCNN maps int64 tokens (B, L) to logits (B, num_classes); "
       "different sentences in a batch get different logits",
       public=["test_logits_shape_and_input_dependence"])
def shapes(student) -> None:
    _expect_batch_logits(student, 701, ((4, 12), (1, 5), (3, 40)))


def _expect_batch_logits(student, seed: int, sizes) -> None:
    """Random token rows of each (B, L) in ``sizes``: logits (B, num_classes) that differ
    between the rows of a batch."""
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(1, 40, (B, L), generator=g) for B, L in sizes]
    for x, logits in zip(inputs, _logits(student, inputs)):
        if tuple(logits.shape) != (x.shape[0], 3):
            raise CheckFailed(f"TextCNN on tokens {tuple(x.shape)} (kernels up to 5) gave logits "
                              f"of shape {tuple(logits.shape)}, expected {(x.shape[0], 3)}")
        expect_input_dependent(logits, f"TextCNN on {x.shape[0]} rows of {x.shape[1]} tokens")


@check("textcnn.shift_invariance", PART, "a sentence's logits do not change when it moves "
       "within its padded row (start, middle, end), and different sentences get different "
       "logits", weight=3, public=["test_logits_do_not_move_with_the_sentence"])
def shift_invariance(student) -> None:
    with _pooling_recognised(student):
        _shift_invariance(student)


def _shift_invariance(student) -> None:
    g = torch.Generator().manual_seed(702)
    firsts = []
    for n in (7, 5, 12):
        sentence = torch.randint(1, 40, (n,), generator=g).tolist()
        rows = _rows(sentence, 20, [0, (20 - n) // 2, 20 - n, 3])
        (logits,) = _logits(student, [rows])
        for i, where in enumerate(("middle", "end", "offset 3"), start=1):
            compare_values(logits[i], logits[0], f"logits of a {n}-token sentence moved to the "
                           f"{where} of its row vs at the start",
                           rtol=INVARIANCE[0], atol=INVARIANCE[1])
        firsts.append(logits[0])
    expect_input_dependent(firsts, "TextCNN on three different sentences")


@check("textcnn.padding_length", PART, "more padding (a longer row) does not change the logits",
       weight=2, public=["test_more_padding_does_not_change_the_logits"])
def padding_length(student) -> None:
    with _pooling_recognised(student):
        _padding_length(student)


def _padding_length(student) -> None:
    sentences = ([5, 9, 2, 17, 3, 33], [21, 4, 38, 8, 12, 30, 6])
    short = torch.cat([_rows(s, 8, [1]) for s in sentences])
    long = torch.cat([_rows(s, 30, [10]) for s in sentences])
    a, b = _logits(student, [short, long])
    for i in range(len(sentences)):
        compare_values(b[i], a[i], "logits with 30 vs 8 positions of padding", rtol=1e-9,
                       atol=1e-9)
    expect_input_dependent(a, "TextCNN on two different sentences")


@check("textcnn.short_sentences", PART, "sentences shorter than the widest kernel still get "
       "finite logits that ignore padding and depend on the sentence",
       public=["test_sentences_shorter_than_the_widest_kernel"])
def short_sentences(student) -> None:
    with _pooling_recognised(student):
        _short_sentences(student)


def _short_sentences(student) -> None:
    others = ([3, 25], [18, 2], [30, 14])  # different 2-token sentences, at the start
    rows = torch.cat([_rows([7, 11], 9, [0, 7, 3]), *(_rows(s, 9, [0]) for s in others)])
    (logits,) = _logits(student, [rows])
    if not torch.isfinite(logits).all():
        raise CheckFailed("a 2-token sentence (kernels up to 5) gives NaN or inf logits")
    compare_values(logits[1], logits[0], "logits of a 2-token sentence at the end vs the start",
                   rtol=INVARIANCE[0], atol=INVARIANCE[1])
    expect_input_dependent(logits[[0, 3, 4, 5]], "TextCNN on four different 2-token sentences")


@cache
def _text_sets():
    train = load_npz(paths.DATA / "text.npz")
    hidden = load_npz(EVAL)
    i64 = lambda a: torch.from_numpy(a.astype(np.int64))  # noqa: E731
    return (i64(train["X_train"]), i64(train["y_train"]), i64(hidden["text_X"]),
            i64(hidden["text_y"]), int(len(train["vocab"])))


@check("textcnn.accuracy", PART, f"TextCNN reaches {ACCURACY:.0%} accuracy on held-out "
       "sentences after the given training", weight=4, timeout=90,
       public=["test_accuracy_after_the_given_training"])
def text_accuracy(student) -> None:
    X_train, y_train, X_eval, y_eval, vocab = _text_sets()
    hyper = reference_training()
    init = {"vocab_size": vocab, **hyper["TEXT_MODEL"], "num_classes": 2}
    init = {k: list(v) if isinstance(v, tuple) else v for k, v in init.items()}
    obs = student.probe("train_classifier", name="TextCNN", init=init,
                        trainer_source=trainer_source(), hyper=hyper["TEXT_TRAINING"],
                        X_train=X_train, y_train=y_train, X_eval=X_eval)
    expect_accuracy(obs, y_eval, 2, ACCURACY, "TextCNN")


@check("textcnn.rows_shorter_than_kernels", PART, "TextCNN takes rows shorter than its widest "
       "kernel (it pads internally): finite logits of shape (B, num_classes) that depend on the "
       "sentence", public=["test_rows_shorter_than_the_widest_kernel"])
def rows_shorter_than_kernels(student) -> None:
    # (Rows of one token have no window without padding for any kernel: their logits are the
    # same by design, so at least two tokens.)
    _expect_batch_logits(student, 705, ((3, 2), (2, 4)))


@check("textcnn.padding_idx", PART, "TextCNN(padding_idx=p) with p other than 0 pads with p and "
       "treats 0 as a word: a sentence's logits do not depend on where it sits, on how much "
       "padding there is, or on its row being shorter than the widest kernel",
       public=["test_another_padding_idx"])
def padding_idx(student) -> None:
    with _pooling_recognised(student):
        _padding_idx(student)


def _padding_idx(student) -> None:
    pad = 37
    init = {**SMALL, "padding_idx": pad}
    sentences = ([0, 12, 5], [12, 0, 5])  # 0 is a word like any other here
    short = torch.tensor(sentences)  # 3 tokens, kernels up to 5: padded internally
    long = torch.full((2 * len(sentences), 11), pad)
    for i, (s, o) in enumerate((s, o) for s in sentences for o in (0, 8)):
        long[i, o:o + len(s)] = torch.tensor(s)
    a, b = _logits(student, [short, long], init=init)
    for i in range(len(sentences)):
        for j, where in enumerate(("start", "end")):
            compare_values(b[2 * i + j], a[i], f"logits with a padding id other than 0: a sentence "
                           f"at the {where} of a padded row vs alone in a row shorter than the "
                           "widest kernel", rtol=INVARIANCE[0], atol=INVARIANCE[1])
    expect_input_dependent(a, "TextCNN on two different sentences")


# ------------------------------------------------------------ the contracts of the part's names
# What each graded name promises to accept, from its docstring (tests/hidden/contracts.py).

@contract("TextCNN.forward")
def textcnn_forward_contract(model: Any, tokens: Any) -> Problems:
    """text_conv.TextCNN: "Input tokens (B, L) int64, any L >= 1", ids below vocab_size (the
    ids are not read here: reading values would run operators), on the model's device."""
    problems = tensor(tokens, "tokens", 2, floating=False)
    if isinstance(tokens, torch.Tensor):
        if tokens.dtype != torch.int64:
            problems.append(f"tokens are {tokens.dtype}, not int64")
        if tokens.dim() == 2 and tokens.shape[1] < 1:
            problems.append("rows of no tokens")
        weight = parameter_of(model)
        if weight is not None and tokens.device.type != weight.device.type:
            problems.append(f"tokens on {tokens.device}, the model on {weight.device}")
    return problems
