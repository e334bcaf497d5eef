"""The student process's side of grading: load the submission, answer the grader's requests.

Runs in a child forked from the sandbox's zygote, after ``setup`` ran in the zygote (the
assignment's plugins loaded: its probes and rules). Each request (``protocol.Request``) names a
probe and carries plain inputs; each reply carries plain observations. Expected values never
come here: the grader keeps them and judges the observations itself.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
import traceback
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import guards, probes, wire
from .codec import decode_inputs
from .guards import RuleViolation, Violations
from .protocol import Failure, MessageError, Reply, Request
from .snapshot import BuiltinsSnapshot

# Captured before any student code runs.
_type, _isinstance = type, isinstance


class Config:
    """What ``setup`` was told: the submission's package name (None until then)."""

    package: str | None = None


def setup(package: str, files: Sequence[str | Path] = ()) -> None:
    """Make this process a worker for submissions providing ``package``: load the plugin
    ``files`` (which register the assignment's probes and rules), then pay torch's one-off
    costs. The zygote calls it once, before it forks; the in-process front-ends before any
    student code."""
    if not package.isidentifier():
        raise ValueError(f"not a package name: {package!r}")
    Config.package = package
    probes.load_plugins(files)
    guards.warm_up()


def _package() -> str:
    if Config.package is None:
        raise RuntimeError("the worker was not set up (worker.setup)")
    return Config.package


class Student:
    """The submission as loaded: the package (or its modules one by one if __init__ fails)."""

    def __init__(self, code_dir: str) -> None:
        self.name = _package()
        guards.install_engine_proxy()  # before the submission can take a reference to the engine
        sys.path.insert(0, code_dir)
        self.import_error: str | None = None
        self.module_errors: dict[str, str] = {}
        try:
            self.package: types.ModuleType | None = importlib.import_module(self.name)
        except BaseException as exc:  # noqa: BLE001 - a broken submission is data, not a crash
            self.import_error = describe_exception(exc)
            self.package = None
            self._load_modules_one_by_one(code_dir)

    def _own(self, module_name: str) -> bool:
        return module_name == self.name or module_name.startswith(self.name + ".")

    def _load_modules_one_by_one(self, code_dir: str) -> None:
        """Import each ``<package>/<module>.py`` on its own, without the broken __init__."""
        for name in [m for m in sys.modules if self._own(m)]:
            del sys.modules[name]
        shell = types.ModuleType(self.name)
        shell.__path__ = [os.path.join(code_dir, self.name)]
        sys.modules[self.name] = shell
        self._import_all_modules()

    def _import_all_modules(self) -> None:
        """Import every module of the package not imported yet, noting the ones that fail."""
        folder = sys.modules[self.name].__path__[0]
        stems = sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py")
                       and f != "__init__.py") if os.path.isdir(folder) else []
        for stem in stems:
            if f"{self.name}.{stem}" in sys.modules or stem in self.module_errors:
                continue
            try:
                importlib.import_module(f"{self.name}.{stem}")
            except BaseException as exc:  # noqa: BLE001
                self.module_errors[stem] = describe_exception(exc)

    def modules(self) -> list[types.ModuleType]:
        """The submission's modules imported so far (the package and its submodules)."""
        return [m for n, m in list(sys.modules.items())
                if self._own(n) and _isinstance(m, types.ModuleType)]

    def get(self, name: str) -> Any:
        """The student's object ``name`` (``from <package> import name``), or the module
        ``<package>.<name>``. A name the package forgot to export is looked up in its modules,
        so one missing import costs nothing more than it must."""
        if self.package is not None and hasattr(self.package, name):
            return getattr(self.package, name)
        module = sys.modules.get(f"{self.name}.{name}")
        if module is None and self.package is not None and name.isidentifier():
            try:
                module = importlib.import_module(f"{self.name}.{name}")
            except ImportError:
                module = None
        if module is not None:
            return module
        if self.package is not None:  # the name may live in a module __init__ never imported
            self._import_all_modules()
        for stem in sorted(m for m in sys.modules if m.startswith(self.name + ".")):
            if hasattr(sys.modules[stem], name):
                return getattr(sys.modules[stem], name)
        broken = "; ".join(f"{m}.py: {e}" for m, e in sorted(self.module_errors.items()))
        raise ImportError(f"{name} not found in the package"
                          + (f" (modules that failed to import: {broken})" if broken else ""))


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` plus the innermost frame in the student's code, in one line."""
    folder = f"/{_package()}/"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if folder in f.filename]
    where = f" (at {frames[-1].filename.split(folder)[-1]}:{frames[-1].lineno})" \
        if frames else ""
    if _isinstance(exc, SyntaxError) and exc.filename:
        where = f" (at {exc.filename.split(folder)[-1]}:{exc.lineno})"
    return f"{_type(exc).__name__}: {str(exc)[:500]}{where}"


def handle(student: Student, request: Request) -> Reply:
    """Run one probe; a student exception becomes an ``error`` reply, never a crash."""
    probe = probes.PROBES.get(request.probe)
    if probe is None:
        return Reply(error=Failure("GraderError", f"no probe {request.probe!r}"), id=request.id)
    args = decode_inputs(request.args, request.device)
    violations = Violations()
    try:
        guards.lift_unneeded(probes.rules_of(request.probe, args))
        observed = probe(student, violations, **args)
        return Reply(ok=observed, violations=tuple(violations.items), id=request.id)
    except RuleViolation as exc:
        return Reply(error=Failure("RuleViolation", str(exc)),
                     violations=tuple(violations.items), id=request.id)
    except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt included
        return Reply(error=Failure(_type(exc).__name__, describe_exception(exc)),
                     violations=tuple(violations.items), id=request.id)


def _forget_grader_modules() -> None:
    """Drop the grader's modules and its plugins from ``sys.modules`` before the submission is
    imported: this code keeps its own references, and a submission that imports ``autograder``
    by name gets fresh copies that are connected to nothing (the static scan flags the attempt
    too); a plugin (``sandbox_plugin_*``: the assignment's probes, with their oracles) cannot
    be looked up by name at all."""
    for name in [m for m in sys.modules if m == "autograder" or m.startswith("autograder.")
                 or m.startswith("sandbox_plugin_")]:
        del sys.modules[name]


def _read(message: Any) -> Request | Reply:
    """The request in ``message``, or the error reply to a message that is not one."""
    try:
        return Request.from_wire(message)
    except MessageError as exc:
        given = message.get("id") if _isinstance(message, dict) else None
        return Reply(error=Failure("GraderError", f"malformed request: {exc}"),
                     id=given if _type(given) is str else None)


def serve(sock: socket.socket, code_dir: str) -> None:
    """Load the submission, then answer requests until the grader hangs up.

    The grader's first request is the ``hello`` probe: its reply says how the import went, and
    its time limit bounds an import that never finishes.
    """
    _forget_grader_modules()
    student = Student(code_dir)
    # Builtins as the submission left them at import: a patch made during one request is
    # undone before the next, so one hostile call cannot spoil later checks.
    baseline = BuiltinsSnapshot()
    while True:
        try:
            message = wire.recv(sock)
        except EOFError:
            return
        request = _read(message)
        reply = handle(student, request) if _isinstance(request, Request) else request
        baseline.restore()
        try:
            wire.send(sock, reply.to_wire())
        except (wire.WireError, ValueError, TypeError) as exc:  # e.g. a gigantic return value
            wire.send(sock, Reply(error=Failure(
                "ResultTooLarge", f"the result could not be sent back: {exc}"), id=reply.id
            ).to_wire())
