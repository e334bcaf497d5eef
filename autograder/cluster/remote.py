"""What a cluster worker runs: grade one submission in this thread's sandbox, reply in JSON.

Each worker thread keeps one sandbox (a bwrap zygote, as a slot of the local pool does) for
every submission it grades, and starts a fresh one after a fault in grading; the bundle
plugin's teardown closes them all. Dask's executor threads live as long as the worker, which
the sandbox needs (its zygote dies with the thread that started it). The bank is loaded once
per set of parts.
"""

from __future__ import annotations

import itertools
import logging
import threading
from pathlib import Path

from autograder import paths
from autograder.bundle import DIGEST_FILE
from autograder.grade.bank import Bank, load_bank
from autograder.grade.batch import describe_fault, fault_result
from autograder.grade.judge import DEVICE
from autograder.grade.local import close_sandbox
from autograder.grade.results import feedback_markdown, results_json
from autograder.grade.runner import grade_submission
from autograder.sandbox import Limits, Sandbox

from . import protocol

log = logging.getLogger("autograder")

_local = threading.local()          # .sandbox, .isolation, .limits: this thread's sandbox
_open: set[Sandbox] = set()         # every sandbox of this worker, for teardown
_banks: dict[tuple[str, ...] | None, Bank] = {}
_lock = threading.Lock()            # guards _open, _banks and load_bank's registry
_slots = itertools.count()


def installed_bundle() -> str | None:
    """The digest of the bundle this process imported the grader from (None: not a bundle)."""
    try:
        return (paths.REPO / DIGEST_FILE).read_text(encoding="ascii").strip()
    except OSError:
        return None


def _bank(parts: tuple[str, ...] | None) -> Bank:
    key = None if parts is None else tuple(sorted(parts))
    with _lock:
        if key not in _banks:
            only = set(key) if key else None
            _banks[key] = load_bank(only=(lambda c: c.part in only) if only else None)
        return _banks[key]


def _sandbox(isolation: str, limits: Limits) -> Sandbox:
    """This thread's sandbox, started on first use (from this thread, which outlives it)."""
    sandbox = getattr(_local, "sandbox", None)
    with _lock:
        closed = sandbox is not None and sandbox not in _open  # by close_sandboxes
    wanted = (isolation, limits)
    if sandbox is not None and (closed or (_local.isolation, _local.limits) != wanted):
        _discard()
        sandbox = None
    if sandbox is None:
        sandbox = Sandbox(isolation=isolation, limits=limits, slot=next(_slots) % 1000)
        try:
            sandbox.start()
        except BaseException:
            close_sandbox(sandbox)
            raise
        with _lock:
            _open.add(sandbox)
        _local.sandbox, _local.isolation, _local.limits = sandbox, isolation, limits
    return sandbox


def _discard() -> None:
    """Close this thread's sandbox: the next submission gets a fresh one."""
    sandbox = getattr(_local, "sandbox", None)
    _local.sandbox = None
    if sandbox is not None:
        with _lock:
            _open.discard(sandbox)
        close_sandbox(sandbox)


def close_sandboxes() -> None:
    """Close every sandbox of this worker (the bundle plugin's teardown)."""
    with _lock:
        sandboxes = list(_open)
        _open.clear()
    for sandbox in sandboxes:
        close_sandbox(sandbox)


def grade_request(text: str) -> str:
    """Grade the submission in ``text`` (``protocol.request``); the reply as JSON. Whatever
    the submission does becomes its results, as in the local run; a fault of this worker
    (another bundle, no CUDA, a sandbox that will not start) becomes a ``fault`` reply."""
    try:
        submission, options = protocol.read_request(text)
        if installed_bundle() != options.bundle:
            return protocol.fault(f"this worker has grader bundle {installed_bundle()}, not "
                                  f"{options.bundle[:16]}: restart the workers")
        if options.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                return protocol.fault("--device cuda, but torch.cuda.is_available() is False "
                                      "on this worker")
        bank = _bank(options.parts)
        DEVICE.set(options.device)  # this task's context: every check it runs uses the device
        sandbox = _sandbox(options.isolation, bank.scheme.settings.child)
    except Exception as exc:  # the worker's fault, said to the client
        log.exception("this worker cannot grade")
        return protocol.fault(describe_fault(exc))
    try:
        result = grade_submission(submission, bank, sandbox)
    except Exception as exc:  # noqa: BLE001 - as the local run: an error result, a new sandbox
        result = fault_result(bank, Path(submission.source), submission.name,
                              "grading your submission", exc)
        _discard()
    return protocol.reply(results_json(result, bank), feedback_markdown(result, bank))
