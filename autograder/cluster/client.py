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
import logging
from collections.abc import Callable
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from autograder.grade.bank import Bank
from autograder.grade.batch import (
    Batch,
    CannotGrade,
    Row,
    describe_fault,
    grade_batch,
)
from autograder.grade.intake import read_submission

from . import protocol
from .boot import PLUGIN, make_plugin, make_task
from autograder.bundle import build_bundle
from .options import WAIT_FOR_WORKERS

log = logging.getLogger("autograder")
IN_FLIGHT = 512  # submissions on the cluster at once (their files are held until graded)
CONNECT_TIMEOUT = 30.0
WATCH_INTERVAL = 2.0  # seconds between looks at the cluster's workers
GARBLED = "reading the grading worker's reply"  # the stage of a fault on a garbled reply


class ClusterError(RuntimeError):
    """The cluster cannot grade this run at all (said to the instructor, nothing written)."""


class _Tasks:
    """One run's tasks on the cluster: which submission each is, and what is still there."""

    def __init__(self, client: Any, batch: Batch, options: protocol.Options) -> None:
        self.client, self.batch, self.options = client, batch, options
        self.task = make_task()
        self.run = uuid.uuid4().hex[:8]
        self.futures: dict[str, Any] = {}  # task key -> future, while on the cluster
        self.index: dict[str, int] = {}    # task key -> submission
        self.lock = threading.Lock()       # futures, between the loop and the watchdog
        self.todo = iter(range(len(batch)))
        self.abandoned: str | None = None  # why the cluster was given up, once it was

    def submit_next(self, pending: Any) -> bool:
        """Send the next readable submission to the cluster; False when none is left. One that
        cannot be read gets its error row here, as in the local run; once the cluster has been
        given up, every one left gets an error row."""
        batch = self.batch
        for i in self.todo:
            if self.abandoned is not None:
                batch.write(i, batch.not_graded(i, self.abandoned))
                continue
            try:
                submission = read_submission(batch.paths[i], batch.names[i])
            except Exception as exc:  # noqa: BLE001 - e.g. RecursionError on odd data
                batch.write(i, batch.fault(i, "reading your submission", exc))
                continue
            # one task group ("grade"): Dask queues a large batch on the scheduler
            key = f"grade-{i}-{batch.names[i]}-{self.run}"
            future = self.client.submit(self.task, protocol.request(submission, self.options),
                                        key=key, pure=False)
            with self.lock:
                self.futures[future.key] = future
            self.index[future.key] = i
            pending.add(future)
            return True
        return False

    def write_outcome(self, i: int, future: Any) -> Row:
        """Write the submission's row from its completed task. ``result()``, not the status: a
        result lost with its worker before it was fetched is computed again, and waited for."""
        from distributed import KilledWorker

        batch = self.batch
        try:
            text = future.result()
        except KilledWorker as exc:
            why = (f"the grading worker died each of the {exc.allowed_failures + 1} times it "
                   "graded your submission")
        except Exception as exc:  # noqa: BLE001 - cancelled (scheduler gone), comm errors...
            why = self.abandoned or f"the cluster failed: {describe_fault(exc)}"
        else:
            try:
                reply = protocol.read_reply(text)
            except (ValueError, TypeError) as exc:
                return batch.write(i, batch.fault(i, GARBLED, exc))
            if reply.fault is None:
                return batch.write_files(i, reply.results, reply.feedback, GARBLED)
            why = reply.fault
        return batch.write(i, batch.not_graded(i, why))

    def finish(self, key: str) -> int | None:
        """The submission of a completed task, once (None if it came back before)."""
        with self.lock:
            self.futures.pop(key, None)
        return self.index.pop(key, None)

    def watch(self, patience: float, stop: threading.Event,
              hopeless: Callable[[], str | None] | None = None) -> None:
        """Give up the cluster when it has had no worker for ``patience`` seconds, or none and
        ``hopeless`` says why none will come: cancel the tasks on it, so that their
        submissions get error rows instead of waiting forever."""
        alone_since: float | None = None
        while not stop.wait(WATCH_INTERVAL):
            try:
                workers = len(self.client.nthreads())
            except Exception:  # noqa: BLE001 - the scheduler is gone: its tasks fail anyway
                return
            now = time.monotonic()
            alone_since = None if workers else (alone_since or now)
            why = hopeless() if alone_since is not None and hopeless is not None else None
            if why:
                self.abandoned = f"no grading worker is left on the cluster: {why}"
            elif alone_since is not None and now - alone_since >= patience:
                self.abandoned = f"no grading worker was left on the cluster for {patience:g} s"
            if self.abandoned is not None:
                log.error("giving up the cluster: %s", self.abandoned)
                with self.lock:
                    futures = list(self.futures.values())
                self.client.cancel(futures)
                return


class OnCluster:
    """The backend: one task per submission on ``client``'s cluster. Entering installs the
    grader bundle on the workers (``ClusterError`` when it cannot)."""

    def __init__(self, client: Any, *, parts: list[str] | None, device: str, isolation: str,
                 patience: float = WAIT_FOR_WORKERS,
                 hopeless: Callable[[], str | None] | None = None) -> None:
        self.client, self.parts, self.device, self.isolation = client, parts, device, isolation
        self.patience = patience
        self.hopeless = hopeless  # why no worker will come back, once that is known
        self.options: protocol.Options | None = None

    def __enter__(self) -> OnCluster:
        bundle, digest = build_bundle()
        try:
            self.client.register_plugin(make_plugin(bundle, digest), name=PLUGIN)
        except Exception as exc:
            raise ClusterError(f"cannot install the grader on the workers: "
                               f"{describe_fault(exc)}") from exc
        self.options = protocol.Options(digest, tuple(self.parts) if self.parts else None,
                                        self.device, self.isolation)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def grade(self, batch: Batch) -> None:
        from distributed import as_completed

        assert self.options is not None, "entered first"
        tasks = _Tasks(self.client, batch, self.options)
        stop = threading.Event()
        watchdog = threading.Thread(target=tasks.watch, args=(self.patience, stop, self.hopeless),
                                    daemon=True)
        watchdog.start()
        try:
            pending = as_completed(loop=self.client.loop)  # (not the default client's loop)
            for _ in range(IN_FLIGHT):
                if not tasks.submit_next(pending):
                    break
            for future in pending:
                i = tasks.finish(future.key)
                if i is None:  # (each task completes once; one that comes back is not written)
                    continue
                tasks.write_outcome(i, future)
                future.release()  # the submission's files and results leave the cluster
                tasks.submit_next(pending)
        finally:
            stop.set()


def grade_on_cluster(client: Any, paths: list[Path], out: Path, bank: Bank, *,
                     parts: list[str] | None, device: str, isolation: str, progress: bool,
                     patience: float = WAIT_FOR_WORKERS) -> list[Row]:
    """Grade every submission on ``client``'s cluster, writing each result to ``out`` as soon as
    it is done; one row per path, in the order given. ``patience``: seconds without any
    worker after which the remaining submissions get error rows."""
    backend = OnCluster(client, parts=parts, device=device, isolation=isolation,
                        patience=patience)
    return grade_batch(paths, out, bank, backend, progress=progress)


class Connected:
    """The backend of ``grade --scheduler``/``--cluster``: connects (``CannotGrade`` with
    ``grade``'s exit status when it cannot: 2 when the cluster cannot be reached or Slurm
    refuses its jobs, 1 when the grader cannot be installed on it), grades as ``OnCluster``,
    and disconnects."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.client: Any = None
        self.jobs: Any = None  # slurm.Jobs, for --cluster slurm
        self.on_cluster: OnCluster | None = None

    def __enter__(self) -> Connected:
        args = self.args
        if args.backend != "sandbox":
            raise CannotGrade("--scheduler and --cluster grade in the workers' sandboxes, not "
                              "with --backend docker", 2)
        try:
            import distributed  # noqa: F401 - said plainly when missing
        except ImportError:
            raise CannotGrade("cluster grading needs Dask: pip install -r "
                              "requirements-instructor.txt", 2) from None
        try:
            self.client = self.connect()
        except CannotGrade:
            self.__exit__()
            raise
        except Exception as exc:  # noqa: BLE001 - unreachable scheduler, no sbatch...
            self.__exit__()
            where = args.scheduler or f"a {args.cluster} cluster"
            raise CannotGrade(f"cannot connect to {where}: {describe_fault(exc)}", 2) from exc
        try:
            self.wait_for_a_worker()
            self.on_cluster = OnCluster(self.client, parts=args.part, device=args.device,
                                        isolation=args.isolation, patience=args.wait_workers,
                                        hopeless=self.jobs.hopeless if self.jobs else None)
            try:
                self.on_cluster.__enter__()
            except ClusterError as exc:
                raise CannotGrade(str(exc), 1) from exc
        except BaseException:
            self.__exit__()
            raise
        return self

    def wait_for_a_worker(self) -> None:
        """Wait up to ``--wait-workers`` for the first worker; ``CannotGrade`` (2) at once when
        the Slurm jobs can be seen never to run one, and with what they are doing after."""
        wait = self.args.wait_workers
        deadline = time.monotonic() + wait
        while not self.client.nthreads():
            hopeless = self.jobs.hopeless() if self.jobs else None
            if hopeless:
                raise CannotGrade(hopeless + self.jobs.log_tail(), 2)
            if time.monotonic() >= deadline:
                doing = self.jobs.describe() if self.jobs else ""
                raise CannotGrade(f"no Dask worker joined within {wait:g} s"
                                  + (f" ({doing})" if doing else ""), 2)
            time.sleep(0.5)

    def grade(self, batch: Batch) -> None:
        assert self.on_cluster is not None, "entered first"
        self.on_cluster.grade(batch)

    def connect(self) -> Any:
        """A Client of the scheduler: the one given, or one started here for Slurm jobs."""
        from distributed import Client

        args = self.args
        if args.cluster == "slurm":
            from .slurm import SlurmError, slurm_cluster

            try:
                self.jobs = slurm_cluster(args, args.output)
            except SlurmError as exc:
                raise CannotGrade(str(exc), 2) from None
            return Client(self.jobs.cluster, security=self.jobs.cluster.security)
        from .security import instructor_security, missing_files

        unreadable = missing_files(args)
        if unreadable:
            raise CannotGrade(f"cannot read {', '.join(unreadable)}", 2)
        return Client(args.scheduler, timeout=CONNECT_TIMEOUT,
                      security=instructor_security(args))

    def __exit__(self, *exc: object) -> None:
        client, self.client = self.client, None
        if client is not None:
            client.close()
        jobs, self.jobs = self.jobs, None
        if jobs is not None:
            jobs.close()
