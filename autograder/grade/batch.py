"""One row per submission: the contract every way of grading a batch keeps.

Whatever backend grades (``grade.local``: a pool of sandboxes; ``grade.docker_backend``: a
container per submission; ``cluster.client``: a Dask cluster), every submission given gets
exactly one output folder under a safe, distinct name (``output_names``), written as soon as
its outcome is known; a fault of the grader while reading, grading or writing becomes that
submission's error row (``fault_result``), and the batch goes on. A backend is a ``Backend``:
it opens (or refuses with ``CannotGrade`` before anything is written), grades the ``Batch``
it is given through the batch's public methods, and closes; ``grade_batch`` runs it and
returns the rows, and ``finish`` writes the gradebook and says what was graded.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from autograder import feedback

from .bank import Bank
from .intake import Submission
from .results import (
    BATCH,
    RESERVED,
    feedback_markdown,
    plain,
    results_json,
    with_collection,
    write_atomically,
    write_raw,
    write_submission,
)
from .gradebook import write_gradebook
from .runner import CheckResult, SubmissionResult, failed_everything

log = logging.getLogger("autograder")


class CannotGrade(Exception):
    """A backend cannot grade this run at all: nothing is written; the command says
    ``error: <message>`` and exits with ``status``."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def output_names(paths: list[Path]) -> list[str]:
    """One output directory name per submission: safe (see ``submission_name``), none of the
    grader's own files, and distinct even on a case-insensitive file system. Where base names
    clash, the submission whose path sorts first keeps the base name and the others get the
    first free ``-2``, ``-3``... that is no other submission's name, so the names depend only on
    the set of paths given, not on their order."""
    from .intake import submission_name

    bases = [submission_name(p) for p in paths]
    groups: dict[str, list[int]] = {}
    for i in sorted(range(len(paths)), key=lambda i: (os.fsencode(paths[i]), i)):
        groups.setdefault(bases[i].lower(), []).append(i)
    taken = set(groups) | RESERVED  # a suffixed name never takes a real submission's name
    names = [""] * len(paths)
    for key in sorted(groups):
        members = groups[key]
        if key not in RESERVED:
            names[members[0]] = bases[members[0]]
            members = members[1:]
        for i in members:
            n = 2
            while f"{bases[i]}-{n}".lower() in taken:
                n += 1
            names[i] = f"{bases[i]}-{n}"
            taken.add(names[i].lower())
    return names


def describe_fault(exc: BaseException) -> str:
    """``Type: message`` of a grader fault, short and printable (the message may quote data)."""
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ fails still has a type
        message = ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return plain(text, newlines=False)[:300]


def error_result(bank: Bank, path: Path, name: str, reason: str) -> SubmissionResult:
    """Every check failed with ``reason``; nothing the submission sent is kept (it may be
    what made the grader fail)."""
    submission = Submission(name=name, source=plain(os.fsdecode(path), newlines=False),
                            error=reason)
    return failed_everything(bank, submission, reason)


def fault_result(bank: Bank, path: Path, name: str, stage: str, exc: BaseException
                 ) -> SubmissionResult:
    """The error result for a grader fault while ``stage``, logged for the instructor."""
    log.error("%s: the grader failed while %s: %s", name, stage, describe_fault(exc),
              exc_info=(type(exc), exc, exc.__traceback__))
    return error_result(bank, path, name, feedback.grader_failed(stage, describe_fault(exc)))


def displayed(results: dict[str, Any], bank: Bank) -> SubmissionResult:
    """A result with what the score table shows (name, checks passed, time, error, flags),
    rebuilt from results.json written elsewhere (a container, a cluster worker)."""
    extra = results.get("extra_data", {})
    checks = {c.id: c for c in bank.checks}
    submission = Submission(name=str(extra.get("submission", "")),
                            source=str(extra.get("source", "")), error=extra.get("error"))
    result = SubmissionResult(submission, seconds=float(results.get("execution_time", 0.0)),
                              review=list(extra.get("review") or []))
    result.results = [CheckResult(checks[t["extra_data"]["id"]], t["status"] == "passed")
                      for t in results.get("tests", []) if t["extra_data"]["id"] in checks]
    return result


@dataclass
class Row:
    """One submission's outcome as written: a result for the table and, where the files came
    from elsewhere, their contents (else they are ``result``'s)."""

    result: SubmissionResult
    results: dict[str, Any] | None = None
    feedback: str | None = None

    def json_line(self, bank: Bank) -> str:
        """The ``--emit-json`` line: what the host of a container writes for this row."""
        results = self.results if self.results is not None else results_json(self.result, bank)
        feedback = self.feedback if self.feedback is not None else \
            feedback_markdown(self.result, bank)
        return json.dumps({"name": self.result.submission.name, "results": results,
                           "feedback": feedback})


class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, enabled: bool) -> Any:
    """A progress bar on stderr (``update``, ``close``), silent when not ``enabled``."""
    try:
        from tqdm import tqdm
    except ImportError:  # e.g. a GPU machine's own Python: grading works without the bar
        return _NoProgress()
    return tqdm(total=total, unit="submission", disable=not enabled or total < 2,
                file=sys.stderr, desc="grading")


class Batch:
    """The submissions of one run and their rows, each written once, as soon as it is known.
    Thread-safe: backends may write rows from several threads."""

    def __init__(self, paths: list[Path], out: Path, bank: Bank, *, progress: bool,
                 collection: list[dict[str, Any]] | None = None,
                 names: list[str] | None = None, keep_previous: bool = False) -> None:
        self.paths, self.out, self.bank = paths, out, bank
        # what `collect` recorded of each submission, written into its results.json
        self.collection = collection
        # (``grade --only``: the name the whole batch gave the one submission regraded)
        self.names = output_names(paths) if names is None else names
        self.keep_previous = keep_previous  # earlier results kept in previous/ (--only)
        self.rows: dict[int, Row] = {}
        self.bar = progress_bar(len(paths), progress)
        self.lock = threading.RLock()  # rows, and writing them
        self.skipped = 0  # rows of submissions not graded (the progress bar shows how many)

    def __len__(self) -> int:
        return len(self.paths)

    def error(self, i: int, reason: str) -> SubmissionResult:
        """Submission ``i``'s error result: every check failed with ``reason``."""
        return error_result(self.bank, self.paths[i], self.names[i], reason)

    def fault(self, i: int, stage: str, exc: BaseException) -> SubmissionResult:
        """Submission ``i``'s error result for a grader fault while ``stage`` (logged)."""
        return fault_result(self.bank, self.paths[i], self.names[i], stage, exc)

    def not_graded(self, i: int, why: str) -> SubmissionResult:
        """Submission ``i``'s error result when nothing would run its code (logged)."""
        log.error("%s: not graded: %s", self.names[i], why)
        with self.lock:
            self.skipped += 1
            self.bar.set_postfix_str(f"{self.skipped} not graded", refresh=False)  # (with its row)
        return self.error(i, feedback.not_run(why))

    def collected(self, i: int) -> dict[str, Any] | None:
        """What the collection recorded of submission ``i``, if it came from one."""
        return None if self.collection is None else self.collection[i]

    def write(self, i: int, result: SubmissionResult) -> Row:
        """Write and keep ``result``; if that fails, an error result in its place."""
        with self.lock:  # one write at a time, whichever thread graded it
            try:
                write_submission(self.out, result, self.bank, self.collected(i),
                                 keep_previous=self.keep_previous)
            except Exception as exc:  # noqa: BLE001 - e.g. text the encoder chokes on
                fallback = self.fault(i, "writing your results", exc)
            else:
                return self._record(i, Row(result))
            try:
                write_submission(self.out, fallback, self.bank, self.collected(i),
                                 keep_previous=self.keep_previous)
            except Exception:  # noqa: BLE001 - OUT itself is broken: in the log, batch goes on
                log.exception("%s: cannot write even an error result to %s", self.names[i],
                              self.out)
            return self._record(i, Row(fallback))

    def write_files(self, i: int, results: dict[str, Any], feedback: str, stage: str) -> Row:
        """Write and keep the files graded elsewhere (a container, a worker). A reply that is
        not results.json is never written: the error row of a fault while ``stage`` instead
        (and of one while writing, when writing fails)."""
        try:
            shown = displayed(results, self.bank)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return self.write(i, self.fault(i, stage, exc))
        with self.lock:
            try:
                write_raw(self.out, self.names[i], with_collection(results, self.collected(i)),
                          feedback, keep_previous=self.keep_previous)
            except Exception as exc:  # noqa: BLE001 - e.g. text the encoder chokes on
                fault = self.fault(i, "writing your results", exc)
            else:
                return self._record(i, Row(shown, results, feedback))
        return self.write(i, fault)

    def _record(self, i: int, row: Row) -> Row:
        with self.lock:
            assert i not in self.rows, f"{self.names[i]} was written twice"
            self.rows[i] = row
            self.bar.update(1)
        log.info("%s: results written", self.names[i])
        return row

    def written(self, i: int) -> bool:
        with self.lock:
            return i in self.rows

    def unwritten(self) -> Iterator[int]:
        """The submissions without a row yet, in order."""
        return (i for i in range(len(self.paths)) if not self.written(i))

    def in_order(self) -> list[Row]:
        """One row per submission, in the order given (the backend has written each)."""
        return [self.rows[i] for i in range(len(self.paths))]


class Backend(Protocol):
    """A way of grading a batch. Entered before anything is written (raises ``CannotGrade``
    when it cannot grade here), it writes one row per submission of ``grade``'s batch."""

    def __enter__(self) -> Backend: ...

    def __exit__(self, *exc: object) -> bool | None: ...

    def grade(self, batch: Batch) -> None: ...


def grade_batch(paths: list[Path], out: Path, bank: Bank, backend: Backend, *, progress: bool,
                collection: list[dict[str, Any]] | None = None,
                names: list[str] | None = None, keep_previous: bool = False) -> list[Row]:
    """Grade every submission with ``backend``; one row per path, in the order given (with
    ``collection[i]``, what `collect` recorded of path ``i``, in its results; ``names``: the
    output names, by default ``output_names(paths)``; ``keep_previous``: see ``write_raw``).
    ``CannotGrade`` (from the backend) before anything is written."""
    with backend as grader:
        batch = Batch(paths, out, bank, progress=progress, collection=collection, names=names,
                      keep_previous=keep_previous)
        try:
            grader.grade(batch)
        finally:
            batch.bar.close()
    return batch.in_order()


def write_batch_record(out: Path, bank: Bank, started: datetime, seconds: float,
                       submissions: int) -> Path:
    """``OUT/batch.json``: when the run started and finished (UTC, ISO 8601), its wall time
    (measured around the whole batch, not summed over submissions), the bank's digest and how
    many submissions it wrote. The class report reads it."""
    record = {"started": started.isoformat(timespec="seconds"),
              "finished": datetime.now(UTC).isoformat(timespec="seconds"),
              "wall_seconds": round(seconds, 3), "bank_digest": bank.digest or None,
              "submissions": submissions}
    path = out / BATCH
    write_atomically(path, json.dumps(record, indent=2) + "\n")
    return path


def finish(out: Path, bank: Bank, rows: list[Row], *, quiet: bool, emit_json: bool,
           roster: Path | None = None) -> int:
    """After a batch: the gradebook (joined to ``roster``, or the one kept in ``out``), the rows
    as JSON lines (``--emit-json``: a container's reply), the score table; ``grade``'s exit
    status."""
    write_gradebook(out, bank, roster)
    if emit_json:
        for row in rows:
            print(row.json_line(bank))
    if not quiet:
        from .table import print_table

        print_table([row.result for row in rows], bank)
        print(f"results in {out}/<name>/ and {out}/gradebook.csv")
    return 0
