"""Not attempted is not a misconception: a part left as the stub is counted apart, and what to
re-teach is ranked among the students who attempted the part."""

from __future__ import annotations

from pathlib import Path

from autograder.report.attempts import fill_attempts, inferred, part_attempts, skipped_parts
from autograder.report.concepts import read_bank
from autograder.report.stats import check_stats, concept_stats

from .classes import NOT_IMPLEMENTED, recorded

NOT_JUDGED = f"solve on meta: not judged: the value is wrong ({NOT_IMPLEMENTED})"
BUG = "solve output: shape (3, 4), expected (2, 3)"


def test_a_part_is_not_attempted_when_every_check_reached_the_stub() -> None:
    g = recorded("x", {"a": [NOT_IMPLEMENTED, NOT_JUDGED], "b": [NOT_IMPLEMENTED, BUG],
                       "c": [None, NOT_IMPLEMENTED]})
    assert inferred(g) == {"a": False, "b": True, "c": True}


def test_the_graders_record_wins_over_the_inference() -> None:
    g = recorded("x", {"a": [NOT_IMPLEMENTED], "b": [BUG]}, attempted={"b": False})
    fill_attempts([g])
    assert g.attempted == {"a": False, "b": False}
    assert skipped_parts(g) == ["a", "b"]


def _class() -> list:
    """12 students: 6 left part ``b`` as the stub, 4 tried it with a real bug, 2 got it right;
    part ``a`` has one real bug."""
    out = []
    for i in range(12):
        if i < 6:
            b = [NOT_IMPLEMENTED, NOT_IMPLEMENTED]
        elif i < 10:
            b = [BUG, None]
        else:
            b = [None, None]
        out.append(recorded(f"s{i:02d}", {"a": [BUG if i == 0 else None, None], "b": b}))
    return out


def test_concepts_are_ranked_among_students_who_attempted() -> None:
    graded = _class()
    fill_attempts(graded)
    checks = check_stats(graded, read_bank(Path("/nonexistent")))
    by_id = {c.id: c for c in checks}
    assert (by_id["b.c[0]"].failed, by_id["b.c[0]"].graded, by_id["b.c[0]"].skipped) == (4, 6, 6)
    assert (by_id["b.c[1]"].failed, by_id["b.c[1]"].graded) == (0, 6)   # only skips: no failure
    concepts = concept_stats(checks, graded)
    assert concepts[0].id == "b.c" and concepts[0].submissions_failing == 4
    assert concepts[0].attempted == 6
    assert [a.__dict__ for a in part_attempts(graded, ["a", "b"])] == [
        {"part": "a", "attempted": 12, "skipped": 0, "optional": False},
        {"part": "b", "attempted": 6, "skipped": 6, "optional": False}]


def test_the_page_shows_skips_apart(tmp_path) -> None:
    from autograder.report.build import build_report
    from autograder.report.render import render

    import json
    out = tmp_path / "out"
    for g in _class():
        (out / g.name).mkdir(parents=True)
        tests = [{"name": f"{c.part}: {c.name}", "score": c.score, "max_score": 1,
                  "status": "passed" if c.passed else "failed", "output": c.message,
                  "tags": [c.part], "extra_data": {"id": c.id}} for c in g.checks]
        parts = {p: {"score": s, "max_score": t} for p, (s, t) in g.parts.items()}
        (out / g.name / "results.json").write_text(json.dumps(
            {"score": g.score, "tests": tests, "extra_data": {"parts": parts, "max_score": 4}}))
    report = build_report(out, similarity=False, bank_dir=Path("/nonexistent"))
    page = render(report)
    assert "Not attempted (left as the stub)" in page
    assert "4 / 6" in page   # b.c: failing a case / attempted the part
    skipped = [x for x in report.leads if x.name == "s00"][0]
    assert any("parts not attempted" in why for why in skipped.reasons)
