"""``make bench``: cluster grading's throughput with one and with two Dask workers.

Starts a real scheduler on 127.0.0.1 and one worker (one thread, one sandbox), grades the
example submissions (``--copies`` times each) once to warm the worker (sandbox started, bank
loaded), then ``--rounds`` times; adds a second worker and does the same. Prints the median
batch wall time and throughput for each, side by side, and the speedup. Each worker grades one
submission at a time, so on a machine with fewer than three free cores the two workers share
them with the client and the scheduler: run it on a quiet machine; it is a measurement, not a
test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import paths  # noqa: E402
from autograder.cluster.client import grade_on_cluster  # noqa: E402
from autograder.cluster.processes import LocalCluster  # noqa: E402
from autograder.grade.bank import Bank, load_bank  # noqa: E402

EXAMPLES = paths.EXAMPLES
WAIT = 300.0  # seconds for a worker to join


def grade_batch(client: object, subs: list[Path], bank: Bank, parts: list[str] | None) -> float:
    """Grade ``subs`` on the cluster into a throwaway folder; the wall time in seconds."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        graded = grade_on_cluster(client, subs, Path(out), bank, parts=parts, device="cpu",
                                  isolation="auto", progress=False)
        wall = time.perf_counter() - start
    failed = [g.result.submission.name for g in graded if g.result.submission.error]
    if failed:
        raise SystemExit(f"not graded on the cluster: {', '.join(failed)}")
    return wall


def main() -> int:
    from distributed import Client

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=2,
                        help="each example this many times in a batch (default: 2)")
    parser.add_argument("--part", action="append", default=None,
                        help="grade only this part (repeatable; default: the full suite)")
    args = parser.parse_args()
    subs = sorted(p for p in EXAMPLES.iterdir() if p.is_dir()) * args.copies
    only = set(args.part) if args.part else None
    bank = load_bank(only=(lambda c: c.part in only) if only else None)
    walls: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cluster = LocalCluster(Path(tmp))
        try:
            cluster.start()
            with Client(cluster.address, timeout=30) as client:
                for workers in (1, 2):
                    cluster.add_worker()
                    client.wait_for_workers(workers, timeout=WAIT)
                    grade_batch(client, subs, bank, args.part)  # warm-up: sandbox, bank
                    walls[workers] = []
                    for r in range(args.rounds):
                        walls[workers].append(grade_batch(client, subs, bank, args.part))
                        print(f"{workers} worker(s), round {r + 1}: {walls[workers][-1]:.2f} s "
                              f"for {len(subs)} submissions", file=sys.stderr)
        finally:
            cluster.close()
    what = ", ".join(args.part) if args.part else "full hidden suite"
    print(f"cluster grading: {len(subs)} submissions ({args.copies}x the examples), {what}, "
          f"{args.rounds} rounds, medians; one thread and one sandbox per worker")
    print(f"{'workers':<8} {'batch wall s':>13} {'s/submission':>13} {'submissions/min':>16}")
    median = {w: statistics.median(t) for w, t in walls.items()}
    for w, wall in median.items():
        print(f"{w:<8} {wall:>13.2f} {wall / len(subs):>13.2f} {60 * len(subs) / wall:>16.1f}")
    print(f"speedup with 2 workers: {median[1] / median[2]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
