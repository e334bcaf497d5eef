"""``make bench``: time the full hidden suite per submission, with and without isolation.

Grades the example submissions with ``--isolation bwrap`` and ``--isolation none`` in
alternating rounds (so both see the same machine load), then prints, per mode, the median
of each submission's own grading time and the batch's wall time per submission, and the
ratio between the modes. Each part is graded in a fresh process; the time spent starting
those (``part_start_seconds`` in results.json) is measured in the same runs, so the cost of
isolation and per-part processes together is estimated against a baseline of neither:
``none`` time less its part starts. Run it on a quiet machine; it is a measurement, not a
test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # autograder.*: this runs as a script, not as a module

from autograder import paths  # noqa: E402

EXAMPLES = paths.EXAMPLES
TRAINING_CHECKS = ("audio_net.accuracy", "textcnn.accuracy")  # they retrain the models


def grade_once(isolation: str, jobs: int,
               subs: list[Path]) -> tuple[float, list[float], list[float], list[float]]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, subs),
                        "--output", out, "--isolation", isolation, "--jobs", str(jobs),
                        "--quiet"], cwd=REPO, check=True)
        wall = time.perf_counter() - start
        results = [json.loads(p.read_text()) for p in Path(out).glob("*/results.json")]
    times = [r["execution_time"] for r in results]
    training = [sum(t["extra_data"]["seconds"] for t in r["tests"]
                    if t["extra_data"]["id"] in TRAINING_CHECKS) for r in results]
    starts = [r["extra_data"].get("part_start_seconds", 0.0) for r in results]
    return wall, times, training, starts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    subs = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
    modes: dict[str, tuple[list[float], ...]] = {"bwrap": ([], [], [], []),
                                                 "none": ([], [], [], [])}
    for r in range(args.rounds):
        for mode in (("bwrap", "none") if r % 2 == 0 else ("none", "bwrap")):
            wall, times, training, starts = grade_once(mode, args.jobs, subs)
            modes[mode][0].append(wall / len(subs))
            modes[mode][1].extend(times)
            modes[mode][2].extend(t - tr for t, tr in zip(times, training))
            modes[mode][3].extend(starts)
            print(f"round {r + 1} {mode:>5}: {wall:.2f} s for {len(subs)} submissions",
                  file=sys.stderr)
    print(f"{len(subs)} example submissions, full hidden suite, --jobs {args.jobs}, "
          f"{args.rounds} rounds")
    print(f"{'isolation':<10} {'median s/submission':>20} {'batch wall s/submission':>24} "
          f"{'median without training checks':>31}")
    med = {}
    for mode, (per_batch, per_sub, untrained, _) in modes.items():
        med[mode] = (statistics.median(per_sub), statistics.median(per_batch))
        print(f"{mode:<10} {med[mode][0]:>20.2f} {med[mode][1]:>24.2f} "
              f"{statistics.median(untrained):>31.2f}")
    print(f"ratio bwrap/none: {med['bwrap'][0] / med['none'][0]:.2f} (per submission), "
          f"{med['bwrap'][1] / med['none'][1]:.2f} (batch wall)")
    starts = {mode: statistics.median(values[3]) for mode, values in modes.items()}
    baseline = med["none"][0] - starts["none"]  # no isolation, one process per submission
    overhead = med["bwrap"][0] - baseline
    print(f"per-part processes: median {starts['bwrap']:.2f} s (bwrap), {starts['none']:.2f} s "
          f"(none) per submission starting them; isolation and per-part processes together: "
          f"{overhead:.2f} s, {overhead / med['bwrap'][0]:.1%} of the grading time per "
          "submission")
    return 0


if __name__ == "__main__":
    sys.exit(main())
