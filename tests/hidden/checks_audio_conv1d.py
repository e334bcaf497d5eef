"""Checks of part ``audio_conv1d``: 1-D cross-correlations and the MFCC classifier."""

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autograder import paths
from autograder.grade.bank import CheckFailed, check
from autograder import wrong_answers
from autograder.recognise import suspects
from autograder.grade.judge import (array, as_tensor, expect_dtype, expect_tensor, expect_unchanged,
                                    tolerance, value_first)
from autograder.tolerances import ACCURACY, NOT_CONVOLUTIONS, OTHER_CONVOLUTIONS
from contracts import Problems, contract, like, parameter_of, shape_of, tensor
from oracles import (NO_CONV, expect_accuracy, expect_input_dependent, load_npz, oracle_corr1d,
                     reference_training, trainer_source)

PART = "audio_conv1d"
EVAL = Path(__file__).parent / "data" / "eval.npz"
# ACCURACY (autograder/tolerances.py): on held-out speakers never shipped to students

SIGNALS = [
    ("short-kernel", dict(T=12, kw=3)),
    ("kernel-1", dict(T=7, kw=1)),
    ("kernel-as-long-as-signal", dict(T=9, kw=9)),
    ("long-signal", dict(T=200, kw=7)),
]
CHANNELS = [
    ("2-in-3-out", dict(c_in=2, c_out=3, T=15, kw=4)),
    ("1-in-1-out", dict(c_in=1, c_out=1, T=8, kw=8)),
    ("20-in-4-out-mfcc-like", dict(c_in=20, c_out=4, T=40, kw=5)),
]


def _suspects(target: str, *args) -> list:
    """The known wrong answers of ``target`` on these inputs (autograder/misconceptions.toml)."""
    return suspects([wrong_answers.public()], target, *args)


@check("corr1d.oracle", PART, "corr1d matches F.conv1d (T={T}, kernel width {kw})", weight=2,
       cases=SIGNALS, public=["test_corr1d_example", "test_corr1d_matches_conv1d"])
def corr1d(student, T, kw) -> None:
    x, k = array(601, T), array(602, kw)
    obs = student.probe("call", name="corr1d", args=[x, k], rules=NO_CONV)
    expect_tensor(obs["value"], oracle_corr1d(x[None], k[None, None])[0], "corr1d output",
                  suspects=_suspects("corr1d", x, k))
    expect_unchanged(obs["inputs"][0], x, "x")


@check("corr1d_multi_in.oracle", PART, "corr1d_multi_in matches F.conv1d ({c_in} channels, "
       "T={T}, kernel width {kw})", weight=2, cases=CHANNELS,
       public=["test_multi_channel_versions_match_conv1d"])
def multi_in(student, c_in, c_out, T, kw) -> None:
    X, K = array(603, c_in, T), array(604, c_in, kw)
    obs = student.probe("call", name="corr1d_multi_in", args=[X, K], rules=NO_CONV)
    expect_tensor(obs["value"], oracle_corr1d(X, K[None])[0], "corr1d_multi_in output",
                  suspects=_suspects("corr1d_multi_in", X, K))


@check("corr1d_multi_in_out.oracle", PART, "corr1d_multi_in_out matches F.conv1d ({c_in} -> "
       "{c_out} channels, T={T}, kernel width {kw})", weight=2, cases=CHANNELS,
       public=["test_multi_channel_versions_match_conv1d"])
def multi_in_out(student, c_in, c_out, T, kw) -> None:
    X, K = array(605, c_in, T), array(606, c_out, c_in, kw)
    obs = student.probe("call", name="corr1d_multi_in_out", args=[X, K], rules=NO_CONV)
    expect_tensor(obs["value"], oracle_corr1d(X, K), "corr1d_multi_in_out output",
                  suspects=_suspects("corr1d_multi_in_out", X, K))
    expect_unchanged(obs["inputs"][1], K, "K")


@check("corr1d.float32", PART, "the corr1d functions keep float32", public=["test_float32_kept"])
def float32(student) -> None:
    X, K = array(607, 3, 20, dtype=torch.float32), array(608, 2, 3, 4, dtype=torch.float32)
    X64, K64 = X.double(), K.double()
    rtol, atol = tolerance(torch.float32)
    for name, args, expected in (
            ("corr1d_multi_in_out", [X, K], oracle_corr1d(X64, K64)),
            ("corr1d_multi_in", [X, K[0]], oracle_corr1d(X64, K64[:1])[0]),
            ("corr1d", [X[0], K[0, 0]], oracle_corr1d(X64[:1], K64[:1, :1])[0])):
        with value_first(f"{name} in float32"):
            obs = student.probe("call", name=name, args=args, rules=NO_CONV)
            expect_tensor(obs["value"], expected.float(), f"{name} in float32", rtol=rtol,
                          atol=atol, suspects=_suspects(name, *args))
        expect_dtype(obs["value"], torch.float32, f"{name} in float32")


@check("audio_net.shapes", PART, "AudioConvNet maps (B, n_mfcc, T) to (B, n_classes) for any "
       "T >= 16, with nn.Conv1d its only convolution and no recurrent or attention layers; "
       "different clips in a batch get different logits",
       weight=2, public=["test_audio_conv_net_shapes_and_input_dependence"])
def shapes(student) -> None:
    for n_mfcc, n_classes in ((20, 10), (13, 4)):
        inputs = [array(609, B, n_mfcc, T, dtype=torch.float32) for B, T in ((3, 16), (1, 37),
                                                                            (2, 101))]
        obs = student.probe("module_forward", name="AudioConvNet",
                            init={"n_mfcc": n_mfcc, "n_classes": n_classes}, seed=0,
                            inputs=inputs)
        for x, out in zip(inputs, obs["outputs"]):
            logits = as_tensor(out, f"AudioConvNet({n_mfcc}, {n_classes}) on {tuple(x.shape)}")
            if tuple(logits.shape) != (x.shape[0], n_classes):
                raise CheckFailed(f"AudioConvNet({n_mfcc}, {n_classes}) on input "
                                  f"{tuple(x.shape)} gave shape {tuple(logits.shape)}, expected "
                                  f"{(x.shape[0], n_classes)}")
            if not torch.isfinite(logits).all():
                raise CheckFailed("AudioConvNet's logits contain NaN or inf")
            expect_input_dependent(logits, f"AudioConvNet({n_mfcc}, {n_classes}) on a batch of "
                                   f"{x.shape[0]} random clips of {x.shape[2]} frames")
        other = [m for m in obs["modules"]
                 if m.startswith("torch.nn.") and m.rsplit(".", 1)[-1] in OTHER_CONVOLUTIONS]
        if other:
            raise CheckFailed(f"AudioConvNet uses {other}: the rules allow nn.Conv1d as its only "
                              "convolution")
        sequence = [m for m in obs["modules"]
                    if m.startswith("torch.nn.") and m.rsplit(".", 1)[-1] in NOT_CONVOLUTIONS]
        if sequence:
            raise CheckFailed(f"AudioConvNet uses {sequence}: the rules allow no recurrent or "
                              "attention layers (this part is about convolutions)")


@cache
def _audio_sets():
    train = load_npz(paths.DATA / "audio_mfcc.npz")
    hidden = load_npz(EVAL)
    as_f32 = lambda a: torch.from_numpy(a.astype(np.float32))  # noqa: E731
    return (as_f32(train["X_train"]), torch.from_numpy(train["y_train"].astype(np.int64)),
            as_f32(hidden["audio_X"]), torch.from_numpy(hidden["audio_y"].astype(np.int64)))


@check("audio_net.accuracy", PART, f"AudioConvNet reaches {ACCURACY:.0%} accuracy on held-out "
       "speakers after the given training", weight=4, timeout=90,
       public=["test_audio_conv_net_accuracy_after_the_given_training"])
def audio_accuracy(student) -> None:
    X_train, y_train, X_eval, y_eval = _audio_sets()
    obs = student.probe("train_classifier", name="AudioConvNet",
                        init={"n_mfcc": int(X_train.shape[1]), "n_classes": 10},
                        trainer_source=trainer_source(),
                        hyper=reference_training()["AUDIO_TRAINING"], X_train=X_train,
                        y_train=y_train, X_eval=X_eval)
    expect_accuracy(obs, y_eval, 10, ACCURACY, "AudioConvNet")


# ------------------------------------------------------------ the contracts of the part's names
# What each graded name promises to accept, from its docstring (tests/hidden/contracts.py).

@contract("corr1d")
def corr1d_contract(x: Any, k: Any) -> Problems:
    """audio_conv1d.corr1d: "x: signal, shape (T,), floating, any device. k: kernel, shape (kw,)
    with kw <= T" (with x's dtype and device: the output has them)."""
    problems = [*tensor(x, "x", 1), *tensor(k, "k", 1), *like(k, x, "k", "x")]
    if shape_of(x) and shape_of(k) and k.shape[0] > x.shape[0]:
        problems.append(f"kernel width {k.shape[0]} exceeds the signal length {x.shape[0]}")
    return problems


@contract("corr1d_multi_in")
def corr1d_multi_in_contract(X: Any, K: Any) -> Problems:
    """audio_conv1d.corr1d_multi_in: "X: signal, shape (c_in, T). K: kernel, shape (c_in, kw)"
    (kw <= T, as corr1d's)."""
    problems = [*tensor(X, "X", 2), *tensor(K, "K", 2), *like(K, X, "K", "X")]
    x, k = shape_of(X), shape_of(K)
    if x and k and len(x) == 2 and len(k) == 2:
        if k[0] != x[0]:
            problems.append(f"K has {k[0]} channels but X has {x[0]}")
        if k[1] > x[1]:
            problems.append(f"kernel width {k[1]} exceeds the signal length {x[1]}")
    return problems


@contract("corr1d_multi_in_out")
def corr1d_multi_in_out_contract(X: Any, K: Any) -> Problems:
    """audio_conv1d.corr1d_multi_in_out: "X: signal, shape (c_in, T). K: kernels, shape (c_out,
    c_in, kw)" (kw <= T)."""
    problems = [*tensor(X, "X", 2), *tensor(K, "K", 3), *like(K, X, "K", "X")]
    x, k = shape_of(X), shape_of(K)
    if x and k and len(x) == 2 and len(k) == 3:
        if k[1] != x[0]:
            problems.append(f"K expects {k[1]} channels but X has {x[0]}")
        if k[2] > x[1]:
            problems.append(f"kernel width {k[2]} exceeds the signal length {x[1]}")
    return problems


@contract("AudioConvNet.forward")
def audio_net_forward_contract(model: Any, X: Any) -> Problems:
    """audio_conv1d.AudioConvNet: "Input X (B, n_mfcc, T) float with any T >= 16", in the
    model's dtype and on its device (torch.nn's contract for a module's input)."""
    problems = [*tensor(X, "X", 3), *like(X, parameter_of(model), "X", "the model")]
    if shape_of(X) and len(X.shape) == 3:
        if X.shape[1] != getattr(model, "n_mfcc", X.shape[1]):
            problems.append(f"X has {X.shape[1]} MFCC channels, the model {model.n_mfcc}")
        if X.shape[2] < 16:
            problems.append(f"T = {X.shape[2]} frames, below 16")
    return problems
