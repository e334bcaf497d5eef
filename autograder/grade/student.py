"""The grader's handle on a submission: ``student.probe(name, **inputs) -> observations``.

``SandboxedStudent`` talks to a child process of the sandbox and survives anything the child
does; ``InProcessStudent`` runs the same probes in the current interpreter (for
``pytest tests/hidden`` and the notebook front-ends, where no sandbox exists). Both push every
request and reply through the wire format, so the same exact-type rules apply.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import secrets
import time
from collections.abc import Iterable
from typing import Any

from autograder import feedback, paths
from autograder.recognise import DEFAULT_DEVICE
from autograder.sandbox import wire
from autograder.sandbox.codec import encode_inputs
from autograder.sandbox.protocol import MessageError, Reply, Request
from autograder.settings import DEFAULTS, Settings

from . import secrecy
from .bank import CheckFailed
from .judge import DEVICE, mask_numbers


def _device_hint(request: Request | None) -> str:
    """How to create tensors on the right device, in terms of the call's own arguments."""
    kwargs = (request.args.get("kwargs") if request is not None else None) or {}
    if isinstance(kwargs, dict) and "device" in kwargs:
        return feedback.DEVICE_HINT_KWARG
    return feedback.DEVICE_HINT_INPUT


def _rule_descriptions() -> list[str]:
    """What each of the assignment's rules says it forbids (as the guard words violations)."""
    from autograder import rules

    return [str(spec["says"]) for spec in rules.RULES.values() if "says" in spec]


def _verdict(message: Any, request: Request | None = None,
             files: Iterable[str] | None = None) -> dict[str, Any]:
    """Turn a probe's reply (as received: written by the student's process) into observations,
    or ``CheckFailed`` with a student-facing reason. The reason says only what the grader can
    vouch for (``secrecy``): no text the student's code chose, which could carry a hidden
    input's values; ``detail`` (visible checks only) has the whole text. ``files``: the
    submission's package files, the only locations quoted."""
    try:
        reply = Reply.from_wire(message)
    except MessageError:
        raise CheckFailed(feedback.MALFORMED_REPLY) from None
    if reply.violations:
        used = "; ".join(reply.violations[:3])
        safe = "; ".join(dict.fromkeys(secrecy.violation(v, _rule_descriptions())
                                       for v in reply.violations[:3]))
        raise CheckFailed(feedback.rule_broken(safe), feedback.rule_broken(used[:600]))
    if reply.error is not None:
        kind, text = reply.error.type, reply.error.message
        where = secrecy.location(text, files)
        if kind == "NotImplementedError":
            raise CheckFailed(feedback.not_implemented(where),
                              text.removeprefix("NotImplementedError: ")[:300])
        if kind == "SystemExit":
            raise CheckFailed(feedback.CALLED_EXIT)
        hint = _device_hint(request) if "device" in text and ("meta" in text or "cuda" in text) \
            else ""
        # a tensor made on the CPU beside the input's device: the default-device misconception
        on_cpu = bool(hint) and "cpu" in text.lower()
        raise CheckFailed(feedback.raised(f"{secrecy.exception_class(kind)}{where}{hint}"),
                          feedback.raised(f"{text[:600]}{hint}"),
                          misconception=DEFAULT_DEVICE if on_cpu else None)
    assert reply.ok is not None  # (a reply holds one or the other)
    return reply.ok


class StudentBase:
    """What checks call. Subclasses implement ``_request``.

    A check's time limit covers all the probes it makes. Where the student's CPU time is
    counted (``cpu_seconds``), the limit is CPU time, so a busy machine does not change a
    result, with a wall-clock backstop (``Settings.backstop``) for code that sleeps or waits;
    elsewhere it is wall-clock time. Outside a check (the import), ``import_seconds`` of wall
    clock."""

    settings: Settings = DEFAULTS
    limit: float = DEFAULTS.import_seconds
    # The submission's package files, relative to the package (the only locations a message
    # may quote); None where unknown.
    package_files: frozenset[str] | None = None
    _wall_start: float | None = None
    _cpu_start: float | None = None

    def begin_check(self, limit: float) -> None:
        """Start the clocks of a check whose time limit is ``limit`` seconds."""
        self.limit, self._wall_start, self._cpu_start = limit, time.monotonic(), self.cpu_seconds()

    def cpu_seconds(self) -> float | None:
        """CPU time the student's processes have used so far (None: not counted)."""
        return None

    def begin_part(self, part: str) -> None:
        """The checks of ``part`` come next (a sandboxed student gets a fresh process)."""

    def probe(self, probe: str, /, *, device: str | None = None, **args: Any) -> dict[str, Any]:
        """Run ``probe`` in the student process on ``args`` (tensors on ``device``, by default
        the run's device); its observations, or CheckFailed."""
        request = Request(probe, encode_inputs(args), device or DEVICE.get())
        return _verdict(self._request(request, *self._time_left()), request, self.package_files)

    def _time_left(self) -> tuple[float, float | None]:
        """(wall-clock seconds left, CPU seconds left or None where CPU time is not counted)."""
        if self._wall_start is None:
            return self.settings.import_seconds, None
        wall = time.monotonic() - self._wall_start
        if self._cpu_start is None:
            return max(0.05, self.limit - wall), None
        cpu = (self.cpu_seconds() or self._cpu_start) - self._cpu_start
        return (max(0.05, self.wall_limit() - wall), max(0.05, self.limit - cpu))

    def wall_limit(self) -> float:
        """The current check's wall-clock limit: its limit, or where CPU time is counted, the
        backstop of its CPU-time limit."""
        return self.limit if self._cpu_start is None else self.settings.backstop(self.limit)

    def _request(self, request: Request, timeout: float, cpu_limit: float | None) -> Any:
        """The reply to ``request`` as received (a wire message, not trusted yet)."""
        raise NotImplementedError


class SandboxedStudent(StudentBase):
    """A submission running in a child of ``sandbox``; respawned after a fault.

    A respawn is not free (the submission is imported again), so its time is charged to the
    check that needs it, and ``settings.restarts`` bounds how often one submission may need
    one. ``settings``: the limits (the bank's manifest's)."""

    def __init__(self, sandbox: Any, files: dict[str, bytes],
                 settings: Settings = DEFAULTS) -> None:
        self.sandbox, self.files, self.settings = sandbox, files, settings
        self.limit = settings.import_seconds  # (until the first check begins)
        prefix = f"{paths.PACKAGE}/"
        self.package_files = frozenset(p.removeprefix(prefix) for p in files
                                       if p.startswith(prefix))
        self.child: Any = None
        self.faults: list[str] = []
        self.hello: dict[str, Any] | None = None
        self.outputs: list[str] = []
        self.respawns = 0
        self.part: str | None = None  # the part whose checks run now
        self.part_start_seconds = 0.0  # spent starting the fresh process of each later part
        self.leftovers = 0  # processes the submission left running, killed when reaped

    def cpu_seconds(self) -> float | None:
        return self.sandbox.cpu_seconds()

    def begin_part(self, part: str) -> None:
        """Grade each part in a process of its own, freshly imported: nothing the grader lent
        while one part was graded (a stand-in for the student's own function), and nothing the
        submission did then, can be reached while another is graded, whatever the order. The
        first part uses the process ``start`` made; a fresh import that fails is left to the
        part's first check, which respawns as after any fault."""
        if self.part is not None and self.child is not None:
            self._retire()
        self.part = part
        if self.child is None and self.hello is not None:
            began = time.monotonic()
            try:
                self.start()
            except CheckFailed:
                self.child = None
            self.part_start_seconds += time.monotonic() - began

    def start(self, timeout: float | None = None,
              cpu_limit: float | None = None) -> dict[str, Any]:
        """Spawn the child and wait for the import (``timeout``: by default
        ``settings.import_seconds``); ``CheckFailed`` if it never finishes."""
        from autograder.sandbox import ChildDied

        try:
            self.child = self.sandbox.spawn(self.files)
            reply = self._ask(Request("hello"), timeout or self.settings.import_seconds,
                              cpu_limit)
        except ChildDied as exc:
            self._lost(exc)
            raise CheckFailed(feedback.import_failed(exc.info.reason)) from None
        except CheckFailed as failure:
            raise CheckFailed(feedback.import_failed(failure.message)) from None
        self.hello = _verdict(reply)
        return self.hello

    def _ask(self, request: Request, timeout: float, cpu_limit: float | None) -> Any:
        """One request and its reply, which must carry the request's random id."""
        request = dataclasses.replace(request, id=secrets.token_hex(8))
        reply = self.child.request(request.to_wire(), timeout, cpu_limit=cpu_limit)
        if not isinstance(reply, dict) or reply.get("id") != request.id:
            # Written by the submission itself (to fd 3), or a stale reply: trust nothing more
            # from this process.
            self.close()
            raise CheckFailed(feedback.WRONG_REPLY)
        return reply

    def _request(self, request: Request, timeout: float, cpu_limit: float | None) -> Any:
        from autograder.sandbox import ChildDied, ChildTimeout

        if self.child is None or not self.child.alive:
            timeout, cpu_limit = self._respawn(timeout, cpu_limit)
        try:
            return self._ask(request, timeout, cpu_limit)
        except ChildTimeout as exc:
            self._lost(exc)
            if exc.kind == "cpu":
                raise CheckFailed(feedback.check_time_out(self.limit, "cpu")) from None
            raise CheckFailed(feedback.check_time_out(self.wall_limit(), "wall")) from None
        except ChildDied as exc:
            self._lost(exc)
            # (an exit status or a signal is chosen by the code: a number only for visible checks)
            raise CheckFailed(feedback.process_died(mask_numbers(exc.info.reason)),
                              feedback.process_died(exc.info.reason)) from None

    def _respawn(self, timeout: float, cpu_limit: float | None) -> tuple[float, float | None]:
        """A fresh child for the next request, after the old one is reaped (every process it
        left killed, its scratch removed); returns the request's time left (wall, CPU)."""
        if self.child is not None:  # alive no more (e.g. it closed its socket): reap it
            info = self.child.close()
            self.leftovers += info.leftovers
            self.faults.append(info.reason)
            if info.output:
                self.outputs.append(info.output)
            self.child = None
        if self.respawns >= self.settings.restarts:
            raise CheckFailed(feedback.restarts_used(self.respawns))
        self.respawns += 1
        self.start(min(timeout, self.settings.import_seconds), cpu_limit)
        return self._time_left()  # the import is charged to this check

    def _lost(self, exc: Any) -> None:
        self.faults.append(exc.info.reason)
        self.leftovers += exc.info.leftovers
        if exc.info.output:
            self.outputs.append(exc.info.output)
        self.child = None

    def _retire(self) -> None:
        """Close a healthy child at the end of a part (not a fault); what it left running is."""
        info = self.child.close()
        if info.output:
            self.outputs.append(info.output)
        self.leftovers += info.leftovers
        self.child = None

    def close(self) -> None:
        if self.child is not None:
            self._retire()


@functools.cache
def load_worker() -> None:
    """Make this interpreter a worker, as the sandbox's zygote is: the assignment's plugins
    loaded (its probes and rules, ``paths.SANDBOX_PLUGINS``) and torch warmed up. Call it before
    any student code runs, so that the probes take their references to torch first."""
    from autograder.sandbox import worker

    worker.setup(paths.PACKAGE, paths.sandbox_plugins())


class InProcessStudent(StudentBase):
    """The submission imported into this interpreter (no isolation, no time limit)."""

    def __init__(self, code_dir: str) -> None:
        from autograder.sandbox.worker import Student

        load_worker()
        self.student = Student(code_dir)
        self.hello = {"import_error": self.student.import_error,
                      "module_errors": self.student.module_errors}
        root = os.path.join(code_dir, paths.PACKAGE)
        self.package_files = frozenset(
            os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            for folder, _, names in os.walk(root) for name in names if name.endswith(".py"))

    def _request(self, request: Request, timeout: float, cpu_limit: float | None) -> Any:
        from autograder.sandbox.guards import lift_unneeded
        from autograder.sandbox.worker import handle

        try:
            sent = Request.from_wire(wire.roundtrip(request.to_wire()))
            return wire.roundtrip(handle(self.student, sent).to_wire())
        finally:
            lift_unneeded([])  # the checks' own oracles run in this process, free of the rules
