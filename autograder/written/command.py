"""``python -m autograder written collect OUT`` and ``written merge SCORES.csv OUT``."""

from __future__ import annotations

import argparse
import sys

from .collect import KEY, collect, graded_submissions, read_key
from .merge import validate, write_student
from .rubric import RubricError, check_points, load_rubric


def _scheme():  # noqa: ANN202 - GradingScheme; bank.py imports no torch
    from autograder import paths
    from autograder.grade.bank import load_scheme

    return load_scheme(paths.MANIFEST)


def collect_command(args: argparse.Namespace) -> int:
    try:
        rubric = load_rubric()
        check_points(rubric, sum(_scheme().manual.values()))
        sheet, line, students = collect(args.out, args.output, submissions=args.submissions,
                                        anonymous=args.anonymise, key_path=args.key,
                                        rubric=rubric)
    except (RubricError, ValueError, OSError) as exc:
        print(f"written collect: {exc}", file=sys.stderr)
        return 1
    print(f"written collect: {line}")
    print(f"pages: {sheet.parent / 'index.html'}; fill in {sheet}"
          + (f"; key: {args.key or args.out / KEY} (keep it from graders)"
             if args.anonymise else ""))
    if sheet.name != "scores.csv":
        print(f"note: {sheet.parent / 'scores.csv'} exists and differs (graders may have filled "
              f"it in): the new sheet is {sheet.name}, the old one was left as it was")
    return 0


def merge_command(args: argparse.Namespace) -> int:
    from autograder.grade.bank import Bank
    from autograder.grade.gradebook import write_gradebook

    try:
        rubric = load_rubric()
        scheme = _scheme()
        check_points(rubric, sum(scheme.manual.values()))
        text = args.scores.read_text(encoding="utf-8-sig")
    except (RubricError, ValueError, OSError) as exc:
        print(f"written merge: {exc}", file=sys.stderr)
        return 1
    if not args.out.is_dir():
        print(f"written merge: {args.out} is not a grading output folder", file=sys.stderr)
        return 1
    names = [g.name for g in graded_submissions(args.out)]
    key_path = args.key or args.out / KEY
    key = {sid: name for name, sid in read_key(key_path).items()}
    merged = validate(text, rubric, names, key)
    for problem in merged.problems:
        where = f"{args.scores}:{problem.line}" if problem.line else str(args.scores)
        print(f"{where}: {problem.message}", file=sys.stderr)
    chosen = merged.mergeable() if args.partial and not merged.fatal else \
        ({} if merged.problems else merged.scores)
    if args.check:
        print(f"written merge --check: {len(merged.problems)} problem(s); "
              f"{len(merged.mergeable())} of {len(names)} students ready to merge")
        return 1 if merged.problems else 0
    if merged.problems and not chosen:
        print(f"written merge: {len(merged.problems)} problem(s); nothing written"
              + ("" if args.partial else " (--partial merges the students without problems)"),
              file=sys.stderr)
        return 1
    try:
        for name, scores in sorted(chosen.items()):
            write_student(args.out / name, scores, rubric, args.scores.name)
        gradebook = write_gradebook(args.out, Bank(scheme))
    except OSError as exc:
        print(f"written merge: {exc} (merge again once it is fixed: merging is idempotent)",
              file=sys.stderr)
        return 1
    absent = f"; {len(merged.absent)} graded submission(s) not in the sheet (their written " \
             "score stays empty)" if merged.absent else ""
    print(f"written merge: {len(chosen)} student(s) merged into {args.out}{absent}; "
          f"{gradebook} rebuilt")
    if merged.problems:
        print(f"written merge: {len(merged.problems)} problem(s); the students they concern "
              "were left as they were", file=sys.stderr)
        return 1
    return 0
