"""Datasets for the assignment (given code: identical in the stubs and the reference).

* ``load_audio()``: MFCC frames of ten spoken command words (``data/audio_mfcc.npz``).
* ``load_text()``: synthetic sentiment sentences where negation flips the label
  (``data/text.npz``).
* Both come with a train, a test and a validation split. The validation split is drawn like the
  grader's held-out set (speakers / sentences in neither train nor test), so its accuracy,
  rather than the test accuracy, predicts the held-out one.
* ``edge_detection_data()``: d2l 6.2's black-and-white image and its edges.

The ``.npz`` files are made by ``scripts/make_data.py`` and committed; nothing is downloaded.
The data folder is ``$CONVOLUTIONS_DATA`` if that is set, otherwise the ``data/`` folder of the
nearest ancestor of this file that has ``data/audio_mfcc.npz``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

AUDIO_FILE = "audio_mfcc.npz"
TEXT_FILE = "text.npz"
PAD, UNK = 0, 1  # token ids of "<pad>" and "<unk>"


def data_dir() -> Path:
    """The folder holding the ``.npz`` files (see the module docstring)."""
    env = os.environ.get("CONVOLUTIONS_DATA")
    if env:
        path = Path(env).expanduser()
        if not (path / AUDIO_FILE).is_file():
            raise FileNotFoundError(f"CONVOLUTIONS_DATA={env!r} has no {AUDIO_FILE}")
        return path
    here = Path(__file__).resolve().parent
    for folder in (here, *here.parents):
        if (folder / "data" / AUDIO_FILE).is_file():
            return folder / "data"
    raise FileNotFoundError(
        f"cannot find data/{AUDIO_FILE} in any folder above {here}; keep the data/ folder next "
        "to convolutions/ or set CONVOLUTIONS_DATA to the folder that holds the .npz files"
    )


@dataclass(frozen=True)
class AudioData:
    """Spoken words as standardised MFCCs (float32) with labels (int64).

    X_train (N_train, n_mfcc, T), y_train (N_train,), X_test (N_test, n_mfcc, T), y_test
    (N_test,), X_val (N_val, n_mfcc, T), y_val (N_val,); ``classes[y]`` is the word. Test
    speakers, speeds and pitches never occur in training. Validation: speakers that are in
    neither train nor test, drawn like the grader's held-out set (another family of voices, new
    speeds and pitches), so validation accuracy predicts the held-out accuracy; X_val and y_val
    are None only with an older data file that lacks them. Frames are ``hop_length`` samples
    apart at ``sample_rate`` Hz.
    """

    X_train: Tensor
    y_train: Tensor
    X_test: Tensor
    y_test: Tensor
    classes: list[str]
    n_mfcc: int
    sample_rate: int
    hop_length: int
    X_val: Tensor | None = None  # last and optional: older callers need not pass them
    y_val: Tensor | None = None


@dataclass(frozen=True)
class TextData:
    """Token ids (int64) right-padded with ``PAD`` = 0 to a common length L, with labels.

    X_train (N_train, L), len_train (N_train,) tokens before the padding, y_train (N_train,),
    and the same for test (X_test, len_test, y_test) and validation (X_val, len_val, y_val).
    No sentence occurs in two splits. Validation: sentences in neither train nor test, drawn
    like the grader's held-out set, with the training vocabulary (a word never seen in
    training would be ``UNK``); X_val, len_val and y_val are None only with an older data file
    that lacks them. ``vocab[i]`` is the word of id i (0 = "<pad>", 1 = "<unk>");
    ``classes[y]`` is the label name.
    """

    X_train: Tensor
    len_train: Tensor
    y_train: Tensor
    X_test: Tensor
    len_test: Tensor
    y_test: Tensor
    vocab: list[str]
    classes: list[str]
    X_val: Tensor | None = None  # last and optional: older callers need not pass them
    len_val: Tensor | None = None
    y_val: Tensor | None = None

    def encode(self, sentence: str, length: int | None = None) -> Tensor:
        """Ids (int64) of a space-separated sentence, unknown words -> ``UNK``, right-padded
        with ``PAD`` to ``length`` (default: no padding)."""
        index = {w: i for i, w in enumerate(self.vocab)}
        ids = [index.get(w, UNK) for w in sentence.lower().split()]
        if length is not None:
            if len(ids) > length:
                raise ValueError(f"sentence has {len(ids)} tokens, more than length={length}")
            ids += [PAD] * (length - len(ids))
        return torch.tensor(ids, dtype=torch.int64)

    def decode(self, ids: Tensor) -> str:
        """The words of a 1-D id tensor, padding left out."""
        return " ".join(self.vocab[i] for i in ids.tolist() if i != PAD)


def _load(name: str) -> dict[str, np.ndarray]:
    with np.load(data_dir() / name) as f:
        return {k: f[k] for k in f.files}


def load_audio() -> AudioData:
    """The spoken-word dataset (see ``AudioData``)."""
    a = _load(AUDIO_FILE)

    def f32(k: str) -> torch.Tensor:
        return torch.from_numpy(a[k].astype(np.float32))  # stored as float16

    def i64(k: str) -> torch.Tensor:
        return torch.from_numpy(a[k].astype(np.int64))

    return AudioData(
        X_train=f32("X_train"), y_train=i64("y_train"), X_test=f32("X_test"),
        y_test=i64("y_test"), classes=[str(c) for c in a["classes"]],
        n_mfcc=int(a["n_mfcc"]), sample_rate=int(a["sample_rate"]),
        hop_length=int(a["hop_length"]),
        **({"X_val": f32("X_val"), "y_val": i64("y_val")} if "X_val" in a else {}),
    )


def load_text() -> TextData:
    """The sentiment dataset (see ``TextData``)."""
    a = _load(TEXT_FILE)

    def i64(k: str) -> torch.Tensor:
        return torch.from_numpy(a[k].astype(np.int64))

    return TextData(
        X_train=i64("X_train"), len_train=i64("len_train"), y_train=i64("y_train"),
        X_test=i64("X_test"), len_test=i64("len_test"), y_test=i64("y_test"),
        vocab=[str(w) for w in a["vocab"]], classes=[str(c) for c in a["classes"]],
        **({k: i64(k) for k in ("X_val", "len_val", "y_val")} if "X_val" in a else {}),
    )


def edge_detection_data(dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor]:
    """d2l 6.2.3's X (6, 8) and Y = corr2d(X, [[1, -1]]) (6, 7)."""
    X = torch.ones((6, 8), dtype=dtype)
    X[:, 2:6] = 0
    K = torch.tensor([[1.0, -1.0]], dtype=dtype)
    Y = torch.nn.functional.conv2d(X[None, None], K[None, None])[0, 0]  # a cross-correlation
    return X, Y
