"""Recognising a known wrong answer in a result that failed a check: shared by the grader
(``autograder/grade/judge.py``) and the public tests (``tests/public/support.py``).

A *wrong answer* is a function that computes what one misconception of the library
(``autograder/misconceptions.toml``) gives on a check's inputs: a tensor (recognised by shape
and values, within the check's tolerance), or a ``torch.Size`` (recognised by shape alone, for
a mistake whose values cannot be predicted, such as an output-size formula that rounds up).
Wrong answers are kept in tables, ``{target: [(misconception id, function), ...]}``, where the
target names what a check compares (``"corr2d"``, ``"Corr2dFunction.dK"``, ...): the public
ones in ``autograder/wrong_answers/<part>.py`` (shipped with the public tests), the ones that
would give the answer away beside the hidden checks (``tests/hidden/checks_<part>.py``), each
table named ``WRONG_ANSWERS``.

A check names its suspects with the call it judged (``suspects(tables, "corr2d", X, K, ...)``);
only when the result is wrong are the suspects' outputs computed and compared. A suspect that
gives the right answer on the check's input (a symmetric kernel flipped) is never recognised
there. Recognition only adds words to a failure: it never changes a score.

Standard library and torch only: ``make release`` copies this file into the student template.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

# target -> [(misconception id, function computing the wrong answer from the check's inputs)]
Table = Mapping[str, Sequence[tuple[str, Callable[..., Any]]]]


@dataclass(frozen=True)
class Suspect:
    misconception: str
    output: Callable[[], Any]  # the wrong answer on the check's input (tensor or torch.Size)


def suspects(tables: Iterable[Table], target: str, *args: Any, **kwargs: Any) -> list[Suspect]:
    """The wrong answers of ``target`` in ``tables``, bound to the check's inputs (computed only
    if the check fails)."""
    return [Suspect(mid, functools.partial(fn, *args, **kwargs))
            for table in tables for mid, fn in table.get(target, ())]


def close(a: torch.Tensor, b: torch.Tensor, rtol: float, atol: float) -> bool:
    """Same shape and every value within tolerance (compared in float64)."""
    if tuple(a.shape) != tuple(b.shape):
        return False
    a64, b64 = a.detach().cpu().to(torch.float64), b.detach().cpu().to(torch.float64)
    return bool(torch.isclose(a64, b64, rtol=rtol, atol=atol).all())


def recognise(actual: torch.Tensor | None, shape: Sequence[int], expected: torch.Tensor,
              candidates: Iterable[Suspect], rtol: float, atol: float) -> str | None:
    """The first suspect whose wrong answer the result equals: ``actual`` (None where only the
    result's ``shape`` is known) against each suspect's tensor, or ``shape`` against its
    ``torch.Size``. A suspect whose answer equals the right one (``expected``) on this input is
    skipped, and so is one that raises (its function does not apply to this input)."""
    shape = tuple(int(n) for n in shape)
    for suspect in candidates:
        try:
            with torch.no_grad():
                wrong = suspect.output()
        except Exception:  # noqa: BLE001 - a wrong answer undefined on this input
            continue
        if isinstance(wrong, torch.Size):
            if tuple(wrong) == shape and tuple(wrong) != tuple(expected.shape):
                return suspect.misconception
            continue
        if not isinstance(wrong, torch.Tensor) or actual is None:
            continue
        if close(wrong, expected, rtol, atol):
            continue
        if close(actual, wrong, rtol, atol):
            return suspect.misconception
    return None


# Misconceptions recognised by a result's dtype and device alone: new tensors made without
# ``dtype=`` (float32) or ``device=`` (the CPU).
DEFAULT_DTYPE, DEFAULT_DEVICE = "default_float32", "default_cpu"


def recognise_layout(got_dtype: object, want_dtype: object, got_device: object,
                     want_device: object) -> str | None:
    """``default_float32`` for a float32 result where another floating dtype was asked for,
    ``default_cpu`` for a result on the CPU where another device was; names as strings
    (``"float64"``, ``"cuda"``), or torch's objects."""
    def name(dtype: object) -> str:
        return str(dtype).removeprefix("torch.")

    def kind(device: object) -> str:
        try:
            return torch.device(str(device)).type
        except (RuntimeError, TypeError):
            return "?"

    floating = ("float16", "bfloat16", "float32", "float64")
    if name(got_dtype) == "float32" and name(want_dtype) in floating and \
            name(want_dtype) != "float32":
        return DEFAULT_DTYPE
    if want_device is not None and kind(got_device) == "cpu" and kind(want_device) not in (
            "cpu", "?"):
        return DEFAULT_DEVICE
    return None
