"""Students per known misconception: counted once per student, among those who attempted its
parts, ranked first in what to re-teach; an id the library lacks is shown by its id."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from autograder.report.attempts import fill_attempts
from autograder.report.load import Recorded, parse_results
from autograder.report.misconceptions import misconception_stats

from .classes import NOT_IMPLEMENTED, recorded

BUG = "corr2d output: 9 of 9 values are wrong; first at index (0, 0), max abs error 2"
NOWHERE = Path("/nonexistent")


def _recognise(g: Recorded, found: dict[int, str]) -> Recorded:
    """``g`` with its checks number ``i`` (in order) recognised as ``found[i]``."""
    for i, mid in found.items():
        g.checks[i].misconception = mid
    return g


def _class() -> list[Recorded]:
    """10 students and one not graded. Parts: cross_correlation (2 checks), audio_conv1d (1).
    kernel_flipped: s0-s3 in cross_correlation (s0-s2 in both checks), s4 in audio_conv1d;
    padding_one_side: s5, s6; an id no library has: s7; s8 left both parts as the stub; s9
    passed everything; the one not graded carries an id it must not be counted for."""
    out = []
    for i in range(4):
        g = recorded(f"s{i}", {"cross_correlation": [BUG, BUG if i < 3 else None],
                               "audio_conv1d": [None]})
        out.append(_recognise(g, {0: "kernel_flipped", 1: "kernel_flipped"} if i < 3
                              else {0: "kernel_flipped"}))
    out.append(_recognise(recorded("s4", {"cross_correlation": [None, None],
                                          "audio_conv1d": [BUG]}), {2: "kernel_flipped"}))
    for name in ("s5", "s6"):
        out.append(_recognise(recorded(name, {"cross_correlation": [BUG, None],
                                              "audio_conv1d": [None]}), {0: "padding_one_side"}))
    out.append(_recognise(recorded("s7", {"cross_correlation": [BUG, BUG],
                                          "audio_conv1d": [None]}), {1: "old_mistake"}))
    out.append(recorded("s8", {"cross_correlation": [NOT_IMPLEMENTED, NOT_IMPLEMENTED],
                               "audio_conv1d": [NOT_IMPLEMENTED]}))
    out.append(recorded("s9", {"cross_correlation": [None, None], "audio_conv1d": [None]}))
    out.append(_recognise(recorded("zz-not-graded", {"cross_correlation": [BUG, BUG],
                                                     "audio_conv1d": [BUG]},
                                   error="the grader failed"), {0: "padding_one_side"}))
    return out


def test_students_are_counted_once_per_misconception_among_those_who_attempted() -> None:
    graded = _class()
    fill_attempts(graded)
    stats = misconception_stats(graded)
    assert [(m.id, len(m.students), m.attempted) for m in stats] == [
        ("kernel_flipped", 5, 9), ("padding_one_side", 2, 9), ("old_mistake", 1, 9)]
    flipped = stats[0]
    assert flipped.students == ["s0", "s1", "s2", "s3", "s4"]
    assert flipped.by_part == {"cross_correlation": 4, "audio_conv1d": 1}
    assert flipped.checks == {"cross_correlation.c": 4, "audio_conv1d.c": 1}
    assert flipped.parts == ("cross_correlation", "audio_conv1d")   # the library's
    assert flipped.sentence() == "5 students: flipped the kernel (a true convolution)"
    assert round(flipped.share, 3) == 0.556
    assert not stats[2].known and stats[2].parts == ("cross_correlation",)
    assert stats[2].sentence() == "1 student: old_mistake (not in this misconception library)"


def test_an_old_or_missing_library_shows_ids_and_never_crashes() -> None:
    graded = _class()
    fill_attempts(graded)
    stats = misconception_stats(graded, known={})
    assert [(m.id, m.known, len(m.students)) for m in stats] == [
        ("kernel_flipped", False, 5), ("padding_one_side", False, 2), ("old_mistake", False, 1)]
    assert stats[0].title == "kernel_flipped"
    assert misconception_stats([]) == []


def test_results_json_carries_the_id_of_failed_checks_only() -> None:
    def test(status: str, mid: object) -> dict:
        return {"name": "cross_correlation: c", "status": status, "output": "wrong",
                "tags": ["cross_correlation"], "extra_data": {"id": "c", "misconception": mid}}

    g = parse_results("x", {"tests": [test("failed", "kernel_flipped"), test("passed", "stray"),
                                      test("failed", ["not", "a", "string"]),
                                      test("failed", "bad\u202eid\n" + "y" * 500)]})
    assert [c.misconception for c in g.checks] == ["kernel_flipped", "", "", "badid " + "y" * 94]


def _write(out: Path, graded: list[Recorded]) -> None:
    """Each submission's results.json as the grader writes it (the fields the report reads)."""
    for g in graded:
        (out / g.name).mkdir(parents=True)
        tests = [{"name": f"{c.part}: {c.name}", "score": c.score, "max_score": 1,
                  "status": "passed" if c.passed else "failed", "output": c.message,
                  "tags": [c.part], "extra_data": {"id": c.id, **(
                      {"misconception": c.misconception} if c.misconception else {})}}
                 for c in g.checks]
        parts = {p: {"score": s, "max_score": t} for p, (s, t) in g.parts.items()}
        (out / g.name / "results.json").write_text(json.dumps(
            {"score": g.score, "tests": tests,
             "extra_data": {"parts": parts, "max_score": 3, "error": g.error}}))


def test_the_page_and_report_json_rank_misconceptions_first(tmp_path) -> None:
    from autograder.report.build import build_report
    from autograder.report.export import to_json
    from autograder.report.render import render

    graded = _class()
    graded[7].checks[1].misconception = "<b>old_mistake</b>"   # untrusted text, escaped
    out = tmp_path / "out"
    _write(out, graded)
    report = build_report(out, similarity=False, bank_dir=NOWHERE)
    page = render(report)
    section = page[page.index('<h3 id="misconceptions">'):page.index('<h3 id="attempts">')]
    assert "Known misconceptions: re-teach these first" in section
    rows = section.split("<tr>")[2:]   # after the header row
    assert len(rows) == 3
    assert rows[0].startswith("<td><b>5</b> students: flipped the kernel (a true convolution)")
    assert "5 / 9" in rows[0] and "cross_correlation 4, audio_conv1d 1" in rows[0]
    assert '<a href="s0/feedback.md">' not in rows[0]   # no feedback.md written: plain names
    assert "s0, s1, s2, s3, s4" in rows[0] and "<code>kernel_flipped</code>" in rows[0]
    assert "<b>2</b> students: padded on one side only" in rows[1] and "2 / 9" in rows[1]
    assert "&lt;b&gt;old_mistake&lt;/b&gt; (not in this misconception library)" in rows[2]
    assert "<b>old_mistake</b>" not in page
    # beside, not instead of, the failure rates, and before them
    assert page.index('id="misconceptions"') < page.index("Concepts to re-teach") \
        < page.index("Checks, most failed first")
    assert '<a href="#misconceptions">' in page
    data = to_json(report)
    assert data["version"] == 3
    assert [(m["id"], m["students"], m["attempted"]) for m in data["misconceptions"]] == [
        ("kernel_flipped", 5, 9), ("padding_one_side", 2, 9), ("<b>old_mistake</b>", 1, 9)]
    assert data["misconceptions"][0]["title"] == "flipped the kernel (a true convolution)"
    assert data["misconceptions"][0]["names"] == ["s0", "s1", "s2", "s3", "s4"]


def test_a_class_with_none_recognised_says_so(tmp_path) -> None:
    from autograder.report.build import build_report
    from autograder.report.render import render

    out = tmp_path / "out"
    _write(out, [recorded("s0", {"cross_correlation": [BUG, None]})])
    page = render(build_report(out, similarity=False, bank_dir=NOWHERE))
    assert "No failure was recognised as a known misconception." in page


def test_the_report_imports_no_torch() -> None:
    code = ("import sys, autograder.report.build, autograder.report.misconceptions; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=Path(__file__).resolve().parents[3])
