"""Command line: ``python -m autograder {assign,grade,report} ...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths


def _assign(args: argparse.Namespace) -> int:
    from .assign import generate_package, package_init, stale_files
    from .assign.tables import stale_documents, write_documents

    src = paths.SOLUTIONS / paths.PACKAGE
    dst = paths.ASSIGNMENTS / paths.PACKAGE
    if args.check:
        stale = stale_files(src, dst)
        if package_init.is_stale():
            stale.append(f"{package_init.INIT.relative_to(paths.REPO)} (from parts.toml)")
        if stale:
            print("stubs are out of date with solutions/ (run `make stubs`):", *stale, sep="\n  ")
        documents = stale_documents()
        if documents:
            print("parts tables or headings differ from autograder/parts.toml (run `make stubs`):",
                  *(d.relative_to(paths.REPO) for d in documents), sep="\n  ")
        if stale or documents:
            return 1
        print("stubs and parts tables are up to date")
        return 0
    if package_init.write():
        print(f"rewrote {package_init.INIT.relative_to(paths.REPO)} from autograder/parts.toml")
    files = generate_package(src, dst)
    print(f"wrote {len(files)} files to {dst.relative_to(paths.REPO)}/")
    for doc in write_documents():
        print(f"rewrote the parts table or headings of {doc.relative_to(paths.REPO)}"
              + (" (run `make notebook`)" if doc.suffix == ".py" else ""))
    return 0


def _examples(args: argparse.Namespace) -> int:
    from .assign.examples import EXAMPLES, stale_examples, write_examples

    if args.update_goldens:
        from .assign.goldens import GOLDENS, update_goldens

        changes = update_goldens()
        print(f"wrote {GOLDENS.relative_to(paths.REPO)}:",
              *(changes or ["no score changed"]), sep="\n  ")
        return 0
    if args.check:
        stale = stale_examples()
        if stale:
            print("examples are out of date (run `make examples`):", *stale, sep="\n  ")
            return 1
        print("examples are up to date")
        return 0
    written = write_examples(EXAMPLES)
    print(f"wrote {len(written)} example submissions to {EXAMPLES.relative_to(paths.REPO)}/")
    return 0


def _release(args: argparse.Namespace) -> int:
    from .release import build_release

    for what, where in build_release(args.dist, args.hints).items():
        print(f"{what:<10} {where}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder")
    verbs = parser.add_subparsers(dest="verb", required=True)
    assign = verbs.add_parser("assign", help="generate assignments/convolutions from solutions/, "
                                              "and the documents' parts tables from parts.toml")
    assign.add_argument("--check", action="store_true",
                        help="only report stale stubs and parts tables")
    assign.set_defaults(func=_assign)
    examples = verbs.add_parser("examples", help="generate examples/submissions from solutions/")
    examples.add_argument("--check", action="store_true", help="only report stale examples")
    examples.add_argument("--update-goldens", action="store_true",
                          help="grade the examples and rewrite examples/expected_scores.json")
    examples.set_defaults(func=_examples)
    release = verbs.add_parser("release", help="write dist/ for students and every platform")
    release.add_argument("--dist", type=Path, default=paths.REPO / "dist")
    from .assign.regions import DEFAULT_HINT_LEVEL, HINT_LEVELS

    release.add_argument("--hints", choices=HINT_LEVELS, default=DEFAULT_HINT_LEVEL,
                         help="ship the hints up to this level in the student repository's "
                              "hints/ (none: no hints; default: %(default)s)")
    release.set_defaults(func=_release)
    grade = verbs.add_parser("grade", help="grade submissions with the hidden check bank")
    from .grade.cli import add_arguments, run as run_grade

    add_arguments(grade)
    grade.set_defaults(func=run_grade)
    report = verbs.add_parser("report", help="the class report of a grading output folder: "
                                             "OUT/report.html and OUT/report.json")
    from .report.cli import add_arguments as report_arguments, run as run_report

    report_arguments(report)
    report.set_defaults(func=run_report)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
