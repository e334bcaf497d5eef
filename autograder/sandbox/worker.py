"""The student process's side of grading: load the submission, answer the grader's requests.

Runs in a child forked from the sandbox's zygote. Each request names a probe (``probes.py``)
and carries plain inputs; each reply carries plain observations. Expected values never come
here: the grader keeps them and judges the observations itself.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import os
import socket
import sys
import traceback
import types
from typing import Any

import numpy as np
import torch

from . import guards, probes, wire
from .guards import RuleViolation, torch_dtype

# Captured before any student code runs, so that patched builtins, torch.Tensor methods or
# properties cannot fool the encoder (TensorBase's slots are C descriptors no one can replace).
_type, _isinstance, _Tensor, _len = type, isinstance, torch.Tensor, len
_TB = torch._C.TensorBase
_detach, _cpu, _contiguous, _numpy, _view = _TB.detach, _TB.cpu, _TB.contiguous, _TB.numpy, _TB.view
_dtype, _device, _shape, _requires_grad = (_TB.dtype.__get__, _TB.device.__get__,
                                           _TB.shape.__get__, _TB.requires_grad.__get__)
_bfloat16, _int16, _uint16 = torch.bfloat16, torch.int16, np.uint16
PACKAGE = "convolutions"
MAX_DEPTH = 4


class Student:
    """The submission as loaded: the package (or its modules one by one if __init__ fails)."""

    def __init__(self, code_dir: str) -> None:
        guards.install_engine_proxy()  # before the submission can take a reference to the engine
        sys.path.insert(0, code_dir)
        self.import_error: str | None = None
        self.module_errors: dict[str, str] = {}
        try:
            self.package: types.ModuleType | None = importlib.import_module(PACKAGE)
        except BaseException as exc:  # noqa: BLE001 - a broken submission is data, not a crash
            self.import_error = _describe_exception(exc)
            self.package = None
            self._load_modules_one_by_one(code_dir)

    def _load_modules_one_by_one(self, code_dir: str) -> None:
        """Import each ``convolutions/<module>.py`` on its own, without the broken __init__."""
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        shell = types.ModuleType(PACKAGE)
        shell.__path__ = [os.path.join(code_dir, PACKAGE)]
        sys.modules[PACKAGE] = shell
        self._import_all_modules()

    def _import_all_modules(self) -> None:
        """Import every module of the package not imported yet, noting the ones that fail."""
        folder = sys.modules[PACKAGE].__path__[0]
        stems = sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py")
                       and f != "__init__.py") if os.path.isdir(folder) else []
        for stem in stems:
            if f"{PACKAGE}.{stem}" in sys.modules or stem in self.module_errors:
                continue
            try:
                importlib.import_module(f"{PACKAGE}.{stem}")
            except BaseException as exc:  # noqa: BLE001
                self.module_errors[stem] = _describe_exception(exc)

    def modules(self) -> list[types.ModuleType]:
        """The submission's modules imported so far (the package and its submodules)."""
        return [m for n, m in list(sys.modules.items())
                if (n == PACKAGE or n.startswith(PACKAGE + "."))
                and _isinstance(m, types.ModuleType)]

    def get(self, name: str) -> Any:
        """The student's object ``name`` (``from convolutions import name``), or the module
        ``convolutions.<name>`` (e.g. ``concepts``). A name the package forgot to export is
        looked up in its modules, so one missing import costs nothing more than it must."""
        if self.package is not None and hasattr(self.package, name):
            return getattr(self.package, name)
        module = sys.modules.get(f"{PACKAGE}.{name}")
        if module is None and self.package is not None and name.isidentifier():
            try:
                module = importlib.import_module(f"{PACKAGE}.{name}")
            except ImportError:
                module = None
        if module is not None:
            return module
        if self.package is not None:  # the name may live in a module __init__ never imported
            self._import_all_modules()
        for stem in sorted(m for m in sys.modules if m.startswith(PACKAGE + ".")):
            if hasattr(sys.modules[stem], name):
                return getattr(sys.modules[stem], name)
        broken = "; ".join(f"{m}.py: {e}" for m, e in sorted(self.module_errors.items()))
        raise ImportError(f"{name} not found in the package"
                          + (f" (modules that failed to import: {broken})" if broken else ""))


def _describe_exception(exc: BaseException) -> str:
    """``Type: message`` plus the innermost frame in the student's code, in one line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f"/{PACKAGE}/" in f.filename]
    where = f" (at {frames[-1].filename.split('/' + PACKAGE + '/')[-1]}:{frames[-1].lineno})" \
        if frames else ""
    if _isinstance(exc, SyntaxError) and exc.filename:
        where = f" (at {exc.filename.split('/' + PACKAGE + '/')[-1]}:{exc.lineno})"
    return f"{_type(exc).__name__}: {str(exc)[:500]}{where}"


def encode_value(value: Any, depth: int = 0) -> dict[str, Any]:
    """Describe a student's return value with exact types; tensors travel as arrays."""
    kind = _type(value)
    if kind is _Tensor:
        tensor = _detach(value)
        device = _device(tensor)
        out: dict[str, Any] = {"kind": "tensor",
                               "dtype": str(_dtype(tensor)).removeprefix("torch."),
                               "device": str(device), "shape": [int(n) for n in _shape(tensor)],
                               "requires_grad": bool(_requires_grad(value))}
        if device.type != "meta":
            cpu = _contiguous(_cpu(tensor))
            if _dtype(cpu) is _bfloat16:
                out["value"] = wire.encode_array(_numpy(_view(cpu, _int16)).view(_uint16),
                                                 "bfloat16")
            else:
                out["value"] = wire.encode_array(_numpy(cpu))
        return out
    if kind in (int, float, bool, str) or value is None:
        return {"kind": kind.__name__, "value": value}
    if kind in (tuple, list) and depth < MAX_DEPTH and _len(value) <= 64:
        return {"kind": kind.__name__, "items": [encode_value(v, depth + 1) for v in value]}
    return {"kind": "object", "type": f"{kind.__module__}.{kind.__qualname__}"[:200]}


probes.ENCODE = encode_value  # bound once: student code cannot swap the encoder by module name


def decode_inputs(value: Any, device: str) -> Any:
    """Arrays in a request become tensors on ``device``; everything else stays plain."""
    if _isinstance(value, dict) and set(value) == {"__array__"}:
        array, name = wire.decode_array(value["__array__"])
        tensor = torch.from_numpy(array)
        if name == "bfloat16":
            tensor = tensor.view(torch.int16).view(torch.bfloat16)
        return tensor.to(device)
    if _isinstance(value, dict) and set(value) == {"__dtype__"}:
        return torch_dtype(value["__dtype__"])
    if _isinstance(value, dict):
        return {k: decode_inputs(v, device) for k, v in value.items()}
    if _isinstance(value, list):
        return [decode_inputs(v, device) for v in value]
    return value


def handle(student: Student, request: dict[str, Any]) -> dict[str, Any]:
    """Run one probe; a student exception becomes an ``error`` reply, never a crash."""
    probe = probes.PROBES.get(request.get("probe"))
    if probe is None:
        return {"error": {"type": "GraderError", "message": f"no probe {request.get('probe')!r}"}}
    args = decode_inputs(request.get("args", {}), request.get("device", "cpu"))
    violations = probes.Violations()
    try:
        guards.lift_unneeded(probes.rules_of(request["probe"], args))
        observed = probe(student, violations, **args)
        return {"ok": observed, "violations": violations.items}
    except RuleViolation as exc:
        return {"error": {"type": "RuleViolation", "message": str(exc)},
                "violations": violations.items}
    except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt included
        return {"error": {"type": _type(exc).__name__, "message": _describe_exception(exc)},
                "violations": violations.items}


def _warm_up() -> None:
    """Pay torch's one-off costs here, in the zygote, instead of in every child: the first
    use of a dispatch mode imports about a second's worth of modules."""
    from .guards import NoTorchConvolution, Violations, lift_unneeded

    import torch._dynamo  # noqa: F401 - what the first factory call under a mode imports

    with NoTorchConvolution(Violations()):
        torch.rand(2) * 2  # noqa: B018 - tiny single-threaded ops, safe before fork
    lift_unneeded([])


_warm_up()


def _forget_grader_modules() -> None:
    """Drop the grader's modules from ``sys.modules`` before the submission is imported: this
    code keeps its own references, and a submission that imports ``autograder`` by name gets
    fresh copies that are connected to nothing (the static scan flags the attempt too)."""
    for name in [m for m in sys.modules if m == "autograder" or m.startswith("autograder.")]:
        del sys.modules[name]


def serve(sock: socket.socket, code_dir: str) -> None:
    """Load the submission, then answer requests until the grader hangs up.

    The grader's first request is the ``hello`` probe: its reply says how the import went, and
    its time limit bounds an import that never finishes.
    """
    _forget_grader_modules()
    student = Student(code_dir)
    # Builtins as the submission left them at import: a patch made during one request is
    # undone before the next, so one hostile call cannot spoil later checks.
    baseline = dict(builtins.__dict__)
    while True:
        try:
            request = wire.recv(sock)
        except EOFError:
            return
        reply = handle(student, request)
        if _isinstance(request, dict) and "id" in request:  # which request this answers
            reply["id"] = request["id"]
        current = builtins.__dict__
        if len(current) != len(baseline) or any(current.get(k, baseline) is not v
                                                 for k, v in baseline.items()):
            current.clear()  # compared by identity: a student's __eq__ is never called
            current.update(baseline)
        try:
            wire.send(sock, reply)
        except (wire.WireError, ValueError, TypeError) as exc:  # e.g. a gigantic return value
            wire.send(sock, {"error": {"type": "ResultTooLarge",
                                       "message": f"the result could not be sent back: {exc}"}})
