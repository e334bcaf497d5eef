"""``make bench``: ``grade --cluster slurm`` against the local pool, side by side, end to end.

Grades the example submissions (``--copies`` times each) with ``python -m autograder grade``
twice over: locally with ``--jobs N``, and with ``--cluster slurm`` as one job of N
single-threaded workers (``--cluster-cores N``), N being ``--cores`` (default: the Slurm node's
CPUs, at most 2). Each is timed from the command's start to its end, so Slurm's own costs are in
it: the job's submission and start, the workers' start and the grader bundle's install. Prints
the medians of ``--rounds`` for each. Skips, saying why, where no Slurm answers (CI and
``scripts/slurm/start.sh`` start a single-node one). A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import paths  # noqa: E402


def slurm_cpus() -> int | None:
    """The CPUs of the largest idle Slurm node, or None (said on stderr) where none answers."""
    if shutil.which("sinfo") is None:
        print("bench_slurm: skipped: no Slurm here (scripts/slurm/start.sh starts one)",
              file=sys.stderr)
        return None
    done = subprocess.run(["sinfo", "-h", "-N", "-t", "idle", "-o", "%c"], capture_output=True,
                          text=True, timeout=30, check=False)
    cpus = [int(x) for x in done.stdout.split() if x.isdigit()]
    if done.returncode != 0 or not cpus:
        print(f"bench_slurm: skipped: no idle Slurm node ({' '.join(done.stderr.split())})",
              file=sys.stderr)
        return None
    return max(cpus)


def grade(subs: list[Path], options: list[str], parts: list[str] | None) -> float:
    """One ``grade`` of ``subs`` into a throwaway folder; its wall time in seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        command = [sys.executable, "-m", "autograder", "grade", *map(str, subs), "--output",
                   str(out), "--quiet", *options,
                   *[a for p in parts or [] for a in ("--part", p)]]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"grade {' '.join(options)} failed:\n{done.stderr[-2000:]}")
        errors = [p.parent.name for p in out.glob("*/results.json")
                  if json.loads(p.read_text())["extra_data"]["error"]]
        if errors:
            raise SystemExit(f"not graded with {' '.join(options)}: {', '.join(errors)}")
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--copies", type=int, default=2,
                        help="each example this many times in a batch (default: 2)")
    parser.add_argument("--cores", type=int, default=None,
                        help="local --jobs and the job's --cluster-cores (default: the node's "
                             "CPUs, at most 2)")
    parser.add_argument("--part", action="append", default=None,
                        help="grade only this part (repeatable; default: the full suite)")
    args = parser.parse_args()
    node = slurm_cpus()
    if node is None:
        return 0
    cores = args.cores or min(2, node)
    subs = sorted(p for p in paths.EXAMPLES.iterdir() if p.is_dir()) * args.copies
    ways = {
        f"local pool, --jobs {cores}": ["--jobs", str(cores)],
        f"--cluster slurm, 1 job x {cores} workers": [
            "--cluster", "slurm", "--cluster-cores", str(cores), "--cluster-memory", "4GB",
            "--cluster-walltime", "00:30:00"],
    }
    walls: dict[str, list[float]] = {}
    for r in range(args.rounds):  # alternate, so that a busy spell hits both alike
        for name, options in ways.items():
            walls.setdefault(name, []).append(grade(subs, options, args.part))
            print(f"round {r + 1}, {name}: {walls[name][-1]:.1f} s for {len(subs)} submissions",
                  file=sys.stderr)
    what = ", ".join(args.part) if args.part else "full hidden suite"
    print(f"Slurm against the local pool: {len(subs)} submissions ({args.copies}x the "
          f"examples), {what}, {cores} cores each, end to end, medians of {args.rounds}")
    print(f"{'how':<36} {'batch wall s':>13} {'s/submission':>13} {'submissions/min':>16}")
    median = {name: statistics.median(t) for name, t in walls.items()}
    for name, wall in median.items():
        print(f"{name:<36} {wall:>13.1f} {wall / len(subs):>13.2f} "
              f"{60 * len(subs) / wall:>16.1f}")
    local, slurm = median.values()
    print(f"Slurm takes {slurm / local:.2f}x the local pool's time ({slurm - local:+.1f} s: the "
          "job's start, the workers' start and the bundle's install are in it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
