"""``python -m autograder grade SUBMISSION... --output OUT``.

Exit status: 0 whenever grading finished, whatever the submissions did; 2 for usage errors;
3 when the sandbox's isolation cannot start (nothing is graded: install bubblewrap, or pass
``--isolation none`` where something else isolates student code); 1 for a fault in the grader
itself.
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
from typing import Any

from autograder.cluster.options import add_arguments as add_cluster_arguments

from .bank import Bank, load_bank
from .intake import Submission, read_submission
from .judge import DEVICE
from .results import RESERVED, plain, recover, write_gradebook, write_submission
from .runner import SubmissionResult, failed_everything, grade_submission

log = logging.getLogger("autograder")
ISOLATION_UNAVAILABLE = 3  # exit status: the sandbox's isolation cannot start here


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                        help="a directory or .zip holding convolutions/ at its root")
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
    parser.add_argument("--emit-json", action="store_true", help=argparse.SUPPRESS)
    add_cluster_arguments(parser)  # --scheduler, --cluster slurm and its job options


def output_names(paths: list[Path]) -> list[str]:
    """One output directory name per submission: safe (see ``submission_name``), none of the
    grader's own files, and distinct even on a case-insensitive file system. Where base names
    clash, the submission whose path sorts first keeps the base name and the others get the
    first free ``-2``, ``-3``... that is no other submission's name, so the names depend only on
    the set of paths given, not on their order."""
    from .intake import submission_name

    bases = [submission_name(p) for p in paths]
    groups: dict[str, list[int]] = {}
    for i in sorted(range(len(paths)), key=lambda i: (os.fsencode(paths[i]), i)):
        groups.setdefault(bases[i].lower(), []).append(i)
    taken = set(groups) | RESERVED  # a suffixed name never takes a real submission's name
    names = [""] * len(paths)
    for key in sorted(groups):
        members = groups[key]
        if key not in RESERVED:
            names[members[0]] = bases[members[0]]
            members = members[1:]
        for i in members:
            n = 2
            while f"{bases[i]}-{n}".lower() in taken:
                n += 1
            names[i] = f"{bases[i]}-{n}"
            taken.add(names[i].lower())
    return names


def _describe(exc: BaseException) -> str:
    """``Type: message`` of a grader fault, short and printable (the message may quote data)."""
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ fails still has a type
        message = ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return plain(text, newlines=False)[:300]


def error_result(bank: Bank, path: Path, name: str, reason: str) -> SubmissionResult:
    """Every check failed with ``reason``; nothing the submission sent is kept (it may be
    what made the grader fail)."""
    submission = Submission(name=name, source=plain(os.fsdecode(path), newlines=False),
                            error=reason)
    return failed_everything(bank, submission, reason)


def _fault(bank: Bank, path: Path, name: str, stage: str, exc: BaseException
           ) -> SubmissionResult:
    """The error result for a grader fault while ``stage``, logged for the instructor."""
    log.error("%s: the grader failed while %s: %s", name, stage, _describe(exc),
              exc_info=(type(exc), exc, exc.__traceback__))
    return error_result(bank, path, name, f"the grader failed while {stage} "
                        f"({_describe(exc)}); your instructor has been told and will grade it "
                        "again")


def _grade_one(path: Path, name: str, bank: Bank, sandbox: Any
               ) -> tuple[SubmissionResult, bool]:
    """Read and grade one submission; any fault becomes its error result. The flag says the
    fault came from grading, after which the sandbox is not trusted any more."""
    try:
        submission = read_submission(path, name)
    except Exception as exc:  # noqa: BLE001 - e.g. RecursionError, MemoryError on odd data
        return _fault(bank, path, name, "reading your submission", exc), False
    try:
        return grade_submission(submission, bank, sandbox), False
    except Exception as exc:  # noqa: BLE001 - one submission must not sink the batch
        return _fault(bank, path, name, "grading your submission", exc), True


def _write_one(out: Path, path: Path, name: str, result: SubmissionResult, bank: Bank
               ) -> SubmissionResult:
    """Write ``result``; if that fails, write an error result in its place. The one written."""
    try:
        write_submission(out, result, bank)
        return result
    except Exception as exc:  # noqa: BLE001 - e.g. text the encoder chokes on
        fallback = _fault(bank, path, name, "writing your results", exc)
    try:
        write_submission(out, fallback, bank)
    except Exception:  # noqa: BLE001 - OUT itself is broken: said in the log, batch goes on
        log.exception("%s: cannot write even an error result to %s", name, out)
    return fallback


def _close(sandbox: Any) -> None:
    try:
        sandbox.close()
    except Exception:  # noqa: BLE001 - a broken sandbox is discarded anyway
        log.exception("closing a sandbox failed")


def grade_all(paths: list[Path], out: Path, bank: Bank, *, jobs: int, isolation: str,
              progress: bool, device: str = "cpu") -> list[SubmissionResult]:
    """Grade every submission with ``jobs`` sandboxes; write each result as soon as it is done.

    Whatever goes wrong with one submission (reading it, grading it, writing its results)
    becomes that submission's error result and the batch goes on; after a fault in grading its
    slot starts a fresh sandbox. A slot whose sandbox cannot start leaves its submissions to the
    others; what no slot could take is written as an error result at the end. One result per
    path, in the order given. ``IsolationUnavailable`` before anything is graded when the
    isolation asked for cannot start here."""
    from autograder.sandbox import Sandbox

    Sandbox(isolation=isolation, slot=0)  # (starts nothing) fails closed now, not per slot
    names = output_names(paths)
    todo: queue.Queue[int] = queue.Queue()
    for i in range(len(paths)):
        todo.put(i)
    done: dict[int, SubmissionResult] = {}
    lock = threading.Lock()
    bar = _progress(len(paths), progress)
    problems: list[str] = []  # why sandboxes could not start
    healthy: set[int] = set()  # slots whose sandbox started at least once

    def work(slot: int) -> None:
        DEVICE.set(device)  # this thread's context: every check it runs uses the device
        sandbox = None
        try:
            while True:
                try:
                    i = todo.get_nowait()
                except queue.Empty:
                    return
                if sandbox is None:
                    try:
                        sandbox = Sandbox(isolation=isolation, slot=slot)
                        sandbox.start()
                        healthy.add(slot)
                    except Exception as exc:  # noqa: BLE001 - the others take this slot's work
                        todo.put(i)
                        log.error("sandbox %d could not start: %s", slot, _describe(exc),
                                  exc_info=(type(exc), exc, exc.__traceback__))
                        problems.append(_describe(exc))
                        return
                result, broken = _grade_one(paths[i], names[i], bank, sandbox)
                if broken:  # start a fresh sandbox for the next one
                    _close(sandbox)
                    sandbox = None
                with lock:
                    done[i] = _write_one(out, paths[i], names[i], result, bank)
                    bar.update(1)
        finally:
            if sandbox is not None:
                _close(sandbox)

    def run_slots(slots: list[int]) -> None:
        threads = [threading.Thread(target=work, args=(slot,), daemon=True) for slot in slots]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    run_slots(list(range(max(1, min(jobs, len(paths))))))
    if not todo.empty() and healthy:  # a slot gave up or died after the others had finished
        run_slots([min(healthy)])
    for i in range(len(paths)):
        if i not in done:  # no sandbox would start (or a worker died): still one row each
            why = problems[-1] if problems else "a grading worker stopped"
            reason = (f"the grader could not run your code ({why}); your instructor has been "
                      "told and will grade it again")
            log.error("%s: not graded: %s", names[i], why)
            done[i] = _write_one(out, paths[i], names[i],
                                 error_result(bank, paths[i], names[i], reason), bank)
            bar.update(1)
    bar.close()
    return [done[i] for i in range(len(paths))]


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


def _flags(result: SubmissionResult) -> str:
    """What the instructor must look at: an error (not graded) or flags for review."""
    return " ".join(f for f, on in (("error", result.submission.error is not None),
                                    ("review", bool(result.review))) if on)


def print_table(results: list[SubmissionResult], bank: Bank) -> None:
    from autograder.api import SHORT

    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:  # plain text where rich is not installed
        for r in results:
            parts = ", ".join(f"{SHORT.get(p, p)} {s:g}" for p, (s, _) in
                              r.part_scores(bank).items())
            print(f"{plain(r.submission.name, newlines=False)}: {r.total():g} ({parts}) in "
                  f"{r.seconds:.2f}s {_flags(r)}".rstrip())
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
    table.add_column("flags")
    for r in results:
        scores = r.part_scores(bank)
        # Text, not a markup string: "[bold]" in a name is shown, not interpreted
        table.add_row(Text(plain(r.submission.name, newlines=False)), f"{r.total():g}",
                      *[f"{scores.get(p, (0, 0))[0]:g}" for p in parts], f"{r.seconds:.2f}s",
                      _flags(r))
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
    for path, name in zip(args.submissions, output_names(args.submissions)):
        cmd = docker_command(path, image=image, device=args.device, parts=args.part)
        try:
            data = run_container(cmd, timeout=1800)
            if not isinstance(data.get("results"), dict) or not isinstance(data.get("feedback"),
                                                                           str):
                raise ValueError("the container's reply has no results and feedback")
            write_raw(args.output, name, data["results"], data["feedback"])
        except Exception as exc:  # noqa: BLE001 - one broken container must not stop the batch
            _write_one(args.output, path, name,
                       _fault(bank, path, name, "grading your submission in a container", exc),
                       bank)
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
    on_cluster = bool(args.scheduler or args.cluster)
    if args.device == "cuda" and not on_cluster:  # (a cluster's workers check their own)
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
    if on_cluster:
        from autograder.cluster.client import run as grade_on_cluster

        return grade_on_cluster(args, bank)
    if args.backend == "docker":
        return _grade_in_containers(args, bank)
    from autograder.sandbox import IsolationUnavailable

    try:
        results = grade_all(args.submissions, args.output, bank, jobs=args.jobs,
                            isolation=args.isolation, progress=not args.quiet,
                            device=args.device)
    except IsolationUnavailable as exc:
        print(f"error: nothing was graded: {exc}", file=sys.stderr)
        return ISOLATION_UNAVAILABLE
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
