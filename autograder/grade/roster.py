"""The class list the gradebook is joined to: ``grade --roster ROSTER.csv``.

A roster has one row per student: a GitHub username column (any of ``collect``'s
``USERNAME_COLUMNS``: ``username``, ``github_username``, ``login``, ``github``) and optionally
``name``, ``email``, ``sis_id`` (the institution's student id: Canvas's "SIS User ID"),
``section``, ``sis_login_id`` (Canvas's "SIS Login ID") and ``canvas_id`` (Canvas's numeric
"ID"). Headers are read case-insensitively; other columns are ignored.

A submission is joined to a student by the username ``collect`` recorded for it (``grade
--collection``; then by that alone: a recorded username outside the roster joins no one), else by
its name: the username itself, with a ``-main`` or ``-master`` suffix
(a branch's zip from GitHub), or a repository name ending in ``-<username>`` (Classroom 50's
``<classroom>-<assignment>-<username>``, plain GitHub's ``conv-<username>``); the longest
username that fits wins, case-insensitively (GitHub's usernames are).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from autograder.collect.roster import USERNAME, USERNAME_COLUMNS

# The roster's columns, as the gradebook names them, and the headers each may have.
FIELDS = {"username": USERNAME_COLUMNS, "name": ("name", "full_name", "student"),
          "email": ("email", "e-mail", "mail"), "sis_id": ("sis_id", "sis_user_id", "student_id"),
          "section": ("section",), "sis_login_id": ("sis_login_id",),
          "canvas_id": ("canvas_id",)}
# The columns the gradebook shows (the Canvas-only ids go to the Canvas export).
SHOWN = ("username", "name", "email", "sis_id", "section")
BRANCH_SUFFIXES = ("-main", "-master")
MAX_ROWS = 100_000


class RosterError(Exception):
    """The roster cannot be read (nothing is joined)."""


@dataclass(frozen=True)
class Student:
    username: str
    name: str = ""
    email: str = ""
    sis_id: str = ""
    section: str = ""
    sis_login_id: str = ""
    canvas_id: str = ""

    def cells(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in FIELDS}


def read_roster(path: Path) -> list[Student]:
    """The students of the roster at ``path``, in its order. ``RosterError`` when it has no
    username column, a row's username is not one, or a username appears twice."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"cannot read the roster {path}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    columns = {f: next((h for h in names if h in header), None) for f, names in FIELDS.items()}
    if columns["username"] is None:
        raise RosterError(f"{path} has no username column (one of "
                          f"{', '.join(USERNAME_COLUMNS)}); its header is {header or 'empty'}")
    students: list[Student] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(reader, start=2):
        if n > MAX_ROWS:
            raise RosterError(f"{path} has more than {MAX_ROWS} rows")
        cells = {f: (row.get(c) or "").strip() if c else "" for f, c in columns.items()}
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        username = cells["username"]
        if not USERNAME.fullmatch(username):
            raise RosterError(f"{path}, line {n}: {username!r} is not a GitHub username")
        if username.lower() in seen:
            raise RosterError(f"{path}, line {n}: {username} is listed already (line "
                              f"{seen[username.lower()]})")
        seen[username.lower()] = n
        students.append(Student(**cells))
    return students


def roster_text(students: list[Student]) -> str:
    """The roster as the CSV text ``read_roster`` reads back (what OUT keeps)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(FIELDS))
    writer.writeheader()
    for s in students:
        writer.writerow(s.cells())
    return buf.getvalue()


class Join:
    """Finds the student of a submission (see the module's docstring)."""

    def __init__(self, students: list[Student]) -> None:
        self.by_name = {s.username.lower(): s for s in students}

    def student(self, name: str, username: str | None = None) -> Student | None:
        """The student whose submission is named ``name`` (``username``: what ``collect``
        recorded: then the only key, so a repository named after another student never takes
        that student's row); None when no student fits."""
        if username:
            return self.by_name.get(username.lower())
        key = name.lower()
        if key in self.by_name:
            return self.by_name[key]
        # the name without a branch's suffix first (so "alice-main" is alice, not a user
        # "main"), then as it is; each whole, then its tails at every "-", longest first:
        # "cs101-conv-jim-bob" -> "conv-jim-bob", "jim-bob", "bob"
        stems = [key[:-len(s)] for s in BRANCH_SUFFIXES if key.endswith(s)] + [key]
        for stem in stems:
            for tail in [stem, *(stem[i + 1:] for i, c in enumerate(stem) if c == "-")]:
                if tail in self.by_name:
                    return self.by_name[tail]
        return None
