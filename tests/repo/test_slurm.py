"""``grade --cluster slurm`` on a real Slurm: the single-node one ``scripts/slurm/start.sh``
starts (CI: ``.ci/run``). Every test skips, saying why, where no Slurm answers.

The examples get the expected score in every part; the only job, cancelled mid-batch, is
replaced and nothing is lost or written twice; while grading, neither the grading process nor
the jobs listen on a wildcard address, and the scheduler speaks only TLS; Slurm's refusals end
the run at once in one line with exit status 2; jobs submitted by an ordinary user grade too,
and their workers refuse bwrap isolation (fail closed) unless ``--isolation none``.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")
pytest.importorskip("dask_jobqueue")
from conftest import REPO

from autograder.__main__ import main

psutil = pytest.importorskip("psutil")

EXAMPLES = sorted(p for p in (REPO / "examples" / "submissions").iterdir() if p.is_dir())
EXPECTED = json.loads((REPO / "examples" / "expected_scores.json").read_text())
PART = "cross_correlation"  # where full grading is not the point: the quickest part
USER = os.environ.get("SLURM_TEST_USER", "d2l-grader")  # made by scripts/slurm/start.sh
WAIT = 180  # --wait-workers: the jobs start on two cores shared with the rest of the suite
WILDCARDS = {"0.0.0.0", "::"}

pytestmark = pytest.mark.slow


def _sinfo() -> str | None:
    """Why no Slurm can run our jobs here (None: one can)."""
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return "no Slurm here (sinfo, sbatch): scripts/slurm/start.sh starts one (as root)"
    try:
        done = subprocess.run(["sinfo", "-h", "-N", "-o", "%t %c %m"], capture_output=True,
                              text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 30 s"
    if done.returncode != 0:
        return f"Slurm does not answer: {' '.join(done.stderr.split())[:200]}"
    if not any(line.split()[0] in ("idle", "mix") for line in done.stdout.splitlines()
               if line.split()):
        return f"no idle Slurm node: sinfo says {' '.join(done.stdout.split())[:200]!r}"
    return None


@pytest.fixture(scope="module")
def node() -> dict[str, int]:
    """The Slurm node's CPUs and memory (MB); skips where no Slurm answers."""
    why = _sinfo()
    if why is not None:
        pytest.skip(why)
    done = subprocess.run(["sinfo", "-h", "-N", "-o", "%c %m"], capture_output=True,
                          text=True, timeout=30, check=True)
    cpus, memory = (int(x) for x in done.stdout.split()[:2])
    return {"cpus": cpus, "memory": memory}


def slurm_options(node: dict[str, int]) -> list[str]:
    """One job of at most two single-threaded workers, fitting the node."""
    return ["--cluster", "slurm", "--cluster-cores", str(min(2, node["cpus"])),
            "--cluster-memory", f"{min(4096, node['memory'] // 2)}MB",
            "--cluster-walltime", "00:20:00", "--wait-workers", str(WAIT)]


def load(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}


def part_scores(results: dict) -> dict[str, float]:
    return {p: s["score"] for p, s in results["extra_data"]["parts"].items()}


def job_ids(out: Path) -> list[str]:
    """The run's jobs, from their logs (OUT/.slurm/dask-worker-<id>.err)."""
    return sorted(p.stem.rsplit("-", 1)[1] for p in (out / ".slurm").glob("*.err"))


def job_processes() -> list[Any]:
    """Every process the jobs on this node run (under slurmstepd)."""
    found = []
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] == "slurmstepd":
            try:
                found.extend(proc.children(recursive=True))
            except psutil.Error:
                pass
    return found


def listeners(processes: list[Any]) -> set[tuple[int, str, str, int]]:
    """(pid, command, ip, port) of each listening TCP socket of ``processes``."""
    found = set()
    for proc in processes:
        try:
            command = " ".join(proc.cmdline())[:120]
            for conn in proc.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    found.add((proc.pid, command, conn.laddr.ip, conn.laddr.port))
        except psutil.Error:  # it ended meanwhile
            pass
    return found


def speaks_tls(host: str, port: int) -> bool:
    """Whether the server at host:port answers a TLS hello with a certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=10) as raw, \
                context.wrap_socket(raw) as tls:
            return tls.getpeercert(binary_form=True) is not None
    except (OSError, ssl.SSLError):
        return False


def test_slurm_grades_the_examples_behind_tls(node: dict[str, int], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Every part of every example as expected, no error; the job logs under OUT/.slurm (not
    the current directory); while grading, no listener of ours or of the jobs on a wildcard
    address, and the scheduler's port speaks TLS; the run's key is gone afterwards."""
    out, cwd = tmp_path / "out", tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    seen: set[tuple[int, str, str, int]] = set()
    tls: dict[tuple[str, int], bool] = {}
    done = threading.Event()
    me = psutil.Process()

    def watch() -> None:
        while not done.wait(0.5):
            mine = listeners([me])
            seen.update(mine | listeners(job_processes()))
            for _, _, ip, port in mine:
                if ip not in ("127.0.0.1", "::1") and (ip, port) not in tls:
                    tls[ip, port] = speaks_tls(ip, port)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        assert main(["grade", *map(str, EXAMPLES), "--output", str(out), "--quiet",
                     *slurm_options(node)]) == 0
    finally:
        done.set()
        watcher.join(timeout=30)
    results = load(out)
    assert {name: part_scores(r) for name, r in results.items()} == EXPECTED
    assert all(r["extra_data"]["error"] is None for r in results.values())
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert len(rows) == 1 + len(EXAMPLES)
    error = rows[0].split(",").index("error")
    assert all(row.split(",")[error] == "" for row in rows[1:])
    assert job_ids(out), "no job log in OUT/.slurm"
    assert not list(cwd.iterdir()), "something was written to the current directory"
    assert not list((out / ".slurm").glob("tls-*")), "the run's key was left behind"
    assert any("dask_worker" in s[1] or "dask worker" in s[1] for s in seen), seen
    wildcard = [s for s in seen if s[2] in WILDCARDS]
    assert not wildcard, wildcard
    assert tls and all(tls.values()), tls  # the scheduler's address: TLS only


def test_a_cancelled_job_is_replaced(node: dict[str, int], tmp_path: Path,
                                     caplog: pytest.LogCaptureFixture) -> None:
    """The only job is cancelled once the first result is written: a new job is submitted,
    every submission is graded as expected, each written once."""
    out = tmp_path / "out"
    cancelled: list[str] = []

    def cancel_the_job() -> None:
        deadline = time.monotonic() + 2 * WAIT
        while time.monotonic() < deadline:
            if list(out.glob("*/results.json")) and job_ids(out):
                cancelled.extend(job_ids(out))
                subprocess.run(["scancel", *cancelled], check=False, timeout=60)
                return
            time.sleep(0.05)

    canceller = threading.Thread(target=cancel_the_job, daemon=True)
    canceller.start()
    with caplog.at_level(logging.INFO, logger="autograder"):
        assert main(["grade", *map(str, EXAMPLES), "--output", str(out), "--quiet",
                     *slurm_options(node)]) == 0
    canceller.join(timeout=30)
    assert cancelled, "the job was not cancelled"
    written = [r.getMessage() for r in caplog.records
               if r.getMessage().endswith(": results written")]
    assert len(written) < len(EXAMPLES) * 2 and sorted(written) == \
        sorted(f"{p.name}: results written" for p in EXAMPLES)
    assert any("submitting 1 new job" in r.getMessage() for r in caplog.records), \
        [r.getMessage() for r in caplog.records]
    assert len(job_ids(out)) == 2, job_ids(out)  # the cancelled one and its replacement
    results = load(out)
    assert {name: part_scores(r) for name, r in results.items()} == EXPECTED
    assert all(r["extra_data"]["error"] is None for r in results.values())


def grade_command(out: Path, *options: str, subs: list[Path] = EXAMPLES) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", *map(str, subs), "--output", str(out),
            "--quiet", *options]


@pytest.mark.parametrize(("option", "says"), [
    (["--cluster-queue", "no-such-queue"], "invalid partition specified: no-such-queue"),
    (["--cluster-cores", "4096"], "Requested node configuration is not available"),
])
def test_slurm_refusals_end_at_once_in_one_line(node: dict[str, int], tmp_path: Path,
                                                option: list[str], says: str) -> None:
    """A queue that does not exist, a job no node can run: exit 2 within seconds (not after
    --wait-workers), one line with Slurm's own words, no job left behind."""
    started = time.monotonic()
    done = subprocess.run(grade_command(tmp_path / "out", *slurm_options(node), *option,
                                        subs=EXAMPLES[:1]),
                          cwd=REPO, capture_output=True, text=True, timeout=WAIT, check=False)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: Slurm refuses the worker job: ") \
        and says in lines[0], done.stderr
    assert time.monotonic() - started < WAIT / 2
    assert not job_ids(tmp_path / "out")
    assert not list((tmp_path / "out").glob("*/results.json"))


def test_jobs_that_fail_as_they_start_end_the_run_with_their_log(node: dict[str, int],
                                                                 tmp_path: Path) -> None:
    """Jobs whose Python does not exist on the node: replaced twice, then the run ends (exit
    2, no --wait-workers) with the states and the job log's own line."""
    env = {**os.environ, "DASK_JOBQUEUE__SLURM__PYTHON": "/nonexistent/python"}
    out = tmp_path / "out"
    done = subprocess.run(grade_command(out, *slurm_options(node), subs=EXAMPLES[:1]),
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=2 * WAIT,
                          check=False)
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the Slurm jobs ended before their workers could grade (")
    assert "FAILED" in last and "/nonexistent/python: No such file or directory" in last, last
    assert len(job_ids(out)) == 3  # the first and two replacements


@pytest.fixture(scope="module")
def user(node: dict[str, int]) -> pwd.struct_passwd:
    """An ordinary user who can run this checkout's Python (start.sh makes one)."""
    if os.geteuid() != 0:
        pytest.skip("not root: cannot submit jobs as another user")
    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        pytest.skip(f"no user {USER} (scripts/slurm/start.sh makes it)")
    probe = subprocess.run(["runuser", "-u", USER, "--", sys.executable, "-c",
                            "import autograder, distributed"], cwd=REPO, capture_output=True,
                           text=True, timeout=120, check=False)
    if probe.returncode != 0:
        pytest.skip(f"{USER} cannot run {sys.executable} here: "
                    f"{' '.join(probe.stderr.split())[-200:]}")
    return entry


@pytest.fixture
def user_dir(user: pwd.struct_passwd) -> Any:
    """A folder the user owns and reaches (pytest's own are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="slurm-user-"))
    os.chown(folder, user.pw_uid, user.pw_gid)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def grade_as(user: pwd.struct_passwd, out: Path, *options: str) -> dict[str, dict]:
    """Grade the examples' quickest part as ``user`` (so are its jobs submitted and run)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(out.parent),
           "LANG": "C.UTF-8"}
    done = subprocess.run(["runuser", "-u", user.pw_name, "--", *grade_command(
        out, "--part", PART, *options)], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=3 * WAIT, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    logs = list((out / ".slurm").glob("*.err"))
    assert logs and all(log.stat().st_uid == user.pw_uid for log in logs)  # ran as the user
    return load(out)


def test_unprivileged_jobs_refuse_bwrap_and_grade_without(node: dict[str, int],
                                                         user: pwd.struct_passwd,
                                                         user_dir: Path) -> None:
    """Jobs of an ordinary user cannot give each student child its own uid: the workers
    refuse to grade (every row says why) unless --isolation none, which grades as expected."""
    refused = grade_as(user, user_dir / "bwrap", *slurm_options(node))
    assert refused.keys() == {p.name for p in EXAMPLES}
    for results in refused.values():
        assert "bwrap isolation cannot start here" in results["extra_data"]["error"]
        assert results["score"] == 0
    graded = grade_as(user, user_dir / "none", *slurm_options(node), "--isolation", "none")
    assert {n: part_scores(r)[PART] for n, r in graded.items()} == \
        {n: s[PART] for n, s in EXPECTED.items()}
    assert all(r["extra_data"]["error"] is None for r in graded.values())
