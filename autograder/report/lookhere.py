""""Look here first": the few students an instructor should open before anyone else, one line
each with why, from everything the report found about them: a copy ring or a similar pair, a
rule broken at run time, a submission the grader could not grade, a review flag of the static
scan, the sandbox stepping in, time-outs and crashes, and a low score. Each finding has a
weight (what most needs a person's judgement weighs most); students are ranked by the sum of
their weights, then by score (lowest first), then by name."""

from __future__ import annotations

from dataclasses import dataclass, field

from .attempts import skipped_parts
from .load import Recorded
from .similarity import Similarity
from .stats import Incident, classify

LOW = 0.4          # a total under this share of the maximum is a low score
# What each finding weighs. Similar code outweighs a review flag with a low score (3 + 2), and
# a ring ties with a rule broken by a low score (5 + 2; then the lower score comes first).
WEIGHTS = {
    "ring": 7, "pair": 6, "rule": 5, "not graded": 4, "unreadable": 4, "review": 3,
    "sandbox": 2, "low": 2, "timeout": 1, "crash": 1,
}
MAX_WHY = 160      # characters of one piece of evidence in a line


@dataclass
class Lead:
    """One student to look at, and why."""

    name: str
    weight: int
    reasons: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    score: float | None = None
    max_score: float = 0.0


def _short(text: str) -> str:
    return text if len(text) <= MAX_WHY else text[:MAX_WHY - 1] + "…"


def _evidence(incident: Incident, kind: str) -> str:
    """The first line of evidence of ``kind`` in ``incident`` (without the check id)."""
    for line in incident.evidence:
        message = line.split(": ", 1)[1] if ": " in line else line
        if classify(message) == kind or classify(line) == kind:
            return _short(message)
    return ""


def graded_maximum(g: Recorded) -> float:
    """The points ``g`` could have had in this run: its maximum, or less when only some parts
    were graded (``grade --part``), so that a partial run does not make everyone "low"."""
    if not g.parts:
        return g.max_score
    return min(g.max_score, sum(maximum for _, maximum in g.parts.values()))


def look_here_first(graded: list[Recorded], incidents: list[Incident],
                    similarity: Similarity | None, low: float = LOW) -> list[Lead]:
    """Every student with at least one finding, most pressing first."""
    leads: dict[str, Lead] = {}
    by_name = {g.name: g for g in graded}

    def add(name: str, kind: str, why: str) -> None:
        lead = leads.get(name)
        if lead is None:
            g = by_name.get(name)
            lead = leads[name] = Lead(name, 0, score=None if g is None or g.problem else g.score,
                                      max_score=g.max_score if g else 0.0)
        if kind not in lead.kinds:
            lead.kinds.append(kind)
            lead.weight += WEIGHTS[kind]
            lead.reasons.append(why)

    for ring in similarity.rings if similarity is not None else []:
        for name in ring.members:
            if name in ring.archived or name not in by_name:
                continue
            others = [m for m in ring.members if m != name]
            if len(ring.members) > 2:
                add(name, "ring", f"in a copy ring of {len(ring.members)}: "
                    f"{ring.reason(name)} (up to {100 * ring.similarity:.0f}% similar)")
            else:
                add(name, "pair", f"similar to {others[0]} ({100 * ring.similarity:.0f}%): "
                    f"{ring.reason(name)}")
    for incident in incidents:
        for kind in incident.kinds:
            if kind in ("rule", "sandbox", "timeout", "crash"):
                why = _evidence(incident, kind)
                add(incident.name, kind, why if why.startswith(kind) else f"{kind}: {why}")
            elif kind == "review":
                g = by_name.get(incident.name)
                flags = g.review if g else []
                add(incident.name, kind, "flagged for review: " + _short("; ".join(flags)))
            elif kind in ("not graded", "unreadable"):
                g = by_name.get(incident.name)
                why = (g.error or g.problem or "") if g else ""
                add(incident.name, kind, f"{kind}: {_short(why)}")
    for g in graded:
        maximum = graded_maximum(g)
        if g.problem is None and g.error is None and maximum and g.score < low * maximum:
            skipped = skipped_parts(g)
            add(g.name, "low", f"low score {g.score:g} / {maximum:g}"
                + (f" ({len(skipped)} parts not attempted)" if skipped else ""))
    return sorted(leads.values(), key=lambda x: (-x.weight, x.score if x.score is not None
                                                 else -1.0, x.name))
