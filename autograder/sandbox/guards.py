"""Run-time enforcement of the assignment's rules, inside the student process.

* ``NoTorchConvolution``: a dispatcher-level mode that sees every aten operator, so a reference
  to ``F.conv2d`` captured at import time, ``Tensor.unfold`` or ``as_strided`` is caught however
  it is reached. Python-level names are replaced too, to fail fast with a clear message.
* ``NoAutogradInBackward``: the autograd engine is wrapped so that a call made while a backward
  is already running (i.e. from inside ``Corr2dFunction.backward``) is a violation.

Violations are recorded (and raised) so the grader fails the check even if student code catches
the exception. A student who tampers with these guards from inside their own process can
defeat them; the grader's static scan flags such tampering (see grade/static.py).
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

FORBIDDEN_ATEN = frozenset({
    "aten.convolution", "aten._convolution", "aten.conv1d", "aten.conv2d", "aten.conv3d",
    "aten.convolution_overrideable", "aten.mkldnn_convolution", "aten._slow_conv2d_forward",
    "aten.slow_conv3d", "aten.slow_conv_dilated2d", "aten.conv_transpose1d",
    "aten.conv_transpose2d", "aten.im2col", "aten.col2im", "aten.unfold", "aten.as_strided",
    "aten.as_strided_", "aten.as_strided_scatter", "aten.cudnn_convolution",
    "aten.miopen_convolution", "aten._nnpack_spatial_convolution", "aten.thnn_conv2d",
})


class RuleViolation(Exception):
    """Raised inside the student's call when it uses something the part forbids."""


class Violations:
    """What the guards caught during one request (kept outside the guards so both can add)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, what: str) -> None:
        if what not in self.items:
            self.items.append(what)


class NoTorchConvolution(TorchDispatchMode):
    """Fail on torch's convolution, unfold, fold and as_strided, however they are reached."""

    def __init__(self, violations: Violations) -> None:
        super().__init__()
        self.violations = violations

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        name = str(func.overloadpacket)
        if name in FORBIDDEN_ATEN:
            self.violations.add(f"{name.removeprefix('aten.')} (torch's convolution, unfold, "
                                "fold or as_strided)")
            raise RuleViolation(f"rule broken: {name} may not be used in this part")
        return func(*args, **(kwargs or {}))

    def __exit__(self, *exc: Any) -> Any:
        # Student code that pops this mode (to call a forbidden operator unseen) is caught here.
        from torch.utils._python_dispatch import _get_current_dispatch_mode

        if _get_current_dispatch_mode() is not self:
            self.violations.add("tampering with the grader's rule guard")
            return None
        return super().__exit__(*exc)


class _EngineProxy:
    """Stands in for autograd's engine; refuses nested backward passes."""

    def __init__(self, engine: Any, violations: Violations) -> None:
        self._engine, self._violations, self._depth = engine, violations, 0

    def run_backward(self, *args: Any, **kwargs: Any) -> Any:
        if self._depth:
            self._violations.add("autograd called inside Corr2dFunction.backward")
            raise RuleViolation("rule broken: Corr2dFunction.backward may not call autograd")
        self._depth += 1
        try:
            return self._engine.run_backward(*args, **kwargs)
        finally:
            self._depth -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


class NoAutogradInBackward:
    """Context manager: inside it, autograd may run once (the grader's), never nested."""

    def __init__(self, violations: Violations) -> None:
        self.violations = violations

    def __enter__(self) -> NoAutogradInBackward:
        from torch.autograd import variable

        self._owner = variable.Variable
        self._engine = self._owner._execution_engine
        self._owner._execution_engine = _EngineProxy(self._engine, self.violations)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._owner._execution_engine = self._engine


RULES = {"no_torch_convolution": NoTorchConvolution, "no_autograd_in_backward": NoAutogradInBackward}


def guard(rules: list[str], violations: Violations) -> list[Any]:
    """The context managers enforcing ``rules`` (names from ``RULES``)."""
    unknown = set(rules) - set(RULES)
    if unknown:
        raise ValueError(f"unknown rules {sorted(unknown)}")
    return [RULES[r](violations) for r in rules]


def torch_dtype(name: str) -> torch.dtype:
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"not a torch dtype: {name}")
    return dtype
