"""``python -m autograder grade SUBMISSION... --output OUT``.

Exit status: 0 whenever grading finished, whatever the submissions did; 2 for usage errors;
1 for a fault in the grader itself.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import sys
import threading
from pathlib import Path

from .bank import Bank, load_bank
from .intake import read_submission
from .judge import DEVICE
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
    parser.add_argument("--emit-json", action="store_true", help=argparse.SUPPRESS)


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
              progress: bool, device: str = "cpu") -> list[SubmissionResult]:
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
        DEVICE.set(device)  # this thread's context: every check it runs uses the device
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


class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool):
    try:
        from tqdm import tqdm
    except ImportError:  # e.g. a GPU machine's own Python: grading works without the bar
        return _NoProgress()
    return tqdm(total=total, unit="submission", disable=not enabled or total < 2,
                file=sys.stderr, desc="grading")


def print_table(results: list[SubmissionResult], bank: Bank) -> None:
    from autograder.api import SHORT

    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # plain text where rich is not installed
        for r in results:
            parts = ", ".join(f"{SHORT.get(p, p)} {s:g}" for p, (s, _) in
                              r.part_scores(bank).items())
            print(f"{r.submission.name}: {r.total():g} ({parts}) in {r.seconds:.2f}s")
        return

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


def _grade_in_containers(args: argparse.Namespace, bank: Bank) -> int:
    """One container per submission (sequentially: each may use every core it is given)."""
    from .docker_backend import IMAGES, docker_command, engine_available, run_container
    from .results import write_raw

    ok, why = engine_available()
    if not ok:
        print(f"error: --backend docker: {why}", file=sys.stderr)
        return 2
    image = args.image or IMAGES[args.device]
    bar = _progress(len(args.submissions), not args.quiet)
    for path, name in zip(args.submissions, _names(args.submissions)):
        cmd = docker_command(path, image=image, device=args.device, parts=args.part)
        try:
            data = run_container(cmd, timeout=1800)
            write_raw(args.output, name, data["results"], data["feedback"])
        except Exception as exc:  # noqa: BLE001 - one broken container must not stop the batch
            log.error("grading %s in a container failed: %s", path, exc)
        bar.update(1)
    bar.close()
    write_gradebook(args.output, bank)
    return 0


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
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            print("error: --device cuda, but torch.cuda.is_available() is False here",
                  file=sys.stderr)
            return 2
    only = set(args.part) if args.part else None
    bank = load_bank(only=(lambda c: c.part in only) if only else None)
    if only and not bank.checks:
        print(f"error: no checks for parts {sorted(only)}", file=sys.stderr)
        return 2
    recover(args.output)
    if args.backend == "docker":
        return _grade_in_containers(args, bank)
    results = grade_all(args.submissions, args.output, bank, jobs=args.jobs,
                        isolation=args.isolation, progress=not args.quiet, device=args.device)
    write_gradebook(args.output, bank)
    if args.emit_json:  # for the docker backend: the host writes the files
        from .results import feedback_markdown, results_json

        for r in results:
            print(json.dumps({"name": r.submission.name, "results": results_json(r, bank),
                              "feedback": feedback_markdown(r, bank)}))
    if not args.quiet:
        print_table(results, bank)
        print(f"results in {args.output}/<name>/ and {args.output}/gradebook.csv")
    return 0
