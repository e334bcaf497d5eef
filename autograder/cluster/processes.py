"""Real ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, each in its own process
group: for the tests, the benchmark and trying cluster grading on one machine.

Workers start in an empty directory without ``PYTHONPATH``: they cannot import the grader
until the client ships its bundle.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class DaskProcess:
    """One process group (a scheduler, or a worker with its nanny), logging to ``log``."""

    proc: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL the whole group (nanny, worker and what they started), then reap."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class LocalCluster:
    """A scheduler on a free port of 127.0.0.1 and the workers started with ``add_worker``."""

    directory: Path
    settings: dict[str, object] = field(default_factory=lambda: dict(config.SCHEDULER))
    scheduler: DaskProcess | None = None
    workers: list[DaskProcess] = field(default_factory=list)
    address: str = ""
    # security.run_certificate's folder: scheduler and workers speak TLS with it (tls://)
    certificate: Path | None = None

    def _tls(self) -> list[str]:
        if self.certificate is None:
            return []
        cert, key = str(self.certificate / "cert.pem"), str(self.certificate / "key.pem")
        return ["--tls-ca-file", cert, "--tls-cert", cert, "--tls-key", key]

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> DaskProcess:
        log = self.directory / f"{name}.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen([sys.executable, "-m", *args], stdout=fh,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.directory, env=env, start_new_session=True)
        return DaskProcess(proc, log)

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k != "PYTHONPATH" and not k.startswith("DASK_")}
        return {**env, **config.environment(self.settings)}

    def start(self, timeout: float = 60) -> str:
        """Start the scheduler and wait until it accepts connections; its address."""
        port = free_port()
        self.scheduler = self._spawn("scheduler", [
            "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
            "--no-dashboard", *self._tls(),
            *(["--protocol", "tls"] if self.certificate else [])], self._environment())
        deadline = time.monotonic() + timeout
        while True:
            if self.scheduler.proc.poll() is not None:
                raise RuntimeError(f"dask scheduler exited:\n{self.scheduler.output()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"dask scheduler did not listen within {timeout:g} s")
                time.sleep(0.2)
        self.address = f"{'tls' if self.certificate else 'tcp'}://127.0.0.1:{port}"
        return self.address

    def add_worker(self, nthreads: int = 1) -> DaskProcess:
        """Start one worker (with its nanny, which restarts it if it dies alone)."""
        n = len(self.workers)
        home = Path(tempfile.mkdtemp(prefix=f"worker{n}-", dir=self.directory))
        worker = self._spawn(f"worker{n}", [
            "distributed.cli.dask_worker", self.address, "--nthreads", str(nthreads),
            "--name", f"worker{n}", "--no-dashboard", "--memory-limit", "0",
            "--local-directory", str(home), "--death-timeout", "60", *self._tls()],
            self._environment())
        self.workers.append(worker)
        return worker

    def close(self) -> None:
        for process in [*self.workers, *([self.scheduler] if self.scheduler else [])]:
            if process.proc.poll() is None:
                process.kill()
