"""The collection's record, ``DEST/collection.csv``: one row per roster entry, written by
``collect`` beside the checkouts (never inside one, so a student's code cannot forge it) and
read back by ``grade --collection``.

Columns: ``username``; ``collected`` (``true``/``false``); ``commit`` (the SHA checked out) and
``commit_date`` (its committer date, as the student's machine set it); ``late``; ``deadline``
(the student's, extension included); ``ref`` (the branch, or the tag chosen); ``submitted_at``
(when Classroom 50 recorded the submission, from its export); ``repository``; ``checkout`` (the
folder, relative to the manifest); ``reason`` (why nothing was collected); ``line`` (the
roster's line).

No cell starts as a spreadsheet formula (a student names the default branch or a tag, and
``=HYPERLINK(A1)`` is a valid name): a cell that would start with ``=``, ``+``, ``-``, ``@``, a
tab, a carriage return or ``'`` is written after a ``'``, which reading removes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from autograder.grade.results import write_atomically

from .roster import USERNAME

MANIFEST = "collection.csv"
# What the grader carries into each submission's results.json and the gradebook, in order.
CARRIED = ("username", "commit", "commit_date", "late", "deadline", "ref", "submitted_at",
           "repository")


class ManifestError(Exception):
    """The manifest cannot be read (nothing is graded)."""


@dataclass
class Record:
    username: str
    collected: bool = False
    commit: str = ""
    commit_date: str = ""
    late: bool = False
    deadline: str = ""
    ref: str = ""
    submitted_at: str = ""
    repository: str = ""
    checkout: str = ""
    reason: str = ""
    line: int = 0

    def carried(self) -> dict[str, Any]:
        """What the grader writes into results.json's ``extra_data["collection"]``."""
        return {name: getattr(self, name) for name in CARRIED}


COLUMNS = tuple(f.name for f in fields(Record))


ESCAPED = ("=", "+", "-", "@", "\t", "\r", "'")  # a cell starting so gets a leading '


def _text(value: object) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return "'" + text if text.startswith(ESCAPED) else text


def _unescaped(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def write_manifest(path: Path, records: list[Record]) -> Path:
    """Write ``records`` to ``path`` (through a temporary file, renamed into place)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([_text(v) for v in asdict(record).values()])
    write_atomically(path, buf.getvalue())
    return path


def read_manifest(path: Path) -> list[Record]:
    """The records of ``path``. A row whose checkout is not the student's own folder beside the
    manifest is read as not collected, with the reason. ``ManifestError`` when the file is not
    a collection's manifest at all."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read the collection {path}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in ("username", "collected", "checkout", "reason")
               if c not in (reader.fieldnames or [])]
    if missing:
        raise ManifestError(f"{path} is not a collection manifest (no {', '.join(missing)} "
                            f"column): write it with `python -m autograder collect`")
    records = []
    for row in reader:
        values: dict[str, Any] = {c: _unescaped((row.get(c) or "").strip()) for c in COLUMNS}
        values["collected"] = values["collected"].lower() == "true"
        values["late"] = values["late"].lower() == "true"
        values["line"] = int(values["line"]) if values["line"].isdigit() else 0
        record = Record(**values)
        if record.collected and (not USERNAME.fullmatch(record.username)
                                 or record.checkout != record.username):
            record.collected = False
            record.reason = (f"the manifest's checkout {record.checkout!r} is not the student's "
                             f"own folder")
        elif record.collected and ((path.parent / record.checkout).is_symlink()
                                   or not (path.parent / record.checkout).is_dir()):
            record.collected = False
            record.reason = f"the checkout {record.checkout}/ is missing beside {path.name}"
        records.append(record)
    return records
