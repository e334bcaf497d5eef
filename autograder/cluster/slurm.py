"""``--cluster slurm``: workers as Slurm jobs (dask-jobqueue's SLURMCluster), the scheduler in
the grading process. Anything not on the command line comes from dask-jobqueue's own
configuration (``~/.config/dask/jobqueue.yaml``: account, interface, job_script_prologue...).

- **Lost jobs are replaced**: each job runs ``--cluster-cores`` single-threaded workers (one
  sandbox each); a job that ends while the run needs it (cancelled, out of time, its node
  gone, or failed before its workers joined: ``squeue`` says so) is submitted again, at most
  ``MAX_REPLACED`` times per job asked for, and the submissions it held are graded elsewhere
  (``Jobs.tend``). Dask's own ``scale`` never replaces a job, and its ``adapt`` only one that
  ran a single worker.
- **A closed scheduler**: it listens only on the address the workers reach (``--cluster-host``,
  else the interface of jobqueue's configuration, else this machine's outward address), speaks
  TLS with a certificate made for this run (``security.py``) and serves no dashboard unless
  ``--cluster-dashboard`` asks for one.
- **Failures said plainly**: the job is tried with ``sbatch --test-only`` before anything is
  submitted, so a partition that does not exist or a request no node can satisfy stops the run
  with Slurm's own words (``SlurmError``); a job that waits is explained from ``squeue``'s
  reason. Job logs go to ``OUT/.slurm/``, not the current directory.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from . import config
from .security import CertificateError, run_certificate, run_security

log = logging.getLogger("autograder")

LOGS = ".slurm"  # OUT/.slurm/: the jobs' logs (hidden: no submission can be named so)
MAX_REPLACED = 2  # lost jobs submitted again, per job asked for, in one run
TEND_INTERVAL = 3.0  # seconds between looks at the jobs (squeue)
# Job states in which the job may still run its worker (anything else: it is over)
ALIVE = frozenset({"PENDING", "CONFIGURING", "RUNNING", "SUSPENDED", "REQUEUED",
                   "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT"})
# Reasons a pending job will not start until someone changes the job or the cluster's
# configuration (not a node that is down or reserved for a while: those pass)
STUCK = frozenset({"PartitionConfig", "BadConstraints", "PartitionNodeLimit",
                   "PartitionTimeLimit", "InvalidAccount", "InvalidQOS", "AccountNotAllowed",
                   "QOSNotAllowed", "JobHeldAdmin", "DependencyNeverSatisfied"})
COMMAND_TIMEOUT = 60  # seconds for sbatch --test-only, squeue, scancel


class SlurmError(RuntimeError):
    """Slurm will not run this run's jobs: one line, with Slurm's own words."""


def job_options(args: argparse.Namespace, log_directory: Path | None = None,
                scheduler: str | None = None) -> dict[str, Any]:
    """SLURMCluster's keyword arguments for these options: ``--cluster-cores``
    single-threaded workers per job, listening only on jobqueue's interface, else on the node's
    address that reaches ``scheduler`` (the scheduler's host), serving no dashboard."""
    import dask

    directives = list(args.cluster_directive)
    gres = getattr(args, "cluster_gres", None)
    asks_gpus = any(d.startswith(("--gres", "--gpus", "-G")) for d in directives)
    if gres:
        directives.append(f"--gres={gres}")
    elif args.device == "cuda" and not asks_gpus:
        directives.append("--gres=gpu:1")
    python = dask.config.get("jobqueue.slurm.python", None) or sys.executable
    interface = dask.config.get("jobqueue.slurm.interface", None)
    if interface:  # that interface's address (dask-jobqueue passes --interface itself)
        find = (f"{shlex.quote(python)} -c 'import sys; from distributed.utils import "
                f"get_ip_interface as ip; print(ip(sys.argv[1]))' {shlex.quote(interface)}")
    else:  # the address of the route to the scheduler (a UDP connect sends nothing)
        find = (f"{shlex.quote(python)} -c 'import socket, sys; s = socket.socket(socket.AF_INET"
                f", socket.SOCK_DGRAM); s.connect((sys.argv[1], 9)); print(s.getsockname()[0])'"
                f" {shlex.quote(scheduler or '127.0.0.1')}")
    options: dict[str, Any] = {
        "cores": args.cluster_cores,
        "processes": args.cluster_cores,  # single-threaded workers: one sandbox each
        "memory": args.cluster_memory,
        "walltime": args.cluster_walltime,
        "job_extra_directives": directives,
        # The worker and its nanny listen on the node's address (not every interface), over
        # TLS; its HTTP server (plain text: Dask starts one even without a dashboard) binds
        # that address too and serves nothing.
        "job_script_prologue": [*dask.config.get("jobqueue.slurm.job-script-prologue", []),
                                f"AUTOGRADER_WORKER_HOST=$({find})",
                                "export DASK_DISTRIBUTED__WORKER__HTTP__ROUTES='[]'"],
        "worker_extra_args": [*dask.config.get("jobqueue.slurm.worker-extra-args", []),
                              "--no-dashboard", "--dashboard-address",
                              '"$AUTOGRADER_WORKER_HOST:0"']
        + ([] if interface else ["--host", '"$AUTOGRADER_WORKER_HOST"']),
    }
    if args.cluster_queue:
        options["queue"] = args.cluster_queue
    if log_directory is not None:
        options["log_directory"] = str(log_directory)
    return options


def scheduler_host(args: argparse.Namespace) -> str | None:
    """The address the scheduler binds: ``--cluster-host``, else None where jobqueue's
    configuration names an interface (Dask binds that interface's address), else the address
    of the interface this machine reaches the network on (the one Dask would advertise)."""
    import dask
    from distributed.utils import get_ip

    if args.cluster_host:
        return args.cluster_host
    if dask.config.get("jobqueue.slurm.interface", None):
        return None
    return get_ip()


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                          check=False, stdin=subprocess.DEVNULL)


def one_line(text: str) -> str:
    """Slurm's message on one line (its lines joined with '; ')."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())[:600]


def largest_node(partition: str | None) -> str:
    """What the largest node of ``partition`` (or of every partition) offers, for a message."""
    command = ["sinfo", "-h", "-N", "-o", "%c %m %G"] + (["-p", partition] if partition else [])
    try:
        done = _run(command)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    nodes = []
    for line in done.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0].isdigit() and fields[1].isdigit():
            nodes.append((int(fields[0]), int(fields[1]), " ".join(fields[2:])))
    if not nodes:
        return ""
    cpus, memory = max(n[0] for n in nodes), max(n[1] for n in nodes)
    gres = sorted({n[2] for n in nodes if n[2] and n[2] != "(null)"})
    where = f"partition {partition}" if partition else "this cluster"
    return (f"the largest node of {where} has {cpus} CPUs and {memory} MB"
            + (f" (gres: {', '.join(gres)})" if gres else " and no GPUs (gres)"))


def test_job(script: str, partition: str | None) -> None:
    """``sbatch --test-only`` on the job script: a ``SlurmError`` with Slurm's words when Slurm
    would refuse the job or no node could ever run it (Slurm itself would accept such a job
    and leave it pending for ever)."""
    if shutil.which("sbatch") is None:
        raise SlurmError("sbatch is not on PATH: run this on a Slurm login node")
    with tempfile.NamedTemporaryFile("w", suffix=".sh", prefix="autograder-job-") as fh:
        fh.write(script)
        fh.flush()
        try:
            done = _run(["sbatch", "--test-only", fh.name])
        except subprocess.TimeoutExpired:
            raise SlurmError(f"sbatch --test-only did not answer within {COMMAND_TIMEOUT} s: "
                             "is slurmctld up (sinfo)?") from None
    if done.returncode == 0:
        return
    said = one_line(done.stderr + done.stdout) or f"exit status {done.returncode}"
    hint = ""
    if "node configuration is not available" in said or "gres" in said.lower():
        offered = largest_node(partition)
        hint = f" ({offered}: lower --cluster-cores, --cluster-memory or the GPUs asked)" \
            if offered else ""
    raise SlurmError(f"Slurm refuses the worker job: {said}{hint}")


def job_class() -> type:
    """dask-jobqueue's SLURMJob, whose ``close`` (scancel) also marks it closed: Dask's
    cluster asserts, when it closes, that every job it made and that still exists is closed."""
    from dask_jobqueue.slurm import SLURMJob
    from distributed.core import Status

    class Job(SLURMJob):
        async def close(self) -> None:
            try:
                await super().close()
            finally:
                self.status = Status.closed

    return Job


class Jobs:
    """This run's Slurm jobs and the scheduler they join: started by ``start`` (the scheduler
    in this process, the jobs submitted, ``SlurmError`` when Slurm refuses them), kept at
    ``--cluster-jobs`` by ``tend`` in a thread, cancelled by ``close``."""

    def __init__(self, args: argparse.Namespace, out: Path) -> None:
        self.args = args
        self.n = args.cluster_jobs
        self.logs = out / LOGS
        self.cluster: Any = None
        self.tls: Path | None = None
        self.replaced = 0
        self.limit = MAX_REPLACED * self.n
        self.states: dict[str, tuple[str, str]] = {}  # job id -> (state, reason), last seen
        self.ended: dict[str, str] = {}  # job id -> the state it ended in
        self.said: dict[str, str] = {}   # job id -> the pending reason last logged
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.gave_up = False

    # -- starting

    def start(self) -> Any:
        """Start the scheduler and submit the jobs; the SLURMCluster."""
        import dask
        from dask_jobqueue import SLURMCluster

        args = self.args
        if self.n < 1 or args.cluster_cores < 1:
            raise SlurmError("--cluster-jobs and --cluster-cores must be at least 1")
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            self.tls = run_certificate(self.logs)
        except CertificateError as exc:
            raise SlurmError(str(exc)) from None
        security = run_security(self.tls)
        host = scheduler_host(args)
        scheduler: dict[str, Any] = {"dashboard": bool(args.cluster_dashboard)}
        if host is not None:
            scheduler["host"] = host
        settings: dict[str, Any] = dict(config.SCHEDULER)
        if args.cluster_dashboard:
            scheduler["dashboard_address"] = args.cluster_dashboard
        else:  # Dask's HTTP server always starts: on loopback, over TLS, serving nothing
            scheduler["dashboard_address"] = "127.0.0.1:0"
            cert, key = str(self.tls / "cert.pem"), str(self.tls / "key.pem")
            settings.update({"distributed.scheduler.http.routes": [],
                             "distributed.scheduler.dashboard.tls.cert": cert,
                             "distributed.scheduler.dashboard.tls.key": key,
                             "distributed.scheduler.dashboard.tls.ca-file": cert})
        try:
            with dask.config.set(settings):  # read when the scheduler starts, i.e. here
                self.cluster = SLURMCluster(
                    **job_options(args, self.logs, host), job_cls=job_class(),
                    security=security, protocol="tls://", scheduler_options=scheduler,
                    shared_temp_directory=str(self.tls))
        except Exception as exc:  # noqa: BLE001 - e.g. --cluster-host not an address here
            self.close()
            hint = " (--cluster-host must be an address of this machine)" \
                if args.cluster_host else ""
            raise SlurmError(f"cannot start the scheduler on {host or 'the interface'}: "
                             f"{one_line(str(exc)) or type(exc).__name__}{hint}") from None
        try:
            test_job(self.cluster.job_script(), args.cluster_queue)
            self.cluster.sync(self._submit)  # now, and sbatch's errors raised here
        except SlurmError:
            self.close()
            raise
        except Exception as exc:  # noqa: BLE001 - sbatch failed after all (RuntimeError)
            self.close()
            raise SlurmError(f"sbatch failed: {self._sbatch_words(exc)}") from None
        log.info("submitted Slurm jobs %s; their logs go to %s", ", ".join(self.job_ids()),
                 self.logs)
        self.thread = threading.Thread(target=self._tend_loop, name="slurm-jobs", daemon=True)
        self.thread.start()
        return self.cluster

    @staticmethod
    def _sbatch_words(exc: BaseException) -> str:
        """What sbatch said, out of dask-jobqueue's RuntimeError (its stderr section)."""
        text = str(exc)
        if "stderr:" in text:
            text = text.split("stderr:", 1)[1]
        return one_line(text) or type(exc).__name__

    def job_ids(self, cluster: Any = None) -> list[str]:
        """The ids of the jobs submitted and not dropped yet."""
        jobs = list((cluster or self.cluster).workers.values())  # (one step: no Python runs)
        return [str(j.job_id) for j in jobs if getattr(j, "job_id", None)]

    # -- tending

    def squeue(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        """(state, reason) of each of ``ids`` Slurm still knows (finished ones too, for
        ``MinJobAge``); a job it no longer knows is absent (squeue says "Invalid job id" only
        when it knows none of them). RuntimeError when squeue cannot answer."""
        if not ids:
            return {}
        done = _run(["squeue", "-h", "-t", "all", "-j", ",".join(ids), "-o", "%i|%T|%r"])
        if done.returncode != 0 and "Invalid job id" not in done.stderr:
            raise RuntimeError(one_line(done.stderr) or f"squeue: exit {done.returncode}")
        states = {}
        for line in done.stdout.splitlines():
            job, _, rest = line.strip().partition("|")
            state, _, reason = rest.partition("|")
            states[job] = (state, reason)
        return states

    def tend(self) -> None:
        """One look at the jobs: submit a new one for each that ended (``MAX_REPLACED`` per
        job asked for, at most), and say why a job waits when Slurm's reason changes."""
        ids = self.job_ids()
        states = self.squeue(ids)
        for job in ids:
            state, reason = states.get(job, ("GONE", ""))
            self.states[job] = (state, reason)
            if state == "PENDING" and reason not in ("", "None") and \
                    self.said.get(job) != reason:
                self.said[job] = reason
                log.warning("Slurm job %s waits in the queue: %s%s", job, reason,
                            " (it will not start as it is: see squeue -j " + job + ")"
                            if reason.split(",")[0] in STUCK else "")
        lost = [job for job in ids if self.states[job][0] not in ALIVE]
        if self.cluster.sync(self._replace, lost):
            log.info("submitted Slurm jobs now: %s", ", ".join(self.job_ids()))

    async def _replace(self, lost: list[str]) -> bool:
        """On the cluster's loop: drop the jobs ``lost`` (and any Dask closed after its worker
        left) and submit new ones up to ``--cluster-jobs``; True when some were submitted."""
        cluster = self.cluster
        names = {name for name, job in cluster.workers.items()
                 if str(getattr(job, "job_id", None)) in lost}
        names |= set(cluster.worker_spec) - set(cluster.workers)  # closed by Dask itself
        if not names:
            return False
        for name in names:
            job = cluster.workers.get(name)
            state = self.states.get(str(getattr(job, "job_id", "")), ("GONE", ""))[0]
            if job is not None:
                self.ended[str(job.job_id)] = state
            cluster.worker_spec.pop(name, None)
        if self.replaced + len(names) > self.limit:
            if not self.gave_up:
                self.gave_up = True
                log.error("Slurm jobs keep ending (%s): not submitting more than %d new jobs "
                          "in one run; their logs are in %s%s", self.ended_summary(),
                          self.limit, self.logs, self.log_tail())
            await cluster._correct_state()  # (closes what was dropped)
            return False
        self.replaced += len(names)
        log.warning("Slurm jobs ended (%s): submitting %d new job%s", self.ended_summary(),
                    len(names), "" if len(names) == 1 else "s")
        await self._submit()
        return True

    async def _submit(self) -> None:
        """On the cluster's loop: submit jobs up to ``--cluster-jobs`` (SpecCluster's
        ``scale`` would submit them in a callback whose errors nobody sees)."""
        cluster = self.cluster
        while len(cluster.worker_spec) < self.n:
            # a name no job of this run had (SpecCluster would reuse the one just dropped,
            # and then see nothing to change)
            name = cluster._new_worker_name(cluster._i)
            cluster._i += 1
            if name not in cluster.worker_spec and name not in cluster.workers:
                cluster.worker_spec[name] = cluster.new_spec
        await cluster._correct_state()

    def ended_summary(self) -> str:
        return ", ".join(f"{job} {state}" for job, state in dict(self.ended).items())

    def _tend_loop(self) -> None:
        while not self.stop.wait(TEND_INTERVAL):
            try:
                self.tend()
            except Exception as exc:  # noqa: BLE001 - a failing squeue or sbatch: said, retried
                log.warning("cannot tend the Slurm jobs: %s", one_line(str(exc)))

    # -- explaining

    def hopeless(self) -> str | None:
        """Why no job of this run will ever run a worker, if that is already known: every job
        waits for a reason that does not pass, or the jobs kept ending and no more are sent."""
        states = dict(self.states)  # (a copy in one step: the tending thread adds to it)
        alive = [j for j, (state, _) in states.items() if state in ALIVE]
        if self.gave_up and not [j for j in self.job_ids() if j in alive]:
            return (f"the Slurm jobs ended before their workers could grade "
                    f"({self.ended_summary()})")
        current = self.job_ids()
        stuck = [(j, states[j][1]) for j in current if j in states
                 and states[j][0] == "PENDING" and states[j][1].split(",")[0] in STUCK]
        if current and len(stuck) == len(current):
            job, reason = stuck[0]
            return f"Slurm job {job} will not start: {reason} (squeue -j {job})"
        return None

    def describe(self) -> str:
        """What the jobs are doing, for a message: 'job 12 PENDING (Resources), ...'."""
        parts, states = [], dict(self.states)
        for job in self.job_ids():
            state, reason = states.get(job, ("submitted", ""))
            parts.append(f"job {job} {state}" + (f" ({reason})" if reason not in ("", "None")
                                                 else ""))
        ended = [f"job {j} {s}" for j, s in dict(self.ended).items()]
        return "Slurm " + ", ".join(parts + ended) + self.log_tail() if parts or ended else ""

    def log_tail(self) -> str:
        """'; LOG: LINE': the newest job log's last error line (else its last line)."""
        try:
            logs = sorted(self.logs.glob("*.err"), key=lambda p: p.stat().st_mtime)
            for path in reversed(logs):
                lines = [x.strip() for x in path.read_text(errors="replace").splitlines()
                         if x.strip()]
                errors = [x for x in lines if "error" in x.lower() or "Traceback" in x]
                if lines:
                    return f"; {path}: {(errors or lines)[-1][:300]}"
        except OSError:
            pass
        return ""

    # -- closing

    def close(self) -> None:
        """Stop tending, cancel the jobs, stop the scheduler and delete the run's key."""
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=COMMAND_TIMEOUT)
        cluster, self.cluster = self.cluster, None
        if cluster is not None:
            from distributed.core import Status

            ids = self.job_ids(cluster)
            # a job sbatch never submitted has nothing to cancel: marked closed, dropped
            for name in [n for n, j in cluster.workers.items() if not getattr(j, "job_id", 0)]:
                cluster.workers.pop(name).status = Status.closed
                cluster.worker_spec.pop(name, None)
            try:
                cluster.close(timeout=COMMAND_TIMEOUT)
            except Exception as exc:  # noqa: BLE001 - cancel them ourselves
                log.warning("closing the Slurm cluster: %s", one_line(str(exc)) or exc)
                if ids and shutil.which("scancel"):
                    _run(["scancel", *ids])
        if self.tls is not None:
            shutil.rmtree(self.tls, ignore_errors=True)
            self.tls = None


def slurm_cluster(args: argparse.Namespace, out: Path) -> Jobs:
    """Start ``args``' Slurm jobs and the scheduler they join (``SlurmError`` when Slurm
    refuses them); the caller closes what it returns."""
    jobs = Jobs(args, out)
    jobs.start()
    return jobs

