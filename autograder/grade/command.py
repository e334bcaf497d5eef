"""The ``grade`` verb: ``python -m autograder grade SUBMISSION... --output OUT`` (its options
are declared in ``autograder.cli``), or ``grade --collection DEST/collection.csv --output OUT``:
every checkout a ``collect`` run wrote, each result carrying what the collection recorded, and a
row with score 0 and the reason for each student it could not collect.

Exit status: 0 whenever grading finished, whatever the submissions did; 2 for usage errors;
3 when the sandbox's isolation cannot start (nothing is graded: install bubblewrap, or pass
``--isolation none`` where something else isolates student code); 1 for a fault in the grader
itself.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .bank import Bank, load_bank
from .batch import (CannotGrade, Row, error_result, finish, grade_batch, output_names,
                    write_batch_record)
from .intake import submission_name
from .results import RESERVED, recover, write_submission
from .roster import RosterError, read_roster


def _usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with the command line that argparse cannot see, if anything."""
    if bool(args.submissions) == (args.collection is not None):
        return "give the submissions (SUBMISSION...) or --collection DEST/collection.csv" + (
            ", not both" if args.submissions else "")
    missing = [str(p) for p in args.submissions if not p.exists()]
    if missing:
        return f"no such submission: {', '.join(missing)}"
    if args.jobs < 1:
        return "--jobs must be at least 1"
    if args.roster is not None:
        try:
            read_roster(args.roster)
        except RosterError as exc:
            return str(exc)
    try:
        args.output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create {args.output}: {exc}"
    if args.device == "cuda" and not (args.scheduler or args.cluster):  # (workers: their own)
        import torch

        if not torch.cuda.is_available():
            return "--device cuda, but torch.cuda.is_available() is False here"
    return None


def backend_of(args: argparse.Namespace) -> Any:
    """The backend the options name: a cluster, a container per submission, or local
    sandboxes."""
    if args.scheduler or args.cluster:
        from autograder.cluster.client import Connected

        return Connected(args)
    if args.backend == "docker":
        from .docker_backend import Containers

        return Containers(image=args.image, device=args.device, parts=args.part)
    from .local import SandboxPool

    return SandboxPool(jobs=args.jobs, isolation=args.isolation, device=args.device)


def grade_command(args: argparse.Namespace) -> int:
    """Grade ``args.submissions`` into ``args.output``; the exit status."""
    error = _usage_error(args)
    if error is not None:
        print(f"error: {error}", file=sys.stderr)
        return 2
    started, clock = datetime.now(UTC), time.monotonic()
    only = set(args.part) if args.part else None
    bank: Bank = load_bank(only=(lambda c: c.part in only) if only else None)
    if only and not bank.checks:
        print(f"error: no checks for parts {sorted(only)}", file=sys.stderr)
        return 2
    records: list[Any] = []
    paths, collection = args.submissions, None
    if args.collection is not None:  # the checkouts `collect` wrote, and what it recorded
        from autograder.collect.manifest import ManifestError, read_manifest

        try:
            records = read_manifest(args.collection)
        except ManifestError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        paths = [args.collection.parent / r.checkout for r in records if r.collected]
        collection = [r.carried() for r in records if r.collected]
    names = output_names(paths)
    missing = [r for r in records if not r.collected]
    missing_names = _not_collected_names(missing, {n.lower() for n in names})
    if args.only is not None:  # one submission of the batch, under the name the batch gave it
        key = args.only.lower()
        chosen = [i for i, n in enumerate(names) if n.lower() == key]
        if not chosen and key not in {n.lower() for n in missing_names}:
            print(f"error: --only {args.only}: no submission of the {len(names) + len(missing)} "
                  f"given is written to that name (give the same SUBMISSION... or --collection "
                  f"as the run that wrote {args.output})", file=sys.stderr)
            return 2
        paths = [paths[i] for i in chosen]
        collection = None if collection is None else [collection[i] for i in chosen]
        names = [names[i] for i in chosen]
        kept = [(r, n) for r, n in zip(missing, missing_names, strict=True)
                if n.lower() == key]
        missing, missing_names = [r for r, _ in kept], [n for _, n in kept]
    recover(args.output)
    try:
        rows = grade_batch(paths, args.output, bank, backend_of(args), progress=not args.quiet,
                           collection=collection, names=names,
                           keep_previous=args.only is not None) if paths else []
    except CannotGrade as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.status
    rows += _not_collected(args.output, bank, missing, missing_names,
                           args.collection.parent if args.collection else args.output,
                           keep_previous=args.only is not None)
    write_batch_record(args.output, bank, started, time.monotonic() - clock, len(rows))
    return finish(args.output, bank, rows, quiet=args.quiet, emit_json=args.emit_json,
                  roster=args.roster)


def _not_collected_names(records: list[Any], taken: set[str]) -> list[str]:
    """The output name of each student ``collect`` could not collect: one no other row has."""
    names = []
    for record in records:
        base = submission_name(Path(record.username or f"line-{record.line}"))
        name, n = base, 2
        while name.lower() in taken | RESERVED:
            name, n = f"{base}-{n}", n + 1
        taken.add(name.lower())
        names.append(name)
    return names


def _not_collected(out: Path, bank: Bank, records: list[Any], names: list[str], dest: Path, *,
                   keep_previous: bool = False) -> list[Row]:
    """A row with score 0 and the reason for each student ``collect`` could not collect."""
    rows = []
    for record, name in zip(records, names, strict=True):
        result = error_result(bank, dest / (record.username or name), name,
                              f"not collected: {record.reason}")
        write_submission(out, result, bank, record.carried(), keep_previous=keep_previous)
        rows.append(Row(result))
    return rows
