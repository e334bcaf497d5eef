"""The ``report`` verb: ``python -m autograder report OUT``, the class report of a grading output
folder (its options are declared in ``autograder.cli``)."""

from __future__ import annotations

import argparse
import sys

from autograder.grade.bank import BANK_DIR

from .build import HTML, JSON, build_report, write_report


def report_command(args: argparse.Namespace) -> int:
    """Write OUT/report.html and OUT/report.json; the exit status (2: usage)."""
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
    for folder in args.archive or []:
        if not folder.is_dir():
            print(f"error: --archive {folder} is not a folder", file=sys.stderr)
            return 2
    report = build_report(args.out, submissions=args.submissions, stubs=args.stubs,
                          bank_dir=args.bank or BANK_DIR, similarity=not args.no_similarity,
                          threshold=args.threshold, detail=max(0, args.pairs),
                          archive=args.archive)
    html_path, json_path = write_report(report)
    s = report.similarity
    pairs = (f"; {len(s.rings)} ring{'s' * (len(s.rings) != 1)} of similar code to review "
             f"({len(s.pairs)} pairs)" if s is not None else "")
    print(f"{len(report.graded)} submissions{pairs}: wrote {html_path} and {json_path}")
    return 0
