"""Hostile students and careless instructors: notebooks that are not files, ids that are
names, sheets saved by spreadsheets, feedback a student's messages try to forge."""

from __future__ import annotations

import os

import pytest

from autograder.frontends.handout import load_handout
from autograder.written import collect as col
from autograder.written import sheet
from autograder.written.merge import validate
from autograder.written.notebooks import UNREADABLE, load_student
from autograder.written.rubric import load_rubric

from .helpers import question_ids, submission

RUBRIC = load_rubric()


def _full(student: str) -> list[list[str]]:
    rows = []
    for q in RUBRIC.questions:
        items = ["x" if i == q.item_ids[0] else ("" if i in q.item_ids else "-")
                 for i in RUBRIC.item_ids()]
        rows.append([student, q.id, "answered", f"{q.points:g}", *items, "", ""])
    return rows


@pytest.mark.parametrize("plant", ["fifo", "folder", "device link"])
def test_a_notebook_that_is_not_a_file_is_unreadable_at_once(tmp_path, plant):
    folder = submission(tmp_path, "s", None)
    target = folder / "convolutions.ipynb"
    {"fifo": os.mkfifo, "folder": os.mkdir,
     "device link": lambda p: p.symlink_to("/dev/zero")}[plant](target)
    student = load_student("s", folder, question_ids(), load_handout().answer_stub)
    assert student.status == UNREADABLE and student.problem


def test_new_anonymous_ids_are_never_a_submissions_name():
    names = ["S001", "s002", "alice", "S004"]
    shown = col.anonymise(names, {})
    assert not {v.lower() for v in shown.values()} & {n.lower() for n in names}


def test_a_sheet_name_that_is_also_another_students_id_is_refused():
    # an id kept from an earlier anonymised run names alice; a student named S001 came later
    key = {"S001": "alice", "S002": "S001"}
    text = sheet.write(_full("S001") + _full("S002"), RUBRIC.item_ids())
    merged = validate(text, RUBRIC, ["alice", "S001"], key)
    assert "S001" not in merged.mergeable() and "alice" not in merged.mergeable()
    assert any("both" in p.message and p.line == 2 for p in merged.problems)


def test_bom_crlf_and_a_name_in_another_case():
    text = "\ufeff" + sheet.write(_full("alice"), RUBRIC.item_ids()).replace("\n", "\r\n")
    merged = validate(text, RUBRIC, ["alice"])
    assert merged.problems == [] and len(merged.scores["alice"]) == len(RUBRIC.ids)
    shouted = sheet.write(_full("alice") + _full("ALICE"), RUBRIC.item_ids())
    merged = validate(shouted, RUBRIC, ["alice"])
    (unknown, *_) = [p for p in merged.problems if "ALICE" in p.message]
    assert unknown.line == 2 + len(RUBRIC.ids) and "unknown student" in unknown.message


def test_a_zipped_notebook_that_is_a_link_or_a_bomb_is_not_read(tmp_path, monkeypatch):
    import stat
    import zipfile

    from autograder.written import notebooks
    monkeypatch.setattr(notebooks, "MAX_NOTEBOOK", 1000)
    link, bomb = tmp_path / "link.zip", tmp_path / "bomb.zip"
    with zipfile.ZipFile(link, "w") as zf:
        zf.writestr("convolutions/__init__.py", "")
        info = zipfile.ZipInfo("convolutions.ipynb")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("convolutions/__init__.py", "")
        zf.writestr("convolutions.ipynb", b"{" + b" " * 1_000_000)
    for path, why in ((link, "is a link"), (bomb, "bytes (limit 1000)")):
        data, _, status, note = notebooks.find_notebook(path)
        assert data is None and status == UNREADABLE and why in note
