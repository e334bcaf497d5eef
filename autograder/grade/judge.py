"""Judging observations in the grader: exact types, dtype, device, shape, then values.

Observations arrive as ``encode_value`` descriptions (plain dicts). ``as_tensor`` rebuilds a
tensor only from a description of kind ``tensor``; anything else (a subclass, a lying object,
a list) fails with a message that says what came back. Messages in ``CheckFailed.message``
never contain expected values or inputs; ``detail`` may (shown for visible checks only).
"""

from __future__ import annotations

import contextvars
import math
from typing import Any

import numpy as np
import torch

from autograder.sandbox import wire

from .bank import CheckFailed

# The device a grading run puts the checks' inputs on ("cpu", or "cuda" with --device cuda).
DEVICE: contextvars.ContextVar[str] = contextvars.ContextVar("DEVICE", default="cpu")

# (rtol, atol) per dtype, documented in the README: float64 agrees to rounding of a short sum,
# float32 to a few ulps of it, half precisions to their resolution.
TOLERANCES = {
    "float64": (1e-9, 1e-10),
    "float32": (1e-4, 1e-5),
    "bfloat16": (2e-2, 2e-2),
    "float16": (5e-3, 5e-3),
}


def describe(obs: Any) -> str:
    """A short, safe description of an observation's type, for messages."""
    if not isinstance(obs, dict):
        return "nothing"
    kind = obs.get("kind")
    if kind == "tensor":
        return f"a {obs.get('dtype')} tensor of shape {tuple(obs.get('shape', ()))}"
    if kind == "object":
        return f"an object of type {obs.get('type')}"
    if kind in ("tuple", "list"):
        return f"a {kind} of {len(obs.get('items', []))} items"
    return f"a value of type {kind}"


def as_tensor(obs: Any, what: str) -> torch.Tensor:
    """The tensor an observation describes (on the CPU), or ``CheckFailed``."""
    if not isinstance(obs, dict) or obs.get("kind") != "tensor":
        raise CheckFailed(f"{what}: expected a torch.Tensor, got {describe(obs)}")
    if "value" not in obs:
        raise CheckFailed(f"{what}: the tensor has no values (device {obs.get('device')})")
    try:
        array, name = wire.decode_array(obs["value"]["__array__"])
    except (wire.WireError, KeyError, TypeError, ValueError) as exc:
        raise CheckFailed(f"{what}: malformed tensor ({exc})") from None
    tensor = torch.from_numpy(array)
    if name == "bfloat16":
        tensor = tensor.view(torch.int16).view(torch.bfloat16)
    if list(tensor.shape) != obs.get("shape") or name != obs.get("dtype"):
        raise CheckFailed(f"{what}: malformed tensor description")
    return tensor


def expect_tensor(obs: Any, expected: torch.Tensor, what: str, *, device: str | None = None,
                  rtol: float | None = None, atol: float | None = None) -> torch.Tensor:
    """Check type, dtype, device, shape and values of ``obs`` against ``expected``.

    ``device`` defaults to the run's device; on ``meta`` there are no values to compare."""
    device = DEVICE.get() if device is None else device
    expect_layout(obs, tuple(expected.shape), expected.dtype, device, what)
    if torch.device(device).type == "meta":
        return expected
    actual = as_tensor(obs, what)
    compare_values(actual, expected, what, rtol=rtol, atol=atol)
    return actual


def expect_layout(obs: Any, shape: tuple[int, ...], dtype: torch.dtype, device: str,
                  what: str) -> None:
    """A plain tensor of this shape and dtype on this device (no values looked at)."""
    if not isinstance(obs, dict) or obs.get("kind") != "tensor":
        raise CheckFailed(f"{what}: expected a torch.Tensor, got {describe(obs)}")
    want_dtype = str(dtype).removeprefix("torch.")
    if obs.get("dtype") != want_dtype:
        raise CheckFailed(f"{what}: dtype {obs.get('dtype')}, expected {want_dtype} "
                          "(the output must keep the input's dtype)")
    try:
        got_device = torch.device(obs.get("device", "?")).type
    except (RuntimeError, TypeError):
        got_device = "?"
    if got_device != torch.device(device).type:
        raise CheckFailed(f"{what}: tensor on device {obs.get('device')}, but the input was on "
                          f"{device} (create new tensors with device=X.device, or X.new_zeros)")
    if tuple(obs.get("shape", ())) != tuple(shape):
        raise CheckFailed(f"{what}: shape {tuple(obs.get('shape', ()))}, expected "
                          f"{tuple(shape)}")


def compare_values(actual: torch.Tensor, expected: torch.Tensor, what: str, *,
                   rtol: float | None = None, atol: float | None = None) -> None:
    """Values equal within tolerance; the message gives count, first index and max error."""
    default = TOLERANCES.get(str(expected.dtype).removeprefix("torch."), (0.0, 0.0))
    rtol = default[0] if rtol is None else rtol
    atol = default[1] if atol is None else atol
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
               f"index {first}, max abs error {err:.3g} (rtol={rtol:g}, atol={atol:g})")
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


def to_wire(value: Any) -> Any:
    """Tensors in a request become tagged arrays; the rest must already be plain."""
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        if t.dtype == torch.bfloat16:
            return wire.encode_array(t.view(torch.int16).numpy().view(np.uint16), "bfloat16")
        return wire.encode_array(t.numpy())
    if isinstance(value, torch.dtype):
        return {"__dtype__": str(value).removeprefix("torch.")}
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value
