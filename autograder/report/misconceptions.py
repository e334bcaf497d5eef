"""Students per known misconception: what to re-teach first.

When a value check fails, the grader compares the student's value with the known wrong answers
of the misconception library (``autograder/misconceptions.toml``, ``autograder/recognise.py``)
and records the one it equals in the check's ``extra_data.misconception``. Here each
misconception counts the distinct students in whose results at least one failed check
recognised it ("14 students: flipped the kernel (a true convolution)"), among those who
attempted its parts, with the titles and parts the library gives. An id the library lacks (a
result graded with another version of it) is shown by its id. Standard library only: the
report imports no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograder import misconceptions as library

from .attempts import attempted, runnable
from .concepts import base_id
from .load import Recorded


@dataclass(frozen=True)
class MisconceptionStat:
    """One misconception over the class."""

    id: str
    title: str                      # the library's (what the student did), or the id
    known: bool                     # whether this library has the id
    parts: tuple[str, ...]          # the library's parts, then any other it was recognised in
    students: list[str]             # the students it was recognised in, by name
    attempted: int                  # students who attempted at least one of ``parts``
    by_part: dict[str, int] = field(default_factory=dict)   # part -> students, most first
    checks: dict[str, int] = field(default_factory=dict)    # base check id -> students

    @property
    def share(self) -> float:
        return len(self.students) / self.attempted if self.attempted else 0.0

    def sentence(self) -> str:
        """"14 students: flipped the kernel (a true convolution)" (the library's titles are
        short phrases, not all verbs: "3 students: stride ignored")."""
        n = len(self.students)
        what = self.title if self.known else f"{self.id} (not in this misconception library)"
        return f"{n} student{'' if n == 1 else 's'}: {what}"


def _library() -> dict[str, library.Misconception]:
    """The library's entries; none where it cannot be read (every id is then shown as is)."""
    try:
        return library.load()
    except (OSError, ValueError):  # a missing or malformed misconceptions.toml
        return {}


def misconception_stats(graded: list[Recorded],
                        known: dict[str, library.Misconception] | None = None
                        ) -> list[MisconceptionStat]:
    """Every misconception recognised in a failed check of a submission the grader could run,
    most students first (ties in the library's order, unknown ids after)."""
    known = _library() if known is None else known
    ok = runnable(graded)
    students: dict[str, set[str]] = {}
    parts: dict[str, dict[str, set[str]]] = {}
    checks: dict[str, dict[str, set[str]]] = {}
    for g in ok:
        for c in g.checks:
            if c.passed or not c.misconception:
                continue
            mid = c.misconception
            students.setdefault(mid, set()).add(g.name)
            parts.setdefault(mid, {}).setdefault(c.part, set()).add(g.name)
            checks.setdefault(mid, {}).setdefault(base_id(c.id), set()).add(g.name)
    order = {mid: i for i, mid in enumerate(known)}
    out = []
    for mid, names in students.items():
        entry = known.get(mid)
        seen = parts[mid]
        all_parts = tuple(dict.fromkeys([*(entry.parts if entry else ()), *seen]))
        tried = sum(1 for g in ok if any(
            (p in g.parts or p in g.attempted) and attempted(g, p) for p in all_parts))
        out.append(MisconceptionStat(
            mid, entry.title if entry else mid, entry is not None, all_parts, sorted(names),
            max(tried, len(names)),
            {p: len(s) for p, s in sorted(seen.items(), key=lambda x: (-len(x[1]), x[0]))},
            {c: len(s) for c, s in sorted(checks[mid].items(),
                                          key=lambda x: (-len(x[1]), x[0]))}))
    return sorted(out, key=lambda s: (-len(s.students), order.get(s.id, len(order)), s.id))
