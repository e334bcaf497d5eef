"""The report as JSON (``report.json``), for scripts and for other tools."""

from __future__ import annotations

from typing import Any

from .model import Report
from .stats import TOTAL, Distribution

VERSION = 3   # 2: attempts, incident groups, rings, look_here_first, batch, written;
              # 3: misconceptions (students per known mistake)


def _distribution(d: Distribution) -> dict[str, Any]:
    return {"mean": d.mean, "median": d.median, "max": d.max, "min": d.min,
            "max_score": d.max_score, "n": d.n, "optional": d.optional,
            "histogram": {"edges": d.histogram.edges, "counts": d.histogram.counts}}


def to_json(r: Report) -> dict[str, Any]:
    """Everything the page shows, as data (no HTML: the code views are left out)."""
    total = next(d for d in r.distributions if d.part == TOTAL)
    s = r.similarity
    times = [g.seconds for g in r.graded if g.problem is None]
    manual = bool(r.bank.scheme and r.bank.scheme.manual)   # final waits for the written part
    return {
        "version": VERSION,
        "generated": r.generated,
        "out": str(r.out),
        "submissions": len(r.graded),
        "unreadable": [g.name for g in r.graded if g.problem is not None],
        "not_graded": [g.name for g in r.graded if g.error is not None],
        "total": _distribution(total),
        "parts": {d.part: _distribution(d) for d in r.distributions if d.part != TOTAL},
        "checks": [{"id": c.id, "part": c.part, "title": c.title, "concept": c.concept,
                    "fail_rate": round(c.fail_rate, 4), "failed": c.failed, "graded": c.graded,
                    "messages": [{"pattern": m.pattern, "count": m.count, "example": m.example}
                                 for m in c.messages]} for c in r.checks],
        "concepts": [{"id": c.id, "part": c.part, "concept": c.concept, "cases": c.cases,
                      "fail_rate": c.fail_rate, "submissions_failing": c.submissions_failing}
                     for c in r.concepts],
        "misconceptions": [{"id": m.id, "title": m.title, "known": m.known,
                            "parts": list(m.parts), "students": len(m.students),
                            "attempted": m.attempted, "share": round(m.share, 4),
                            "names": m.students, "by_part": m.by_part, "checks": m.checks}
                           for m in r.misconceptions],
        "attempts": {a.part: {"attempted": a.attempted, "not_attempted": a.skipped}
                     for a in r.attempts},
        "incidents": [{"name": i.name, "kinds": i.kinds, "evidence": i.evidence}
                      for i in r.incidents],
        "incident_groups": [{"kind": x.kind, "cause": x.cause, "example": x.example,
                             "submissions": x.submissions, "checks": x.checks}
                            for x in r.incident_groups],
        "look_here_first": [{"name": x.name, "weight": x.weight, "kinds": x.kinds,
                             "reasons": x.reasons} for x in r.leads],
        "times": {"total": round(sum(times), 3), "max": max(times, default=0.0),
                  "batch_wall_seconds": r.batch.wall_seconds if r.batch else None,
                  "per_submission": {g.name: g.seconds for g in r.graded
                                     if g.problem is None}},
        "students": [{"name": g.name, "total": g.score, "max_score": g.max_score,
                      "parts": {p: sc for p, (sc, _) in g.parts.items()},
                      "not_attempted": [p for p, tried in g.attempted.items() if not tried],
                      "written": g.written[0] if g.written else None,
                      "final": (g.score + g.written[0] if g.written
                                else None if manual else g.score),
                      "seconds": g.seconds, "error": g.error, "review": g.review,
                      "feedback": f"{g.name}/feedback.md" if g.has_feedback else None}
                     for g in r.graded],
        "similar_pairs": [] if s is None else [
            {"a": p.a, "b": p.b, "similarity": p.similarity, "a_share": p.a_share,
             "b_share": p.b_share} for p in s.pairs],
        "rings": [] if s is None else [
            {"members": ring.members, "archived": ring.archived, "passages": ring.passages,
             "similarity": ring.similarity, "pairs": ring.pairs,
             "reasons": {m: ring.reason(m) for m in ring.members}} for ring in s.rings],
        "similarity": {"skipped": r.similarity_note} if s is None else {
            "method": "copydetect winnowing (candidates from an inverted fingerprint index)",
            "params": s.params, "compared": s.compared, "candidates": s.candidates,
            "submissions_read": s.submissions, "archived_read": s.archived,
            "not_compared": s.missing,
            "seconds": s.seconds, "note": r.similarity_note},
        "sources": r.sources,
        "seconds": r.seconds,
    }
