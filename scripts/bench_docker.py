"""``make bench`` (its container half): time ``--backend docker`` against the sandbox.

Grades the example submissions one at a time both ways, in alternating rounds so that both see
the same machine load:

- sandbox: ``python -m autograder grade --jobs 1`` (bwrap where usable), the batch's wall time
  per submission and each submission's own grading time (``execution_time``);
- docker: each submission in its own container, exactly as ``--backend docker`` runs it
  (``docker_command`` + ``run_container``), timed from the host, next to the grading time the
  grader inside reports; the difference is the container's own cost (creating its file system,
  starting Python and torch, loading the checks).

Prints medians side by side, with the engine's storage driver (vfs copies the whole image for
every container; overlay2 does not). Without an engine or without the image it says that it
skipped and exits 0. A measurement, not a test: run it on a quiet machine.
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

from autograder import paths
from autograder.grade.docker_backend import (
    IMAGES,
    ContainerLimits,
    docker_command,
    engine_available,
    run_container,
)

EXAMPLES = paths.EXAMPLES


def storage_driver() -> str:
    proc = subprocess.run(["docker", "info", "--format", "{{.Driver}}"], capture_output=True,
                          text=True, check=False)
    return proc.stdout.strip() or "unknown"


def image_size(image: str) -> str:
    proc = subprocess.run(["docker", "image", "inspect", image, "--format", "{{.Size}}"],
                          capture_output=True, text=True, check=False)
    return f"{int(proc.stdout) / 1e9:.2f} GB" if proc.stdout.strip().isdigit() else "?"


def sandbox_round(subs: list[Path]) -> tuple[float, list[float]]:
    """Batch wall time per submission, and each submission's grading time."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, subs),
                        "--output", out, "--jobs", "1", "--quiet"], cwd=REPO, check=True)
        wall = time.perf_counter() - start
        inner = [json.loads(p.read_text())["execution_time"]
                 for p in Path(out).glob("*/results.json")]
    return wall / len(subs), inner


def docker_round(subs: list[Path], image: str) -> tuple[list[float], list[float]]:
    """Each container's wall time from the host, and the grading time reported inside."""
    walls, inner = [], []
    limits = ContainerLimits()
    for sub in subs:
        start = time.perf_counter()
        data = run_container(docker_command(sub, image=image, limits=limits), limits)
        walls.append(time.perf_counter() - start)
        inner.append(data["results"]["execution_time"])
    return walls, inner


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--image", default=IMAGES["cpu"])
    parser.add_argument("examples", nargs="*", help="example names (default: all)")
    args = parser.parse_args()
    ok, why = engine_available()
    if not ok:
        print(f"bench_docker: skipped, no container engine ({why})")
        return 0
    if subprocess.run(["docker", "image", "inspect", args.image], capture_output=True,
                      check=False).returncode != 0:
        print(f"bench_docker: skipped, no image {args.image} (make image builds it)")
        return 0
    subs = sorted(p for p in EXAMPLES.iterdir() if p.is_dir()
                  and (not args.examples or p.name in args.examples))
    sandbox_wall, sandbox_inner, docker_wall, docker_inner = [], [], [], []
    for r in range(args.rounds):
        for mode in (("sandbox", "docker") if r % 2 == 0 else ("docker", "sandbox")):
            start = time.perf_counter()
            if mode == "sandbox":
                wall, inner = sandbox_round(subs)
                sandbox_wall.append(wall)
                sandbox_inner += inner
            else:
                walls, inner = docker_round(subs, args.image)
                docker_wall += walls
                docker_inner += inner
            print(f"round {r + 1} {mode:>7}: {time.perf_counter() - start:.1f} s for "
                  f"{len(subs)} submissions", file=sys.stderr)
    med = statistics.median
    print(f"{len(subs)} example submissions, full hidden suite, one at a time, {args.rounds} "
          f"round(s); docker storage driver {storage_driver()}, image {args.image} "
          f"({image_size(args.image)})")
    print(f"{'backend':<8} {'median s/submission':>20} {'median grading s':>17} "
          f"{'median overhead s':>18}")
    print(f"{'sandbox':<8} {med(sandbox_wall):>20.1f} {med(sandbox_inner):>17.1f} "
          f"{med(sandbox_wall) - med(sandbox_inner):>18.1f}")
    overhead = [w - i for w, i in zip(docker_wall, docker_inner)]
    print(f"{'docker':<8} {med(docker_wall):>20.1f} {med(docker_inner):>17.1f} "
          f"{med(overhead):>18.1f}")
    print("s/submission: sandbox = batch wall time / submissions (--jobs 1); docker = each "
          "container's wall time from the host")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
