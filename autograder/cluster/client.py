"""The client of cluster grading: one task per submission, each result written as it completes.

The client reads every submission itself (``intake``: workers need not share its file system
and see only the submission they grade), ships the grader bundle (``boot.make_plugin``), keeps
at most ``IN_FLIGHT`` submissions on the cluster (memory stays bounded for any class size),
and writes each result once, as its task completes, exactly as the local run writes it. A
worker that dies mid-submission is Dask's to handle: the task runs again elsewhere, and after
``allowed-failures`` deaths the submission gets an error row instead. A cluster left without
any worker for ``--wait-workers`` seconds is given up: the rest get error rows.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.grade.bank import Bank
from autograder.grade.cli import (
    _describe,
    _fault,
    _progress,
    _write_one,
    error_result,
    output_names,
    print_table,
)
from autograder.grade.intake import Submission, read_submission
from autograder.grade.results import feedback_markdown, results_json, write_gradebook, write_raw
from autograder.grade.runner import CheckResult, SubmissionResult

from . import messages
from .boot import PLUGIN, make_plugin, make_task
from .bundle import build_bundle
from .options import WAIT_FOR_WORKERS

log = logging.getLogger("autograder")
IN_FLIGHT = 512  # submissions on the cluster at once (their files are held until graded)
CONNECT_TIMEOUT = 30.0
WATCH_INTERVAL = 2.0  # seconds between looks at the cluster's workers


class ClusterError(RuntimeError):
    """The cluster cannot grade this run at all (said to the instructor, nothing written)."""


@dataclass
class Graded:
    """One submission's outcome as written: the files' contents, and a result for the table
    (rebuilt from them; a grader-side error result as it is)."""

    result: SubmissionResult
    results: dict[str, Any]
    feedback: str


def not_graded(why: str) -> str:
    """An error row's reason when no worker could grade the submission (the local run's words
    when no sandbox would start)."""
    return (f"the grader could not run your code ({why}); your instructor has been told and "
            "will grade it again")


def displayed(results: dict[str, Any], bank: Bank) -> SubmissionResult:
    """A result with what ``print_table`` shows (name, checks passed, time, error, flags),
    rebuilt from results.json."""
    extra = results.get("extra_data", {})
    checks = {c.id: c for c in bank.checks}
    submission = Submission(name=str(extra.get("submission", "")),
                            source=str(extra.get("source", "")), error=extra.get("error"))
    result = SubmissionResult(submission, seconds=float(results.get("execution_time", 0.0)),
                              review=list(extra.get("review") or []))
    result.results = [CheckResult(checks[t["extra_data"]["id"]], t["status"] == "passed")
                      for t in results.get("tests", []) if t["extra_data"]["id"] in checks]
    return result


class _Batch:
    """The submissions of one run, their tasks and what has been written."""

    def __init__(self, client: Any, paths: list[Path], out: Path, bank: Bank,
                 options: messages.Options, progress: bool) -> None:
        self.client, self.paths, self.out, self.bank = client, paths, out, bank
        self.options = options
        self.names = output_names(paths)
        self.task = make_task()
        self.run = uuid.uuid4().hex[:8]
        self.futures: dict[str, Any] = {}  # task key -> future, while on the cluster
        self.index: dict[str, int] = {}    # task key -> submission
        self.lock = threading.Lock()       # futures, between the loop and the watchdog
        self.done: dict[int, Graded] = {}
        self.todo = iter(range(len(paths)))
        self.bar = _progress(len(paths), progress)
        self.abandoned: str | None = None  # why the cluster was given up, once it was

    def submit_next(self, pending: Any) -> bool:
        """Send the next readable submission to the cluster; False when none is left. One that
        cannot be read gets its error row here, as in the local run; once the cluster has been
        given up, every one left gets an error row."""
        for i in self.todo:
            path, name = self.paths[i], self.names[i]
            if self.abandoned is not None:
                self.record(i, self.error(i, error_result(self.bank, path, name,
                                                          not_graded(self.abandoned))))
                continue
            try:
                submission = read_submission(path, name)
            except Exception as exc:  # noqa: BLE001 - e.g. RecursionError on odd data
                self.record(i, self.error(i, _fault(self.bank, path, name,
                                                    "reading your submission", exc)))
                continue
            # one task group ("grade"): Dask queues a large batch on the scheduler
            key = f"grade-{i}-{name}-{self.run}"
            future = self.client.submit(self.task, messages.request(submission, self.options),
                                        key=key, pure=False)
            with self.lock:
                self.futures[future.key] = future
            self.index[future.key] = i
            pending.add(future)
            return True
        return False

    def outcome(self, i: int, future: Any) -> Graded:
        """The submission's Graded from its completed task. ``result()``, not the status: a
        result lost with its worker before it was fetched is computed again, and waited for."""
        from distributed import KilledWorker

        path, name = self.paths[i], self.names[i]
        try:
            text = future.result()
        except KilledWorker as exc:
            why = (f"the grading worker died each of the {exc.allowed_failures + 1} times it "
                   "graded your submission")
        except Exception as exc:  # noqa: BLE001 - cancelled (scheduler gone), comm errors...
            why = self.abandoned or f"the cluster failed: {_describe(exc)}"
        else:
            try:
                reply = messages.read_reply(text)
            except (ValueError, TypeError) as exc:
                return self.error(i, self.garbled(i, exc))
            if reply.fault is None:
                return self.write(i, reply.results, reply.feedback)
            why = reply.fault
        log.error("%s: not graded: %s", name, why)
        return self.error(i, error_result(self.bank, path, name, not_graded(why)))

    def garbled(self, i: int, exc: Exception) -> SubmissionResult:
        return _fault(self.bank, self.paths[i], self.names[i],
                      "reading the grading worker's reply", exc)

    def write(self, i: int, results: dict[str, Any], feedback: str) -> Graded:
        """Write a worker's results as the local run would; an error result if that fails."""
        try:
            shown = displayed(results, self.bank)  # first: a reply that is not results.json
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # is never written
            return self.error(i, self.garbled(i, exc))
        try:
            write_raw(self.out, self.names[i], results, feedback)
            return Graded(shown, results, feedback)
        except Exception as exc:  # noqa: BLE001 - e.g. text the encoder chokes on
            return self.error(i, _fault(self.bank, self.paths[i], self.names[i],
                                        "writing your results", exc))

    def error(self, i: int, result: SubmissionResult) -> Graded:
        """Write an error result (the local run's path: a fallback if even that fails)."""
        written = _write_one(self.out, self.paths[i], self.names[i], result, self.bank)
        return Graded(written, results_json(written, self.bank),
                      feedback_markdown(written, self.bank))

    def record(self, i: int, graded: Graded) -> None:
        """Keep submission ``i``'s outcome, which has just been written."""
        assert i not in self.done, f"{self.names[i]} was written twice"
        self.done[i] = graded
        self.bar.update(1)
        log.info("%s: results written", self.names[i])

    def finish(self, key: str) -> int | None:
        """The submission of a completed task, once (None if it came back before)."""
        with self.lock:
            self.futures.pop(key, None)
        return self.index.pop(key, None)

    def watch(self, patience: float, stop: threading.Event) -> None:
        """Give up the cluster when it has had no worker for ``patience`` seconds: cancel the
        tasks on it, so that their submissions get error rows instead of waiting forever."""
        alone_since: float | None = None
        while not stop.wait(WATCH_INTERVAL):
            try:
                workers = len(self.client.nthreads())
            except Exception:  # noqa: BLE001 - the scheduler is gone: its tasks fail anyway
                return
            now = time.monotonic()
            alone_since = None if workers else (alone_since or now)
            if alone_since is not None and now - alone_since >= patience:
                self.abandoned = f"no grading worker was left on the cluster for {patience:g} s"
                log.error("giving up the cluster: %s", self.abandoned)
                with self.lock:
                    futures = list(self.futures.values())
                self.client.cancel(futures)
                return


def grade_on_cluster(client: Any, paths: list[Path], out: Path, bank: Bank, *,
                     parts: list[str] | None, device: str, isolation: str, progress: bool,
                     patience: float = WAIT_FOR_WORKERS) -> list[Graded]:
    """Grade every submission on ``client``'s cluster, writing each result to ``out`` as soon as
    it is done; one Graded per path, in the order given. ``patience``: seconds without any
    worker after which the remaining submissions get error rows."""
    from distributed import as_completed

    bundle, digest = build_bundle()
    try:
        client.register_plugin(make_plugin(bundle, digest), name=PLUGIN)
    except Exception as exc:
        raise ClusterError(f"cannot install the grader on the workers: {_describe(exc)}") \
            from exc
    options = messages.Options(digest, tuple(parts) if parts else None, device, isolation)
    batch = _Batch(client, paths, out, bank, options, progress)
    stop = threading.Event()
    watchdog = threading.Thread(target=batch.watch, args=(patience, stop), daemon=True)
    watchdog.start()
    try:
        pending = as_completed(loop=client.loop)  # (not the default client's loop)
        for _ in range(IN_FLIGHT):
            if not batch.submit_next(pending):
                break
        for future in pending:
            i = batch.finish(future.key)
            if i is None:  # (each task completes once; should one come back, it is not written)
                continue
            batch.record(i, batch.outcome(i, future))
            future.release()  # the submission's files and results leave the cluster
            batch.submit_next(pending)
    finally:
        stop.set()
        batch.bar.close()
    return [batch.done[i] for i in range(len(paths))]


def _connect(args: argparse.Namespace) -> tuple[Any, Any]:
    """(a Client, the SLURMCluster it talks to or None)."""
    from distributed import Client

    if args.cluster == "slurm":
        from .slurm import slurm_cluster

        cluster = slurm_cluster(args)
        return Client(cluster), cluster
    return Client(args.scheduler, timeout=CONNECT_TIMEOUT), None


def run(args: argparse.Namespace, bank: Bank) -> int:
    """``grade --scheduler``/``--cluster``: grade, then the gradebook and the table, as a local
    run does. Exit status as ``grade``'s: 2 when the cluster cannot be reached."""
    if args.backend != "sandbox":
        print("error: --scheduler and --cluster grade in the workers' sandboxes, not with "
              "--backend docker", file=sys.stderr)
        return 2
    try:
        import distributed  # noqa: F401 - said plainly when missing
    except ImportError:
        print("error: cluster grading needs Dask: pip install -r requirements-grader.txt",
              file=sys.stderr)
        return 2
    try:
        client, cluster = _connect(args)
    except Exception as exc:  # noqa: BLE001 - unreachable scheduler, no sbatch...
        where = args.scheduler or f"a {args.cluster} cluster"
        print(f"error: cannot connect to {where}: {_describe(exc)}", file=sys.stderr)
        return 2
    try:
        try:
            client.wait_for_workers(1, timeout=args.wait_workers)
        except TimeoutError:
            print(f"error: no Dask worker joined within {args.wait_workers:g} s",
                  file=sys.stderr)
            return 2
        graded = grade_on_cluster(client, args.submissions, args.output, bank,
                                  parts=args.part, device=args.device,
                                  isolation=args.isolation, progress=not args.quiet,
                                  patience=args.wait_workers)
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    write_gradebook(args.output, bank)
    if args.emit_json:
        for g in graded:
            print(json.dumps({"name": g.result.submission.name, "results": g.results,
                              "feedback": g.feedback}))
    if not args.quiet:
        print_table([g.result for g in graded], bank)
        print(f"results in {args.output}/<name>/ and {args.output}/gradebook.csv")
    return 0
