"""The scores sheet: one row per student and question, written by ``written collect`` and read
back by ``written merge`` (its columns and the values a cell may hold are defined here only).

Columns: ``student`` (the submission's name, or its anonymous id), ``question``, ``status``
(what collect found: ``notebooks.WORDS``), ``max_points``, one ``item <id>`` column per rubric
item of any question (an item's id is its points, ``rubric.Level``), ``override`` (a score that
replaces the ticked item's) and ``comment`` (shown to the student). A row's item columns that
its question's rubric lacks hold ``-``.

A tick is ``1``, ``x``, ``yes``, ``true``, a check mark, or the item's own points; no tick is
an empty cell, ``0``, ``-``, ``no`` or ``false``. Sheets saved by spreadsheets are read too:
a UTF-8 byte order mark, ``;`` or tab separators, a leading ``'`` that stops a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

STUDENT, QUESTION, STATUS, MAX_POINTS = "student", "question", "status", "max_points"
OVERRIDE, COMMENT = "override", "comment"
ITEM_PREFIX = "item "
NOT_APPLICABLE = "-"
INFORMATIONAL = (STATUS, MAX_POINTS)  # written for graders, ignored on reading
MAX_COMMENT = 2000                    # characters of a comment kept

TICKED = frozenset({"1", "x", "yes", "y", "true", "\u2713", "\u2714", "\u2705"})
UNTICKED = frozenset({"", "0", NOT_APPLICABLE, "no", "n", "false"})


def item_column(item: str) -> str:
    return f"{ITEM_PREFIX}{item}"


def header(items: Sequence[str]) -> list[str]:
    return [STUDENT, QUESTION, STATUS, MAX_POINTS, *map(item_column, items), OVERRIDE, COMMENT]


def parse_tick(value: str, points: float | None) -> bool | None:
    """A cell of an item column: True (ticked), False (not), None (not a tick). ``points``: the
    item's points, which also count as a tick."""
    text = value.strip().lower()
    if text in TICKED:
        return True
    if text in UNTICKED:
        return False
    try:
        number = float(text)
    except ValueError:
        return None
    if points is not None and number == points:
        return True
    return False if number == 0 else None


def safe_cell(value: object) -> str:
    """A cell that no spreadsheet takes for a formula (a leading ``'`` where it could)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "@") or (text[:1] == "-" and text != "-") \
        else text


def read_cell(value: str) -> str:
    """A cell as written before ``safe_cell`` (or a spreadsheet's own ``'``)."""
    return value[1:] if value[:1] == "'" else value


def write(rows: Iterable[Sequence[object]], items: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header(items))
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def read(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(the header, [(line number, cells)]) of a sheet's text; blank lines are skipped. The
    separator is the header's (comma, semicolon or tab)."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    head: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    end = 0
    for cells in reader:
        line, end = end + 1, reader.line_num  # a record's first line (a comment may span more)
        if head is None:
            head = [c.strip().lower() for c in cells]
            continue
        if not any(c.strip() for c in cells):
            continue
        rows.append((line, [read_cell(c) for c in cells]))
    return head or [], rows
