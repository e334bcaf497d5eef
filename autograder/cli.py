"""The command line, every verb's options in one place:
``python -m autograder {build,release,grade,collect,export,report,written} ...`` (and ``assign``,
``examples``: the old names of ``build stubs`` and ``build examples``/``goldens``).

Each verb's work is done elsewhere (``assign.build``, ``release``, ``grade.command``,
``report.command``), imported only when that verb runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from . import paths
from .collect.times import parse_deadline
from .assign.build import TARGETS as BUILD_TARGETS
from .cluster.options import add_arguments as add_cluster_arguments


def _build_target(name: str) -> str:
    # (not choices=: argparse of Python 3.11 refuses an empty list against choices)
    if name not in BUILD_TARGETS:
        raise argparse.ArgumentTypeError(f"invalid choice: {name!r} (choose from "
                                         f"{', '.join(BUILD_TARGETS)})")
    return name


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", nargs="*", metavar="TARGET", type=_build_target,
                        help="stubs (assignments/ from solutions/, and the documents' parts "
                             "tables from parts.toml), notebook (the handout notebook), "
                             "examples (examples/submissions), goldens (grade the examples "
                             "and rewrite examples/expected_scores.json); default: stubs, "
                             "notebook and examples")
    parser.add_argument("--check", action="store_true",
                        help="only report what is stale (exit status 1 if anything is)")


def add_grade_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="*", type=Path, metavar="SUBMISSION",
                        help="a directory or .zip holding convolutions/ at its root")
    parser.add_argument("--collection", type=Path, default=None, metavar="DEST/collection.csv",
                        help="grade every checkout a `collect` run lists (instead of "
                             "SUBMISSION...): each result and gradebook row carries the "
                             "username, commit, commit date and late flag; students not "
                             "collected get a row with score 0 and the reason")
    parser.add_argument("--output", "-o", type=Path, required=True, metavar="OUT",
                        help="where results go: OUT/<name>/results.json, feedback.md, "
                             "OUT/gradebook.csv")
    parser.add_argument("--jobs", "-j", type=int, default=min(2, os.cpu_count() or 1),
                        help="submissions graded at once (default: up to 2)")
    parser.add_argument("--isolation", choices=["auto", "bwrap", "none"], default="auto",
                        help="sandbox for student code: bwrap (auto, the default, means bwrap "
                             "too: grading stops with an error if it cannot start), or none "
                             "(no isolation: only where a container per submission or the "
                             "like isolates student code)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="where the checks' inputs live (cuda: the full suite on the GPU); "
                             "device checks also run on meta, and on cuda when available")
    parser.add_argument("--part", action="append", default=None, metavar="PART",
                        help="grade only this part (repeatable)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    parser.add_argument("--backend", choices=["sandbox", "docker"], default="sandbox",
                        help="sandbox: local isolation (default); docker: one container per "
                             "submission (needs a Docker engine and the images)")
    parser.add_argument("--image", default=None,
                        help="grader image for --backend docker (default: "
                             "d2l-convolutions-grader:cpu, or :gpu with --device cuda)")
    parser.add_argument("--roster", type=Path, default=None, metavar="ROSTER.csv",
                        help="the class list (username or github_username, name, email, "
                             "sis_id, section), joined to the submissions by username: its "
                             "columns lead the gradebook, and a student without a submission "
                             "gets a row saying so (kept in OUT for later rebuilds)")
    parser.add_argument("--only", default=None, metavar="NAME",
                        help="regrade only the submission written to OUT/NAME (give the same "
                             "SUBMISSION... or --collection as before): the previous result "
                             "is kept in OUT/NAME/previous/<time>/, the gradebook updated")
    parser.add_argument("--emit-json", action="store_true", help=argparse.SUPPRESS)
    add_cluster_arguments(parser)  # --scheduler, --cluster slurm and its job options


def _deadline(text: str) -> datetime:
    try:
        return parse_deadline(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_collect_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("roster", type=Path, metavar="ROSTER",
                        help="a CSV with a username column (optional: repository, deadline, "
                             "extension), or Classroom 50's score export (scores.csv)")
    parser.add_argument("--deadline", type=_deadline, required=True, metavar="WHEN",
                        help="ISO 8601 with its UTC offset, e.g. 2026-10-01T23:59:00-04:00 "
                             "(or ...Z for UTC); a time without an offset is refused")
    parser.add_argument("--repo-url", default=None, metavar="TEMPLATE",
                        help="each student's repository: a URL or path with {username} (or "
                             "{username_lower}), e.g. https://github.com/ORG/conv-{username}.git")
    parser.add_argument("--dest", type=Path, default=Path("collected"), metavar="DEST",
                        help="where DEST/<username>/ checkouts and DEST/collection.csv go "
                             "(default: %(default)s)")
    parser.add_argument("--tag", default=None, metavar="PATTERN",
                        help="take the latest tag matching PATTERN (e.g. 'submit/*') whose "
                             "commit is dated before the deadline, not the branch's last commit")
    parser.add_argument("--late-days", type=float, default=0.0, metavar="DAYS",
                        help="grace period: work up to DAYS after a student's deadline is "
                             "collected and marked late (default: 0)")
    parser.add_argument("--accept-late", action="store_true",
                        help="a student with nothing before the deadline gets the first later "
                             "commit (or tag), marked late, instead of no submission")
    parser.add_argument("--jobs", "-j", type=int, default=4,
                        help="repositories fetched at once (default: 4)")
    parser.add_argument("--git-timeout", type=float, default=300.0, metavar="SECONDS",
                        help="limit on each git command (default: 300)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no table")


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("format", choices=["canvas"],
                        help="canvas: Canvas's gradebook import CSV")
    parser.add_argument("out", type=Path, metavar="OUT",
                        help="a grading output folder (python -m autograder grade ... -o OUT)")
    parser.add_argument("file", type=Path, metavar="FILE", help="the CSV to write")
    parser.add_argument("--roster", type=Path, default=None, metavar="ROSTER.csv",
                        help="the class list (default: the one `grade --roster` kept in OUT)")
    parser.add_argument("--assignment", default=paths.PACKAGE.capitalize(), metavar="NAME",
                        help="the assignment's column name in Canvas (default: %(default)s)")


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
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
    parser.add_argument("--bank", type=Path, default=None,
                        help="the hidden check bank, for what each check tests "
                             "(default: tests/hidden)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="similarity from which a pair is listed (0..1, default 0.5)")
    parser.add_argument("--pairs", type=int, default=5,
                        help="pairs shown side by side (default 5)")
    parser.add_argument("--no-similarity", action="store_true",
                        help="skip the similarity check (reads no code)")
    parser.add_argument("--archive", nargs="+", type=Path, default=None, metavar="DIR",
                        help="earlier terms' submissions (folders of submission folders or "
                             "zips) to compare the class against; never reported themselves")


def add_written_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="written_command", required=True)
    collect = commands.add_parser(
        "collect", help="read every graded submission's notebook: one page per question, one "
                        "per student, and the scores sheet (OUT/written/)")
    collect.add_argument("out", type=Path, metavar="OUT", help="a grading output folder")
    collect.add_argument("--submissions", nargs="+", type=Path, metavar="PATH",
                         help="the paths given to `grade` (folders, zips, or a folder of them); "
                              "default: the path each results.json records")
    collect.add_argument("--anonymise", "--anonymize", action="store_true",
                         help="show students as random ids; the key goes to "
                              "OUT/written-key.csv (or --key), outside the pages' folder")
    collect.add_argument("--output", type=Path, default=None, metavar="DIR",
                         help="where the pages and scores.csv go (default: OUT/written)")
    collect.add_argument("--key", type=Path, default=None, metavar="FILE",
                         help="the anonymisation key (default: OUT/written-key.csv; reused if "
                              "it exists, so ids stay put)")
    collect.set_defaults(func=_written_collect)
    merge = commands.add_parser(
        "merge", help="validate a filled-in scores sheet and merge it into OUT: written.json "
                      "and feedback.md per student, and the gradebook")
    merge.add_argument("scores", type=Path, metavar="SCORES.csv")
    merge.add_argument("out", type=Path, metavar="OUT", help="the grading output folder")
    merge.add_argument("--key", type=Path, default=None, metavar="FILE",
                       help="the anonymisation key (default: OUT/written-key.csv if it exists)")
    merge.add_argument("--partial", action="store_true",
                       help="merge the students whose rows have no problem even when others "
                            "have (the exit status is still 1)")
    merge.add_argument("--check", action="store_true",
                       help="validate only: report every problem, write nothing")
    merge.set_defaults(func=_written_merge)


def _build(args: argparse.Namespace) -> int:
    from .assign.build import build

    return build(args.targets, check=args.check)


def _assign(args: argparse.Namespace) -> int:
    from .assign.build import build

    print("note: `assign` is `build stubs` now", file=sys.stderr)
    return build(["stubs"], check=args.check)


def _examples(args: argparse.Namespace) -> int:
    from .assign.build import build

    target = "goldens" if args.update_goldens else "examples"
    print(f"note: `examples{' --update-goldens' if args.update_goldens else ''}` is "
          f"`build {target}` now", file=sys.stderr)
    return build([target], check=args.check and not args.update_goldens)


def _release(args: argparse.Namespace) -> int:
    from .frontends.platform import ReleaseOptions
    from .frontends.release import build_release

    options = ReleaseOptions(hints=args.hints, check_visibility=args.check_visibility,
                             otter_pdf=args.otter_pdf)
    built = build_release(args.dist, options)
    width = max(map(len, built), default=0)
    for what, where in built.items():
        print(f"{what:<{width}}  {where}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .grade.command import grade_command

    return grade_command(args)


def _collect(args: argparse.Namespace) -> int:
    from .collect.command import collect_command

    return collect_command(args)


def _export(args: argparse.Namespace) -> int:
    from .grade.export import export_command

    return export_command(args)


def _written_collect(args: argparse.Namespace) -> int:
    from .written.command import collect_command

    return collect_command(args)


def _written_merge(args: argparse.Namespace) -> int:
    from .written.command import merge_command

    return merge_command(args)


def _report(args: argparse.Namespace) -> int:
    from .report.command import report_command

    return report_command(args)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every verb; each sets ``func``, the verb's implementation."""
    from .assign.regions import DEFAULT_HINT_LEVEL, HINT_LEVELS
    from .frontends.platform import VISIBILITIES, ReleaseOptions

    parser = argparse.ArgumentParser(prog="python -m autograder")
    verbs = parser.add_subparsers(dest="verb", required=True)
    build = verbs.add_parser("build", help="write the files generated from the sources "
                                            "(stubs, tables, notebook, examples, goldens)")
    add_build_arguments(build)
    build.set_defaults(func=_build)
    assign = verbs.add_parser("assign", help="(old name of `build stubs`) generate "
                                              "assignments/convolutions from solutions/, "
                                              "and the documents' parts tables from parts.toml")
    assign.add_argument("--check", action="store_true",
                        help="only report stale stubs and parts tables")
    assign.set_defaults(func=_assign)
    examples = verbs.add_parser("examples", help="(old name of `build examples`) generate "
                                                 "examples/submissions from solutions/")
    examples.add_argument("--check", action="store_true", help="only report stale examples")
    examples.add_argument("--update-goldens", action="store_true",
                          help="(`build goldens`) grade the examples and rewrite "
                               "examples/expected_scores.json")
    examples.set_defaults(func=_examples)
    release = verbs.add_parser("release", help="write dist/ for students and every platform")
    release.add_argument("--dist", type=Path, default=paths.DIST)
    release.add_argument("--hints", choices=HINT_LEVELS, default=DEFAULT_HINT_LEVEL,
                         help="ship the hints up to this level in the student repository's "
                              "hints/ (none: no hints; default: %(default)s)")
    release.add_argument("--check-visibility", choices=VISIBILITIES,
                         default=ReleaseOptions.check_visibility,
                         help="Gradescope: when students see each hidden check's message "
                              "(scores per part are always shown; default: %(default)s)")
    release.add_argument("--otter-pdf", action="store_true",
                         help="otter: students export a PDF of their written answers "
                              "(otter's route for hand-graded questions)")
    release.set_defaults(func=_release)
    grade = verbs.add_parser("grade", help="grade submissions with the hidden check bank")
    add_grade_arguments(grade)
    grade.set_defaults(func=_grade)
    collect = verbs.add_parser("collect", help="fetch each student's repository at the "
                                               "deadline into DEST/<username>/, with "
                                               "DEST/collection.csv for `grade --collection`")
    add_collect_arguments(collect)
    collect.set_defaults(func=_collect)
    export = verbs.add_parser("export", help="the gradebook of a grading output folder "
                                             "in a format an LMS imports (canvas)")
    add_export_arguments(export)
    export.set_defaults(func=_export)
    report = verbs.add_parser("report", help="the class report of a grading output folder: "
                                             "OUT/report.html and OUT/report.json")
    add_report_arguments(report)
    report.set_defaults(func=_report)
    written = verbs.add_parser("written", help="written answers graded by hand: `collect` them "
                                               "into pages and a scores sheet, `merge` the "
                                               "filled-in sheet into OUT")
    add_written_arguments(written)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
