"""``OUT/gradebook.csv``: one row per submission (and per roster student without one), rebuilt
from what ``OUT`` holds, so any command that changes a folder (``grade``, ``grade --only``,
``written merge``) calls ``write_gradebook`` and every row is current.

Columns, in order:

- ``submission``: the folder's name (empty for a roster student without a submission);
- with a roster (``grade --roster``, kept as ``OUT/roster.csv``): ``username``, ``name``,
  ``email``, ``sis_id``, ``section``;
- ``autograded``: the required parts' score, out of their points (90 today);
- ``extra_credit``: the optional parts' score, on top of every maximum (up to 5 today);
- ``written``: the hand-graded score from ``OUT/<name>/written.json`` (``written merge``),
  empty while not graded; ``written_graded``: ``true``/``false``;
- ``final``: autograded + extra credit + written, empty while the written part is not graded
  (a total without it would read as a grade); with no manual part in the scheme, autograded +
  extra credit;
- ``max_score``: the required parts' points plus the manual parts' (90 + 10 = 100 today): one
  maximum for ``final``, extra credit beyond it;
- one column per part (required, then optional), then each manual part not shown already;
- ``error``: why the submission was not graded (``no submission`` for a roster student without
  one); ``review``: the flags for a look by hand;
- with ``grade --collection``: what ``collect`` recorded (username, commit, commit date, late...;
  ``collected_username`` when a roster's ``username`` column is there too).

Every cell is one capped line that no spreadsheet takes for a formula.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .results import (COLLECTION, GRADEBOOK, MAX_CELL, ROSTER, WRITTEN, cap, plain,
                      write_atomically)
from .roster import SHOWN, Join, Student, read_roster, roster_text

if TYPE_CHECKING:
    from .bank import Bank

NO_SUBMISSION = "no submission"


@dataclass
class Entry:
    """One row of the gradebook, before it is written."""

    submission: str
    autograded: float | str = ""
    extra: float | str = ""
    written: float | None = None
    parts: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    review: str = ""
    collection: dict[str, Any] = field(default_factory=dict)
    student: Student | None = None

    def final(self, manual: bool) -> float | str:
        """autograded + extra credit + written ("" while the written part is not graded)."""
        if isinstance(self.autograded, str) or isinstance(self.extra, str):
            return ""
        if manual and self.written is None:
            return ""
        return round(self.autograded + self.extra + (self.written or 0.0), 2)


def cell(value: object) -> str:
    """A gradebook cell: one capped line that no spreadsheet takes for a formula."""
    text = cap(plain(value, newlines=False), MAX_CELL)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not a number: {type(value).__name__}")
    return float(value)


def written_score(folder: Path) -> float | None:
    """The written score ``written merge`` left in ``folder`` (None: not graded yet, or
    unreadable: the merge is to be run again)."""
    path = folder / WRITTEN
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return _number(json.loads(path.read_text(encoding="utf-8"))["score"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_entry(folder: Path, bank: Bank) -> Entry:
    """The row of one submission's folder (one that cannot be read says so in ``error``)."""
    results = folder / "results.json"
    entry = Entry(folder.name, written=written_score(folder))
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
        extra = data.get("extra_data", {})
        parts = extra.get("parts", {})
        scores = {p: _number(v["score"]) for p, v in parts.items()}
        entry.parts = scores
        if scores:
            entry.autograded = round(sum(float(s) for p, s in scores.items()
                                         if p in bank.scheme.parts), 2)
            entry.extra = round(sum(float(s) for p, s in scores.items()
                                    if p in bank.scheme.optional), 2)
        else:  # (results of versions before parts were recorded)
            entry.autograded, entry.extra = _number(data["score"]), 0.0
        entry.error = extra.get("error") or ""
        entry.review = "; ".join(map(str, extra.get("review") or []))
        collection = extra.get(COLLECTION)
        entry.collection = collection if isinstance(collection, dict) else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        entry.autograded, entry.extra, entry.parts = "", "", {}
        entry.error = f"{results} cannot be read ({type(exc).__name__}); grade it again"
    return entry


def folders(out: Path) -> list[Path]:
    """The submissions' folders of ``out``: ours only, not hidden staging, not links planted
    to elsewhere, each with a results.json."""
    found = []
    for entry in sorted(out.iterdir()):
        results = entry / "results.json"
        if entry.name.startswith(".") or entry.is_symlink() or not entry.is_dir() \
                or results.is_symlink() or not results.is_file():
            continue
        found.append(entry)
    return found


def load_roster(out: Path, roster: Path | None) -> list[Student] | None:
    """The roster given (then kept as ``OUT/roster.csv``), else the one kept, else None.
    ``RosterError`` when the one given cannot be read."""
    if roster is not None:
        students = read_roster(roster)
        write_atomically(out / ROSTER, roster_text(students))
        return students
    kept = out / ROSTER
    if kept.is_file() and not kept.is_symlink():
        return read_roster(kept)
    return None


def entries(out: Path, bank: Bank, students: list[Student] | None) -> list[Entry]:
    """Every row: one per submission folder, joined to its student when there is a roster,
    then one per roster student without a submission (in the roster's order)."""
    rows = [read_entry(folder, bank) for folder in folders(out)]
    if students is None:
        return rows
    join = Join(students)
    for row in rows:
        username = row.collection.get("username")
        row.student = join.student(row.submission, username if isinstance(username, str)
                                   else None)
    joined = {row.student.username.lower() for row in rows if row.student is not None}
    for student in students:
        if student.username.lower() not in joined:
            rows.append(Entry("", autograded=0.0, extra=0.0, written=0.0,
                              error=NO_SUBMISSION, student=student))
    return rows


def columns(bank: Bank) -> tuple[list[str], list[str]]:
    """(the parts' columns, the manual parts' columns not shown already)."""
    parts = [*bank.scheme.parts, *bank.scheme.optional]
    manual = [p for p in bank.scheme.manual if p not in ("written", *parts)]
    return parts, manual


def max_score(bank: Bank) -> float:
    """The maximum of ``final``: the required parts' points and the manual parts' (extra
    credit is beyond it)."""
    return round(bank.scheme.auto_max + sum(bank.scheme.manual.values()), 2)


def _flag(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else cell(value)


def write_gradebook(out: Path, bank: Bank, roster: Path | None = None) -> Path:
    """Rebuild ``out/gradebook.csv`` (the module's docstring says its columns); ``roster``
    replaces the roster kept in ``out``. ``RosterError`` when ``roster`` cannot be read."""
    students = load_roster(out, roster)
    rows = entries(out, bank, students)
    parts, manual = columns(bank)
    has_manual = bool(bank.scheme.manual)
    collected = list(dict.fromkeys(key for row in rows for key in row.collection))
    top = max_score(bank)
    buf = io.StringIO()
    writer = csv.writer(buf)
    shown = SHOWN if students is not None else ()
    # a column of what was collected named as a roster column (username) is told apart: one
    # header, one column, for spreadsheets and CSV readers
    writer.writerow(["submission", *shown, "autograded", "extra_credit", "written",
                     "written_graded", "final", "max_score", *parts, *manual, "error", "review",
                     *(f"collected_{k}" if k in shown else k for k in collected)])
    for row in rows:
        who = row.student.cells() if row.student is not None else {}
        writer.writerow([
            cell(row.submission), *(cell(who.get(f, "")) for f in SHOWN if students is not None),
            row.autograded, row.extra, "" if row.written is None else row.written,
            _flag(row.written is not None), row.final(has_manual), top,
            *(row.parts.get(p, "") for p in parts), *("" for _ in manual),
            cell(row.error), cell(row.review),
            *(_flag(row.collection.get(k, "")) for k in collected)])
    path = out / GRADEBOOK
    write_atomically(path, buf.getvalue())
    return path
