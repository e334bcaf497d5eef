"""``package`` and ``grade``: submissions zipped as otter wants them, then ``otter run``.

A submission is the student's notebook plus their ``convolutions/`` package, zipped as the
notebook's export cell does (``package_submission`` makes such a zip from a checkout).
``otter_run`` grades one zip with ``otter run -a <autograder zip>``: on this machine
(``backend="local"``) or inside the grading container (``backend="docker"``, see
``frontends.container``), with the same per-part scores. ``grade`` does both for a few
submissions at a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.frontends.handout import NOTEBOOK
from autograder.frontends.process import run_group

from .assign import built_zip

OTTER_TIMEOUT = 600  # seconds per `otter run` (otter itself has no timeout)
BACKENDS = ("local", "docker")


def package_submission(submission: Path, dest: Path, notebook: Path | None = None) -> Path:
    """Zip a checkout (``convolutions/`` at its root) as the notebook's export cell does: the
    notebook at the top (the submission's own ``convolutions.ipynb`` if it has one, otherwise
    ``notebook``, e.g. ``dist/otter/student/convolutions.ipynb``) and ``convolutions/``."""
    submission = Path(submission)
    own = submission / NOTEBOOK
    nb = own if own.is_file() else notebook
    if nb is None or not Path(nb).is_file():
        raise FileNotFoundError(f"{submission} has no {NOTEBOOK} and no notebook was given")
    package = submission / paths.PACKAGE
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(nb, NOTEBOOK)
        for path in sorted(package.rglob("*")) if package.is_dir() else []:
            rel = path.relative_to(submission)
            if path.is_file() and "__pycache__" not in rel.parts and path.suffix != ".pyc":
                zf.write(path, rel.as_posix())
    return dest


def _run_local(autograder_zip: Path, submission_zip: Path, out: Path,
               timeout: float) -> subprocess.CompletedProcess:
    return run_group([sys.executable, "-m", "otter", "run", "-a", str(autograder_zip), "-o",
                      str(out), "--no-logo", str(submission_zip)], timeout=timeout, cwd=out)


def _run_docker(autograder_zip: Path, submission_zip: Path, out: Path, timeout: float,
                device: str) -> subprocess.CompletedProcess:
    """``otter run`` in a confined container: the zips mounted read-only, ``out`` the only
    writable host folder (the submission's own results, which otter lets it write anyway)."""
    from autograder.frontends import container

    grading = container.GRADING
    mounts = [container.Mount(autograder_zip, f"{grading}/autograder.zip"),
              container.Mount(submission_zip, f"{grading}/submission.zip"),
              container.Mount(out, container.OUT, readonly=False)]
    argv = ["python", "-m", "otter", "run", "-a", f"{grading}/autograder.zip",
            "-o", container.OUT, "--no-logo", f"{grading}/submission.zip"]
    return container.run(argv, mounts=mounts, device=device, timeout=timeout)


def otter_run(autograder_zip: Path, submission_zip: Path, out: Path,
              timeout: float = OTTER_TIMEOUT, backend: str = "local",
              device: str = "cpu") -> dict[str, Any]:
    """``otter run`` one submission zip; its results.json (Gradescope's schema), with the wall
    time added as ``extra_data.seconds`` and the sum of the scores as ``extra_data.total``."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    results_path.unlink(missing_ok=True)
    start = time.monotonic()
    if backend == "local":
        proc = _run_local(Path(autograder_zip).resolve(), Path(submission_zip).resolve(), out,
                          timeout)
    else:
        proc = _run_docker(Path(autograder_zip).resolve(), Path(submission_zip).resolve(), out,
                           timeout, device)
    seconds = time.monotonic() - start
    (out / "otter-run.log").write_text(proc.stdout + proc.stderr)
    if not results_path.is_file():
        raise RuntimeError(f"otter run wrote no results:\n{proc.stdout[-3000:]}"
                           f"\n{proc.stderr[-3000:]}")
    results = json.loads(results_path.read_text())
    extra = results.setdefault("extra_data", {})
    extra["seconds"] = round(seconds, 2)
    extra["total"] = round(sum(float(t.get("score") or 0) for t in results.get("tests", [])), 2)
    return results


def part_scores(results: dict[str, Any]) -> dict[str, float]:
    """part -> score from otter's results.json (one test per question; parts are named by id)."""
    from autograder.grade.bank import load_scheme

    scheme = load_scheme(paths.MANIFEST)
    parts = [*scheme.parts, *scheme.optional]
    return {t["name"]: round(float(t.get("score", 0.0)), 2)
            for t in results.get("tests", []) if t.get("name") in parts}


def grade(autograder_zip: Path, submissions: list[Path], output: Path, jobs: int = 2,
          notebook: Path | None = None, backend: str = "local", device: str = "cpu",
          timeout: float = OTTER_TIMEOUT) -> dict[str, dict[str, Any]]:
    """Package and ``otter run`` each submission (``jobs`` at a time); name -> results.json.

    A run that writes no results (a dead or hung kernel) gets no tests, a total of 0 and the
    reason in ``extra_data.error``."""
    if notebook is None:
        notebook = Path(autograder_zip).resolve().parent.parent / "student" / NOTEBOOK
    output = Path(output)

    def one(sub: Path) -> tuple[str, dict[str, Any]]:
        name = Path(sub).name.removesuffix(".zip")
        if str(sub).endswith(".zip"):
            zipped = Path(sub)
        else:
            zipped = package_submission(Path(sub), output / name / "submission.zip", notebook)
        try:
            return name, otter_run(autograder_zip, zipped, output / name, timeout, backend,
                                   device)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            return name, {"tests": [], "extra_data": {"error": str(exc)[-2000:], "seconds": None,
                                                      "total": 0.0}}

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(pool.map(one, submissions))


def grade_release(dist: Path, submissions: list[Path], output: Path, *, backend: str = "local",
                  device: str = "cpu") -> dict[str, dict[str, float | None]]:
    """The platform's ``grade``: ``grade`` with the autograder zip ``build`` left in ``dist``;
    name -> part -> score (no part where otter wrote no results)."""
    autograder_zip = built_zip(dist)
    if autograder_zip is None:
        raise FileNotFoundError(f"no autograder zip in {Path(dist) / 'otter'}: build first")
    results = grade(autograder_zip, submissions, output, backend=backend, device=device)
    return {name: part_scores(r) for name, r in results.items()}
