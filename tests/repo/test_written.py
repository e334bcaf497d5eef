"""End to end: grade four tiny submissions with notebooks (one part, no sandbox: seconds), then
``written collect`` (anonymised) -> fill in the sheet -> ``written merge``, twice, through the
command line, as an instructor runs it. The units are tested in tests/unit/written/."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import shutil
import subprocess
import zipfile

import nbformat

from autograder import paths
from autograder.frontends.handout import load_handout

from conftest import PY, REPO


def _notebook(answers: dict[str, str]) -> str:
    nb = copy.deepcopy(load_handout().notebook)
    for cell in nb.cells:
        if cell.metadata.get("question") in answers:
            cell.source = answers[cell.metadata["question"]]
    return nbformat.writes(nb)


def _cli(cwd, *args) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "autograder", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def _classroom(tmp) -> None:
    """ann (all answered), ben (the stub, notebook untouched), cat (broken notebook), dan (a
    GitHub zip, half answered)."""
    ids = [q.id for q in load_handout().questions]
    subs = tmp / "subs"
    for name, source in [("ann", "reference"), ("ben", "stubs"), ("cat", "reference")]:
        shutil.copytree(paths.EXAMPLES / source, subs / name)
    (subs / "ann" / "convolutions.ipynb").write_text(
        _notebook({q: f"Ann on {q}: <b>bold</b> claims." for q in ids}))
    shutil.copy(paths.ASSIGNMENTS / "convolutions.ipynb", subs / "ben")
    (subs / "cat" / "convolutions.ipynb").write_text('{"cells": [ oops')
    with zipfile.ZipFile(subs / "dan.zip", "w") as zf:
        for f in sorted((paths.EXAMPLES / "reference" / "convolutions").glob("*.py")):
            zf.write(f, f"dan-main/convolutions/{f.name}")
        zf.writestr("dan-main/convolutions.ipynb", _notebook({q: f"Dan on {q}" for q in ids[:3]}))



def _gradebook(out):
    return {r["submission"]: r for r in csv.DictReader(io.StringIO(
        (out / "gradebook.csv").read_text()))}


def test_collect_grade_merge_end_to_end(tmp_path):
    _classroom(tmp_path)
    graded = _cli(tmp_path, "grade", "subs/ann", "subs/ben", "subs/cat", "subs/dan.zip",
                  "--output", "out", "--isolation", "none", "--part", "cross_correlation",
                  "--jobs", "2", "--quiet")
    assert graded.returncode == 0, graded.stderr[-3000:]
    out = tmp_path / "out"

    collected = _cli(tmp_path, "written", "collect", "out", "--anonymise")
    assert collected.returncode == 0, collected.stderr
    assert "4 students, 1 answered all 6 questions" in collected.stdout
    key = {r["submission"]: r["id"] for r in csv.DictReader(
        io.StringIO((out / "written-key.csv").read_text()))}
    assert set(key) == {"ann", "ben", "cat", "dan"}
    pages = out / "written"
    page = (pages / "question-6.1-2.html").read_text()
    assert "Ann on 6.1-2: &lt;b&gt;bold&lt;/b&gt;" in page
    assert not re.search(r"\b(ann|ben|cat|dan)\b", page)  # anonymised
    rows = list(csv.DictReader(io.StringIO((pages / "scores.csv").read_text())))
    status = {(r["student"], r["question"]): r["status"] for r in rows}
    assert status[key["ben"], "6.1-2"] == "placeholder"
    assert status[key["cat"], "6.1-2"] == "unreadable"
    assert status[key["dan"], "6.1-2"] == "answered"
    assert status[key["dan"], "6.1-5"] == "placeholder"

    # graders tick the top item of every answered question; collect's zeros stay
    for r in rows:
        if r["status"] == "answered":
            r[f"item {r['max_points']}"] = "x"
            r["comment"] = "Well argued, = cites d2l" if r["question"] == "6.1-2" else ""
    scores = tmp_path / "graded.csv"
    with scores.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    merged = _cli(tmp_path, "written", "merge", scores, "out")
    assert merged.returncode == 0, merged.stderr
    written = {n: json.loads((out / n / "written.json").read_text()) for n in key}
    assert {n: w["score"] for n, w in written.items()} == \
        {"ann": 10.0, "ben": 0.0, "cat": 0.0, "dan": 6.0}
    assert written["ann"]["questions"]["6.1-2"] == {
        "score": 2.0, "max_score": 2.0, "items": {"2": True, "1": False, "0": False},
        "comment": "Well argued, = cites d2l"}
    assert {w["max_score"] for w in written.values()} == {10.0}
    assert written["cat"]["questions"]["6.1-3"]["comment"].startswith("No answer: the notebook")
    feedback = (out / "ann" / "feedback.md").read_text()
    assert "**Written answers: 10 / 10 points**" in feedback
    assert feedback.startswith("# Feedback for")  # the grader's feedback kept above
    book = _gradebook(out)
    assert {n: float(book[n]["written"]) for n in key} == \
        {n: w["score"] for n, w in written.items()}
    for row in book.values():  # the final total adds up
        assert float(row["final"]) == float(row["autograded"]) + \
            float(row["extra_credit"] or 0) + float(row["written"])

    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = _cli(tmp_path, "written", "merge", scores, "out")
    assert again.returncode == 0, again.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == files  # idempotent

    # a sheet with a problem changes nothing, and says where
    bad = tmp_path / "bad.csv"
    bad.write_text(scores.read_text().replace(key["ann"], "S999", 1))
    refused = _cli(tmp_path, "written", "merge", bad, "out")
    assert refused.returncode == 1
    assert re.search(r"bad.csv:\d+: unknown student 'S999'", refused.stderr)
    assert "nothing written" in refused.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == files
