"""Helpers for the public tests: comparisons with actionable messages and the rule guards."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# Tolerances per dtype: float64 results must agree to rounding; float32 to a few ulps of a sum.
TOLERANCES = {torch.float64: (1e-10, 1e-12), torch.float32: (1e-5, 1e-6)}


def assert_tensor(actual: Any, expected: Tensor, what: str, rtol: float | None = None,
                  atol: float | None = None) -> None:
    """Assert ``actual`` is a plain tensor equal to ``expected`` in shape, dtype, device, values.

    The message names ``what``, the shapes, the first mismatching index and the max error.
    """
    assert type(actual) is Tensor, f"{what}: expected a torch.Tensor, got {type(actual).__name__}"
    assert tuple(actual.shape) == tuple(expected.shape), (
        f"{what}: shape {tuple(actual.shape)}, expected {tuple(expected.shape)}"
    )
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, expected {expected.dtype}"
    assert actual.device == expected.device, (
        f"{what}: device {actual.device}, expected {expected.device}"
    )
    default_rtol, default_atol = TOLERANCES.get(expected.dtype, (1e-3, 1e-3))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    a, e = actual.detach(), expected.detach()
    bad = ~torch.isclose(a, e, rtol=rtol, atol=atol)
    if bad.any():
        first = tuple(int(i) for i in bad.nonzero()[0])
        err = (a - e).abs().max().item()
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {e.numel()} values differ; first at index {first}: "
            f"got {a[first].item():.6g}, expected {e[first].item():.6g}; max abs error {err:.3g} "
            f"(rtol={rtol}, atol={atol})"
        )


def reference_corr2d(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    """The oracle: torch's own convolution (which is a cross-correlation)."""
    return F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]


def _raiser(name: str) -> Callable[..., Any]:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"rule broken: {name} may not be used in this part")

    return forbidden


# (owner, attribute) pairs the "no torch convolution" rule forbids.
FORBIDDEN_CONVOLUTION = [
    (torch, "conv1d"), (torch, "conv2d"), (torch, "conv3d"), (torch, "convolution"),
    (torch, "conv_transpose1d"), (torch, "conv_transpose2d"), (torch, "as_strided"),
    (F, "conv1d"), (F, "conv2d"), (F, "conv3d"), (F, "conv_transpose1d"),
    (F, "conv_transpose2d"), (F, "unfold"), (F, "fold"),
    (Tensor, "unfold"), (Tensor, "as_strided"),
    (nn.Conv1d, "forward"), (nn.Conv2d, "forward"), (nn.Unfold, "forward"), (nn.Fold, "forward"),
]


@contextlib.contextmanager
def forbidden(pairs: list[tuple[Any, str]]) -> Iterator[None]:
    """Replace each ``owner.attr`` by a function that fails the test, for the block's duration."""
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr in pairs]
    try:
        for owner, attr, _ in saved:
            name = f"{getattr(owner, '__name__', owner)}.{attr}"
            setattr(owner, attr, _raiser(name))
        yield
    finally:
        for owner, attr, original in saved:
            setattr(owner, attr, original)


def no_torch_convolution() -> contextlib.AbstractContextManager[None]:
    """The rule of the corr2d / im2col / kernel_matrix / corr1d parts."""
    return forbidden(FORBIDDEN_CONVOLUTION)


def no_autograd() -> contextlib.AbstractContextManager[None]:
    """The rule of Corr2dFunction.backward: no autograd calls inside it."""
    return forbidden([
        (torch.autograd, "grad"), (torch.autograd, "backward"), (Tensor, "backward"),
        (torch.autograd.functional, "vjp"), (torch.autograd.functional, "jacobian"),
    ])


def randn(*shape: int, seed: int, dtype: torch.dtype = torch.float64) -> Tensor:
    """Deterministic normal tensor (its own generator, so test order does not matter)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype)
