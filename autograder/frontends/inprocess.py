"""Run checks of the bank in this interpreter, for platforms that grade in the student's kernel.

Used by the otter-grader and nbgrader front-ends: there the student's code and the checks share
one process, so the sandbox's protections are gone. What remains, the same for both:

* the probes and their exact type rules (every request and reply still goes through the wire
  format, so an object whose ``==`` always holds or a tensor subclass gets no credit);
* no judging at all when the torch functions the judge relies on are not torch's own;
* builtins put back around every check, as the sandbox's worker does after each request;
* a time limit per check (CPU time, with a wall-clock backstop; main thread only), and torch
  on one thread for determinism.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from autograder import feedback
from autograder.grade.bank import Bank, Check, CheckFailed, load_bank
from autograder.grade.student import InProcessStudent, load_worker
from autograder.sandbox.snapshot import BuiltinsSnapshot

load_worker()  # the probes take their references before student code runs

# The torch functions the judge relies on. torch._C._VariableFunctions is read-only and keeps
# the originals whatever student code did to the torch module, even before this import.
JUDGE_FUNCTIONS = ("isclose", "equal", "allclose", "isfinite", "from_numpy")
# Builtins as they were when this module was first imported (before student code, where the
# platform lets a set-up cell run first; otherwise as the submission's import left them).
_BUILTINS = BuiltinsSnapshot()


class OutOfTime(BaseException):
    """Raised by a timer signal when a check runs past its limit (a BaseException, so that student
    code catching ``Exception`` does not swallow it)."""


@functools.cache
def bank() -> Bank:
    return load_bank()


@functools.cache
def student(code_dir: str) -> InProcessStudent:
    return InProcessStudent(code_dir)


def tampered() -> list[str]:
    """Names of the judge's torch functions that are no longer torch's own."""
    from autograder.sandbox.guards import patched

    originals = torch._C._VariableFunctions
    return [n for n in JUDGE_FUNCTIONS
            if getattr(torch, n, None) not in (getattr(originals, n), patched(torch, n))]


restore_builtins = _BUILTINS.restore  # one hostile call cannot spoil the checks after it


@contextlib.contextmanager
def time_limit(seconds: float, backstop: float, fired: list[str]) -> Iterator[None]:
    """Raise ``OutOfTime`` after ``seconds`` of this process's CPU time (as the sandbox limits
    CPU time, so that a loaded machine does not cost a check), or after ``backstop`` seconds
    of wall-clock time (the sandbox's, ``Settings.backstop``) for code that sleeps or waits;
    again every 0.5 s, in case it is swallowed; note which clock ("cpu" or "wall") in
    ``fired``. Only Python code is interrupted; off the main thread there is no timer and the
    platform's own limit is the only one."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal,
                                                                                "setitimer"):
        yield
        return

    def alarm(signum: int, frame: Any) -> None:
        fired.append("cpu" if signum == signal.SIGPROF else "wall")
        raise OutOfTime()

    timers = {signal.ITIMER_PROF: (signal.SIGPROF, seconds),
              signal.ITIMER_REAL: (signal.SIGALRM, backstop)}
    previous = {sig: signal.signal(sig, alarm) for sig, _ in timers.values()}
    for timer, (_, limit) in timers.items():
        signal.setitimer(timer, limit, 0.5)
    try:
        yield
    finally:
        for timer in timers:
            signal.setitimer(timer, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def find_check(check_id: str) -> Check:
    check = next((c for c in bank().checks if c.id == check_id), None)
    if check is None:
        raise AssertionError(f"the grader has no check {check_id!r}: its copy is stale")
    return check


def run_check(check_id: str, code_dir: str | os.PathLike | None = None) -> float:
    """Run one check against the package in ``code_dir`` (default: the current directory).

    Returns its points; raises ``AssertionError("<check name>: <student-facing reason>")`` if
    it fails, whatever went wrong (a wrong value, a rule, a timeout, an exception).
    """
    check = find_check(check_id)
    patched = tampered()
    if patched:
        raise AssertionError(f"{check.name}: {feedback.torch_replaced(patched)}")
    torch.set_num_threads(1)  # as in the sandbox's child: deterministic sums
    fired: list[str] = []
    reason: str | None = None
    backstop = bank().scheme.settings.backstop(check.timeout)
    restore_builtins()
    try:
        with time_limit(check.timeout, backstop, fired):
            check.fn(student(str(Path(code_dir or os.getcwd()).resolve())))
    except CheckFailed as failure:
        reason = failure.message
    except OutOfTime:
        pass
    except Exception as exc:  # noqa: BLE001 - a fault in a check costs that check only
        reason = feedback.could_not_judge(type(exc).__name__)
    finally:
        restore_builtins()
    if fired:
        reason = feedback.check_time_out(check.timeout if fired[0] == "cpu" else backstop,
                                         fired[0])
    if reason is not None:
        raise AssertionError(f"{check.name}: {reason}")
    return check.points
