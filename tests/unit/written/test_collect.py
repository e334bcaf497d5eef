"""Collecting answers from a grading output: the sheet, the pages, anonymisation."""

from __future__ import annotations

import csv
import io
import re

import pytest

from autograder.written import collect as col
from autograder.written import sheet
from autograder.written.rubric import load_rubric

from .helpers import all_answers, graded, notebook, submission

HOSTILE = "<script>alert(1)</script></pre><img src=x onerror=alert(1)> =HYPERLINK(\"x\")"


@pytest.fixture
def out(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    graded(out, "alice", submission(subs, "alice", notebook(all_answers("alice"))))
    graded(out, "bob", submission(subs, "bob", notebook()))
    graded(out, "carol", submission(subs, "carol", b"{broken"))
    graded(out, "dave", None)
    graded(out, "eve", submission(subs, "eve", notebook({"6.1-2": HOSTILE})))
    (out / "gradebook.csv").write_text("submission\n")
    (out / ".hidden").mkdir()
    return out


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_sheet_has_a_row_per_student_and_question(out):
    target, line, students = col.collect(out)
    assert target == out / "written" / "scores.csv"
    rows = _rows(target)
    rubric = load_rubric()
    assert len(rows) == 5 * len(rubric.ids)
    assert list(rows[0]) == sheet.header(rubric.item_ids())
    by = {(r["student"], r["question"]): r for r in rows}
    assert by["alice", "6.1-2"]["status"] == "answered" and by["alice", "6.1-2"]["override"] == ""
    assert by["alice", "6.1-4"]["item 2"] == "-" and by["alice", "6.1-4"]["item 1"] == ""
    assert by["bob", "6.1-2"]["status"] == "placeholder" and by["bob", "6.1-2"]["override"] == "0"
    assert "broken JSON" in by["carol", "6.1-3"]["comment"]
    assert by["dave", "6.1-3"]["status"] == "no-submission"
    assert by["eve", "6.1-3"]["status"] == "placeholder"
    assert line.startswith("5 students, 1 answered all 6 questions")
    assert "the notebook cannot be read: 1 students" in line


def test_pages_escape_student_text(out):
    col.collect(out)
    pages = {p.name: p.read_text() for p in (out / "written").glob("*.html")}
    assert {"index.html", "question-6.1-2.html", "student-eve.html"} <= set(pages)
    page = pages["question-6.1-2.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/pre&gt;&lt;img" in page
    for text in pages.values():
        assert "<script" not in text and "<img" not in text and "onerror=alert" not in \
            re.sub(r"&lt;.*?&gt;", "", text)
        assert "Content-Security-Policy" in text and "http" not in text.split("<body>")[0] \
            .replace('http-equiv', '')
    assert "alice answers 6.1-2" in page and "Rubric (2 points)" in page
    assert "alice answers 6.1-5" in pages["student-alice.html"]


def test_anonymised_pages_hide_names_and_the_key_is_kept(out, tmp_path):
    target, _, _ = col.collect(out, anonymous=True)
    key = col.read_key(out / col.KEY)
    assert set(key) == {"alice", "bob", "carol", "dave", "eve"}
    assert sorted(key.values()) == [f"S{n:03d}" for n in range(1, 6)]
    for page in (out / "written").iterdir():
        text = page.read_text()
        for name in key:
            assert not re.search(rf"\b{name}\b", text.replace(f"{name} answers", "")), \
                (name, page.name)
    assert {r["student"] for r in _rows(target)} == set(key.values())
    # a second run keeps the ids; a new student gets a fresh one
    graded(out, "zoe", None)
    col.collect(out, anonymous=True)
    again = col.read_key(out / col.KEY)
    assert {n: again[n] for n in key} == key and again["zoe"] == "S006"


def test_a_filled_in_sheet_is_not_overwritten(out):
    target, _, _ = col.collect(out)
    target.write_text(target.read_text().replace("alice,6.1-2,answered,2,,", "alice,6.1-2,"
                                                 "answered,2,x,"))
    second, _, _ = col.collect(out)
    assert second.name == col.NEW_SHEET and "answered,2,x," in target.read_text()


def test_output_folder_must_not_be_a_submission(out):
    with pytest.raises(ValueError, match="graded submission's folder"):
        col.collect(out, out / "alice")
    (out / "link").symlink_to(out / "alice")
    with pytest.raises(ValueError, match="a link"):
        col.collect(out, out / "link")


def test_submissions_given_are_matched_by_name(out, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    submission(elsewhere, "dave", notebook(all_answers("dave")))
    graded_list = col.graded_submissions(out)
    where = col.locate(graded_list, [elsewhere])
    assert where["dave"] == elsewhere / "dave" and where["alice"] is None
