"""Which parts each student attempted: a part left as the stub is "not attempted", not a
misconception, so the report counts it apart and ranks what to re-teach among those who tried.

``results.json`` says so per part (``extra_data.parts[part]["attempted"]``, the grader's own
verdict from the source); results written before the grader recorded it are read by their
messages: a part is not attempted when it has checks, none passed, and every failure says the
stub's "not implemented yet" (the wording of ``autograder/feedback.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder import feedback

from .load import Recorded

NOT_IMPLEMENTED = feedback.not_implemented("")   # "not implemented yet"


def inferred(g: Recorded) -> dict[str, bool]:
    """Per part of ``g``'s checks, whether it was attempted, read from the check messages (for
    results written before the grader recorded it): one pass over the checks."""
    tried: dict[str, bool] = {}
    for c in g.checks:
        tried[c.part] = tried.get(c.part, False) or c.passed or NOT_IMPLEMENTED not in c.message
    return tried


def fill_attempts(graded: list[Recorded]) -> None:
    """Complete every submission's ``attempted`` map: the grader's record where results.json
    has one, else inferred (the one place that chooses between the two)."""
    for g in graded:
        if g.problem is None and g.error is None:
            g.attempted = {**inferred(g), **g.attempted}


def attempted(g: Recorded, part: str) -> bool:
    """Whether ``g`` attempted ``part`` (after ``fill_attempts``; unknown counts as tried)."""
    return g.attempted.get(part, True)


@dataclass(frozen=True)
class PartAttempts:
    """How many of the submissions the grader could run attempted one part."""

    part: str
    attempted: int
    skipped: int
    optional: bool = False

    @property
    def runnable(self) -> int:
        return self.attempted + self.skipped

    @property
    def skip_rate(self) -> float:
        return self.skipped / self.runnable if self.runnable else 0.0


def runnable(graded: list[Recorded]) -> list[Recorded]:
    """Submissions whose checks ran (readable results, no grader error)."""
    return [g for g in graded if g.problem is None and g.error is None]


def skipped_parts(g: Recorded) -> list[str]:
    """The parts ``g`` left as the stub, in its results' order."""
    if g.problem is not None or g.error is not None:
        return []
    return [p for p, tried in g.attempted.items() if not tried]


def part_attempts(graded: list[Recorded], order: list[str],
                  optional: set[str] = frozenset()) -> list[PartAttempts]:
    """Per part (``order`` first, then any other part seen): attempted and skipped counts."""
    ok = runnable(graded)
    seen = list(dict.fromkeys([*order, *(p for g in ok for p in g.parts),
                               *(p for g in ok for p in g.attempted)]))
    out = []
    for part in seen:
        present = [g for g in ok if part in g.parts or part in g.attempted]
        if not present:
            continue
        done = sum(attempted(g, part) for g in present)
        out.append(PartAttempts(part, done, len(present) - done, part in optional))
    return out
