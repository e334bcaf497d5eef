#!/usr/bin/env python3
"""The public tests' points, part by part: students' feedback on GitHub and on Classroom 50.

It ships beside ``public_parts.json``, which ``python -m autograder release`` writes from the
grading scheme (the parts, their points, what each covers, the manual parts) and the layout of
the student material. For each part it runs ``python -m pytest tests/public -m PART -q -p
no:cacheprovider`` in a fresh process with a time limit, and gives the part all of its points
when its public tests pass, else none. Those points are feedback: the grade comes from the
course's grader (``python -m autograder grade``), whose hidden checks decide.

Outputs (each optional): the per-part table on stdout; Markdown for the job summary
(``$GITHUB_STEP_SUMMARY`` when set, ``--summary FILE``); ``--release-body FILE`` (Classroom 50's
release notes); ``--result FILE``, a Classroom 50 ``result.json`` (schema
``classroom50/result/v1``: whole points; when a part's points have decimals, every part's
points are multiplied by the same power of ten and the outputs say so), whose identity fields
come from the variables Classroom 50's runner sets (``CLASSROOM``, ``ASSIGNMENT``,
``SUBMISSION_TAG``, ``COMMIT_URL``, ``RELEASE_URL``, ``REVIEW_URL``, ``OWNER``,
``ASSIGNMENT_TYPE``).

Student code runs in the pytest processes, never in this one, and they run in a scratch folder
made of the material's public tests, grader files, data and pytest settings plus nothing of the
submission but its package: a ``conftest.py``, ``pytest.ini``, ``sitecustomize.py`` or
``pytest.py`` added anywhere else is never loaded. pytest's own environment variables and
``PYTHONPATH`` are dropped, plugins are not auto-loaded, and a part passes only when pytest exits
0 *and* its JUnit report shows tests that ran and none that failed. Code in the package can
still lie about its own process (it runs with the tests): the official grader runs it sandboxed.
What it leaves running is killed when its part ends (its process group, and on Linux whatever
escaped it: this process adopts its orphans), so the outputs, written after, are never
rewritten by it; an output path holding a file, a link or a folder before is replaced whole.
Its output, echoed on GitHub Actions, is framed by ``::stop-commands::`` so that no line of it
is read as a workflow command.

Standard library only: it runs in the student's repository and in Classroom 50's bundle, where
the grader is absent. Exit status: 0 every part passed, 1 a part did not, 2 it could not score.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime
import json
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CONFIG = Path(__file__).with_name("public_parts.json")
RESULT_SCHEMA = "classroom50/result/v1"
PART_TIMEOUT = 120.0  # seconds, one part's pytest process
BUDGET = 600.0  # seconds for every part together (Classroom 50's job stops at 15 minutes)
MAX_SCALE_DIGITS = 6  # points with more decimals than this cannot be made whole
DETAIL_LINES = 12  # of pytest's short summary, per failing part
DETAIL_CHARS = 300  # per line
# Environment variables that would let something other than the material steer pytest.
DROPPED_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONPATH", "PYTHONSTARTUP",
               "PYTHONUSERBASE", "PYTHONINSPECT")
GRADE_NOTE = ("These points come from the public tests only: a part earns all of its points "
              "when its public tests pass. They are feedback, not your grade: the grade comes "
              "from the course's grader (`python -m autograder grade`), whose hidden checks test "
              "much more.")
# pytest's exit statuses other than 0 (passed) and 5 (nothing collected), in students' words.
EXIT_MESSAGES = {1: "a public test failed",
                 2: "the tests could not run: an error on importing your package, or a test "
                    "interrupted",
                 3: "pytest failed inside (an internal error): see the details",
                 4: "pytest was called wrongly: the public tests' material may be damaged"}
MISSING_PACKAGE = "no {package}/ folder with an __init__.py in the submission"
PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37  # Linux's prctl options


class ScoreError(RuntimeError):
    """The scorer cannot score (a broken ``public_parts.json``, a missing identity variable)."""


@dataclass(frozen=True)
class Part:
    """One part the public tests score."""

    id: str
    kind: str  # "auto" or "optional" (a bonus on top of the total)
    points: float
    summary: str  # what students implement (Markdown)


@dataclass(frozen=True)
class Config:
    """``public_parts.json``: what release wrote for this assignment."""

    package: str  # the folder of the submission that is the student's code
    material: tuple[str, ...]  # paths under the material folder the tests need
    parts: tuple[Part, ...]
    manual: tuple[Part, ...]  # graded by hand: named in the outputs, never scored


@dataclass(frozen=True)
class Outcome:
    """A part's public tests, run."""

    part: Part
    passed: bool
    message: str  # why it failed ("" when it passed)
    details: tuple[str, ...] = ()  # pytest's lines about the failures
    seconds: float = 0.0


# ------------------------------------------------------------------------------ the config ----

def load_config(path: Path = CONFIG) -> Config:
    """Read ``public_parts.json``; ScoreError naming the file when it is not as release
    writes it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        parts = tuple(Part(p["id"], p["kind"], float(p["points"]), p["summary"])
                      for p in data["parts"])
        manual = tuple(Part(p["id"], "manual", float(p["points"]), p["summary"])
                       for p in data.get("manual", []))
        config = Config(str(data["package"]), tuple(map(str, data["material"])), parts, manual)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScoreError(f"{path}: not a parts file written by `python -m autograder release` "
                         f"({exc}); rebuild it with `make release`") from None
    if not config.parts or any(p.points < 0 or not math.isfinite(p.points)
                               for p in config.parts):
        raise ScoreError(f"{path}: no parts, or a part's points are not a non-negative number")
    return config


def integer_scale(points: Sequence[float]) -> int:
    """The smallest power of ten that makes every one of ``points`` whole (1 when they are)."""
    for digits in range(MAX_SCALE_DIGITS + 1):
        scale = 10 ** digits
        if all(abs(p * scale - round(p * scale)) < 1e-6 for p in points):
            return scale
    raise ScoreError(f"points {list(points)} have more than {MAX_SCALE_DIGITS} decimals")


# ----------------------------------------------------------------------------- running them ----

def assemble(config: Config, material: Path, submission: Path, work: Path) -> str | None:
    """Lay out ``work``: the material's files (``config.material``) and the submission's
    package, nothing else of either. Returns why the submission cannot be tested, or None."""
    for name in config.material:
        source, target = material / name, work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copyfile(source, target)
        else:
            raise ScoreError(f"{source} is missing: it is part of the public tests' material "
                             "(restore it from the template repository)")
    package = submission / config.package
    if not (package / "__init__.py").is_file():
        return MISSING_PACKAGE.format(package=config.package)
    shutil.copytree(package, work / config.package, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return None


def pytest_command(part: str, report: Path) -> list[str]:
    """The command that runs ``part``'s public tests in the scratch folder (the cwd)."""
    return [sys.executable, "-m", "pytest", "tests/public", "-m", part, "-q",
            "-p", "no:cacheprovider", "-c", "pyproject.toml", "--rootdir", ".",
            "--junitxml", str(report), "-o", "junit_family=xunit2"]


def child_env(work: Path) -> dict[str, str]:
    """This process's environment minus what could steer pytest from outside the material,
    with the package under test named (``tests/public/conftest.py`` reads it)."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update(CONVOLUTIONS_IMPL=str(work), PYTHONSAFEPATH="1", PYTHONDONTWRITEBYTECODE="1",
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", COLUMNS="200")  # COLUMNS: whole summary lines
    return env


def _stop(proc: subprocess.Popen) -> None:
    """Kill ``proc`` and whatever it started (its own process group), and reap it."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


@contextlib.contextmanager
def adopting_orphans() -> Iterator[None]:
    """On Linux, this process adopts the orphans of what it starts (``PR_SET_CHILD_SUBREAPER``)
    while inside: a process a test starts in a session of its own (``setsid``, a double fork)
    becomes this process's child when its parent ends, so ``_kill_strays`` finds it."""
    libc = None
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
    before = ctypes.c_int(0)
    if libc is None or libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(before), 0, 0, 0) != 0:
        yield
        return
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        yield
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, before.value, 0, 0, 0)


def _children() -> set[int]:
    """The processes whose parent is this one (Linux's /proc; none elsewhere)."""
    me, found = os.getpid(), set()
    with contextlib.suppress(OSError), os.scandir("/proc") as entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                    fields = fh.read().rpartition(")")[2].split()
            except OSError:
                continue
            if len(fields) > 1 and fields[1] == str(me):
                found.add(int(entry.name))
    return found


def _kill_strays(known: set[int]) -> None:
    """Kill and reap this process's children that are not in ``known`` (adopted orphans of a
    part's tests), until none is left."""
    for _ in range(100):
        strays = _children() - known
        if not strays:
            return
        for pid in strays:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for pid in strays:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _report_counts(report: Path) -> tuple[int, int, int] | None:
    """(tests, failed or errored, skipped) from pytest's JUnit report; None without one."""
    try:
        root = ET.parse(report).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if not suites:
        return None
    try:
        total = sum(int(s.get("tests", 0)) for s in suites)
        bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
        skipped = sum(int(s.get("skipped", 0)) for s in suites)
    except ValueError:
        return None
    return total, bad, skipped


def _clip(line: str) -> str:
    return line if len(line) <= DETAIL_CHARS else line[: DETAIL_CHARS - 1] + "…"


def _details(output: str) -> tuple[str, ...]:
    """pytest's short-summary lines (FAILED/ERROR ...), else the output's last lines."""
    lines = [ln.rstrip() for ln in output.splitlines() if ln.strip()]
    picked = [ln for ln in lines if ln.startswith(("FAILED ", "ERROR "))]
    return tuple(_clip(ln) for ln in (picked or lines[-DETAIL_LINES:])[:DETAIL_LINES])


def run_part(part: Part, work: Path, timeout: float, log: Path) -> Outcome:
    """Run ``part``'s public tests in ``work`` for at most ``timeout`` seconds."""
    report = log.with_suffix(".xml")
    start, known = time.monotonic(), _children()
    with open(log, "w+", encoding="utf-8", errors="replace") as out:
        proc = subprocess.Popen(pytest_command(part.id, report), cwd=work, env=child_env(work),
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=os.name == "posix")
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        _stop(proc)  # whatever the tests left running, too
        _kill_strays(known)
        out.seek(0)
        output = out.read()
    seconds = time.monotonic() - start
    details = _details(output)
    if code is None:
        return Outcome(part, False, f"stopped after {timeout:.0f} s (the time limit of a part): "
                       "an endless loop, or work far slower than needed", details, seconds)
    counts = _report_counts(report)
    if code == 5:
        return Outcome(part, False, "no public test of this part was collected", details,
                       seconds)
    if code != 0:
        return Outcome(part, False, EXIT_MESSAGES.get(code, f"pytest stopped with exit status "
                                                      f"{code}"), details, seconds)
    if counts is None or counts[0] - counts[2] <= 0 or counts[1]:
        return Outcome(part, False, "pytest exited 0 but its report shows no passing run of "
                       "the tests (did your code end the process?)", details, seconds)
    return Outcome(part, True, "", (), seconds)


def score(config: Config, material: Path, submission: Path, *, timeout: float = PART_TIMEOUT,
          budget: float = BUDGET, echo: bool = True) -> list[Outcome]:
    """Every part's outcome, in the config's order. With ``echo``, pytest's output is printed
    (``echo_log``)."""
    with tempfile.TemporaryDirectory(prefix="public-tests-") as tmp, adopting_orphans():
        work, logs = Path(tmp) / "work", Path(tmp) / "logs"
        work.mkdir()
        logs.mkdir()
        why = assemble(config, material, submission, work)
        if why is not None:
            return [Outcome(p, False, why) for p in config.parts]
        deadline = time.monotonic() + budget
        outcomes = []
        for part in config.parts:
            left = deadline - time.monotonic()
            if left < 1:
                outcomes.append(Outcome(part, False, f"not run: the {budget:.0f} s for all the "
                                        "parts ran out before it"))
                continue
            log = logs / f"{part.id}.log"
            outcome = run_part(part, work, min(timeout, left), log)
            outcomes.append(outcome)
            if echo:
                print(f"{_verdict(outcome)}  {part.id}  ({outcome.seconds:.1f} s)", flush=True)
                if not outcome.passed:
                    echo_log(log.read_text(errors="replace"))
    return outcomes


def echo_log(text: str) -> None:
    """Print a part's pytest output, each line indented; on GitHub Actions between
    ``::stop-commands::`` and its token (drawn now, after the tests ended), as GitHub's runner
    reads ``::command`` after leading spaces and ``##[command]`` anywhere in a line."""
    actions = os.environ.get("GITHUB_ACTIONS") == "true"
    token = secrets.token_hex(16)
    if actions:
        print(f"::stop-commands::{token}")
    for line in text.splitlines():
        print(f"    {line}")
    if actions:
        print(f"::{token}::", flush=True)


# --------------------------------------------------------------------------------- outputs ----

def _verdict(outcome: Outcome) -> str:
    return "PASS" if outcome.passed else "FAIL"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fence(lines: Sequence[str]) -> str:
    """A code fence longer than any run of backticks in ``lines``."""
    runs = [len(r) for ln in lines for r in re.findall(r"`+", ln)]
    return "`" * max(3, max(runs, default=0) + 1)


def _name(part: Part) -> str:
    return f"`{part.id}` (optional)" if part.kind == "optional" else f"`{part.id}`"


def _points(value: float) -> str:
    return f"{value:g}"


def markdown(config: Config, outcomes: Sequence[Outcome], title: str = "Public tests") -> str:
    """The per-part table, what failed and why, and what the points mean (the release body and
    the job summary)."""
    got = sum(o.part.points for o in outcomes if o.passed)
    total = sum(o.part.points for o in outcomes)
    lines = [f"### {title}: {_points(got)} / {_points(total)} points", "",
             "| part | what | points | public tests |", "|---|---|---|---|"]
    for o in outcomes:
        earned = o.part.points if o.passed else 0
        status = "passed" if o.passed else f"**failed**: {_cell(o.message)}"
        lines.append(f"| {_name(o.part)} | {_cell(o.part.summary)} | "
                     f"{_points(earned)} / {_points(o.part.points)} | {status} |")
    lines.append("")
    scale = integer_scale([p.points for p in config.parts])
    if scale != 1:
        lines += [f"Classroom 50 records whole points: its result counts every part's points "
                  f"×{scale} (a total of {_points(total * scale)}).", ""]
    if any(p.kind == "optional" for p in config.parts):
        lines += ["Optional parts are a bonus on top of the assignment's total.", ""]
    for part in config.manual:
        lines += [f"Not scored here: `{part.id}` ({_points(part.points)} points), "
                  f"{part.summary}.", ""]
    lines += [GRADE_NOTE, ""]
    failed = [o for o in outcomes if not o.passed and o.details]
    if failed:
        lines += ["<details><summary>What failed</summary>", ""]
        for o in failed:
            fence = _fence(o.details)
            lines += [f"**{o.part.id}**", "", fence, *o.details, fence, ""]
        lines += ["</details>", ""]
    return "\n".join(lines)


def _identity(env: Mapping[str, str]) -> dict[str, str]:
    """The result's identity fields from Classroom 50's runner environment."""
    names = {"classroom": "CLASSROOM", "assignment": "ASSIGNMENT", "submission": "SUBMISSION_TAG",
             "commit": "COMMIT_URL", "release": "RELEASE_URL"}
    missing = [v for v in names.values() if not env.get(v, "").strip()]
    if missing:
        raise ScoreError("--result needs Classroom 50's runner environment; not set: "
                         + ", ".join(missing))
    identity = {k: env[v].strip() for k, v in names.items()}
    identity["review"] = env.get("REVIEW_URL", "").strip() or identity["commit"]
    owner = next((env[v].strip() for v in ("OWNER", "USERNAME", "GITHUB_ACTOR")
                  if env.get(v, "").strip()), "")
    if not owner:
        raise ScoreError("--result needs the repository owner (OWNER or USERNAME); not set")
    identity["owner"] = owner
    identity["assignment_type"] = env.get("ASSIGNMENT_TYPE", "").strip() or "individual"
    return identity


def result_document(config: Config, outcomes: Sequence[Outcome],
                    env: Mapping[str, str] = os.environ) -> dict:
    """A ``classroom50/result/v1`` document: one test per part, whole points (scaled as
    ``integer_scale`` says). The runner re-stamps owner, assignment_type, datetime and
    submitted_by with what it knows; they are written here too, so the file is complete."""
    scale = integer_scale([p.points for p in config.parts])
    tests = []
    for o in outcomes:
        most = round(o.part.points * scale)
        tests.append({"test-name": o.part.id, "passed": o.passed,
                      "score": most if o.passed else 0, "max-score": most,
                      "kind": o.part.kind, "points": o.part.points, "message": o.message})
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"schema": RESULT_SCHEMA, **_identity(env), "datetime": now,
            "score": sum(t["score"] for t in tests),
            "max-score": sum(t["max-score"] for t in tests), "tests": tests}


def annotations(outcomes: Sequence[Outcome]) -> list[str]:
    """GitHub Actions ``::error`` lines for the failed parts (fixed text: no student output)."""
    return [f"::error title=Public tests of {o.part.id}::0 / {_points(o.part.points)} points: "
            "see the job summary" for o in outcomes if not o.passed]


def clear(path: Path) -> None:
    """Remove whatever is at ``path``: a file, a link (never its target) or a folder."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def write_output(path: Path, text: str) -> None:
    """``text`` as a new regular file at ``path``, in place of whatever was there."""
    clear(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with open(os.open(path, flags, 0o644), "w", encoding="utf-8") as fh:
        fh.write(text)


# ------------------------------------------------------------------------------------ main ----

def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, default=CONFIG, help="the parts file (public_parts.json)")
    p.add_argument("--material", type=Path, default=Path.cwd(),
                   help="folder holding the public tests, grader files, data and pyproject.toml "
                   "(default: the current folder)")
    p.add_argument("--submission", type=Path, default=Path.cwd(),
                   help="folder holding the student's package (default: the current folder)")
    p.add_argument("--timeout", type=float, default=PART_TIMEOUT, help="seconds per part")
    p.add_argument("--budget", type=float, default=BUDGET, help="seconds for all the parts")
    p.add_argument("--summary", type=Path, default=None,
                   help="append the Markdown table here (default: $GITHUB_STEP_SUMMARY if set)")
    p.add_argument("--no-summary", action="store_true", help="write no job summary")
    p.add_argument("--release-body", type=Path, help="write the Markdown table here")
    p.add_argument("--result", type=Path,
                   help="write a Classroom 50 result.json here (needs its runner's environment)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = load_config(args.config)
        if args.result:
            _identity(os.environ)  # fail before running anything
        for output in (args.result, args.release_body):
            if output is not None:  # a result from before (committed, say) never stands
                clear(output)
        outcomes = score(config, args.material.resolve(), args.submission.resolve(),
                         timeout=args.timeout, budget=args.budget)
        text = markdown(config, outcomes)
        if args.result:
            document = result_document(config, outcomes)
            write_output(args.result, json.dumps(document, indent=2) + "\n")
    except ScoreError as exc:
        print(f"public_scores: {exc}", file=sys.stderr)
        return 2
    summary = args.summary or (Path(os.environ["GITHUB_STEP_SUMMARY"])
                               if os.environ.get("GITHUB_STEP_SUMMARY") else None)
    if summary is not None and not args.no_summary:
        with open(summary, "a", encoding="utf-8") as out:
            out.write(text + "\n")
    if args.release_body:
        write_output(args.release_body, text)
    got = sum(o.part.points for o in outcomes if o.passed)
    print(f"\npublic tests: {_points(got)} / {_points(sum(p.points for p in config.parts))} "
          "points (feedback; the grade comes from the course's grader)")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print("\n".join(annotations(outcomes)))
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
