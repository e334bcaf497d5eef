"""``python -m autograder.frontends.nbgrader_course {build,grade}``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from autograder import paths

from .course import build
from .run import BACKENDS, grade


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.frontends.nbgrader_course")
    verbs = parser.add_subparsers(dest="verb", required=True)
    b = verbs.add_parser("build", help="write DIST/nbgrader, the nbgrader course directory")
    b.add_argument("--dist", type=Path, default=paths.DIST)
    g = verbs.add_parser("grade", help="build, then autograde example submissions with nbgrader")
    g.add_argument("--dist", type=Path, default=paths.DIST)
    g.add_argument("--backend", choices=BACKENDS, default="local",
                   help="run `nbgrader autograde` here, or in the confined grading container")
    g.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="with --backend docker: the image, and --gpus all for cuda")
    g.add_argument("examples", nargs="*", help="names in examples/submissions (default: all)")
    args = parser.parse_args(argv)
    if args.verb == "build":
        print(build(args.dist))
        return 0
    if args.backend == "docker":
        from autograder.frontends import container

        ok, why = container.available(args.device)
        if not ok:
            parser.error(f"--backend docker: {why}")
    root = paths.EXAMPLES
    names = args.examples or sorted(p.name for p in root.iterdir() if p.is_dir())
    run = grade(args.dist, {n: root / n for n in names}, backend=args.backend,
                device=args.device)
    print(json.dumps({"scores": run.scores, "seconds": {k: round(v, 1)
                                                          for k, v in run.seconds.items()}},
                     indent=2))
    return 0
