"""Judging observations in the grader: exact types, dtype, device, shape, then values.

Observations arrive as ``codec.encode_value`` descriptions (plain dicts). ``as_tensor`` rebuilds
a tensor only from a description of kind ``tensor``; anything else (a subclass, a lying object,
a list) fails with a message that says what came back. Messages in ``CheckFailed.message``
never contain expected values or inputs, nor numbers from text the student's process chose
(``mask_numbers``); ``detail`` may (shown for visible checks only). A check of one property
(dtype, device, ...) judges it only once the value is right (``value_first``).

A value that fails is compared with the known wrong answers the check names (``suspects``:
``autograder/recognise.py``); the failure then carries the one it equals
(``CheckFailed.misconception``), and a dtype or device that fails carries the default-dtype or
default-device misconception where it fits. Scores never depend on it.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from autograder.feedback import not_judged
from autograder.recognise import Suspect, recognise, recognise_layout
from autograder.sandbox import codec, wire
from autograder.tolerances import TOLERANCES  # (rtol, atol) per dtype, shared with public tests

from .bank import CheckFailed

# The device a grading run puts the checks' inputs on ("cpu", or "cuda" with --device cuda).
DEVICE: contextvars.ContextVar[str] = contextvars.ContextVar("DEVICE", default="cpu")


# Numbers in text the student's code chose (exception messages, type names): every run of digits
# is masked but one or two digits inside a name (float64, conv2d, Corr2dFunction, im2col), which
# name things rather than carry values. What a student's code derives from a hidden input cannot
# cross in digits.
_DIGITS = re.compile(r"\d+")


def _mask(match: re.Match[str]) -> str:
    text, start = match.string, match.start()
    in_name = start > 0 and (text[start - 1].isalpha() or text[start - 1] == "_")
    return match.group() if in_name and len(match.group()) <= 2 else "#"


def mask_numbers(text: object, limit: int = 300) -> str:
    """``text`` (written by the student's code) with its numbers masked (``#``) and cut to
    ``limit`` characters: what a hidden check's message may quote of it."""
    masked = _DIGITS.sub(_mask, str(text))
    return masked if len(masked) <= limit else masked[:limit] + " [...]"


def describe(obs: Any) -> str:
    """A short, safe description of an observation's type, for messages (the names in it come
    from the student's process: their numbers are masked)."""
    if not isinstance(obs, dict):
        return "nothing"
    kind = obs.get("kind")
    if kind == "tensor":
        return (f"a {mask_numbers(obs.get('dtype'), 40)} tensor of shape "
                f"{tuple(obs.get('shape', ()))}")
    if kind == "object":
        return f"an object of type {mask_numbers(obs.get('type'), 120)}"
    if kind in ("tuple", "list"):
        return f"a {kind} of {len(obs.get('items', []))} items"
    return f"a value of type {mask_numbers(kind, 40)}"


def as_tensor(obs: Any, what: str) -> torch.Tensor:
    """The tensor an observation describes (on the CPU), or ``CheckFailed``."""
    if not isinstance(obs, dict) or obs.get("kind") != "tensor":
        raise CheckFailed(f"{what}: expected a torch.Tensor, got {describe(obs)}")
    if "value" not in obs:
        raise CheckFailed(f"{what}: the tensor has no values (device "
                          f"{mask_numbers(obs.get('device'), 40)})")
    try:
        tensor = codec.tensor_from_wire(obs["value"])
    except (wire.WireError, KeyError, TypeError, ValueError) as exc:
        raise CheckFailed(f"{what}: malformed tensor ({mask_numbers(exc, 200)})") from None
    if (list(tensor.shape) != obs.get("shape")
            or codec.dtype_name(tensor.dtype) != obs.get("dtype")):
        raise CheckFailed(f"{what}: malformed tensor description")
    return tensor


def expect_tensor(obs: Any, expected: torch.Tensor, what: str, *, device: str | None = None,
                  rtol: float | None = None, atol: float | None = None,
                  layout: bool = False, suspects: Sequence[Suspect] = ()) -> torch.Tensor:
    """Check that ``obs`` is a tensor of ``expected``'s shape and values (within the tolerance
    of ``expected``'s dtype).

    One property per check: the dtype and the device are judged only with ``layout=True`` (by
    the checks whose property they are), so a systematic dtype or device slip costs those
    checks, not every value check; a value failure says when the dtype or device differ too.
    ``device`` defaults to the run's device; on ``meta`` there are no values, so the layout is
    what is judged there. ``suspects``: the known wrong answers of this call, recognised in a
    wrong value (``recognise.suspects``)."""
    device = DEVICE.get() if device is None else device
    try:
        return _expect_tensor(obs, expected, what, device, rtol, atol, layout)
    except CheckFailed as failure:
        if failure.misconception is None and suspects:
            failure.misconception = _recognised(obs, expected, suspects, rtol, atol)
        raise


def _recognised(obs: Any, expected: torch.Tensor, suspects: Sequence[Suspect],
                rtol: float | None, atol: float | None) -> str | None:
    """The misconception among ``suspects`` whose wrong answer ``obs`` equals, if any."""
    if not isinstance(obs, dict) or obs.get("kind") != "tensor":
        return None
    try:
        actual = as_tensor(obs, "result") if "value" in obs else None
    except CheckFailed:
        return None
    shape = obs.get("shape") if isinstance(obs.get("shape"), list) else None
    if shape is None or not all(type(n) is int for n in shape):
        return None
    rtol, atol = _tolerances(expected, actual, rtol, atol)
    return recognise(actual, shape, expected, suspects, rtol, atol)


def _expect_tensor(obs: Any, expected: torch.Tensor, what: str, device: str,
                   rtol: float | None, atol: float | None, layout: bool) -> torch.Tensor:
    if layout or torch.device(device).type == "meta":
        expect_layout(obs, tuple(expected.shape), expected.dtype, device, what)
        if torch.device(device).type == "meta":
            return expected
    elif not isinstance(obs, dict) or obs.get("kind") != "tensor":
        raise CheckFailed(f"{what}: expected a torch.Tensor, got {describe(obs)}")
    elif tuple(obs.get("shape", ())) != tuple(expected.shape):
        raise CheckFailed(f"{what}: shape {tuple(obs.get('shape', ()))}, expected "
                          f"{tuple(expected.shape)}")
    actual = as_tensor(obs, what)
    compare_values(actual, expected, what, rtol=rtol, atol=atol,
                   note=_layout_note(obs, expected.dtype, device))
    return actual


@contextlib.contextmanager
def value_first(what: str) -> Iterator[None]:
    """The value a property check stands on: a check of one property (dtype, device, inputs
    unchanged, storage, ...) credits only a function that computes the right value on the
    check's own input. Run the call and judge its value inside the block; any failure there (a
    wrong value, a placeholder of the right shape, a constant, a crash, a broken rule) fails the
    property check as "not judged: the value is wrong" (``feedback.not_judged``), with the
    reason, so the student reads one mistake (the value, which the value checks judge too), not
    two.

    Where the check's device has no values (``meta``), make the same call on the run's own
    device inside the block, and judge the property on the other call after it."""
    try:
        yield
    except CheckFailed as failure:
        def why(text: str) -> str:
            return not_judged(what, text.removeprefix(what + ": "))
        raise CheckFailed(why(failure.message),
                          None if failure.detail is None else why(failure.detail),
                          failure.misconception) from None


def tolerance(dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) of ``dtype`` (exact for a dtype the table does not list): a property
    check judges the value at the precision of the dtype it is about."""
    return TOLERANCES.get(codec.dtype_name(dtype), (0.0, 0.0))


def expect_dtype(obs: Any, dtype: torch.dtype, what: str) -> None:
    """A tensor of exactly ``dtype`` (nothing else looked at)."""
    if not isinstance(obs, dict) or obs.get("kind") != "tensor":
        raise CheckFailed(f"{what}: expected a torch.Tensor, got {describe(obs)}")
    want = codec.dtype_name(dtype)
    if obs.get("dtype") != want:
        raise CheckFailed(f"{what}: dtype {mask_numbers(obs.get('dtype'), 40)}, expected {want} "
                          "(the output must keep the input's dtype)",
                          misconception=recognise_layout(obs.get("dtype"), want, None, None))


def _layout_note(obs: dict, dtype: torch.dtype, device: str) -> str:
    """What else differs, for a value failure's message (judged by other checks)."""
    notes = []
    if obs.get("dtype") != codec.dtype_name(dtype):
        notes.append(f"the result is {mask_numbers(obs.get('dtype'), 40)}, not "
                     f"{codec.dtype_name(dtype)}")
    try:
        if torch.device(obs.get("device", "?")).type != torch.device(device).type:
            notes.append(f"it is on {torch.device(obs.get('device', '?')).type}, not {device}")
    except (RuntimeError, TypeError):
        notes.append("its device is unreadable")
    return "; also " + " and ".join(notes) if notes else ""


def expect_layout(obs: Any, shape: tuple[int, ...], dtype: torch.dtype | None, device: str,
                  what: str) -> None:
    """A plain tensor of this shape and dtype (``None``: any) on this device (no values)."""
    if not isinstance(obs, dict) or obs.get("kind") != "tensor":
        raise CheckFailed(f"{what}: expected a torch.Tensor, got {describe(obs)}")
    want_dtype = codec.dtype_name(dtype)
    if dtype is not None and obs.get("dtype") != want_dtype:
        raise CheckFailed(f"{what}: dtype {mask_numbers(obs.get('dtype'), 40)}, expected "
                          f"{want_dtype} (the output must keep the input's dtype)",
                          misconception=recognise_layout(obs.get("dtype"), want_dtype, None,
                                                         None))
    try:
        got_device = torch.device(obs.get("device", "?")).type
    except (RuntimeError, TypeError):
        got_device = "an unknown device"
    if got_device != torch.device(device).type:
        raise CheckFailed(f"{what}: tensor on device {got_device}, but the input was on "
                          f"{device} (create new tensors with device=X.device, or X.new_zeros)",
                          misconception=recognise_layout(None, None, got_device, device))
    if tuple(obs.get("shape", ())) != tuple(shape):
        raise CheckFailed(f"{what}: shape {tuple(obs.get('shape', ()))}, expected "
                          f"{tuple(shape)}")


def _tolerances(expected: torch.Tensor, actual: torch.Tensor | None, rtol: float | None,
                atol: float | None) -> tuple[float, float]:
    """(rtol, atol): as given, else the coarser of the two dtypes' tolerances (a result in a
    less precise dtype is judged on its values at that precision, and on its dtype by the
    checks that judge dtypes)."""
    tols = [TOLERANCES.get(codec.dtype_name(t.dtype), (0.0, 0.0))
            for t in (expected, actual) if t is not None]
    return (max(t[0] for t in tols) if rtol is None else rtol,
            max(t[1] for t in tols) if atol is None else atol)


def compare_values(actual: torch.Tensor, expected: torch.Tensor, what: str, *,
                   rtol: float | None = None, atol: float | None = None, note: str = "") -> None:
    """Values equal within tolerance; the message gives count, first index and max error."""
    rtol, atol = _tolerances(expected, actual, rtol, atol)
    a = actual.detach().to(torch.float64)
    e = expected.detach().to(torch.float64)
    if a.shape != e.shape:
        raise CheckFailed(f"{what}: shape {tuple(a.shape)}, expected {tuple(e.shape)}")
    bad = ~torch.isclose(a, e, rtol=rtol, atol=atol, equal_nan=False)
    if not bad.any():
        return
    first = tuple(int(i) for i in bad.nonzero()[0])
    diff = (a - e).abs()
    finite = diff[torch.isfinite(diff)]
    err = float(finite.max()) if finite.numel() else math.inf
    nonfinite = "" if torch.isfinite(a).all() else " (your result contains NaN or inf)"
    message = (f"{what}: {int(bad.sum())} of {e.numel()} values are wrong{nonfinite}; first at "
               f"index {first}, max abs error {err:.3g} (rtol={rtol:g}, atol={atol:g}){note}")
    detail = f"{message}; at {first} got {a[first].item():.6g}, expected {e[first].item():.6g}"
    raise CheckFailed(message, detail)


def expect_unchanged(obs: Any, original: torch.Tensor, what: str) -> None:
    """An input observed after the call equals the grader's copy bit for bit."""
    after = as_tensor(obs, what)
    if after.shape != original.shape or not torch.equal(after, original.cpu()):
        raise CheckFailed(f"{what} was modified by your function; never change the inputs")


def expect_value(obs: Any, kind: type, what: str) -> Any:
    """A plain value of exactly ``kind`` (int, float, str, bool)."""
    if not isinstance(obs, dict) or obs.get("kind") != kind.__name__:
        raise CheckFailed(f"{what}: expected a {kind.__name__}, got {describe(obs)}")
    value = obs.get("value")
    if type(value) is not kind and not (kind is float and type(value) is int):
        raise CheckFailed(f"{what}: malformed value")
    return value


def array(seed: int, *shape: int, dtype: torch.dtype = torch.float64,
          kind: str = "normal") -> torch.Tensor:
    """Deterministic test input: its own generator, so check order and count do not matter."""
    g = torch.Generator().manual_seed(seed)
    if kind == "normal":
        return torch.randn(*shape, generator=g, dtype=torch.float64).to(dtype)
    if kind == "int":
        return torch.randint(-3, 4, shape, generator=g).to(dtype)
    raise ValueError(kind)

