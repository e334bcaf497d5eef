"""Merging a scores sheet: validation with line numbers, scores, written.json, feedback."""

from __future__ import annotations

import json

import pytest

from autograder.written import sheet
from autograder.written.merge import (
    BEGIN, END, feedback_section, validate, with_section, write_student, written_json)
from autograder.written.rubric import load_rubric

RUBRIC = load_rubric()
ITEMS = RUBRIC.item_ids()
STUDENTS = ["alice", "bob"]


def _row(student, qid, tick=None, override="", comment="", **cells):
    q = RUBRIC.question(qid)
    items = []
    for i in ITEMS:
        value = cells.get(i, "" if q is None or i in q.item_ids else sheet.NOT_APPLICABLE)
        items.append("x" if tick == i else value)
    return [student, qid, "answered", f"{q.points:g}" if q else "", *items, override, comment]


def _full(student, tick="1"):
    return [_row(student, q.id, tick=tick if q.level(tick) else q.item_ids[0])
            for q in RUBRIC.questions]


def _text(rows):
    return sheet.write(rows, ITEMS)


def test_a_complete_sheet_scores_each_student():
    rows = _full("alice", "1") + [
        _row("bob", q.id, override="0.5" if q.id == "6.1-2" else "",
             tick=None if q.id == "6.1-2" else "0", comment="see me" if q.id == "6.1-5" else "")
        for q in RUBRIC.questions]
    merged = validate(_text(rows), RUBRIC, STUDENTS)
    assert merged.problems == [] and merged.absent == []
    alice, bob = merged.scores["alice"], merged.scores["bob"]
    assert sum(s.score for s in alice.values()) == 6.0  # 1 + 1 + 1 + 1 + 1 + 1
    assert alice["6.1-2"].items == {"2": False, "1": True, "0": False}
    assert bob["6.1-2"].score == 0.5 and bob["6.1-5"].comment == "see me"
    data = written_json(alice, RUBRIC, "scores.csv")
    assert data["score"] == 6.0 and data["max_score"] == 10.0 and data["source"] == "scores.csv"
    assert list(data["questions"]) == list(RUBRIC.ids)
    assert data["questions"]["6.2-2"] == {"score": 1.0, "max_score": 2.0, "comment": "",
                                          "items": {"2": False, "1.5": False, "1": True,
                                                    "0.5": False, "0": False}}


def test_every_problem_has_its_line():
    rows = _full("alice") + [
        _row("mallory", "6.1-2", tick="2"),                    # line 8: unknown student
        _row("bob", "9.9-9", tick="1"),                        # line 9: unknown question
        _row("bob", "6.1-2", tick="1.5", **{"1.5": "x"}),      # line 10: item not in rubric
        _row("bob", "6.1-3", override="3"),                    # line 11: out of range
        _row("bob", "6.2-1", tick="2", **{"1": "1"}),          # line 12: two ticks
        _row("bob", "6.2-2"),                                  # line 13: not graded
        _row("bob", "6.1-4", override="lots"),                 # line 14: not a number
        _row("bob", "6.1-5", tick="1", **{"0": "maybe"}),      # line 15: not a tick
        _row("alice", "6.1-2", tick="2"),                      # line 16: duplicate
    ]
    merged = validate(_text(rows), RUBRIC, STUDENTS)
    shown = [str(p) for p in merged.problems]
    expected = [
        "line 8: unknown student 'mallory'",
        "line 9: bob: unknown question '9.9-9'",
        "line 10: bob, 6.1-2: 'item 1.5' is ticked but 6.1-2's rubric has no item '1.5'",
        "line 11: bob, 6.1-3: override 3 is out of range (0 to 2)",
        "line 12: bob, 6.2-1: items 2, 1 are all ticked",
        "line 13: bob, 6.2-2: not graded",
        "line 14: bob, 6.1-4: override 'lots' is not a number",
        "line 15: bob, 6.1-5: 'item 0' holds 'maybe', not a tick",
        "line 16: alice, 6.1-2: a second row (the first is line 2)",
    ]
    for text in expected:
        assert any(s.startswith(text) for s in shown), (text, shown)
    assert {p.student for p in merged.problems} == {None, "alice", "bob"}
    assert not merged.fatal  # a row's problems keep its student out, not the others
    assert merged.mergeable() == {}  # alice has a duplicate row, bob problems everywhere


def test_partial_keeps_the_students_without_problems():
    rows = _full("alice") + _full("bob")[:-1]  # bob lacks 6.1-5
    merged = validate(_text(rows), RUBRIC, STUDENTS + ["carol"])
    assert [str(p) for p in merged.problems] == ["line 8: bob: no row for 6.1-5"]
    assert list(merged.mergeable()) == ["alice"] and merged.absent == ["carol"]


@pytest.mark.parametrize("header, message", [
    (["student", "question", "item 3"], "no question's rubric has an item '3'"),
    (["student", "question", "overide"], "unknown column 'overide'"),
    (["student", "item 2"], "no 'question' column"),
    (["student", "question", "comment", "comment"], "column 'comment' appears twice"),
])
def test_header_problems_stop_everything(header, message):
    text = ",".join(header) + "\nalice,6.1-2\n"
    merged = validate(text, RUBRIC, STUDENTS)
    assert merged.fatal and any(message in str(p) for p in merged.problems)
    assert merged.mergeable() == {}


def test_spreadsheet_sheets_semicolons_bom_points_and_ids():
    head = ";".join(sheet.header(ITEMS))
    lines = []
    for q in RUBRIC.questions:  # the item's own points as the tick, a decimal comma override
        cells = ["S001", q.id, "", ""] + ["" for _ in ITEMS] + ["", "'=not a formula"]
        cells[4 + ITEMS.index(q.item_ids[0])] = q.item_ids[0]
        if q.id == "6.2-2":
            cells[4 + len(ITEMS)] = "1,5"
        lines.append(";".join(cells))
    text = "\ufeff" + head + "\n" + "\n".join(lines) + "\n"
    merged = validate(text, RUBRIC, STUDENTS, key={"S001": "bob"})
    assert merged.problems == []
    assert merged.scores["bob"]["6.2-2"].score == 1.5
    assert merged.scores["bob"]["6.1-2"].score == 2.0
    assert merged.scores["bob"]["6.1-2"].comment == "=not a formula"


def test_collect_prefilled_rows_merge_as_zero():
    text = _text([_row("alice", q.id, override="0", comment="No answer: no notebook.")
                  for q in RUBRIC.questions])
    merged = validate(text, RUBRIC, ["alice"])
    assert merged.problems == [] and sum(s.score for s in merged.scores["alice"].values()) == 0


def test_feedback_section_is_replaced_and_escapes_comments(tmp_path):
    rows = [_row("alice", q.id, tick=q.item_ids[0],
                 comment="<!-- written-answers:end --> [x](javascript:1) | *hi*\nline two"
                 if q.id == "6.1-3" else "") for q in RUBRIC.questions]
    scores = validate(_text(rows), RUBRIC, ["alice"]).scores["alice"]
    section = feedback_section(scores, RUBRIC)
    assert section.splitlines().count(END) == 1 and section.startswith(BEGIN)
    assert "\\<!-- written-answers:end --> \\[x\\](javascript:1) \\| \\*hi\\* line two" in section
    assert "**Written answers: 10 / 10 points**" in section
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "feedback.md").write_text("# Feedback\n\nbody\n")
    write_student(folder, scores, RUBRIC, "scores.csv")
    once = (folder / "feedback.md").read_text()
    write_student(folder, scores, RUBRIC, "scores.csv")
    assert (folder / "feedback.md").read_text() == once  # idempotent
    assert once.startswith("# Feedback\n\nbody\n\n" + BEGIN) and once.endswith(END + "\n")
    lower = {q: {**s.__dict__, "score": 0.0} for q, s in scores.items()}
    from autograder.written.merge import QuestionScore
    write_student(folder, {q: QuestionScore(**v) for q, v in lower.items()}, RUBRIC, "b.csv")
    again = (folder / "feedback.md").read_text()
    assert again.splitlines().count(BEGIN) == 1 and "**Written answers: 0 / 10 points**" in again
    assert json.loads((folder / "written.json").read_text())["source"] == "b.csv"
    assert with_section("", section) == section  # no feedback.md yet: the section alone
