"""What the grader writes: escaping of untrusted text, caps, scores, review flags, safe writes."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.grade.bank import Bank, Check, GradingScheme
from autograder.grade.intake import Submission
from autograder.grade import results as results_module
from autograder.grade.gradebook import write_gradebook
from autograder.grade.results import (MAX_CELL, MAX_FEEDBACK, MAX_NOTE, MAX_OUTPUT, TRUNCATED,
                                      code_span, feedback_markdown, md_block_start, md_inline,
                                      md_unescape, plain, recover, results_json, summary_text,
                                      write_raw, write_submission)
from autograder.grade.runner import CheckResult, SubmissionResult
from tests.unit.strategies import HOSTILE_EXAMPLES, untrusted_text

HOSTILE = ("3 -> 5 channels [click](http://evil.example) ![pic](http://evil.example/p.png) "
           "<script>alert(1)</script> <b>bold</b> &lt; | a | b | `tick` ``two`` *em* _u_ "
           "~~gone~~ $x$ \x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x07osc\x1b]8;;\x07 "
           "\x9b2J bell\x07 nul\x00 \u202eevil\u202c lone\udcff surrogate\ud800 \\")


def _noop(student) -> None:
    pass


def _bank() -> Bank:
    scheme = GradingScheme(parts={"part_a": 9, "part_b": 1}, optional={"extra": 5},
                        manual={"written": 10, "oral": 1})
    checks = [Check("a.one", "part_a", "one", _noop, points=4.5, visibility="visible"),
              Check("a.two", "part_a", "two", _noop, points=4.5),
              Check("b.one", "part_b", "b one", _noop, points=1),
              Check("x.one", "extra", "bonus", _noop, points=5)]
    return Bank(scheme, checks)


def _result(bank: Bank, failing: dict[str, str] | None = None, **fields) -> SubmissionResult:
    """Every check passes but those in ``failing`` (id -> message)."""
    failing = failing or {}
    sub = Submission(name=fields.pop("name", "alice"), source="/subs/alice")
    results = [CheckResult(c, c.id not in failing, failing.get(c.id, ""),
                           failing.get(c.id) if c.visibility == "visible" else None)
               for c in bank.checks]
    return SubmissionResult(sub, results=results, devices={"cpu": "all checks"}, **fields)


def _html(markdown: str) -> str:
    mdit = pytest.importorskip("markdown_it")
    return mdit.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


# -- scores


def test_extra_credit_is_shown_apart_from_the_autograded_score() -> None:
    bank = _bank()
    r = _result(bank)
    assert r.total() == 15
    assert summary_text(r, bank).startswith("Autograded score: 10 / 10 (+5 extra credit)")
    assert "**Autograded score: 10 / 10 (+5 extra credit)**" in feedback_markdown(r, bank)
    assert results_json(r, bank)["score"] == 15  # Gradescope's score still counts it
    none = _result(bank, {"x.one": "no"})
    assert summary_text(none, bank).startswith("Autograded score: 10 / 10\n")
    assert "(optional parts are extra credit)" in feedback_markdown(none, bank)


def test_points_are_singular_or_plural() -> None:
    bank = _bank()
    r = _result(bank, {"b.one": "wrong", "a.two": "wrong"})
    text = feedback_markdown(r, bank)
    assert "written (10 points), oral (1 point)" in text
    assert "(1 point):" in text and "(4.5 points):" in text
    assert "1 points" not in text and "1 points" not in summary_text(r, bank)


# -- escaping


def test_student_text_cannot_inject_markdown_html_or_terminal_codes() -> None:
    bank = _bank()
    r = _result(bank, {"a.one": HOSTILE, "a.two": HOSTILE}, notes=[HOSTILE, "# not a heading"],
                review=[HOSTILE], output=HOSTILE, name="alice")
    text = feedback_markdown(r, bank)
    text.encode("utf-8")  # no lone surrogate left
    html = _html(text)
    for forbidden in ("<a ", "<img", "<script", "<b>", "<del", "<em>", "<blockquote"):
        assert forbidden not in html, forbidden
    assert html.count("<code>") == 1  # ours, around the name
    assert html.count("<table>") == 1  # ours, with the scores
    assert html.count("<h1>") == 1 and "not a heading" not in html.split("<h2>")[0]
    assert "3 -> 5 channels" in text  # reads as written: no &gt; or \>
    assert "&amp;gt;" not in html and "3 -&gt; 5 channels" in html  # the HTML renders "->"
    data = json.dumps(results_json(r, bank), ensure_ascii=False)
    data.encode("utf-8")
    for blob in (text, data):
        for control in ("\x1b", "\x9b", "\x07", "\x00", "\u202e", "\ud800", "\udcff"):
            assert control not in blob, repr(control)
    for t in results_json(r, bank)["tests"]:
        assert "<a " not in _html(t["output"]) and t["output_format"] == "md"


def test_plain_keeps_newlines_and_text_but_no_escape_sequences() -> None:
    assert plain("a\x1b[1;31mb\x1b[0m\r\nc\td\x7f") == "ab\nc    d"
    assert plain("x\ny", newlines=False) == "x y"
    assert plain("\x1b]0;title\x07after") == "after"
    assert md_inline("conv2d_backward(x) -> y") == "conv2d_backward(x) -> y"


def test_rich_markup_in_a_name_is_printed_not_interpreted(capsys) -> None:
    from autograder.grade.table import print_table

    bank = _bank()
    r = _result(bank, name="[bold red]x[/]\x1b[2J")
    print_table([r], bank)
    shown = capsys.readouterr().out
    assert "[bold red]x[/]" in shown and "\x1b[2J" not in shown


# -- caps


def test_four_megabytes_of_notes_give_a_small_feedback() -> None:
    bank = _bank()
    notes = ["x" * 400 for _ in range(10_000)]  # 4 MB
    long = "y" * 4_000_000
    r = _result(bank, {c.id: long for c in bank.checks}, notes=[*notes, long], review=notes,
                output=long)
    text = feedback_markdown(r, bank)
    assert len(text.encode()) <= MAX_FEEDBACK
    assert "more problems not shown" in text and "more flags not shown" in text
    assert TRUNCATED in text
    data = results_json(r, bank)
    assert len(json.dumps(data)) < 200_000
    assert all(len(t["output"]) < 1600 for t in data["tests"])
    assert len(data["extra_data"]["student_output"]) < MAX_OUTPUT + 50
    assert data["extra_data"]["student_output"].endswith(TRUNCATED)
    assert len(data["extra_data"]["review"]) <= 21
    assert len(data["output"].encode()) <= MAX_FEEDBACK


def test_the_whole_feedback_is_capped_with_a_marker() -> None:
    checks = [Check(f"c.{i}", "part_a", f"check {i}", _noop, points=0.1) for i in range(200)]
    bank = Bank(GradingScheme({"part_a": 20}, {}, {}), checks)
    r = _result(bank, {c.id: f"{c.id} " + "z" * 5000 for c in checks})  # distinct reasons
    text = feedback_markdown(r, bank)
    assert len(text.encode()) <= MAX_FEEDBACK
    assert text.rstrip().endswith("longer than 64 KiB")
    assert TRUNCATED in text.splitlines()[-1]


# -- review flags


def test_review_flags_in_feedback_results_and_gradebook(tmp_path) -> None:
    bank = _bank()
    flagged = _result(bank, review=["reads tests/hidden", "=HYPERLINK(\"http://x\")"],
                      name="bob")
    clean = _result(bank, name="carol")
    for r in (flagged, clean):
        write_submission(tmp_path, r, bank)
    text = (tmp_path / "bob" / "feedback.md").read_text()
    assert "## Flagged for review by your instructor" in text and "reads tests/hidden" in text
    assert "Flagged" not in (tmp_path / "carol" / "feedback.md").read_text()
    data = json.loads((tmp_path / "bob" / "results.json").read_text())
    assert data["extra_data"]["review"] == flagged.review
    rows = list(csv.reader(io.StringIO(write_gradebook(tmp_path, bank).read_text())))
    assert rows[0] == ["submission", "autograded", "extra_credit", "written", "written_graded",
                       "final", "max_score", "part_a", "part_b", "extra", "oral", "error",
                       "review"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["bob"][-1] == "reads tests/hidden; =HYPERLINK(\"http://x\")"
    assert by_name["carol"][-2:] == ["", ""]


def test_gradebook_cells_are_not_formulas(tmp_path) -> None:
    bank = _bank()
    r = _result(bank, review=["=1+1"], name="dave")
    r.submission.error = "@SUM(A1)\nsecond line"
    write_submission(tmp_path, r, bank)
    row = list(csv.reader(io.StringIO(write_gradebook(tmp_path, bank).read_text())))[1]
    assert row[-2:] == ["'@SUM(A1) second line", "'=1+1"]


# -- writing safely


def test_write_raw_never_follows_planted_symlinks(tmp_path) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    victim = tmp_path / "victim.txt"
    victim.write_text("victim")
    os.symlink(outside, out / "alice")           # the result directory itself
    os.symlink(outside, out / ".alice.new")      # the staging directory
    os.symlink(outside, out / ".alice.old")      # the directory moved aside
    os.symlink(victim, out / "gradebook.csv.tmp")
    write_raw(out, "alice", {"score": 1}, "hello")
    assert (out / "alice").is_dir() and not (out / "alice").is_symlink()
    assert json.loads((out / "alice" / "results.json").read_text()) == {"score": 1}
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    write_gradebook(out, _bank())
    assert victim.read_text() == "victim" and not (out / "gradebook.csv").is_symlink()
    assert sorted(p.name for p in out.iterdir()) == ["alice", "gradebook.csv"]


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "", "gradebook.csv",
                                  "GradeBook.CSV", "-rf", "x" * 300])
def test_write_raw_refuses_names_outside_or_reserved(tmp_path, name) -> None:
    with pytest.raises(ValueError):
        write_raw(tmp_path / "out", name, {}, "")
    assert not (tmp_path / "escape").exists()


def test_gradebook_skips_links_and_survives_a_broken_results_file(tmp_path) -> None:
    bank = _bank()
    elsewhere = tmp_path / "elsewhere"
    write_submission(elsewhere, _result(bank, name="mallory"), bank)
    out = tmp_path / "out"
    write_submission(out, _result(bank, name="alice"), bank)
    os.symlink(elsewhere / "mallory", out / "mallory")
    (out / "broken").mkdir()
    (out / "broken" / "results.json").write_text("{not json")
    rows = list(csv.reader(io.StringIO(write_gradebook(out, bank).read_text())))
    assert [row[0] for row in rows[1:]] == ["alice", "broken"]
    assert "cannot be read" in rows[2][-2]


def test_recover_does_not_restore_a_planted_link(tmp_path) -> None:
    os.symlink(tmp_path, tmp_path / ".bob.old")
    recover(tmp_path)
    assert not (tmp_path / "bob").exists() and not (tmp_path / ".bob.old").is_symlink()


def test_one_heading_per_part_whichever_file_its_checks_come_from() -> None:
    bank = _bank()
    # A device check of part_a registered after part_b's checks (checks_devices.py comes later).
    bank.checks.append(Check("device.a", "part_a", "device a", _noop, points=1))
    text = feedback_markdown(_result(bank, {"a.one": "x", "b.one": "y", "device.a": "z"}), bank)
    assert text.count("### part\\_a") + text.count("### part_a") == 1
    assert text.index("device a") < text.index("b one")  # grouped under part_a, in part order


# -- properties over any text a submission can produce


def _visible_text(html: str) -> str:
    """The text a browser shows for ``html`` (tags dropped, entities decoded)."""
    parser = _TextOnly()
    parser.feed(html)
    return "".join(parser.parts)


def _hostile_examples(test):
    """``test`` tried on each of HOSTILE_EXAMPLES too."""
    for text in HOSTILE_EXAMPLES:
        test = example(text)(test)
    return test


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@_hostile_examples
@given(untrusted_text)
def test_plain_text_has_no_controls_and_is_stable(text: str) -> None:
    for newlines in (True, False):
        out = plain(text, newlines=newlines)
        out.encode("utf-8")  # no lone surrogate
        allowed = {"\n"} if newlines else set()
        assert not [c for c in out if unicodedata.category(c) == "Cc" and c not in allowed]
        assert not set(out) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
        assert plain(out, newlines=newlines) == out


@_hostile_examples
@given(untrusted_text)
def test_markdown_escaping_reads_back_as_written(text: str) -> None:
    raw = plain(text, newlines=False).strip()
    assert md_unescape(md_inline(text, limit=10_000)) == raw
    assert md_unescape(md_block_start(text, limit=10_000)) == raw


@_hostile_examples
@given(untrusted_text)
def test_a_list_item_of_student_text_renders_as_that_text(text: str) -> None:
    raw = plain(text, newlines=False).strip()
    html = _html(f"- {md_block_start(text, limit=10_000)}\n")
    if not raw:
        return
    assert html.startswith("<ul>\n<li>") and html.count("<li>") == 1
    assert "<a " not in html and "<img" not in html and "<code>" not in html
    assert _visible_text(html).strip() == raw


@_hostile_examples
@given(untrusted_text)
def test_a_code_span_holds_any_text(text: str) -> None:
    raw = plain(text, newlines=False)[:MAX_NOTE]
    if not raw:
        return
    html = _html(f"x {code_span(text)}")
    assert html.count("<code>") == 1
    shown = _visible_text(html.split("<code>")[1].split("</code>")[0])
    # CommonMark drops one space on each side of a span's content that has spaces at both ends
    assert shown in (raw, raw[1:-1] if raw[:1] == raw[-1:] == " " else raw)


@given(st.lists(untrusted_text, min_size=1, max_size=3), untrusted_text)
def test_gradebook_cells_read_back_as_one_line_each_and_never_a_formula(
        review: list[str], error: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        write_raw(out, "alice", {"score": 1, "extra_data": {"error": error, "review": review}},
                  "")
        rows = list(csv.reader(io.StringIO(write_gradebook(out, _bank()).read_text())))
    assert len(rows) == 2 and rows[1][0] == "alice"
    for cell, source in ((rows[1][-2], error), (rows[1][-1], "; ".join(review))):
        text = plain(source, newlines=False)
        text = text if len(text) <= MAX_CELL else f"{text[:MAX_CELL]} {TRUNCATED}"
        # a spreadsheet takes a cell starting with one of these for a formula: quote it
        assert cell == ("'" + text if text[:1] in ("=", "+", "-", "@") else text)
        assert "\n" not in cell and "\r" not in cell


@given(untrusted_text, untrusted_text)
def test_results_read_back_exactly_as_written(name: str, note: str) -> None:
    data = {"score": 1.5, "extra_data": {"submission": name, "review": [note]}}
    with tempfile.TemporaryDirectory() as folder:
        path = write_raw(Path(folder), "bob", data, note)
        assert json.loads((path / "results.json").read_text(encoding="utf-8")) == data
        feedback = (path / "feedback.md").read_bytes().decode("utf-8")
    assert feedback == note.encode("utf-8", "replace").decode("utf-8")  # lone surrogates: "?"


# -- a run killed at any moment leaves the old results or the new, never a mix


class _Killed(BaseException):
    """Stands for the grader being killed between two file-system operations."""


def _kill_after(monkeypatch, operations: int) -> None:
    """Let ``operations`` file-system changes of results.py through, then kill the run."""
    left = [operations]

    def wrap(real):
        def operation(*args, **kwargs):
            if left[0] == 0:
                raise _Killed
            left[0] -= 1
            return real(*args, **kwargs)
        return operation

    for owner, name in ((Path, "rename"), (Path, "mkdir"), (Path, "unlink"),
                        (results_module.os, "replace"), (results_module.os, "open"),
                        (results_module.shutil, "rmtree")):
        monkeypatch.setattr(owner, name, wrap(getattr(owner, name)))


def test_recover_after_a_kill_at_every_step_leaves_old_or_new(tmp_path, monkeypatch) -> None:
    old = ({"score": 1}, "old feedback")
    new = ({"score": 2}, "new feedback")
    outcomes = set()
    for step in range(100):
        out = tmp_path / str(step)
        write_raw(out, "alice", *old)
        with monkeypatch.context() as patch:
            _kill_after(patch, step)
            try:
                write_raw(out, "alice", *new)
                finished = True
            except _Killed:
                finished = False
        recover(out)
        assert sorted(p.name for p in out.iterdir()) == ["alice"]
        got = (json.loads((out / "alice" / "results.json").read_text()),
               (out / "alice" / "feedback.md").read_text())
        assert got in (old, new)
        assert sorted(p.name for p in (out / "alice").iterdir()) == ["feedback.md",
                                                                     "results.json"]
        outcomes.add(got == new)
        if finished:
            assert got == new
            break
    else:
        pytest.fail("write_raw never finished")
    assert outcomes == {False, True}


# -- parts left as the stub


def test_a_part_is_not_attempted_when_every_check_reached_the_stub() -> None:
    from autograder import feedback

    bank = _bank()
    stub = feedback.not_implemented(" (at conv.py:3)")
    unjudged = feedback.not_judged("dtype", stub)  # a property check on a stub's value
    r = _result(bank, {"a.one": stub, "a.two": unjudged, "b.one": "wrong value",
                       "x.one": feedback.not_implemented("")})
    parts = results_json(r, bank)["extra_data"]["parts"]
    assert {p: v["attempted"] for p, v in parts.items()} == \
        {"part_a": False, "part_b": True, "extra": False}
    # one function implemented (a check passes) or broken otherwise: attempted
    half = _result(bank, {"a.one": stub})
    assert results_json(half, bank)["extra_data"]["parts"]["part_a"]["attempted"] is True
    # a student's own text cannot pass for the stub: only the grader's wording counts
    assert not feedback.is_not_implemented(feedback.raised("ValueError"))
    assert not feedback.is_not_implemented(feedback.rule_broken("not implemented yet"))
