"""Reading answers from notebooks: the real handout with answers, and every broken kind."""

from __future__ import annotations

import json
import os
import zipfile

import nbformat
import pytest

from autograder.frontends.handout import load_handout
from autograder.written import notebooks as nbs

from .helpers import all_answers, notebook, question_ids, submission


def _load(folder):
    h = load_handout()
    return nbs.load_student("s", folder, question_ids(), h.answer_stub)


def test_answers_of_the_real_handout_filled_in(tmp_path):
    answers = all_answers("ana")
    s = _load(submission(tmp_path, "ana", notebook(answers)))
    assert s.status == nbs.READ and not s.notes
    assert {q: a.text for q, a in s.answers.items()} == answers
    assert {a.status for a in s.answers.values()} == {nbs.ANSWERED}


def test_the_untouched_handout_is_all_placeholder(tmp_path):
    s = _load(submission(tmp_path, "p", notebook()))
    assert {a.status for a in s.answers.values()} == {nbs.PLACEHOLDER}
    assert all(a.text == "" for a in s.answers.values())


def test_placeholder_kept_above_an_answer_is_left_out(tmp_path):
    stub = load_handout().answer_stub
    s = _load(submission(tmp_path, "k", notebook({"6.1-2": stub + "\n\nPosition matters.",
                                                   "6.1-3": "   \n"})))
    a = s.answers["6.1-2"]
    assert a.status == nbs.ANSWERED and a.text == "Position matters."
    assert "placeholder line" in a.notes[0]
    assert s.answers["6.1-3"].status == nbs.EMPTY


@pytest.mark.parametrize("data, why", [
    (b'{"cells": [', "broken JSON: Expecting value at line 1 column 12"),
    (b"[]", "the file holds a JSON list"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b'{"nbformat": 4, "cells": 7}', "no list of cells"),
    (b"[" * 100_000 + b"]" * 100_000, "broken JSON"),
])
def test_unreadable_notebooks_are_a_status(tmp_path, data, why):
    s = _load(submission(tmp_path, "b", data))
    assert s.status == nbs.UNREADABLE and why in s.problem
    assert {a.status for a in s.answers.values()} == {nbs.UNREADABLE}


def test_odd_cells_are_notes_not_crashes(tmp_path):
    nb = json.loads(nbformat.writes(notebook(all_answers("o"))))
    nb["cells"] += [
        5, "text", {"cell_type": "markdown"},                                  # not cells
        {"cell_type": "markdown", "metadata": {"tags": "answer"}, "source": "x"},  # tags a str
        {"cell_type": "markdown", "metadata": {"tags": ["answer"], "question": [1]},
         "source": "x"},
        {"cell_type": "markdown", "metadata": {"tags": ["answer"], "question": "9.9-9"},
         "source": 3},
        {"cell_type": "code", "metadata": {"tags": ["answer"], "question": "6.1-4"},
         "source": ["more ", "on audio"]},
    ]
    s = _load(submission(tmp_path, "o", json.dumps(nb).encode()))
    assert s.status == nbs.READ
    assert any("2 answer cell(s) for no known question" in n and "9.9-9" in n for n in s.notes)
    audio = s.answers["6.1-4"]
    assert audio.text.endswith("more on audio") and audio.status == nbs.ANSWERED
    assert any("2 cells tagged" in n for n in audio.notes)
    assert any("code" in n for n in audio.notes)


def test_a_deleted_answer_cell_is_missing_or_found_after_the_prompt(tmp_path):
    nb = notebook(all_answers("d"))
    i = next(i for i, c in enumerate(nb.cells) if c.metadata.get("question") == "6.1-2")
    j = next(i for i, c in enumerate(nb.cells) if c.metadata.get("question") == "6.1-3")
    nb.cells[i] = nbformat.v4.new_markdown_cell("My own cell, untagged.")
    del nb.cells[j]
    s = _load(submission(tmp_path, "d", nb))
    assert s.answers["6.1-2"].status == nbs.UNTAGGED
    assert s.answers["6.1-2"].text == "My own cell, untagged."
    assert s.answers["6.1-3"].status == nbs.MISSING  # the next cell is a heading: not taken


def test_huge_and_hostile_text_is_plain_and_capped(tmp_path):
    text = "\x1b]0;title\x07<script>x</script>\u202e" + "a" * (nbs.MAX_ANSWER * 3)
    s = _load(submission(tmp_path, "h", notebook({"6.1-2": text})))
    a = s.answers["6.1-2"]
    assert len(a.text) == nbs.MAX_ANSWER and "\x1b" not in a.text and "\u202e" not in a.text
    assert a.text.startswith("<script>")  # kept as written: the pages escape it
    assert any("cut at" in n for n in a.notes)


def test_no_notebook_renamed_notebook_and_several(tmp_path):
    s = _load(submission(tmp_path, "none", None))
    assert s.status == nbs.NO_NOTEBOOK and {a.status for a in s.answers.values()} == \
        {nbs.NO_NOTEBOOK}
    folder = submission(tmp_path, "renamed", None)
    nbformat.write(notebook(all_answers("r")), str(folder / "convolutions (1).ipynb"))
    s = _load(folder)
    assert s.status == nbs.READ and "read convolutions (1).ipynb instead" in s.notes[0]
    nbformat.write(notebook(), str(folder / "other.ipynb"))
    assert _load(folder).status == nbs.NO_NOTEBOOK
    assert _load(tmp_path / "absent").status == nbs.NO_SUBMISSION
    assert _load(None).status == nbs.NO_SUBMISSION


def test_a_link_is_not_followed(tmp_path):
    secret = tmp_path / "secret.ipynb"
    nbformat.write(notebook(all_answers("secret")), str(secret))
    folder = submission(tmp_path, "link", None)
    os.symlink(secret, folder / "convolutions.ipynb")
    s = _load(folder)
    assert s.status == nbs.UNREADABLE and "secret" not in json.dumps(
        {q: a.text for q, a in s.answers.items()})


def test_zips_at_the_root_or_under_one_folder(tmp_path):
    text = nbformat.writes(notebook(all_answers("zed")))
    for name, prefix in [("flat.zip", ""), ("github.zip", "repo-main/")]:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{prefix}convolutions/__init__.py", "")
            zf.writestr(f"{prefix}convolutions.ipynb", text)
        s = _load(path)
        assert s.status == nbs.READ, s.problem
        assert s.answers["6.1-5"].text.startswith("zed answers 6.1-5")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    assert _load(bad).status == nbs.UNREADABLE


def test_an_old_nbformat_notebook_is_upgraded(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "markdown", "metadata": {"tags": ["answer"], "question": "6.1-2"},
         "source": ["Old ", "format."]}]}]}
    s = _load(submission(tmp_path, "v3", json.dumps(v3).encode()))
    assert s.answers["6.1-2"].status == nbs.ANSWERED
    assert s.answers["6.1-2"].text.split() == ["Old", "format."]
    assert s.answers["6.1-3"].status == nbs.MISSING
