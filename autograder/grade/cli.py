"""``python -m autograder grade SUBMISSION... --output OUT``.

Exit status: 0 whenever grading finished, whatever the submissions did; 2 for usage errors;
1 for a fault in the grader itself.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import sys
import threading
from pathlib import Path

from .bank import Bank, load_bank
from .intake import read_submission
from .results import recover, write_gradebook, write_submission
from .runner import SubmissionResult, grade_submission

log = logging.getLogger("autograder")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                        help="a directory or .zip holding convolutions/ at its root")
    parser.add_argument("--output", "-o", type=Path, required=True, metavar="OUT",
                        help="where results go: OUT/<name>/results.json, feedback.md, "
                             "OUT/gradebook.csv")
    parser.add_argument("--jobs", "-j", type=int, default=min(2, os.cpu_count() or 1),
                        help="submissions graded at once (default: up to 2)")
    parser.add_argument("--isolation", choices=["auto", "bwrap", "none"], default="auto",
                        help="sandbox for student code (default: bwrap when usable)")
    parser.add_argument("--part", action="append", default=None, metavar="PART",
                        help="grade only this part (repeatable)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")


def _names(paths: list[Path]) -> list[str]:
    """Base names, with a suffix where two submissions share one."""
    from .intake import submission_name

    seen: dict[str, int] = {}
    out = []
    for p in paths:
        name = submission_name(p)
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


def grade_all(paths: list[Path], out: Path, bank: Bank, *, jobs: int, isolation: str,
              progress: bool) -> list[SubmissionResult]:
    """Grade every submission with ``jobs`` sandboxes; write each result as soon as it is done."""
    from autograder.sandbox import Sandbox

    todo: queue.Queue = queue.Queue()
    for path, name in zip(paths, _names(paths)):
        todo.put((path, name))
    results: list[SubmissionResult] = []
    lock = threading.Lock()
    bar = _progress(len(paths), progress)
    failures: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            with Sandbox(isolation=isolation, slot=slot) as sandbox:
                while True:
                    try:
                        path, name = todo.get_nowait()
                    except queue.Empty:
                        return
                    result = grade_submission(read_submission(path, name), bank, sandbox)
                    with lock:
                        write_submission(out, result, bank)
                        results.append(result)
                        bar.update(1)
        except BaseException as exc:  # noqa: BLE001 - reported after the other workers finish
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,), daemon=True)
               for i in range(max(1, min(jobs, len(paths))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bar.close()
    if failures:
        raise failures[0]
    order = {name: i for i, name in enumerate(_names(paths))}
    return sorted(results, key=lambda r: order[r.submission.name])


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="submission", disable=not enabled or total < 2,
                file=sys.stderr, desc="grading")


def print_table(results: list[SubmissionResult], bank: Bank) -> None:
    from rich.console import Console
    from rich.table import Table

    from autograder.api import SHORT

    parts = [p for p in [*bank.manifest.parts, *bank.manifest.optional]
             if any(c.part == p for c in bank.checks)]
    extra = sum(bank.manifest.optional.values())
    title = f"Scores (autograded, out of {bank.manifest.auto_max:g}" + (
        f", plus up to {extra:g} extra credit)" if extra else ")")
    table = Table(title=title,
                  caption=", ".join(f"{SHORT.get(p, p)} = {p} ({bank.manifest.points(p):g})"
                                    for p in parts) + "; * extra credit")
    table.add_column("submission", no_wrap=True)
    table.add_column("total", justify="right")
    for p in parts:
        table.add_column(SHORT.get(p, p), justify="right")
    table.add_column("time", justify="right")
    for r in results:
        scores = r.part_scores(bank)
        table.add_row(r.submission.name, f"{r.total():g}",
                      *[f"{scores.get(p, (0, 0))[0]:g}" for p in parts], f"{r.seconds:.2f}s")
    console = Console()
    if not console.is_terminal:  # a log or a pipe: do not squeeze the table into 80 columns
        console = Console(width=160)
    console.print(table)


def run(args: argparse.Namespace) -> int:
    missing = [str(p) for p in args.submissions if not p.exists()]
    if missing:
        print(f"error: no such submission: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        args.output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: cannot create {args.output}: {exc}", file=sys.stderr)
        return 2
    only = set(args.part) if args.part else None
    bank = load_bank(only=(lambda c: c.part in only) if only else None)
    if only and not bank.checks:
        print(f"error: no checks for parts {sorted(only)}", file=sys.stderr)
        return 2
    recover(args.output)
    results = grade_all(args.submissions, args.output, bank, jobs=args.jobs,
                        isolation=args.isolation, progress=not args.quiet)
    write_gradebook(args.output, bank)
    if not args.quiet:
        print_table(results, bank)
        print(f"results in {args.output}/<name>/ and {args.output}/gradebook.csv")
    return 0
