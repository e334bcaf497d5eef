"""Class statistics: score distributions, check failure rates, incidents and times."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from functools import lru_cache

from autograder import feedback

from .attempts import attempted, runnable
from .concepts import BankInfo, base_id
from .grouping import MessageGroup, group_messages, normalise
from .load import Recorded

TOTAL = "total"


@dataclass(frozen=True)
class Histogram:
    edges: list[float]   # len(counts) + 1 bin edges; the last bin includes its right edge
    counts: list[int]


@dataclass(frozen=True)
class Distribution:
    """Scores of one part (or the total) over the class."""

    part: str
    max_score: float
    n: int
    mean: float
    median: float
    max: float
    min: float
    histogram: Histogram
    optional: bool = False
    about: str = ""


@dataclass
class CheckStat:
    """How often one check failed, among the submissions the grader could run that attempted
    its part (``skipped``: those that left the part as the stub)."""

    id: str
    part: str
    title: str           # the check's name in results.json
    concept: str         # the bank's description of its base check
    failed: int
    graded: int
    messages: list[MessageGroup] = field(default_factory=list)
    distinct_messages: int = 0
    skipped: int = 0

    @property
    def fail_rate(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


@dataclass(frozen=True)
class ConceptStat:
    """A base check (all its cases): the mean failure rate of its cases, among the students who
    attempted its part."""

    id: str
    part: str
    concept: str
    cases: int
    fail_rate: float
    submissions_failing: int   # failed at least one case (of those who attempted the part)
    attempted: int = 0         # submissions that attempted its part


# -- incidents: how results.json records what went wrong beyond a wrong answer
INCIDENT_KINDS = {
    "not graded": "the grader could not grade it (no package, unreadable, grader fault)",
    "timeout": "a check ran past its CPU or wall-clock limit",
    "crash": "the import failed, or the student's process died (a signal, an exit) or had to be "
             "restarted",
    "rule": "a rule of the assignment was broken at run time (e.g. a forbidden call)",
    "sandbox": "the sandbox stepped in: the memory or output limit, a hard kill, a garbled or "
               "closed connection to the grader",
    "review": "the static scan flagged the source for a person to look at",
    "unreadable": "results.json could not be read",
}
# Recognised by the phrases the grader words them with (autograder/feedback.py).
_PATTERNS: list[tuple[str, re.Pattern[str]]] = feedback.incident_patterns()


_ANY = re.compile("|".join(f"(?:{p.pattern})" for _, p in _PATTERNS).replace("^", ""), re.I)


@lru_cache(maxsize=1 << 16)
def classify(message: str) -> str | None:
    """The incident kind a grader message records, or None for an ordinary wrong answer."""
    if not _ANY.search(message):  # most messages: one search
        return None
    for kind, pattern in _PATTERNS:
        if pattern.search(message):
            return kind
    return None


@dataclass
class Incident:
    name: str
    kinds: list[str]
    evidence: list[str]   # "check id: message" or the note / flag, a few per submission


def summarise(values: list[float]) -> tuple[float, float, float, float]:
    """(mean, median, max, min) of ``values``; zeros when empty."""
    if not values:
        return 0.0, 0.0, 0.0, 0.0
    return (round(statistics.fmean(values), 3), round(statistics.median(values), 3),
            max(values), min(values))


def histogram(values: list[float], top: float, bins: int = 10) -> Histogram:
    """Counts of ``values`` in ``bins`` equal bins over [0, top] (widened to the data)."""
    low = min([0.0, *values])
    high = max([top, *values, low + 1e-9])
    width = (high - low) / bins
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, math.floor((v - low) / width)))] += 1
    return Histogram([round(low + i * width, 4) for i in range(bins + 1)], counts)


def distributions(graded: list[Recorded], bank: BankInfo, bins: int = 10) -> list[Distribution]:
    """The total's distribution, then each part's, in the manifest's order."""
    ok = [g for g in graded if g.problem is None]
    top = max([g.max_score for g in ok] + [0.0]) or max([g.score for g in ok] + [1.0])
    totals = [g.score for g in ok]
    out = [Distribution(TOTAL, top, len(ok), *summarise(totals), histogram(totals, top, bins))]
    order = bank.part_order()
    seen = order + sorted({p for g in ok for p in g.parts} - set(order))
    for part in seen:
        scores = [g.parts[part][0] for g in ok if part in g.parts]
        if not scores:
            continue
        part_max = max(g.parts[part][1] for g in ok if part in g.parts)
        out.append(Distribution(part, part_max, len(scores), *summarise(scores),
                                histogram(scores, part_max, min(bins, _bins_for(part_max))),
                                optional=bank.optional(part), about=bank.parts.get(part, "")))
    return out


def _bins_for(top: float) -> int:
    """A bin per point for small parts (5 points: 5 bins), at most 10."""
    return max(1, min(10, math.ceil(top)))


def check_stats(graded: list[Recorded], bank: BankInfo, top_messages: int = 3
                ) -> list[CheckStat]:
    """Every check's failure rate among the graded submissions that attempted its part (those
    with an error or unreadable results fail everything for one reason, and a part left as the
    stub fails every check for one reason: both are counted apart), most failed first, with
    its most common failure messages."""
    stats: dict[str, CheckStat] = {}
    failures: dict[str, list[tuple[str, str]]] = {}
    for g in runnable(graded):
        for c in g.checks:
            stat = stats.get(c.id)
            if stat is None:
                stat = stats[c.id] = CheckStat(c.id, c.part, c.name,
                                               bank.concept(c.id, c.name), 0, 0)
            if not attempted(g, c.part):
                stat.skipped += 1
                continue
            stat.graded += 1
            if not c.passed:
                stat.failed += 1
                failures.setdefault(c.id, []).append((g.name, c.message))
    for check_id, stat in stats.items():
        stat.messages, stat.distinct_messages = group_messages(failures.get(check_id, []),
                                                               top_messages)
    return sorted(stats.values(), key=lambda s: (-s.fail_rate, s.part, s.id))


def concept_stats(checks: list[CheckStat], graded: list[Recorded]) -> list[ConceptStat]:
    """Checks grouped by base id (a parametrised check's cases together): what to re-teach,
    most failed first."""
    groups: dict[str, list[CheckStat]] = {}
    for c in checks:
        groups.setdefault(base_id(c.id), []).append(c)
    failing: dict[str, set[str]] = {}
    for g in runnable(graded):
        for c in g.checks:
            if not c.passed and attempted(g, c.part):
                failing.setdefault(base_id(c.id), set()).add(g.name)
    out = [ConceptStat(key, cs[0].part, cs[0].concept, len(cs),
                       round(statistics.fmean(c.fail_rate for c in cs), 4),
                       len(failing.get(key, ())), max(c.graded for c in cs))
           for key, cs in groups.items()]
    return sorted(out, key=lambda s: (-s.fail_rate, s.part, s.id))


def incidents(graded: list[Recorded], per_submission: int = 4) -> list[Incident]:
    """Submissions that were not graded, timed out, crashed, broke a rule, made the sandbox
    step in or were flagged for review, with a few lines of evidence each."""
    out = []
    for g in graded:
        kinds: dict[str, None] = {}
        evidence: list[str] = []

        def add(kind: str, line: str) -> None:
            kinds.setdefault(kind)
            if len(evidence) < per_submission and line not in evidence:
                evidence.append(line)

        if g.problem is not None:
            add("unreadable", g.problem)
        if g.error is not None:
            add("not graded", g.error)
        else:
            for note in g.notes:
                kind = classify(note)
                if kind:
                    add(kind, note)
            for c in g.checks:
                kind = None if c.passed else classify(c.message)
                if kind:
                    add(kind, f"{c.id}: {c.message}")
        for flag in g.review:
            add("review", flag)
        if kinds:
            out.append(Incident(g.name, list(kinds), evidence))
    return out


@dataclass
class IncidentGroup:
    """One cause of incidents: the same kind and message pattern, whoever it happened to and
    in however many checks (one line of evidence instead of one per student and check)."""

    kind: str
    cause: str                   # the normalised message (numbers and names folded)
    example: str                 # one real message of the group
    submissions: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)   # base ids of the checks it happened in


def incident_groups(graded: list[Recorded]) -> list[IncidentGroup]:
    """Every incident's evidence grouped by (kind, normalised message): most submissions first
    within the order of ``INCIDENT_KINDS``."""
    groups: dict[tuple[str, str], IncidentGroup] = {}

    def add(kind: str, message: str, name: str, check: str | None = None) -> None:
        key = (kind, normalise(message))
        group = groups.get(key)
        if group is None:
            group = groups[key] = IncidentGroup(kind, key[1], message)
        if not group.submissions or group.submissions[-1] != name:
            group.submissions.append(name)
        if check is not None and check not in group.checks:
            group.checks.append(check)

    for g in graded:
        if g.problem is not None:
            add("unreadable", g.problem, g.name)
        if g.error is not None:
            add("not graded", g.error, g.name)
        else:
            for note in g.notes:
                kind = classify(note)
                if kind:
                    add(kind, note, g.name)
            for c in g.checks:
                kind = None if c.passed else classify(c.message)
                if kind:
                    add(kind, c.message, g.name, base_id(c.id))
        for flag in g.review:
            add("review", flag, g.name)
    order = {k: i for i, k in enumerate(INCIDENT_KINDS)}
    return sorted(groups.values(), key=lambda x: (order.get(x.kind, 99), -len(x.submissions),
                                                  x.cause))
