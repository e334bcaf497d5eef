"""The ``collect`` verb: ``python -m autograder collect ROSTER --deadline WHEN [--dest DEST]``
(its options are declared in ``autograder.cli``).

For each student of the roster: clone the repository (bare, into a scratch folder), choose the
commit that counts (``select``), and write its files into ``DEST/<username>/`` with no ``.git``
(student code graded later cannot read the history or later commits); then write
``DEST/collection.csv`` (``manifest``) and print a table. A student whose repository is missing,
empty, cannot be cloned, or has nothing before the deadline is a row with its reason; the batch
goes on.

Exit status: 0 when every student was collected, 1 when some were not (their rows say why),
2 when nothing could be done (an unreadable roster, a deadline without its offset).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from . import git
from .manifest import MANIFEST, Record, write_manifest
from .roster import Entry, RosterError, read_roster
from .select import Candidate, Choice, choose, newest_first
from .times import iso

log = logging.getLogger("autograder")


@dataclass(frozen=True)
class Options:
    deadline: datetime
    dest: Path
    tag: str | None = None           # choose among tags matching this, not the branch's commits
    grace: timedelta = timedelta(0)  # --late-days
    accept_late: bool = False
    timeout: float = 300.0           # seconds, each git command


def collect_command(args: argparse.Namespace) -> int:
    """Collect every student of ``args.roster`` into ``args.dest``; the exit status."""
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        roster = read_roster(args.roster, args.repo_url)
        args.dest.mkdir(parents=True, exist_ok=True)
    except (RosterError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = Options(deadline=args.deadline, dest=args.dest, tag=args.tag,
                      grace=timedelta(days=args.late_days), accept_late=args.accept_late,
                      timeout=args.git_timeout)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        records = list(pool.map(lambda e: collect_one(e, options), roster.entries))
    manifest = write_manifest(args.dest / MANIFEST, records)
    if not args.quiet:
        print_table(records, manifest)
    return 0 if records and all(r.collected for r in records) else 1


def collect_one(entry: Entry, options: Options) -> Record:
    """One student's record; whatever goes wrong is its reason, never an exception."""
    record = Record(username=entry.username, repository=entry.repository, line=entry.line)
    if entry.error is not None:
        record.reason, record.repository = entry.error, git.redact(entry.repository)
        return record
    deadline = (entry.deadline or options.deadline) + entry.extension
    record.deadline = iso(deadline)
    try:
        with tempfile.TemporaryDirectory(prefix="autograder-collect-") as scratch:
            record.reason = _collect(entry, deadline, options, Path(scratch), record) or ""
    except Exception as exc:  # noqa: BLE001 - one student must not stop the class
        log.exception("%s: collection failed", entry.username)
        record.reason = f"collection failed: {type(exc).__name__}: {exc}"
    record.collected = not record.reason
    record.repository, record.reason = git.redact(record.repository), git.redact(record.reason)
    return record


def _collect(entry: Entry, deadline: datetime, options: Options, scratch: Path,
             record: Record) -> str | None:
    """Fill ``record`` from the student's repository; the reason when nothing is collected."""
    bare, timeout = scratch / "repository.git", options.timeout
    try:
        git.clone(entry.repository, bare, timeout=timeout)
        if not git.has_commits(bare, timeout=timeout):
            return "empty repository (no commits)"
    except git.GitError as exc:
        return f"cannot clone {entry.repository}: {exc}"
    late_hint = "" if options.accept_late else " (--accept-late takes the first later one)"
    when = f"the deadline, {iso(deadline)}"
    if options.tag is not None:
        found = git.tags(bare, options.tag, timeout=timeout)
        if not found:
            return f"no tag matching {options.tag!r}"
        choice = choose(newest_first([Candidate(n, c.time) for n, c in found.items()]),
                        deadline, grace=options.grace, accept_late=options.accept_late)
        if choice is None:
            return f"no tag matching {options.tag!r} on a commit before {when}{late_hint}"
        commit, record.ref = found[choice.candidate.ref], choice.candidate.ref
    elif entry.releases is not None:
        outcome = _release(entry, deadline, options, bare)
        if isinstance(outcome, str):
            return outcome
        commit, choice = outcome
        record.ref, record.submitted_at = choice.candidate.ref, iso(choice.candidate.time)
    else:
        history = git.branch_history(bare, timeout=timeout)
        branch = git.default_branch(bare, timeout=timeout)
        if not history:
            return f"the default branch ({branch}) has no commits"
        choice = choose([Candidate(c.sha, c.time) for c in history], deadline,
                        grace=options.grace, accept_late=options.accept_late)
        if choice is None:
            return (f"no commit before the deadline: the first commit of {branch} is from "
                    f"{iso(min(c.time for c in history))}, after {when}{late_hint}")
        commit = next(c for c in history if c.sha == choice.candidate.ref)
        record.ref = branch
    try:
        _checkout(bare, commit.sha, options.dest, entry.username, scratch, timeout)
    except git.GitError as exc:
        return f"cannot export commit {commit.sha[:12]}: {exc}"
    record.commit, record.commit_date = commit.sha, iso(commit.time)
    record.late, record.checkout = choice.late, entry.username
    return None


def _release(entry: Entry, deadline: datetime, options: Options, bare: Path
             ) -> tuple[git.Commit, Choice] | str:
    """The Classroom 50 submission that counts and its commit, or the reason there is none."""
    releases = {r.tag: r for r in entry.releases or []}
    if not releases:
        return "no submission in the Classroom 50 export"
    choice = choose(newest_first([Candidate(r.tag, r.time) for r in releases.values()]),
                    deadline, grace=options.grace, accept_late=options.accept_late)
    if choice is None:
        hint = "" if options.accept_late else " (--accept-late takes the first later one)"
        return f"no Classroom 50 submission before the deadline, {iso(deadline)}{hint}"
    release = releases[choice.candidate.ref]
    commit = git.resolve(bare, f"refs/tags/{release.tag}", timeout=options.timeout)
    if commit is None:
        return f"the export's submission {release.tag} is not a tag of the repository"
    if release.commit and not commit.sha.startswith(release.commit):
        return (f"tag {release.tag} names commit {commit.sha[:12]}, but the export recorded "
                f"{release.commit[:12]}: the tag was moved after the submission")
    return commit, choice


def _checkout(bare: Path, sha: str, dest: Path, username: str, scratch: Path,
              timeout: float) -> None:
    """Replace ``dest/username`` with the files of ``sha`` (staged beside it, then swapped)."""
    final, staged = dest / username, dest / f".{username}.new"
    _remove(staged)
    try:
        skipped = git.export(bare, sha, staged, scratch, timeout=timeout)
    except BaseException:
        _remove(staged)
        raise
    for name in skipped:
        log.warning("%s: %s left out of the checkout (a link, or not a plain file)",
                    username, name)
    _remove(final)
    staged.rename(final)


def _remove(path: Path) -> None:
    """Delete a file, a link (never its target) or a tree."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def print_table(records: list[Record], manifest: Path) -> None:
    """One line per student: the commit collected and whether it is late, or why not."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    collected = sum(r.collected for r in records)
    table = Table(title=f"Collected {collected} of {len(records)}")
    for name in ("student", "commit", "commit date", "late", "outcome"):
        table.add_column(name, no_wrap=name != "outcome")
    for r in records:
        table.add_row(Text(r.username or f"(line {r.line})"), r.commit[:10], r.commit_date,
                      ("late" if r.late else "") if r.collected else "",
                      Text(f"{r.ref}" if r.collected else r.reason))
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    console.print(table)
    print(f"checkouts in {manifest.parent}/<username>/, the record in {manifest}")
