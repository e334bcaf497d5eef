"""Gradescope's zip run as Gradescope runs it.

- Without an engine: ``run_autograder`` where bwrap is missing and the sandbox could not give
  student code a uid of its own refuses to grade (fail closed: the student's code never runs).
- In a container (``-m docker``): the Debian base image laid out as Gradescope's
  (``/autograder/source`` = the unzipped autograder.zip, ``submission``, ``results``), network
  off, the wheelhouse mounted read-only: ``setup.sh`` with ``WHEELHOUSE`` (the base has no
  bubblewrap and apt cannot run offline, so this is the path without bwrap: student code under
  private uids), then ``run_autograder`` on the reference and on the reference uploaded as loose
  ``.py`` files one folder down, with code that reports its uid and whether it can read the
  checks. One container, set up once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

from autograder import paths
from autograder.frontends.gradescope import build_gradescope
from autograder.grade.bank import load_bank
from autograder.grade.docker_backend import engine_available

EXPECTED = json.loads(paths.GOLDENS.read_text())
BASE = "d2l-convolutions-base:bookworm"  # scripts/docker/base_image.sh (make base-image)
WHEELHOUSE = REPO / "build" / "wheelhouse" / "cpu"  # make wheelhouse
PROBE_MARK = "GRADESCOPE-PROBE "
LEAF = "derivative_kernels.py"  # the module the probe is appended to


def _probe(source: str) -> str:
    """Module-level code that prints (into the student's output in results.json) its uid and
    whether it could read the checks, list their folder, read the reference, or read the
    checks compiled (a ``__pycache__`` the grader's imports would leave)."""
    bank = f"{source}/{paths.MANIFEST.relative_to(paths.REPO)}"
    folder = f"{source}/{paths.HIDDEN.relative_to(paths.REPO)}"
    reference = f"{source}/{paths.SOLUTIONS.relative_to(paths.REPO)}/{paths.PACKAGE}/training.py"
    checks = min(p.stem for p in paths.HIDDEN.glob("checks_*.py"))  # its name is no secret
    compiled = f"{folder}/__pycache__/{checks}.{sys.implementation.cache_tag}.pyc"
    return f'''

def _gradescope_probe():
    import json, os
    def reaches(path, listing=False):
        try:
            os.listdir(path) if listing else open(path, "rb").close()
            return True
        except OSError:
            return False
    print({PROBE_MARK!r} + json.dumps({{
        "uid": os.getuid(), "bank": reaches({bank!r}), "folder": reaches({folder!r}, True),
        "reference": reaches({reference!r}), "compiled": reaches({compiled!r})}}))


_gradescope_probe()
'''


def _loose(target: Path, source: str) -> Path:
    """The reference's modules as loose files one folder down (a GitHub upload), the probe
    appended to one of them."""
    folder = target / "my-repo"
    folder.mkdir(parents=True)
    for path in sorted((paths.EXAMPLES / "reference" / paths.PACKAGE).glob("*.py")):
        shutil.copy2(path, folder / path.name)
    with open(folder / LEAF, "a", encoding="utf-8") as fh:
        fh.write(_probe(source))
    return target


def _probe_report(results: dict) -> dict | None:
    for line in results["extra_data"]["student_output"].splitlines():
        if line.startswith(PROBE_MARK):
            return json.loads(line[len(PROBE_MARK):])
    return None


def _part_scores(results: dict) -> dict[str, float]:
    return {p: v["score"] for p, v in results["extra_data"]["parts"].items()}


# -- without an engine


def test_without_bwrap_or_a_private_uid_nothing_is_graded(tmp_path: Path) -> None:
    """bwrap missing from PATH, and the tree under pytest's private tmp folder (0700), so no
    other uid could run the grader: run_autograder must refuse rather than run student code
    as this user."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(build_gradescope(tmp_path / "dist")) as zf:
        zf.extractall(root / "source")
    marker = tmp_path / "student-code-ran"
    upload = _loose(root / "submission", str(root / "source"))
    with open(upload / "my-repo" / LEAF, "a", encoding="utf-8") as fh:
        fh.write(f"\nopen({str(marker)!r}, 'w').close()\n")
    tools = tmp_path / "bin"  # everything the script needs but bwrap
    tools.mkdir()
    for tool in ("mkdir", "rm"):
        os.symlink(shutil.which(tool), tools / tool)
    env = {"PATH": str(tools), "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable,
           "HOME": str(tmp_path)}
    proc = subprocess.run([shutil.which("bash") or "/bin/bash", str(root / "source" /
                                                                    "run_autograder")],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "REFUSED to grade" in proc.stderr, proc.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["tests"] == []
    assert "could not run your code" in results["output"]
    assert not marker.exists(), "student code ran without isolation"


# -- in a container

ENGINE, WHY = engine_available()


def _has_image(name: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", name], capture_output=True,
                          check=False).returncode == 0


def _skip_reason() -> str | None:
    if not ENGINE:
        return f"no container engine can be reached ({WHY})"
    if not _has_image(BASE):
        return f"no {BASE} image (make base-image builds it)"
    if not any(WHEELHOUSE.glob("torch-*.whl")):
        return f"no wheelhouse in {WHEELHOUSE} (make wheelhouse)"
    return None


# In the container: the zip unpacked as Gradescope does, setup.sh once, then each submission in
# a fresh /autograder/submission and results/, as Gradescope's harness runs /autograder's copy
# of run_autograder from /autograder.
SCRIPT = r"""
set -euo pipefail
mkdir -p /autograder/source /autograder/results
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    /in/autograder.zip /autograder/source
chmod 755 /autograder/source/setup.sh /autograder/source/run_autograder \
    /autograder/source/find_python.sh
cp /autograder/source/run_autograder /autograder/run_autograder
echo '{"users": [{"email": "student@example.edu"}]}' > /autograder/submission_metadata.json
start=$(date +%s)
(cd /autograder/source && WHEELHOUSE=/wheelhouse bash ./setup.sh) > /out/setup.log 2>&1 \
    || { tail -30 /out/setup.log; exit 1; }
echo "setup $(( $(date +%s) - start ))" > /out/times
for sub in /in/subs/*; do
    name=$(basename "$sub")
    rm -rf /autograder/submission /autograder/results/*
    cp -r "$sub" /autograder/submission
    start=$(date +%s)
    (cd /autograder && ./run_autograder) > "/out/$name.log" 2>&1
    echo "$name $(( $(date +%s) - start ))" >> /out/times
    cp /autograder/results/results.json "/out/$name.json"
done
stat -c '%a %n' /autograder/submission_metadata.json > /out/modes
"""


@pytest.mark.slow
@pytest.mark.docker
@pytest.mark.timeout(1800)
def test_setup_and_run_autograder_in_a_gradescope_container(tmp_path: Path) -> None:
    why = _skip_reason()
    if why:
        pytest.skip(why)
    inputs, out = tmp_path / "in", tmp_path / "out"
    out.mkdir()
    build_gradescope(inputs)
    shutil.move(inputs / "gradescope" / "autograder.zip", inputs / "autograder.zip")
    shutil.copytree(paths.EXAMPLES / "reference", inputs / "subs" / "reference")
    _loose(inputs / "subs" / "loose", "/autograder/source")
    began = time.monotonic()
    proc = subprocess.run(
        ["docker", "run", "--rm", "--network", "none",
         "-v", f"{inputs}:/in:ro", "-v", f"{WHEELHOUSE}:/wheelhouse:ro", "-v", f"{out}:/out",
         BASE, "bash", "-c", SCRIPT],
        capture_output=True, text=True, timeout=1700, check=False)
    seconds = time.monotonic() - began
    logs = {p.name: p.read_text(errors="replace")[-3000:] for p in out.glob("*.log")}
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:], logs)
    print(f"gradescope container: {seconds:.0f} s in all;", (out / "times").read_text())

    visible = {f"{c.part}: {c.name}" for c in load_bank().checks if c.visibility != "hidden"}
    for name in ("reference", "loose"):
        results = json.loads((out / f"{name}.json").read_text())
        assert _part_scores(results) == EXPECTED["reference"], (name, logs.get(f"{name}.log"))
        assert results["tests"] and all(
            t["visibility"] == ("visible" if t["name"] in visible else "after_published")
            for t in results["tests"]), name
    assert "bubblewrap is not installed" in logs["setup.log"] \
        or "grading with" in logs["setup.log"], logs["setup.log"]
    loose = json.loads((out / "loose.json").read_text())
    assert loose["output"].startswith("Your `.py` files were graded as the")
    report = _probe_report(loose)
    assert report is not None, loose["extra_data"]["student_output"][-2000:]
    assert report["uid"] != 0, "student code ran as root"
    assert report == {"uid": report["uid"], "bank": False, "folder": False,
                      "reference": False, "compiled": False}, "student code reached the checks"
    if "--isolation none" in logs["loose.log"]:  # (no bwrap in the base: the path tested)
        assert "private unprivileged uids" in logs["loose.log"], logs["loose.log"]
    assert (out / "modes").read_text().split()[0] == "600"
