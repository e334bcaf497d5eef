"""The "look here first" list, incidents grouped by cause, the batch's wall time and the
written and final columns."""

from __future__ import annotations

import json
from pathlib import Path

from autograder.report.attempts import fill_attempts
from autograder.report.lookhere import look_here_first
from autograder.report.similarity import Ring, Similarity
from autograder.report.stats import incident_groups, incidents

from .classes import NOT_IMPLEMENTED, recorded

RULE = "rule broken: your code used torch.nn.functional.conv2d"
FLAG = "dynamic imports (solve.py:47: __import__(...))"
BUG = "solve output: shape (3, 4), expected (2, 3)"


def _similarity(rings: list[Ring]) -> Similarity:
    return Similarity([], 0, 0, 0, {}, {}, {}, rings)


def _class() -> list:
    good = {"a": [None, None], "b": [None, None]}
    return [
        recorded("copier-1", good), recorded("copier-2", good), recorded("copier-3", good),
        recorded("rule-breaker", {"a": [RULE, RULE], "b": [None, BUG]}),
        recorded("flagged", good, review=[FLAG]),
        recorded("skipper", {"a": [NOT_IMPLEMENTED] * 2, "b": [NOT_IMPLEMENTED] * 2}),
        recorded("fine", good),
        recorded("copier-and-rule", {"a": [RULE, None], "b": [None, None]}),
        recorded("broken", {}, error="convolutions/ not found in the submission"),
    ]


def test_look_here_first_joins_every_finding_ranked_with_why() -> None:
    graded = _class()
    fill_attempts(graded)
    ring = Ring(["copier-1", "copier-2", "copier-3", "copier-and-rule"],
                {"copier-1": 40, "copier-2": 41, "copier-3": 40, "copier-and-rule": 38}, 0.97,
                3)
    leads = look_here_first(graded, incidents(graded), _similarity([ring]))
    names = [x.name for x in leads]
    assert names == ["copier-and-rule", "rule-breaker", "copier-1", "copier-2", "copier-3",
                     "broken", "flagged", "skipper"]
    first = leads[0]
    assert first.kinds == ["ring", "rule"]
    assert first.reasons == ["in a copy ring of 4: shares 38 passages with 3 others (up to 97% "
                             "similar)", RULE]
    by = {x.name: x for x in leads}
    assert by["rule-breaker"].reasons == [RULE, "low score 1 / 4"]
    assert by["flagged"].reasons == [f"flagged for review: {FLAG}"]
    assert by["skipper"].reasons == ["low score 0 / 4 (2 parts not attempted)"]
    assert by["broken"].reasons == ["not graded: convolutions/ not found in the submission"]
    assert "fine" not in by


def test_a_pair_reads_as_a_pair() -> None:
    graded = [recorded("x", {"a": [None]}), recorded("y", {"a": [None]})]
    pair = Ring(["x", "y"], {"x": 30, "y": 31}, 0.8, 1)
    leads = look_here_first(graded, [], _similarity([pair]))
    assert leads[1].reasons == ["similar to x (80%): shares 31 passages with 1 other"]


def test_incidents_are_grouped_by_cause_not_repeated_per_student() -> None:
    graded = _class()
    groups = incident_groups(graded)
    rule = [x for x in groups if x.kind == "rule"]
    assert len(rule) == 1
    assert rule[0].submissions == ["rule-breaker", "copier-and-rule"]
    assert rule[0].checks == ["a.c"]
    assert [x.kind for x in groups] == ["not graded", "rule", "review"]


def test_batch_wall_time_and_written_scores_are_read(tmp_path) -> None:
    from autograder.report.build import build_report
    from autograder.report.render import render

    out = tmp_path / "out"
    for name, score in [("ann", 80.0), ("bob", 40.0)]:
        (out / name).mkdir(parents=True)
        (out / name / "results.json").write_text(json.dumps(
            {"score": score, "execution_time": 30.0, "tests": [],
             "extra_data": {"parts": {}, "max_score": 90}}))
    (out / "ann" / "written.json").write_text(json.dumps(
        {"score": 7.5, "max_score": 10, "questions": {}, "source": "scores.csv"}))
    page = render(build_report(out, similarity=False))   # the real scheme: 10 points by hand
    assert "The sum of per-submission times is 60.0 s" in page
    assert "<td class=\"n\">7.5</td><td class=\"n\">87.5</td><td class=\"n\">100</td>" in page
    assert ("<td class=\"n\">40</td><td class=\"n\"></td><td class=\"n\"></td>"
            "<td class=\"n\">100</td>") in page   # not graded yet: no final, one maximum
    page = render(build_report(out, similarity=False, bank_dir=Path("/nonexistent")))
    assert "<td class=\"n\">40</td><td class=\"n\"></td><td class=\"n\">40</td>" in page
    (out / "batch.json").write_text(json.dumps(
        {"started": "2026-09-01T10:00:00+00:00", "finished": "2026-09-01T10:00:41+00:00",
         "wall_seconds": 41.0, "bank_digest": "sha256:ab", "submissions": 2}))
    report = build_report(out, similarity=False, bank_dir=Path("/nonexistent"))
    assert "took 41.0 s of wall time for 2 submissions" in render(report)
    assert [g.name for g in report.graded] == ["ann", "bob"]   # batch.json is no submission


def test_a_run_of_some_parts_is_judged_on_those_parts() -> None:
    """grade --part: a submission's maximum is the graded parts', not the whole scheme's."""
    from autograder.report.lookhere import graded_maximum

    full = recorded("full-marks-on-one-part", {"a": [None, None]})
    full.max_score = 90.0  # the scheme's, as results.json records it even under --part
    fill_attempts([full])
    assert graded_maximum(full) == sum(m for _, m in full.parts.values()) < 90
    assert look_here_first([full], incidents([full]), None) == []
