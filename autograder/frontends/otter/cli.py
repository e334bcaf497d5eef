"""``python -m autograder.frontends.otter {build,package,grade}``."""

from __future__ import annotations

import argparse
from pathlib import Path

from autograder import paths
from autograder.frontends.handout import NOTEBOOK
from autograder.frontends.platform import ReleaseOptions

from .assign import build, built_zip
from .run import BACKENDS, grade, package_submission, part_scores

DIST = paths.DIST


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.frontends.otter",
        description="The otter-grader front-end, generated from the handout, the reference and "
                    "the check bank.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write dist/otter/ (master, student, autograder zip)")
    b.add_argument("--dist", type=Path, default=DIST)
    b.add_argument("--pdf", action="store_true",
                   help="students export a PDF of the written answers, kept for manual grading "
                        "(as `python -m autograder release --otter-pdf`)")
    p = sub.add_parser("package", help="zip checkouts as otter submissions")
    p.add_argument("submissions", nargs="+", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--notebook", type=Path, default=DIST / "otter" / "student" / NOTEBOOK)
    g = sub.add_parser("grade", help="package and `otter run` submissions, print part scores")
    g.add_argument("submissions", nargs="+", type=Path)
    g.add_argument("--output", type=Path, required=True)
    g.add_argument("--autograder", type=Path, help="the zip (default: the one in dist/otter)")
    g.add_argument("--jobs", type=int, default=2)
    g.add_argument("--backend", choices=BACKENDS, default="local",
                   help="run `otter run` here, or in the confined grading container (docker)")
    g.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="with --backend docker: the image, and --gpus all for cuda")
    args = parser.parse_args(argv)
    if args.command == "build":
        print(build(args.dist, ReleaseOptions(otter_pdf=args.pdf)))
    elif args.command == "package":
        for s in args.submissions:
            print(package_submission(s, args.out / f"{s.name}.zip", args.notebook))
    else:
        autograder_zip = args.autograder or built_zip(DIST)
        if autograder_zip is None:
            parser.error("no autograder zip: run `build` first or pass --autograder")
        if args.backend == "docker":
            from autograder.frontends import container

            ok, why = container.available(args.device)
            if not ok:
                parser.error(f"--backend docker: {why}")
        results = grade(autograder_zip, args.submissions, args.output, args.jobs,
                        backend=args.backend, device=args.device)
        for name, r in sorted(results.items()):
            if r["extra_data"].get("error"):
                print(f"{name}: otter wrote no results: {r['extra_data']['error'][-300:]}")
                continue
            scores = part_scores(r)
            print(f"{name}: {r['extra_data']['total']:g} in {r['extra_data']['seconds']:.1f} s  "
                  + "  ".join(f"{p}={s:g}" for p, s in scores.items()))
    return 0
