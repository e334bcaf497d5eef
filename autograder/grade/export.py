"""``python -m autograder export canvas OUT FILE``: the gradebook as Canvas imports it.

Canvas's gradebook import (Grades > Import, documented in Canvas's instructor guide "How do I
import grades in the Gradebook?" and, more fully, in institutions' guides such as Ohio State's
"Import a CSV file to Carmen grades") reads a CSV whose first columns identify the student and
whose further columns are assignments:

- ``Student`` (the name, as Canvas shows it: "Last, First"), ``ID`` (Canvas's numeric user id),
  ``SIS User ID`` (the institution's student id): one of them must identify the student;
- ``SIS Login ID`` and ``Section``: present (they may be empty);
- one column per assignment, headed by its name: an existing assignment of that name (Canvas's
  own exports write ``Name (id)``) is updated, a new name creates the assignment;
- the second row, ``Points Possible`` in the first column and each assignment's points in its
  own, gives a new assignment its maximum;
- an empty score cell changes nothing in Canvas.

Each roster student gets one row with the ``final`` score (autograded + extra credit + written);
a student whose written part is not graded yet gets an empty cell (and a warning), a student
without a submission 0. Extra credit can take a score past Points Possible, as Canvas allows.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys

from .gradebook import Entry, cell, entries, load_roster, max_score
from .results import write_atomically
from .roster import RosterError

HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"


class ExportError(Exception):
    """Nothing can be exported (no roster, a student with two submissions...)."""


def canvas_csv(rows: list[Entry], assignment: str, points: float, manual: bool) -> str:
    """The CSV Canvas imports: one row per row with a student (see the module's docstring).
    ``ExportError`` when a student has two submissions."""
    owners: dict[str, list[str]] = {}
    for row in rows:
        if row.student is not None:
            owners.setdefault(row.student.username, []).append(row.submission)
    twice = {u: s for u, s in owners.items() if len(s) > 1}
    if twice:
        raise ExportError("students with more than one submission in OUT (remove all but one "
                          "folder, or regrade without it): " + "; ".join(
                              f"{u}: {', '.join(s)}" for u, s in sorted(twice.items())))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*HEADER, cell(assignment)])
    writer.writerow([POINTS_POSSIBLE, "", "", "", "", f"{points:g}"])
    for row in rows:
        if row.student is None:
            continue
        s = row.student
        score = row.final(manual)
        writer.writerow([cell(s.name or s.username), cell(s.canvas_id), cell(s.sis_id),
                         cell(s.sis_login_id), cell(s.section),
                         "" if score == "" else f"{score:g}"])
    return buf.getvalue()


def export_command(args: argparse.Namespace) -> int:
    """``export canvas OUT FILE``; the exit status (2: nothing exported)."""
    from autograder import paths

    from .bank import Bank, load_scheme

    if not args.out.is_dir():
        print(f"error: {args.out} is not a grading output folder", file=sys.stderr)
        return 2
    bank = Bank(load_scheme(paths.MANIFEST))
    try:
        students = load_roster(args.out, args.roster)
    except RosterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if students is None:
        print(f"error: no roster: pass --roster ROSTER.csv (or grade with --roster, which keeps "
              f"it in {args.out})", file=sys.stderr)
        return 2
    rows = entries(args.out, bank, students)
    manual = bool(bank.scheme.manual)
    try:
        text = canvas_csv(rows, args.assignment, max_score(bank), manual)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        write_atomically(args.file, text)
    except OSError as exc:
        print(f"error: cannot write {args.file}: {exc}", file=sys.stderr)
        return 2
    ungraded = [r.student.username for r in rows if r.student is not None
                and r.final(manual) == ""]
    unmatched = [r.submission for r in rows if r.student is None]
    if ungraded:
        print(f"warning: {len(ungraded)} students have no written score yet (`written merge`); "
              f"their cells are empty, which Canvas leaves unchanged: "
              f"{', '.join(ungraded[:10])}{' ...' if len(ungraded) > 10 else ''}",
              file=sys.stderr)
    if unmatched:
        print(f"warning: {len(unmatched)} submissions match no roster student and are left "
              f"out: {', '.join(unmatched[:10])}{' ...' if len(unmatched) > 10 else ''}",
              file=sys.stderr)
    print(f"{args.file}: {sum(r.student is not None for r in rows)} students, "
          f"'{args.assignment}' out of {max_score(bank):g}")
    return 0
