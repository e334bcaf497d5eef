"""Cluster grading on real ``dask scheduler`` / ``dask worker`` processes on 127.0.0.1.

The scores equal the local run's, the files too; a worker killed mid-batch loses nothing and
writes nothing twice; a submission that kills every worker it lands on gets an error row after
the bounded tries while the rest are graded. ``--cluster slurm``'s job script is rendered
without Slurm. Workers start without the repository on their path: the client ships the bank.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")

from conftest import REPO
from distributed import Client, WorkerPlugin

from autograder.__main__ import main
from autograder.cluster import config
from autograder.cluster.processes import LocalCluster

EXAMPLES = sorted(p for p in (REPO / "examples" / "submissions").iterdir() if p.is_dir())
EXPECTED = json.loads((REPO / "examples" / "expected_scores.json").read_text())
PART = "cross_correlation"  # where full grading is not the point: the quickest part
TRIES = 2  # the test scheduler's allowed-failures + 1
WAIT = 180.0  # seconds, for workers to join (two cores shared with other tests)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings = {**config.SCHEDULER, "distributed.scheduler.allowed-failures": TRIES - 1}
    local = LocalCluster(tmp_path_factory.mktemp("dask"), settings=settings)
    try:
        local.start()
        yield local
    finally:
        local.close()


def live_workers(cluster: LocalCluster, n: int) -> list[Any]:
    """Kill or start workers until ``n`` of ours are alive; wait until the scheduler has just
    them."""
    alive = [w for w in cluster.workers if w.proc.poll() is None]
    for extra in alive[n:]:
        extra.kill()
    alive = alive[:n]
    for _ in range(n - len(alive)):
        alive.append(cluster.add_worker())
    with Client(cluster.address, timeout=30) as client:
        deadline = time.monotonic() + WAIT
        while len(client.scheduler_info(n_workers=-1)["workers"]) != n:
            assert time.monotonic() < deadline, "\n".join(w.output()[-2000:] for w in alive)
            time.sleep(0.2)
    return alive


def grade(cluster: LocalCluster, out: Path, *extra: str, subs: list[Path] = EXAMPLES) -> None:
    rc = main(["grade", *map(str, subs), "--output", str(out), "--scheduler", cluster.address,
               "--quiet", "--wait-workers", str(WAIT), *extra])
    assert rc == 0


def load(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}


def part_scores(results: dict) -> dict[str, float]:
    return {p: s["score"] for p, s in results["extra_data"]["parts"].items()}


def without_times(results: dict) -> dict:
    """results.json without what differs between two runs of the same grading: times."""
    data = json.loads(json.dumps(results))
    data.pop("execution_time")
    for test in data["tests"]:
        test["extra_data"].pop("seconds")
    return data


def with_plugin(cluster: LocalCluster, plugin: WorkerPlugin, name: str) -> Client:
    client = Client(cluster.address, timeout=30)
    client.register_plugin(plugin, name=name)
    return client


def marker_plugin(directory: str) -> WorkerPlugin:
    """Records each task a worker starts: a file named <its process group>-<task key>. (Made in
    a function, so that it is pickled by value: workers cannot import the tests.)"""

    class Markers(WorkerPlugin):
        def transition(self, key: str, start: str, finish: str, **kwargs: Any) -> None:
            if finish == "executing":
                Path(directory, f"{os.getpgid(0)}-{key}").touch()

    return Markers()


def killer_plugin(name: str) -> WorkerPlugin:
    """Kills its worker process whenever it starts grading submission ``name`` (its nanny
    starts a new one): a submission that kills every worker it lands on."""

    class Killer(WorkerPlugin):
        def transition(self, key: str, start: str, finish: str, **kwargs: Any) -> None:
            if finish == "executing" and f"-{name}-" in str(key):
                os.kill(os.getpid(), signal.SIGKILL)

    return Killer()


def test_cluster_scores_equal_the_expected_scores(cluster: LocalCluster, tmp_path: Path) -> None:
    live_workers(cluster, 2)
    grade(cluster, tmp_path)
    results = load(tmp_path)
    assert {name: part_scores(r) for name, r in results.items()} == EXPECTED
    assert all(r["extra_data"]["error"] is None for r in results.values())
    rows = (tmp_path / "gradebook.csv").read_text().splitlines()
    assert len(rows) == 1 + len(EXAMPLES)


def test_cluster_writes_the_files_a_local_run_writes(cluster: LocalCluster,
                                                     tmp_path: Path) -> None:
    live_workers(cluster, 2)
    local, remote = tmp_path / "local", tmp_path / "cluster"
    assert main(["grade", *map(str, EXAMPLES), "--output", str(local), "--part", PART,
                 "--quiet"]) == 0
    grade(cluster, remote, "--part", PART)
    mine, theirs = load(remote), load(local)
    assert mine.keys() == theirs.keys() == {p.name for p in EXAMPLES}
    for name in mine:
        assert without_times(mine[name]) == without_times(theirs[name]), name
        assert (remote / name / "feedback.md").read_text() == \
            (local / name / "feedback.md").read_text(), name
    assert (remote / "gradebook.csv").read_text() == (local / "gradebook.csv").read_text()


def test_a_worker_killed_mid_batch_loses_nothing(cluster: LocalCluster, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    workers = live_workers(cluster, 2)
    markers = tmp_path / "markers"
    markers.mkdir()
    killed: list[str] = []

    def kill_the_first_to_grade() -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            for marker in markers.iterdir():
                group, key = marker.name.split("-", 1)
                victim = [w for w in workers if w.proc.pid == int(group)]
                if victim:
                    victim[0].kill()  # SIGKILL to its process group, mid-submission
                    killed.append(key)
                    return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_the_first_to_grade, daemon=True)
    with with_plugin(cluster, marker_plugin(str(markers)), "markers") as client:
        try:
            killer.start()
            with caplog.at_level(logging.INFO, logger="autograder"):
                grade(cluster, tmp_path / "out", "--part", PART)
            killer.join(timeout=5)
        finally:
            client.unregister_worker_plugin("markers")
    assert killed, "no worker was killed"
    assert sum(w.proc.poll() is not None for w in workers) == 1  # the other one graded on
    written = [r.getMessage() for r in caplog.records if r.getMessage().endswith(
        ": results written")]
    assert sorted(written) == sorted(f"{p.name}: results written" for p in EXAMPLES)
    results = load(tmp_path / "out")
    assert {n: part_scores(r)[PART] for n, r in results.items()} == \
        {n: s[PART] for n, s in EXPECTED.items()}
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    assert any(f"-{name}-" in killed[0] for name in results)  # it was grading one of them


def test_a_submission_that_kills_every_worker_gets_an_error_row(cluster: LocalCluster,
                                                                tmp_path: Path) -> None:
    live_workers(cluster, 2)
    victim = "reference"
    with with_plugin(cluster, killer_plugin(victim), "killer") as client:
        try:
            grade(cluster, tmp_path, "--part", PART)
        finally:
            client.unregister_worker_plugin("killer")
    results = load(tmp_path)
    assert results.keys() == {p.name for p in EXAMPLES}
    error = results[victim]["extra_data"]["error"]
    assert error is not None and f"died each of the {TRIES} times" in error
    assert results[victim]["score"] == 0
    assert {n: part_scores(r)[PART] for n, r in results.items() if n != victim} == \
        {n: s[PART] for n, s in EXPECTED.items() if n != victim}


def test_a_cluster_left_without_workers_is_given_up(cluster: LocalCluster,
                                                    tmp_path: Path) -> None:
    """The only worker dies and none comes back: after --wait-workers every submission not
    graded yet gets an error row, instead of the run waiting forever."""
    (worker,) = live_workers(cluster, 1)
    markers = tmp_path / "markers"
    markers.mkdir()

    def kill_it_when_it_grades() -> None:
        deadline = time.monotonic() + WAIT
        while not any(markers.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.kill()

    killer = threading.Thread(target=kill_it_when_it_grades, daemon=True)
    with with_plugin(cluster, marker_plugin(str(markers)), "markers") as client:
        try:
            killer.start()
            assert main(["grade", *map(str, EXAMPLES), "--output", str(tmp_path / "out"),
                         "--scheduler", cluster.address, "--quiet", "--part", PART,
                         "--wait-workers", "5"]) == 0
        finally:
            client.unregister_worker_plugin("markers")
    results = load(tmp_path / "out")
    assert results.keys() == {p.name for p in EXAMPLES}
    given_up = {n for n, r in results.items()
                if "no grading worker was left on the cluster for 5 s" in
                (r["extra_data"]["error"] or "")}
    assert given_up and all(results[n]["score"] == 0 for n in given_up)


def test_slurm_job_script(tmp_path: Path) -> None:
    """``--cluster slurm``'s options become the job script (rendered without Slurm)."""
    pytest.importorskip("dask_jobqueue")
    from dask_jobqueue import SLURMCluster

    from autograder.cluster.slurm import job_options
    from autograder.cli import add_grade_arguments as add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["sub", "-o", str(tmp_path), "--cluster", "slurm", "--device",
                              "cuda", "--cluster-queue", "gpu", "--cluster-cores", "8",
                              "--cluster-memory", "32GB", "--cluster-walltime", "02:00:00",
                              "--cluster-directive=--account=cs101"])
    local = {"host": "127.0.0.1", "dashboard_address": ":0"}
    with SLURMCluster(**job_options(args), scheduler_options=local) as slurm:
        script = slurm.job_script()
    for line in ("#SBATCH -p gpu", "#SBATCH -n 1", "#SBATCH --cpus-per-task=8",
                 "#SBATCH --mem=30G", "#SBATCH -t 02:00:00", "#SBATCH --account=cs101",
                 "#SBATCH --gres=gpu:1"):
        assert line in script, script
    assert "--nworkers 8" in script and "--nthreads 1" in script, script
    # the workers listen on the node's address, not every interface, and serve no dashboard
    assert '--host "$AUTOGRADER_WORKER_HOST"' in script and "--no-dashboard" in script, script


def test_slurm_gres(tmp_path: Path) -> None:
    """``--cluster-gres`` asks for those generic resources instead of --device cuda's gpu:1."""
    pytest.importorskip("dask_jobqueue")
    from dask_jobqueue import SLURMCluster

    from autograder.cluster.slurm import job_options
    from autograder.cli import add_grade_arguments as add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["sub", "-o", str(tmp_path), "--cluster", "slurm", "--device",
                              "cuda", "--cluster-gres", "gpu:a100:2"])
    local = {"host": "127.0.0.1", "dashboard_address": ":0"}
    with SLURMCluster(**job_options(args), scheduler_options=local) as slurm:
        script = slurm.job_script()
    assert "#SBATCH --gres=gpu:a100:2" in script and "gpu:1" not in script, script


def fake_slurm(folder: Path, monkeypatch: pytest.MonkeyPatch, *, submit: str,
               reason: str = "Resources") -> None:
    """sbatch, squeue, scancel and sinfo on PATH that answer as a Slurm would: ``submit`` is
    sbatch's shell code for a real submission (--test-only passes), ``reason`` why job 4242
    waits."""
    folder.mkdir()
    scripts = {
        "sbatch": f'[ "$1" = --test-only ] && {{ echo "sbatch: Job 1 to start" >&2; exit 0; }}\n'
                  f"{submit}\n",
        "squeue": f'echo "4242|PENDING|{reason}"\n',
        "scancel": "exit 0\n",
        "sinfo": 'echo "2 4000 (null)"\n',
    }
    for name, body in scripts.items():
        (folder / name).write_text(f"#!/bin/sh\n{body}")
        (folder / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")


def grade_on_fake_slurm(out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    rc = main(["grade", str(EXAMPLES[0]), "--output", str(out), "--quiet", "--cluster", "slurm",
               "--cluster-cores", "1", "--cluster-memory", "1GB", "--wait-workers", "60"])
    return rc, capsys.readouterr().err, time.monotonic() - started


def test_an_sbatch_error_ends_the_run_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """sbatch refuses the job (after --test-only passed): exit 2 at once, in one line with
    Slurm's own words (no traceback, no wait for --wait-workers)."""
    pytest.importorskip("dask_jobqueue")
    said = "Batch job submission failed: Job violates accounting/QOS policy"
    fake_slurm(tmp_path / "bin", monkeypatch, submit=f'echo "sbatch: error: {said}" >&2; exit 1')
    rc, err, seconds = grade_on_fake_slurm(tmp_path / "out", capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc == 2 and lines == [f"error: sbatch failed: sbatch: error: {said}"], err
    assert seconds < 30


def test_a_job_that_cannot_start_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A job Slurm keeps pending for a reason that will not pass: exit 2 with squeue's
    reason as soon as it is seen, not after --wait-workers."""
    pytest.importorskip("dask_jobqueue")
    fake_slurm(tmp_path / "bin", monkeypatch, submit='echo "Submitted batch job 4242"',
               reason="PartitionConfig")
    rc, err, seconds = grade_on_fake_slurm(tmp_path / "out", capsys)
    assert rc == 2 and "error: Slurm job 4242 will not start: PartitionConfig" in err, err
    assert seconds < 30


def test_a_tls_scheduler_with_the_instructors_certificates(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--scheduler tls://... grades with --tls-ca-file/--tls-cert/--tls-key; without them the
    scheduler refuses the client and the run ends with exit 2."""
    from autograder.cluster.security import run_certificate

    certificate = run_certificate(tmp_path / "pki")
    cert, key = certificate / "cert.pem", certificate / "key.pem"
    tls = LocalCluster(tmp_path / "dask", certificate=certificate)
    (tmp_path / "dask").mkdir()
    try:
        tls.start()
        tls.add_worker()
        base = ["grade", str(EXAMPLES[0]), "--scheduler", tls.address, "--quiet", "--part",
                PART, "--wait-workers", str(WAIT)]
        assert main([*base, "--output", str(tmp_path / "plain"), "--wait-workers", "5"]) == 2
        assert f"error: cannot connect to {tls.address}" in capsys.readouterr().err
        assert main([*base, "--output", str(tmp_path / "out"), "--tls-ca-file", str(cert),
                     "--tls-cert", str(cert), "--tls-key", str(key)]) == 0
    finally:
        tls.close()
    (results,) = load(tmp_path / "out").values()
    assert part_scores(results)[PART] == EXPECTED[EXAMPLES[0].name][PART]
