"""``make bench``: grading time per submission with and without recognising misconceptions.

Recognition (``autograder/recognise.py``, issue 23) runs only when a check fails: it computes the
few known wrong answers the check names and compares them with the student's value (TextCNN's
pooling mistakes: one extra forward of the student's model). This grades the same example
submissions (``examples/submissions``: the reference, the stubs, a partial one and those with
known bugs, several of which are recognised) with two trees in alternating rounds, so both see
the same machine load:

- ``before``: a git worktree of the commit before recognition (the parent of the commit that
  added ``autograder/recognise.py``, or ``--before REV``), checks and grader as they were;
- ``after``: this working tree (or a worktree of ``--after REV``).

Each run is a fresh ``python -m autograder grade`` in the tree's folder (so it imports that
tree's grader and hidden checks); one untimed run of the stubs per tree first compiles their
bytecode. It reports three measures:

1. side by side, per submission: the median over rounds of the grader's own time
   (``execution_time`` in results.json) and of the checks' time without the two training
   checks (which retrain models, take most of the time and recognise nothing); per tree the
   mean of those medians over the submissions, and the ratio after/before;
2. side by side, per run: the CPU time of the grading process (where the checks judge, and so
   where recognition computes its wrong answers; the sandboxed students' processes are killed
   at the end, not waited for, so their time is not in it): other load on the machine changes
   it far less than wall time;
3. in the ``after`` runs themselves: the time spent recognising, timed in the grading process
   (``recognise.suspects``, ``judge._recognised``, ``judge.recognise_layout`` and the text_conv
   checks' ``_pooling_mistake``, each wrapped with a clock before the bank is loaded: a few
   microseconds per call), as a share of the run's summed per-submission grading time. This
   is the cost itself, measured in the same runs, not a difference of two noisy ones.

``--json PATH`` also writes the numbers (docs/measurements/recognition.json). A measurement, not
a test: run it on a quiet machine; on a loaded one, read the spread too.

    python scripts/bench_recognition.py [--rounds 3] [--jobs 2] [--before REV] [--after REV]
        [--only NAME...] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "submissions"
TRAINING_CHECKS = ("audio_net.accuracy", "textcnn.accuracy")  # they retrain the models
MODES = ("before", "after")

# Run as the "after" grader (python -c, in its tree): the grade command with recognition's
# functions wrapped with a clock; the totals go to the file named by argv[1] at exit.
TIMED_GRADE = r"""
import atexit, json, sys, threading, time
from autograder import cli, recognise
from autograder.grade import command, judge

spent, calls, lock = {}, {}, threading.Lock()

def timed(key, fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            with lock:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - start
                calls[key] = calls.get(key, 0) + 1
    return wrapper

recognise.suspects = timed("suspects", recognise.suspects)  # before the checks import it
judge._recognised = timed("values", judge._recognised)
judge.recognise_layout = timed("layout", judge.recognise_layout)
load_bank = command.load_bank

def load_and_wrap(*args, **kwargs):
    bank = load_bank(*args, **kwargs)
    module = sys.modules.get("_check_bank.checks_text_conv")
    if module is not None and hasattr(module, "_pooling_mistake"):
        module._pooling_mistake = timed("textcnn_forward", module._pooling_mistake)
    return bank

command.load_bank = load_and_wrap
path = sys.argv[1]
atexit.register(lambda: open(path, "w").write(json.dumps({"seconds": spent, "calls": calls})))
sys.exit(cli.main(["grade", *sys.argv[2:]]))
"""


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, check=True, capture_output=True,
                          text=True).stdout.strip()


def recognition_parent() -> str:
    """The commit before the one that added ``autograder/recognise.py``."""
    added = git("log", "--diff-filter=A", "--format=%H", "--", "autograder/recognise.py")
    if not added:
        sys.exit("bench_recognition: no commit adds autograder/recognise.py; give --before REV")
    return git("rev-parse", added.split()[-1] + "^")


@contextlib.contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A detached worktree of ``rev`` in a temporary folder, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="bench-recognition-")) / "tree"
    git("worktree", "add", "--detach", "--quiet", str(path), rev)
    try:
        yield path
    finally:
        git("worktree", "remove", "--force", str(path))
        path.parent.rmdir()


def cpu_model() -> str:
    """The processor's name as /proc/cpuinfo gives it ("" where there is none)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return ""


def children_cpu() -> float:
    """CPU seconds (user and system) of this process's children that were waited for."""
    t = os.times()
    return t.children_user + t.children_system


def grade(tree: Path, subs: list[Path], jobs: int, isolation: str, timed: bool) -> dict:
    """One grading run of ``subs`` by ``tree``'s grader: its wall and CPU seconds, per
    submission {"seconds", "untrained", "failed", "recognised"}, and with ``timed`` the seconds
    and calls of recognition in the grading process."""
    with tempfile.TemporaryDirectory() as out:
        args = [*map(str, subs), "--output", out, "--isolation", isolation, "--jobs",
                str(jobs), "--quiet"]
        totals = Path(out) / "recognition.json"
        cmd = ([sys.executable, "-c", TIMED_GRADE, str(totals), *args] if timed
               else [sys.executable, "-m", "autograder", "grade", *args])
        cpu = children_cpu()
        start = time.perf_counter()
        subprocess.run(cmd, cwd=tree, check=True)
        run = {"wall": time.perf_counter() - start, "cpu": children_cpu() - cpu,
               "load": round(os.getloadavg()[0], 1),
               "recognition": json.loads(totals.read_text()) if timed else None, "subs": {}}
        for path in Path(out).glob("*/results.json"):
            r = json.loads(path.read_text())
            tests = r["tests"]
            run["subs"][path.parent.name] = {
                "seconds": r["execution_time"],
                "untrained": sum(t["extra_data"]["seconds"] for t in tests
                                 if t["extra_data"]["id"] not in TRAINING_CHECKS),
                "failed": sum(t["status"] != "passed" for t in tests),
                "recognised": sum("misconception" in t["extra_data"] for t in tests)}
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--isolation", default="bwrap", choices=("bwrap", "none"))
    parser.add_argument("--before", help="the tree without recognition (default: the parent "
                        "of the commit that added autograder/recognise.py)")
    parser.add_argument("--after", help="the tree with it (default: this working tree)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="only these example submissions (default: all)")
    args = parser.parse_args()
    subs = sorted(p for p in EXAMPLES.iterdir() if p.is_dir()
                  and (not args.only or p.name in args.only))
    names = [s.name for s in subs]
    before = args.before or recognition_parent()
    runs: dict[str, list[dict]] = {m: [] for m in MODES}
    with contextlib.ExitStack() as stack:
        trees = {"before": stack.enter_context(worktree(before)),
                 "after": stack.enter_context(worktree(args.after)) if args.after else REPO}
        for mode in MODES:  # compile each tree's bytecode outside the timed runs
            grade(trees[mode], [EXAMPLES / "stubs"], 1, args.isolation, False)
        for r in range(args.rounds):
            for mode in MODES if r % 2 == 0 else MODES[::-1]:
                run = grade(trees[mode], subs, args.jobs, args.isolation, mode == "after")
                runs[mode].append(run)
                print(f"round {r + 1} {mode:>6}: {run['wall']:.1f} s wall, grading process "
                      f"{run['cpu']:.1f} s CPU, for {len(subs)} submissions (load "
                      f"{run['load']:.1f})", file=sys.stderr)

    def median(mode: str, name: str, key: str) -> float:
        return statistics.median(run["subs"][name][key] for run in runs[mode])

    per_sub = {n: {m: {k: round(median(m, n, k), 3) for k in ("seconds", "untrained")}
                   for m in MODES} for n in names}
    for n in names:
        per_sub[n]["failed"] = runs["after"][0]["subs"][n]["failed"]
        per_sub[n]["recognised"] = runs["after"][0]["subs"][n]["recognised"]
    summary: dict[str, dict] = {}
    for key in ("seconds", "untrained"):
        mean = {m: statistics.fmean(per_sub[n][m][key] for n in names) for m in MODES}
        summary[key] = {**{m: round(mean[m], 3) for m in MODES},
                        "ratio": round(mean["after"] / mean["before"], 4)}
    for key in ("wall", "cpu"):   # per run, per submission
        med = {m: statistics.median(run[key] for run in runs[m]) / len(subs) for m in MODES}
        summary[f"batch_{key}"] = {**{m: round(med[m], 3) for m in MODES},
                                   "ratio": round(med["after"] / med["before"], 4)}
    shares, spent = [], {}
    for run in runs["after"]:
        total = sum(run["recognition"]["seconds"].values())
        shares.append(total / sum(s["seconds"] for s in run["subs"].values()))
        for key, value in run["recognition"]["seconds"].items():
            spent.setdefault(key, []).append(value)
    calls = runs["after"][0]["recognition"]["calls"]
    summary["recognition"] = {
        "seconds_per_submission": round(statistics.median(
            sum(run["recognition"]["seconds"].values()) for run in runs["after"]) / len(subs), 4),
        "share_of_grading_time": round(statistics.median(shares), 5),
        "share_per_run": [round(s, 5) for s in shares],
        "by_kind": {k: {"seconds_per_run": round(statistics.median(v), 4),
                        "calls_per_run": calls.get(k, 0)} for k, v in spent.items()}}

    print(f"{len(subs)} example submissions, full hidden suite, --jobs {args.jobs}, "
          f"--isolation {args.isolation}, {args.rounds} rounds (before: {before[:10]}, after: "
          f"{args.after or 'working tree'})")
    print(f"{'submission':<24}{'failed':>7}{'recognised':>11}{'before s':>10}{'after s':>9}"
          f"{'ratio':>7}{'  without training: before':>28}{'after':>7}{'ratio':>7}")
    for n in names:
        s = per_sub[n]
        print(f"{n:<24}{s['failed']:>7}{s['recognised']:>11}"
              f"{s['before']['seconds']:>10.2f}{s['after']['seconds']:>9.2f}"
              f"{s['after']['seconds'] / s['before']['seconds']:>7.3f}"
              f"{s['before']['untrained']:>28.2f}{s['after']['untrained']:>7.2f}"
              f"{s['after']['untrained'] / max(s['before']['untrained'], 1e-9):>7.3f}")
    print(f"1. mean of the per-submission medians: before {summary['seconds']['before']:.2f} s, "
          f"after {summary['seconds']['after']:.2f} s, ratio {summary['seconds']['ratio']:.3f}; "
          f"without the training checks: {summary['untrained']['before']:.2f} s, "
          f"{summary['untrained']['after']:.2f} s, ratio {summary['untrained']['ratio']:.3f}; "
          f"batch wall (median of runs): ratio {summary['batch_wall']['ratio']:.3f}")
    print(f"2. CPU of the grading process (the judge), median of runs: before "
          f"{summary['batch_cpu']['before']:.3f} s, after {summary['batch_cpu']['after']:.3f} s "
          f"per submission, ratio {summary['batch_cpu']['ratio']:.3f}")
    rec = summary["recognition"]
    kinds = ", ".join(f"{k} {v['seconds_per_run']:.3f} s in {v['calls_per_run']} calls"
                      for k, v in rec["by_kind"].items())
    print(f"3. recognising, timed in the after runs: {rec['seconds_per_submission']:.4f} s per "
          f"submission, {rec['share_of_grading_time']:.3%} of the grading time (median of "
          f"runs; per run: {kinds})")
    if args.json:
        args.json.write_text(json.dumps({
            "measured": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "python scripts/bench_recognition.py " + " ".join(sys.argv[1:]),
            "machine": {"cpus": os.cpu_count(), "cpu_model": cpu_model(),
                        "platform": platform.platform(),
                        "python": platform.python_version(),
                        "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
            "before": before, "after": args.after or git("rev-parse", "HEAD") + " (working tree)",
            "rounds": args.rounds, "jobs": args.jobs, "isolation": args.isolation,
            "summary": summary, "submissions": per_sub,
            "runs": {m: [{"wall": round(run["wall"], 2), "cpu": round(run["cpu"], 2),
                          "load_average": run["load"],
                          "seconds": {n: run["subs"][n]["seconds"] for n in names}}
                         for run in runs[m]] for m in MODES},
        }, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
