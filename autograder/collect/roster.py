"""The class list ``collect`` works through: a plain CSV roster, or Classroom 50's score export.

A plain roster has one row per student: a ``username`` column (or ``github_username``,
``login``, ``github``), and optionally ``repository`` (the student's clone URL or path, else
``--repo-url``'s template gives it), ``deadline`` (the student's own, ISO 8601 with offset, in
place of ``--deadline``) and ``extension`` (added to the deadline: ``2d``, ``36h``, ``90m``).

Classroom 50's export (``gh teacher download`` writes it as ``scores.csv``) is recognised by its
``score`` and ``max_score`` columns. It has one line per submission, newest first (a student who
never submitted has one line with blank scores), keyed by ``username``; each submission names its
``submit/*`` tag (``submission_tag``, or ``release``) and when Classroom 50 recorded it
(``datetime``, or ``submitted_at``), and may name its ``commit``. Those lines become the
student's releases, which ``collect`` chooses among by that recorded time. Its repositories are
named ``<classroom>-<assignment>-<username>`` in lower case, so the template is e.g.
``https://github.com/ORG/CLASSROOM-ASSIGNMENT-{username_lower}.git``.

A row that cannot be used (no username, a name that is not a GitHub username, a duplicate, an
unreadable deadline or extension) is kept with its reason: ``collect`` reports it and goes on.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .times import parse_deadline, parse_length

USERNAME_COLUMNS = ("username", "github_username", "login", "github")
REPOSITORY_COLUMNS = ("repository", "repo", "repo_url")
# Classroom 50's export: what marks it, and the names its columns have had.
EXPORT_MARKS = ("score", "max_score")
TAG_COLUMNS = ("submission_tag", "release")
TIME_COLUMNS = ("datetime", "submitted_at")
PLACEHOLDERS = ("{username}", "{username_lower}")
# GitHub's logins (letters, digits, hyphens), and the ``_shortcode`` of managed users: one
# plain path component, never hidden, never a file the collection writes.
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
MAX_ROWS = 100_000


class RosterError(Exception):
    """The roster as a whole cannot be read (nothing is collected)."""


@dataclass(frozen=True)
class Release:
    """One submission of Classroom 50's export: its tag, when Classroom 50 recorded it, and
    the commit it names (``""`` when the export has none)."""

    tag: str
    time: datetime
    commit: str = ""


@dataclass
class Entry:
    """One student of the roster (``line``: the roster's line, for messages)."""

    line: int
    username: str
    repository: str = ""
    deadline: datetime | None = None     # the student's own, in place of --deadline
    extension: timedelta = timedelta(0)
    releases: list[Release] | None = None  # Classroom 50's export only
    error: str | None = None


@dataclass
class Roster:
    entries: list[Entry] = field(default_factory=list)
    export: bool = False  # Classroom 50's score export


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in header), None)


def repository_of(template: str, username: str) -> str:
    """The template with the student's name in place of ``{username}`` (as written in the
    roster) and ``{username_lower}``."""
    return template.replace("{username_lower}", username.lower()).replace("{username}", username)


def check_template(template: str) -> None:
    """Refuse a ``--repo-url`` that would give every student the same repository."""
    if not any(p in template for p in PLACEHOLDERS):
        raise RosterError(f"--repo-url {template!r} has no {{username}} (or "
                          f"{{username_lower}}): every student would get the same repository")


def read_roster(path: Path, template: str | None) -> Roster:
    """The roster at ``path``, each student's repository from its ``repository`` column or
    ``template``. ``RosterError`` when the file cannot be read as a roster at all."""
    if template is not None:
        check_template(template)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"cannot read the roster {path}: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    user_col = _column(header, USERNAME_COLUMNS)
    if user_col is None:
        raise RosterError(f"{path} has no username column (one of "
                          f"{', '.join(USERNAME_COLUMNS)}); its header is {header or 'empty'}")
    export = all(m in header for m in EXPORT_MARKS)
    roster = Roster(export=export)
    seen: dict[str, Entry] = {}
    for n, row in enumerate(reader, start=2):
        if n > MAX_ROWS:
            raise RosterError(f"{path} has more than {MAX_ROWS} rows")
        cells = {k: (v or "").strip() for k, v in row.items() if isinstance(v, str) and k}
        if not any(cells.values()):
            continue  # a blank line
        username = cells.get(user_col, "")
        entry = seen.get(username.lower()) if export and username else None
        if entry is None:
            entry = _entry(n, username, cells, template, seen, export)
            roster.entries.append(entry)
        if export and entry.error is None:
            _add_release(entry, n, cells)
    return roster


def _entry(n: int, username: str, cells: dict[str, str], template: str | None,
           seen: dict[str, Entry], export: bool) -> Entry:
    entry = Entry(line=n, username=username, releases=[] if export else None)
    if not username:
        entry.error = f"roster line {n}: no username"
        return entry
    if not USERNAME.fullmatch(username):
        entry.error = f"roster line {n}: {username!r} is not a GitHub username"
        return entry
    if username.lower() in seen:
        entry.error = (f"roster line {n}: {username} is listed already, on line "
                       f"{seen[username.lower()].line}")
        return entry
    seen[username.lower()] = entry
    repo_col = _column(list(cells), REPOSITORY_COLUMNS)
    entry.repository = (cells.get(repo_col, "") if repo_col else "") or (
        repository_of(template, username) if template else "")
    if not entry.repository:
        entry.error = (f"roster line {n}: no repository for {username}: pass --repo-url "
                       f"TEMPLATE or give a repository column")
        return entry
    try:
        if cells.get("deadline"):
            entry.deadline = parse_deadline(cells["deadline"])
        entry.extension = parse_length(cells.get("extension", ""))
    except ValueError as exc:
        entry.error = f"roster line {n}: {exc}"
    return entry


def _add_release(entry: Entry, n: int, cells: dict[str, str]) -> None:
    """Line ``n`` of Classroom 50's export as one of ``entry``'s releases (none when blank)."""
    tag_col = _column(list(cells), TAG_COLUMNS)
    time_col = _column(list(cells), TIME_COLUMNS)
    tag = cells.get(tag_col, "") if tag_col else ""
    when = cells.get(time_col, "") if time_col else ""
    if not tag and not when:
        return  # the line of a student who has not submitted
    try:
        if not tag:
            raise ValueError(f"a submission at {when} names no tag")
        time = parse_deadline(when)
    except ValueError as exc:
        entry.error = f"Classroom 50 export line {n}: {exc}"
        return
    assert entry.releases is not None
    entry.releases.append(Release(tag=tag, time=time, commit=cells.get("commit", "").lower()))
