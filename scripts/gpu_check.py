"""``make gpu-check``: the full hidden suite on CUDA for the reference and the examples.

For a machine with a GPU. It uses the Python it is started with (and that Python's CUDA build
of torch, 2.11 or newer), not .venv, whose torch is a CPU build. It grades
examples/submissions/ with ``--device cuda``, prints per-part scores and times, and exits 1
unless the reference gets full marks. Submissions that create tensors on the CPU lose more
points on CUDA than on the CPU (every check sees the wrong device), so the other examples may
differ from examples/expected_scores.json; the differences are listed, not failed.

The grader stops where its isolation (bwrap, as root) cannot start; on a GPU machine where it
cannot, the bundled examples (trusted code) may be graded with ``--isolation none``
(``make gpu-check GPU_CHECK_ARGS="--isolation none"``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # autograder.*: this runs as a script, not as a module

from autograder import paths  # noqa: E402 - (pathlib only: no torch imported here)

EXAMPLES = paths.EXAMPLES


def main() -> int:
    isolation = sys.argv[sys.argv.index("--isolation") + 1] if "--isolation" in sys.argv \
        else "auto"
    try:
        import torch
    except ImportError:
        print(f"{sys.executable} has no torch: run with GPU_PYTHON=/path/to/python that has "
              "torch with CUDA", file=sys.stderr)
        return 1
    print(f"torch {torch.__version__}, CUDA available: {torch.cuda.is_available()}")
    if not torch.cuda.is_available():
        print("no CUDA device: run this on a machine with a GPU", file=sys.stderr)
        return 1
    print(f"device: {torch.cuda.get_device_name(0)}")
    out = paths.OUT / "gpu-check"
    subs = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, subs),
                           "--output", str(out), "--device", "cuda", "--isolation", isolation],
                          cwd=REPO)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return proc.returncode
    expected = json.loads(paths.GOLDENS.read_text())
    print(f"\n{len(subs)} submissions in {wall:.1f} s ({wall / len(subs):.2f} s each)")
    ok = True
    for name, parts in expected.items():
        data = json.loads((out / name / "results.json").read_text())
        got = {p: v["score"] for p, v in data["extra_data"]["parts"].items()}
        seconds = {}
        for t in data["tests"]:
            seconds[t["tags"][0]] = seconds.get(t["tags"][0], 0) + t["extra_data"]["seconds"]
        timing = ", ".join(f"{p} {s:.2f}s" for p, s in seconds.items())
        print(f"{name}: {data['score']:g} in {data['execution_time']:.2f} s ({timing})")
        diff = {p: (parts[p], got.get(p)) for p in parts if parts[p] != got.get(p)}
        if diff:
            print(f"  differs from the CPU scores (expected, got): {diff}")
            ok = ok and name != "reference"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
