"""Shared builders of the written-answers tests: the real handout notebook with answers filled
in, and a grading output folder made by hand (no grading needed)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat

from autograder.frontends.handout import load_handout


def notebook(answers: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The handout notebook, with ``answers`` (question id -> text) written into its cells."""
    nb = copy.deepcopy(load_handout().notebook)
    for cell in nb.cells:
        qid = cell.metadata.get("question")
        if "answer" in cell.metadata.get("tags", []) and answers and qid in answers:
            cell.source = answers[qid]
    return nb


def question_ids() -> list[str]:
    return [q.id for q in load_handout().questions]


def all_answers(who: str) -> dict[str, str]:
    return {q: f"{who} answers {q}: locality and translation invariance." for q in question_ids()}


def submission(root: Path, name: str, nb: nbformat.NotebookNode | bytes | None) -> Path:
    """``root/<name>/`` holding ``convolutions/`` and, unless None, the notebook."""
    folder = root / name
    (folder / "convolutions").mkdir(parents=True)
    (folder / "convolutions" / "__init__.py").write_text("")
    if isinstance(nb, bytes):
        (folder / "convolutions.ipynb").write_bytes(nb)
    elif nb is not None:
        nbformat.write(nb, str(folder / "convolutions.ipynb"))
    return folder


def graded(out: Path, name: str, source: Path | str | None, score: float = 40.0) -> Path:
    """``out/<name>/`` as `grade` leaves it: results.json (recording ``source``) and
    feedback.md."""
    folder = out / name
    folder.mkdir(parents=True)
    extra = {"submission": name, "parts": {}, "max_score": 90.0}
    if source is not None:
        extra["source"] = str(source)
    (folder / "results.json").write_text(json.dumps({"score": score, "extra_data": extra}))
    (folder / "feedback.md").write_text(f"# Feedback for `{name}`\n\n**{score:g} / 90**\n")
    return folder
