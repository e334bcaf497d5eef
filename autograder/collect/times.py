"""Deadlines and extensions as ``collect`` reads them.

A deadline is ISO 8601 *with* its UTC offset (``2026-10-01T23:59:00-04:00``, or ``Z`` for UTC):
a time without one is refused rather than guessed, as the machine that collects is rarely in
the class's time zone. An extension is a length of time with its unit: ``2d``, ``36h``,
``90m`` (a bare number is refused: days and hours are both in use).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_LENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*([dhm])", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_deadline(text: str) -> datetime:
    """An aware datetime from ISO 8601 text with an offset; ``ValueError`` with a message the
    instructor can act on otherwise."""
    raw = text.strip()
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date and time (e.g. "
                         f"2026-10-01T23:59:00-04:00)") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset: add one, e.g. {raw}-04:00, or {raw}Z "
                         f"for UTC")
    return when


def parse_length(text: str) -> timedelta:
    """``2d``, ``36h``, ``90m``, ``1.5d`` or ``1d12h`` as a timedelta; empty text is none."""
    raw = text.strip()
    if not raw:
        return timedelta(0)
    pos, total = 0, timedelta(0)
    for match in _LENGTH.finditer(raw):
        if raw[pos:match.start()].strip():
            break
        total += timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))})
        pos = match.end()
    if pos == 0 or raw[pos:].strip():
        raise ValueError(f"extension {text!r} is not a length of time with its unit: "
                         f"e.g. 2d, 36h, 90m or 1d12h")
    return total


def iso(when: datetime) -> str:
    """``when`` as ISO 8601 to the second, with its offset."""
    return when.isoformat(timespec="seconds")
