"""What ``run_autograder`` and ``setup.sh`` run on Gradescope's machine (shipped in its zip).

``python -m autograder.frontends.gradescope_run modes SOURCE`` sets the modes of the unpacked
zip (``autograder.bundle.set_modes``, as ``scripts/docker/build_image.py`` does for the grader
image): student code, under other uids, can run the grader's Python and never read the checks.

``python -m autograder.frontends.gradescope_run grade ROOT [--visibility V]`` grades
``ROOT/submission`` for Gradescope, from ``ROOT/source``:

1. the modes again, ``ROOT`` searchable by others (not listable), Gradescope's
   ``submission_metadata.json`` (names and e-mails) readable by root only;
2. the upload laid out (``frontends.layout``: the package's folder, or its loose modules); an
   upload with neither is a results.json that says what to upload;
3. ``python -m autograder grade`` under bwrap; where bwrap cannot start (Gradescope's
   containers may not allow namespaces), with ``--isolation none``, in which the sandbox gives
   each child a private unprivileged uid, but only after checking that it will
   (``isolation``, ``uid_problem``): student code never runs as root, the grader refuses to
   grade instead and says why in the log;
4. ``ROOT/results/results.json``: the grader's, with every hidden check's test visible as the
   release's ``check_visibility`` says (``publish``); the score per part and the summary are
   visible in any case.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.bundle import set_modes
from autograder.feedback import not_run
from autograder.grade.results import md_block_start

from .layout import Layout, lay_out
from .platform import VISIBILITIES, ReleaseOptions

METADATA = "submission_metadata.json"  # Gradescope's, beside submission/: who submitted
REFUSED = 3  # exit status: student code cannot be isolated here (the grader's own for that)
NO_ISOLATION = (
    "the grader cannot isolate student code on this machine: without bwrap the sandbox would "
    "run student code as root ({why}). Make the Python "
    "installation, the venv, {source}/autograder and the sandbox's plugins readable by other "
    "users (setup.sh and run_autograder do), or use a Gradescope image where bwrap can start")


def log(message: str) -> None:
    print(f"run_autograder: {message}", file=sys.stderr, flush=True)


# -- modes

def open_root(root: Path) -> None:
    """``root`` searchable (not listable) by others, so that the grader under it can be
    reached; who submitted readable by root only."""
    root.chmod(root.stat().st_mode | stat.S_IXOTH)
    metadata = root / METADATA
    if metadata.is_file() and not metadata.is_symlink():
        metadata.chmod(0o600)


def isolation() -> tuple[str | None, str]:
    """How student code is isolated here: ("bwrap", ""), ("none", why bwrap cannot start) where
    the sandbox gives it private unprivileged uids instead, or (None, why not) where it would
    run as root. Starts nothing but bwrap's trial run; imports no torch."""
    from autograder.sandbox.pool import IsolationUnavailable, Sandbox

    try:
        Sandbox(isolation="bwrap")
        return "bwrap", ""
    except IsolationUnavailable as exc:
        bwrap = str(exc).split(", or pass --isolation none")[0]
    problem = uid_problem()
    return (None, f"{bwrap}; {problem}") if problem else ("none", bwrap)


def uid_problem() -> str | None:
    """Why the sandbox without bwrap would not give student code a private unprivileged uid
    here (None: it will)."""
    if os.geteuid() != 0:
        return "the grader is not root, so it cannot give student code a uid of its own"
    from autograder.sandbox.pool import Sandbox

    if Sandbox(isolation="none").uid_drop:  # (starts nothing)
        return None
    return (f"one of {sys.base_prefix}, {sys.prefix}, {paths.REPO / 'autograder'} and "
            f"{', '.join(paths.SANDBOX_PLUGINS)} is not reachable by other users")


# -- results

def publish(results: dict[str, Any], visibility: str) -> dict[str, Any]:
    """``results`` with every hidden test's visibility set to ``visibility``."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}, not {visibility!r}")
    tests = [{**t, "visibility": visibility} if t.get("visibility", "hidden") == "hidden" else t
             for t in results.get("tests", [])]
    return {**results, "tests": tests}


def failed(message: str) -> dict[str, Any]:
    """The results.json of a submission that was not graded, saying why."""
    return {"score": 0, "output": message, "output_format": "md", "visibility": "visible",
            "tests": []}


def with_notes(results: dict[str, Any], layout: Layout) -> dict[str, Any]:
    """``results`` whose summary says how loose modules were read, and what was left out."""
    if layout.how != "modules":
        return results
    lines = [f"Your `.py` files were graded as the `{paths.PACKAGE}/` package."]
    lines += [f"- {md_block_start(note)}" for note in layout.notes]  # (file names: untrusted)
    return {**results, "output": "\n".join(lines) + "\n\n" + results.get("output", "")}


def write_results(root: Path, results: dict[str, Any]) -> Path:
    target = root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(".results.json.tmp")
    tmp.write_text(json.dumps(results, indent=2), encoding="utf-8")
    os.replace(tmp, target)
    return target


# -- grading

def _grade(source: Path, path: Path, out: Path, *extra: str) -> int:
    command = [sys.executable, "-m", "autograder", "grade", str(path), "--output", str(out),
               "--jobs", "1", "--quiet", *extra]
    return subprocess.run(command, cwd=source, check=False).returncode


def grade(root: Path, visibility: str = ReleaseOptions().check_visibility) -> int:
    """Grade ``root/submission`` as described above; write ``root/results/results.json``.
    Returns the grader's exit status (0 also when the upload held nothing to grade)."""
    source = root / "source"
    set_modes(source)
    open_root(root)
    work = Path(tempfile.mkdtemp(prefix="gradescope-"))  # 0700: the grader's only
    try:
        layout = lay_out(root / "submission", work / "stage")
        if layout.path is None:
            log(f"nothing to grade: {layout.error}")
            write_results(root, failed(layout.error or ""))
            return 0
        how, why = isolation()
        if how is None:
            log("REFUSED to grade: " + NO_ISOLATION.format(why=why, source=source))
            write_results(root, failed(not_run("it cannot be isolated on this machine")))
            return REFUSED
        if how == "none":
            log(f"no bwrap here ({why}): grading with --isolation none, student code under "
                "private unprivileged uids (never root, it cannot read the checks), in "
                "Gradescope's container for this one submission")
        log(f"grading {layout.path} (the upload read as: {layout.how}; isolation: {how})")
        out = work / "out"
        status = _grade(source, layout.path, out, "--isolation", how)
        produced = sorted(out.glob("*/results.json"))
        if len(produced) != 1:
            log(f"the grader wrote no results (status {status})")
            write_results(root, failed(
                f"The autograder failed (status {status}); please tell your instructor."))
            return status or 1
        results = json.loads(produced[0].read_text(encoding="utf-8"))
        write_results(root, with_notes(publish(results, visibility), layout))
        return status
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.frontends.gradescope_run",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    modes = sub.add_parser("modes", help="set the modes of the unpacked zip")
    modes.add_argument("source", type=Path)
    run = sub.add_parser("grade", help="grade ROOT/submission into ROOT/results/results.json")
    run.add_argument("root", type=Path)
    run.add_argument("--visibility", choices=VISIBILITIES,
                     default=ReleaseOptions().check_visibility,
                     help="what the hidden checks' tests become in results.json")
    args = parser.parse_args(argv)
    if args.command == "modes":
        set_modes(args.source.resolve())
        return 0
    return grade(args.root.resolve(), args.visibility)


if __name__ == "__main__":
    raise SystemExit(main())
