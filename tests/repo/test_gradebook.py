"""``grade --only NAME`` end to end (one part, no isolation: fast): that submission is graded
again under the name the batch gave it, its previous result kept beside it, its written score
carried over, its gradebook row updated, and no other folder touched; batch.json and the bank's
digest are written."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from autograder.cli import main
from autograder.paths import EXAMPLES

ARGS = ["--isolation", "none", "--part", "cross_correlation", "-q"]


def _book(out: Path) -> dict[str, dict[str, str]]:
    return {r["submission"]: r for r in csv.DictReader(io.StringIO(
        (out / "gradebook.csv").read_text()))}


def test_grade_only_regrades_one_submission_and_keeps_the_previous(tmp_path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name in ("reference", "stubs"):
        shutil.copytree(EXAMPLES / name, subs / name)
    roster = tmp_path / "roster.csv"
    roster.write_text("username,name,sis_id\nstubs,Stu Bs,7\nabsent,Ab Sent,8\n")
    given = [str(subs / "reference"), str(subs / "stubs")]
    assert main(["grade", *given, "-o", str(out), "--roster", str(roster), *ARGS]) == 0
    assert float(_book(out)["stubs"]["autograded"]) == 0
    results = json.loads((out / "stubs" / "results.json").read_text())
    assert results["extra_data"]["parts"]["cross_correlation"]["attempted"] is False
    digest = results["extra_data"]["bank_digest"]
    assert digest.startswith("sha256:") and json.loads(
        (out / "batch.json").read_text())["bank_digest"] == digest

    (out / "stubs" / "written.json").write_text(json.dumps(
        {"score": 4, "max_score": 10, "questions": {}, "source": "scores.csv"}))
    other = {p.name: p.stat().st_mtime_ns for p in (out / "reference").iterdir()}
    shutil.rmtree(subs / "stubs" / "convolutions")  # the student fixed their work
    shutil.copytree(subs / "reference" / "convolutions", subs / "stubs" / "convolutions")
    assert main(["grade", *given, "-o", str(out), "--only", "stubs", *ARGS]) == 0

    book = _book(out)
    assert float(book["stubs"]["autograded"]) == 15 and float(book["stubs"]["written"]) == 4
    assert book["stubs"]["name"] == "Stu Bs" and book[""]["username"] == "absent"  # roster kept
    (previous,) = (out / "stubs" / "previous").iterdir()
    assert json.loads((previous / "results.json").read_text())["score"] == 0
    assert "not attempted" in (previous / "feedback.md").read_text()
    assert {p.name: p.stat().st_mtime_ns for p in (out / "reference").iterdir()} == other
    assert json.loads((out / "batch.json").read_text())["submissions"] == 1
    assert main(["grade", *given, "-o", str(out), "--only", "nobody", *ARGS]) == 2


def test_grade_only_takes_no_path_option_or_reserved_name(tmp_path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    shutil.copytree(EXAMPLES / "stubs", subs / "stubs")
    for name in ("../stubs", "stubs/..", "-x", "gradebook.csv", "written", ".stubs.new", ""):
        assert main(["grade", str(subs / "stubs"), "-o", str(out), f"--only={name}",
                     *ARGS]) == 2, name
    assert list(out.iterdir()) == []  # created (writable), nothing written in it
