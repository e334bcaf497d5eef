"""Which of a student's commits counts: the rules of the deadline, apart from git.

The candidates are the student's commits (the default branch, newest first), ``submit/*``
tags, or Classroom 50's releases, each with its time. The one that counts is the newest at or
before the student's deadline (exactly at it is on time; one second after is not). With a grace
period (``--late-days``), the newest up to the deadline plus the grace counts, and is late when
it is after the deadline. When nothing is that early, ``accept_late`` takes the earliest later
candidate, marked late; otherwise the student has no submission, and the reason says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Candidate:
    ref: str        # what it is: a commit SHA, a tag's name
    time: datetime  # the time the rules compare with the deadline


@dataclass(frozen=True)
class Choice:
    candidate: Candidate
    late: bool


def choose(candidates: list[Candidate], deadline: datetime, *, grace: timedelta = timedelta(0),
           accept_late: bool = False) -> Choice | None:
    """The candidate that counts (``candidates`` newest first: on equal times the first listed
    wins), or None when none does."""
    cutoff = deadline + grace
    for candidate in candidates:
        if candidate.time <= cutoff:
            return Choice(candidate, late=candidate.time > deadline)
    if accept_late and candidates:
        first = min(candidates, key=lambda c: c.time)  # (min keeps the first of equal times)
        return Choice(first, late=True)
    return None


def newest_first(candidates: list[Candidate]) -> list[Candidate]:
    """Tags or releases in the order ``choose`` wants: the latest time first (on equal times,
    the greatest name: ``submit/2`` after ``submit/1``)."""
    return sorted(candidates, key=lambda c: (c.time, c.ref), reverse=True)
