"""The local backend: a pool of sandboxes on this machine, one thread (slot) each.

Whatever goes wrong with one submission (reading it, grading it, writing its results) becomes
that submission's error row and the batch goes on; after a fault in grading its slot starts a
fresh sandbox. A slot whose sandbox cannot start leaves its submissions to the others; what no
slot could take gets an error row at the end.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path
from typing import Any

from .bank import Bank
from .batch import Batch, CannotGrade, describe_fault, grade_batch
from .intake import read_submission
from .judge import DEVICE
from .runner import SubmissionResult, grade_submission

log = logging.getLogger("autograder")
ISOLATION_UNAVAILABLE = 3  # exit status: the sandbox's isolation cannot start here


def close_sandbox(sandbox: Any) -> None:
    """Close ``sandbox``; a failure is logged, not raised (a broken sandbox is discarded
    anyway). The cluster's workers close theirs with it too."""
    try:
        sandbox.close()
    except Exception:  # noqa: BLE001 - a broken sandbox is discarded anyway
        log.exception("closing a sandbox failed")


class SandboxPool:
    """``jobs`` sandboxes grading at once, each submission's checks on ``device``."""

    def __init__(self, *, jobs: int, isolation: str, device: str = "cpu") -> None:
        self.jobs, self.isolation, self.device = jobs, isolation, device

    def __enter__(self) -> SandboxPool:
        """Fails closed now, not per slot, when the isolation asked for cannot start here."""
        from autograder.sandbox import IsolationUnavailable, Sandbox

        try:
            Sandbox(isolation=self.isolation, slot=0)  # (starts nothing)
        except IsolationUnavailable as exc:
            raise CannotGrade(f"nothing was graded: {exc}", ISOLATION_UNAVAILABLE) from exc
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def grade_one(self, batch: Batch, i: int, sandbox: Any) -> tuple[SubmissionResult, bool]:
        """Read and grade submission ``i``; any fault becomes its error result. The flag says
        the fault came from grading, after which the sandbox is not trusted any more."""
        try:
            submission = read_submission(batch.paths[i], batch.names[i])
        except Exception as exc:  # noqa: BLE001 - e.g. RecursionError, MemoryError on odd data
            return batch.fault(i, "reading your submission", exc), False
        try:
            return grade_submission(submission, batch.bank, sandbox), False
        except Exception as exc:  # noqa: BLE001 - one submission must not sink the batch
            return batch.fault(i, "grading your submission", exc), True

    def grade(self, batch: Batch) -> None:
        from autograder.sandbox import Sandbox

        todo: queue.Queue[int] = queue.Queue()
        for i in range(len(batch)):
            todo.put(i)
        problems: list[str] = []  # why sandboxes could not start
        healthy: set[int] = set()  # slots whose sandbox started at least once

        def work(slot: int) -> None:
            DEVICE.set(self.device)  # this thread's context: every check it runs uses the device
            sandbox = None
            try:
                while True:
                    try:
                        i = todo.get_nowait()
                    except queue.Empty:
                        return
                    if sandbox is None:
                        try:
                            sandbox = Sandbox(isolation=self.isolation, slot=slot,
                                              limits=batch.bank.scheme.settings.child)
                            sandbox.start()
                            healthy.add(slot)
                        except Exception as exc:  # noqa: BLE001 - the others take this work
                            todo.put(i)
                            log.error("sandbox %d could not start: %s", slot,
                                      describe_fault(exc),
                                      exc_info=(type(exc), exc, exc.__traceback__))
                            problems.append(describe_fault(exc))
                            return
                    result, broken = self.grade_one(batch, i, sandbox)
                    if broken:  # start a fresh sandbox for the next one
                        close_sandbox(sandbox)
                        sandbox = None
                    batch.write(i, result)
            finally:
                if sandbox is not None:
                    close_sandbox(sandbox)

        def run_slots(slots: list[int]) -> None:
            threads = [threading.Thread(target=work, args=(slot,), daemon=True)
                       for slot in slots]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        run_slots(list(range(max(1, min(self.jobs, len(batch))))))
        if not todo.empty() and healthy:  # a slot gave up or died after the others finished
            run_slots([min(healthy)])
        for i in batch.unwritten():  # no sandbox would start (or a worker died): one row each
            batch.write(i, batch.not_graded(i, problems[-1] if problems
                                            else "a grading worker stopped"))


def grade_all(paths: list[Path], out: Path, bank: Bank, *, jobs: int, isolation: str,
              progress: bool, device: str = "cpu") -> list[SubmissionResult]:
    """Grade every submission with ``jobs`` sandboxes; write each result as soon as it is done.
    One result per path, in the order given. ``CannotGrade`` before anything is graded when the
    isolation asked for cannot start here."""
    rows = grade_batch(paths, out, bank, SandboxPool(jobs=jobs, isolation=isolation,
                                                     device=device), progress=progress)
    return [row.result for row in rows]
