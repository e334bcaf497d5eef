"""``python -m autograder report OUT``: the class report of a grading output folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import HTML, JSON, build_report, write_report
from .concepts import BANK_DIR


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, metavar="OUT",
                        help="a grading output folder (python -m autograder grade ... -o OUT)")
    parser.add_argument("--submissions", nargs="+", type=Path, metavar="PATH",
                        help="where the submissions' code is, for the similarity check: the "
                             "paths given to `grade` (folders, zips, or a folder of them); "
                             "default: the path each results.json records, relative to the "
                             "current folder or the repository")
    parser.add_argument("--stubs", type=Path, default=None,
                        help="the stub package whose code is boilerplate (default: "
                             "assignments/convolutions)")
    parser.add_argument("--bank", type=Path, default=BANK_DIR,
                        help="the hidden check bank, for what each check tests "
                             "(default: tests/hidden)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="similarity from which a pair is listed (0..1, default 0.5)")
    parser.add_argument("--pairs", type=int, default=5,
                        help="pairs shown side by side (default 5)")
    parser.add_argument("--no-similarity", action="store_true",
                        help="skip the similarity check (reads no code)")


def run(args: argparse.Namespace) -> int:
    if not args.out.is_dir():
        print(f"error: {args.out} is not a folder", file=sys.stderr)
        return 2
    if args.threshold is not None and not 0 <= args.threshold <= 1:
        print("error: --threshold must be between 0 and 1", file=sys.stderr)
        return 2
    for taken in (args.out / HTML, args.out / JSON):
        if taken.is_dir() and not taken.is_symlink():  # graded before the name was reserved
            print(f"error: {taken} is a folder, where the report is written: it holds a "
                  "submission graded by an older grader; grade that submission again (it gets "
                  "another name) or move the folder away", file=sys.stderr)
            return 2
    report = build_report(args.out, submissions=args.submissions, stubs=args.stubs,
                          bank_dir=args.bank, similarity=not args.no_similarity,
                          threshold=args.threshold, detail=max(0, args.pairs))
    html_path, json_path = write_report(report)
    s = report.similarity
    pairs = f"; {len(s.pairs)} similar pairs to review" if s is not None else ""
    print(f"{len(report.graded)} submissions{pairs}: wrote {html_path} and {json_path}")
    return 0
