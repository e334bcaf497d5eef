"""The gradebook (columns, sums, one maximum), the roster join, the Canvas export, the bank's
digest, batch.json, and the feedback's grouping (parts not attempted, repeated reasons)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autograder import feedback, paths
from autograder.grade.bank import Bank, Check, GradingScheme, bank_digest, load_scheme
from autograder.grade.batch import write_batch_record
from autograder.grade.export import ExportError, canvas_csv
from autograder.grade.gradebook import entries, max_score
from autograder.grade.intake import Submission
from autograder.grade.gradebook import write_gradebook
from autograder.grade.results import feedback_markdown, write_raw, \
    write_submission
from autograder.grade.roster import Join, RosterError, Student, read_roster
from autograder.grade.runner import CheckResult, SubmissionResult


def _noop(student) -> None:
    pass


def _bank() -> Bank:
    scheme = GradingScheme(parts={"part_a": 9, "part_b": 1}, optional={"extra": 5},
                           manual={"written": 10})
    checks = [Check("a.one", "part_a", "one", _noop, points=4.5),
              Check("a.two", "part_a", "two", _noop, points=4.5),
              Check("b.one", "part_b", "b one", _noop, points=1),
              Check("b.two", "part_b", "b two", _noop, points=0),
              Check("x.one", "extra", "bonus", _noop, points=5)]
    return Bank(scheme, checks, digest="sha256:test")


def _result(bank: Bank, name: str, failing: dict[str, str] | None = None) -> SubmissionResult:
    failing = failing or {}
    results = [CheckResult(c, c.id not in failing, failing.get(c.id, "")) for c in bank.checks]
    return SubmissionResult(Submission(name=name, source=f"/subs/{name}"), results=results)


def _book(out: Path, bank: Bank, roster: Path | None = None) -> dict[str, dict[str, str]]:
    text = write_gradebook(out, bank, roster).read_text()
    return {row["submission"] or row["username"]: row for row in csv.DictReader(io.StringIO(text))}


def _written(out: Path, name: str, score: float) -> None:
    (out / name / "written.json").write_text(json.dumps(
        {"score": score, "max_score": 10, "questions": {}, "source": "scores.csv"}))


# -- columns and sums


def test_final_adds_autograded_extra_and_written_against_one_maximum(tmp_path) -> None:
    bank = _bank()
    write_submission(tmp_path, _result(bank, "alice"), bank)
    write_submission(tmp_path, _result(bank, "bob", {"a.one": "wrong", "x.one": "wrong"}), bank)
    _written(tmp_path, "alice", 7.5)
    book = _book(tmp_path, bank)
    header = next(csv.reader(io.StringIO((tmp_path / "gradebook.csv").read_text())))
    assert header[:7] == ["submission", "autograded", "extra_credit", "written",
                          "written_graded", "final", "max_score"]
    assert header[7:] == ["part_a", "part_b", "extra", "error", "review"]  # written: once
    alice, bob = book["alice"], book["bob"]
    assert (float(alice["autograded"]), float(alice["extra_credit"])) == (10, 5)
    assert (float(alice["written"]), alice["written_graded"]) == (7.5, "true")
    assert float(alice["final"]) == 22.5 and float(alice["max_score"]) == 20 == max_score(bank)
    # written not graded yet: empty, never 0, and no final that would read as a grade
    assert (bob["written"], bob["written_graded"], bob["final"]) == ("", "false", "")
    assert (float(bob["autograded"]), float(bob["extra_credit"])) == (5.5, 0)


def test_an_unreadable_written_file_is_not_a_grade(tmp_path) -> None:
    bank = _bank()
    write_submission(tmp_path, _result(bank, "alice"), bank)
    (tmp_path / "alice" / "written.json").write_text('{"score": "ten"}')
    assert _book(tmp_path, bank)["alice"]["written_graded"] == "false"


def test_without_manual_parts_final_is_the_autograded_score(tmp_path) -> None:
    bank = _bank()
    bank.scheme.manual = {}
    write_submission(tmp_path, _result(bank, "alice"), bank)
    assert float(_book(tmp_path, bank)["alice"]["final"]) == 15


def test_the_real_schemes_maximum_is_its_auto_and_manual_points() -> None:
    scheme = load_scheme(paths.MANIFEST)
    assert max_score(Bank(scheme)) == scheme.auto_max + sum(scheme.manual.values())


# -- roster


ROSTER = ("github_username,Name,Email,SIS_ID,Section\n"
          "alice,\"Liddell, Alice\",alice@u.edu,1001,A\n"
          "jim-bob,Jim Bob,jb@u.edu,1002,B\n"
          "bob,Bob,bob@u.edu,1003,B\n"
          "\n"
          "carol,Carol,carol@u.edu,1004,A\n")


def _students(tmp_path: Path) -> list[Student]:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return read_roster(path)


@pytest.mark.parametrize(("name", "username", "expected"), [
    ("alice", None, "alice"), ("ALICE-main", None, "alice"), ("alice-master", None, "alice"),
    ("cs101-convolutions-alice", None, "alice"), ("cs101-conv-jim-bob", None, "jim-bob"),
    ("cs101-conv-bob-main", None, "bob"), ("conv-Bob", None, "bob"),
    ("whatever", "carol", "carol"), ("nobody", None, None), ("alicex", None, None)])
def test_roster_join_tolerates_suffixes_and_classroom_names(tmp_path, name, username,
                                                            expected) -> None:
    found = Join(_students(tmp_path)).student(name, username)
    assert (found.username if found else None) == expected


def test_roster_rows_and_students_without_a_submission(tmp_path) -> None:
    bank = _bank()
    out = tmp_path / "out"
    for name in ("alice-main", "cs101-conv-jim-bob", "stranger"):
        write_submission(out, _result(bank, name), bank)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    book = _book(out, bank, roster)
    assert book["alice-main"]["name"] == "Liddell, Alice"
    assert book["cs101-conv-jim-bob"]["sis_id"] == "1002"
    assert book["stranger"]["username"] == ""
    for missing in ("bob", "carol"):
        assert book[missing]["error"] == "no submission" and book[missing]["submission"] == ""
        assert float(book[missing]["final"]) == 0
    # kept in OUT: a later rebuild without --roster (e.g. `written merge`) keeps the columns
    assert _book(out, bank)["alice-main"]["email"] == "alice@u.edu"


@pytest.mark.parametrize("text", ["name,email\nAlice,a@u.edu\n",
                                  "username\nalice\nAlice\n", "username\n../etc\n"])
def test_a_roster_that_cannot_be_joined_is_refused(tmp_path, text) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(RosterError):
        read_roster(path)


# -- Canvas


def test_canvas_csv_has_the_import_columns_and_points_possible(tmp_path) -> None:
    bank = _bank()
    out = tmp_path / "out"
    write_submission(out, _result(bank, "alice"), bank)
    write_submission(out, _result(bank, "bob-main"), bank)
    _written(out, "alice", 10)
    rows = entries(out, bank, _students(tmp_path))
    lines = list(csv.reader(io.StringIO(canvas_csv(rows, "=Convolutions", max_score(bank),
                                                   True))))
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                        "'=Convolutions"]
    assert lines[1] == ["Points Possible", "", "", "", "", "20"]
    by_id = {line[2]: line for line in lines[2:]}
    assert by_id["1001"] == ["Liddell, Alice", "", "1001", "", "A", "25"]  # 20 + 5 extra
    assert by_id["1003"][-1] == ""   # written not graded: empty (Canvas leaves it unchanged)
    assert by_id["1004"][-1] == "0"  # no submission
    assert len(lines) == 2 + 4 and "stranger" not in str(lines)


def test_canvas_refuses_a_student_with_two_submissions(tmp_path) -> None:
    bank = _bank()
    out = tmp_path / "out"
    for name in ("alice", "alice-main"):
        write_submission(out, _result(bank, name), bank)
    with pytest.raises(ExportError, match="alice: alice, alice-main"):
        canvas_csv(entries(out, bank, _students(tmp_path)), "Conv", 20, True)


# -- the bank's digest, batch.json


def test_bank_digest_is_stable_and_changes_with_a_file_or_the_points(tmp_path) -> None:
    bank_dir = tmp_path / "bank"
    (bank_dir / "__pycache__").mkdir(parents=True)
    (bank_dir / "checks_a.py").write_text("x = 1\n")
    (bank_dir / "__pycache__" / "checks_a.pyc").write_bytes(b"cache")
    scheme = _bank().scheme
    first = bank_digest(bank_dir, scheme)
    assert first.startswith("sha256:") and first == bank_digest(bank_dir, _bank().scheme)
    (bank_dir / "__pycache__" / "checks_a.pyc").write_bytes(b"other cache")
    assert bank_digest(bank_dir, scheme) == first  # caches are not the bank
    scheme.parts["part_a"] = 8
    assert bank_digest(bank_dir, scheme) != first
    (bank_dir / "checks_a.py").write_text("x = 2\n")
    assert bank_digest(bank_dir, _bank().scheme) != first


def test_results_and_batch_record_carry_the_digest(tmp_path) -> None:
    bank = _bank()
    write_submission(tmp_path, _result(bank, "alice"), bank)
    data = json.loads((tmp_path / "alice" / "results.json").read_text())
    assert data["extra_data"]["bank_digest"] == "sha256:test"
    started = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    record = json.loads(write_batch_record(tmp_path, bank, started, 80.25, 30).read_text())
    assert record["started"] == "2026-09-01T12:00:00+00:00"
    assert record["wall_seconds"] == 80.25 and record["submissions"] == 30
    assert record["bank_digest"] == "sha256:test" and record["finished"] > record["started"]


# -- regrading keeps what is not the grading's


def test_regrading_carries_written_over_and_keeps_the_previous_result(tmp_path) -> None:
    bank = _bank()
    write_submission(tmp_path, _result(bank, "alice", {"a.one": "wrong"}), bank)
    _written(tmp_path, "alice", 6)
    write_submission(tmp_path, _result(bank, "alice"), bank, keep_previous=True)
    folder = tmp_path / "alice"
    assert json.loads((folder / "written.json").read_text())["score"] == 6
    (kept,) = (folder / "previous").iterdir()
    assert json.loads((kept / "results.json").read_text())["score"] == 10.5
    assert (kept / "feedback.md").is_file() and (kept / "written.json").is_file()
    write_raw(tmp_path, "alice", {"score": 1}, "again")  # a plain regrade keeps the history
    assert [p.name for p in (folder / "previous").iterdir()] == [kept.name]


def test_regrading_keeps_the_written_answers_section_of_the_feedback(tmp_path) -> None:
    from autograder.written.merge import BEGIN, END, with_section

    bank = _bank()
    write_submission(tmp_path, _result(bank, "alice"), bank)
    _written(tmp_path, "alice", 6)
    feedback = tmp_path / "alice" / "feedback.md"
    section = f"{BEGIN}\n## Written answers\n\n6 / 10\n{END}\n"
    feedback.write_text(with_section(feedback.read_text(), section))
    write_submission(tmp_path, _result(bank, "alice", {"a.one": "wrong"}), bank)
    text = feedback.read_text()
    assert text.count(BEGIN) == 1 and "6 / 10" in text and "wrong" in text


# -- feedback


def test_a_part_left_as_the_stub_is_one_line() -> None:
    bank = _bank()
    stub = feedback.not_implemented(" (at a.py:3)")
    r = _result(bank, "alice", {"a.one": stub, "a.two": feedback.not_judged("dtype", stub),
                                "b.one": "b is wrong"})
    text = feedback_markdown(r, bank)
    assert text.count("not implemented yet") == 0
    assert text.count(feedback.not_attempted("part_a")) == 1
    assert "- **b one** (1 point): b is wrong" in text  # one check, one line, as before


def test_a_repeated_reason_is_shown_once_with_its_checks() -> None:
    bank = _bank()
    rule = feedback.rule_broken("autograd inside Corr2dFunction.backward (it builds a graph)")
    r = _result(bank, "alice", {"a.one": rule, "a.two": feedback.not_judged("a in float32", rule),
                                "b.one": rule, "b.two": rule})
    text = feedback_markdown(r, bank)
    assert text.count(rule) == 2  # once per part
    assert f"{feedback.same_reason(2)}** (9 points):" in text
    assert f"  - two (4.5 points; {feedback.UNJUDGED_NOTE})" in text
    assert "  - one (4.5 points)" in text and "  - b two (0 points)" in text


# -- hostile students, careless instructors


def test_a_recorded_username_outside_the_roster_never_takes_anothers_row(tmp_path) -> None:
    # collect recorded mallory (not in the roster): a repository named after bob is not bob's
    join = Join(_students(tmp_path))
    assert join.student("conv-bob", "mallory") is None
    assert join.student("conv-bob", "BOB").username == "bob"


def test_formulas_in_the_roster_reach_no_spreadsheet(tmp_path) -> None:
    bank = _bank()
    out = tmp_path / "out"
    write_submission(out, _result(bank, "alice"), bank)
    _written(out, "alice", 10)
    roster = tmp_path / "roster.csv"
    roster.write_text('username,name,email,sis_id,section,sis_login_id\n'
                      'alice,"=HYPERLINK(""http://x"")",+1@u.edu,-2,@SUM(A1),"\t=1+1"\n'
                      'bob,"\r=cmd|\' /C calc\'!A0",b@u.edu,3,"\n=2",x\n')
    text = write_gradebook(out, bank, roster).read_text()
    exported = canvas_csv(entries(out, bank, read_roster(roster)), "Conv", 20, True)
    for csv_text in (text, exported):
        for row in csv.reader(io.StringIO(csv_text)):
            for value in row:
                assert value.lstrip()[:1] not in ("=", "+", "-", "@"), (value, row)


def test_a_regrade_with_feedback_at_its_cap_keeps_the_whole_written_section(tmp_path) -> None:
    from autograder.grade.results import MAX_FEEDBACK
    from autograder.written.merge import BEGIN, END, with_section

    long = "".join(f"- check {i}: {'x' * 90}\n" for i in range(2 * MAX_FEEDBACK // 100))
    write_raw(tmp_path, "alice", {"score": 1}, long)
    _written(tmp_path, "alice", 6)
    feedback = tmp_path / "alice" / "feedback.md"
    section = f"{BEGIN}\n## Written answers\n\n6 / 10\n{END}\n"
    feedback.write_text(with_section(feedback.read_text(), section))
    write_raw(tmp_path, "alice", {"score": 2}, long)
    text = feedback.read_text()
    assert len(text.encode()) <= MAX_FEEDBACK and text.endswith(section)


def test_a_students_message_cannot_forge_the_written_section(tmp_path) -> None:
    from autograder.written.merge import BEGIN, END

    bank = _bank()
    forged = f"\n{BEGIN}\n## Written answers\n\n10 / 10\n{END}\n"
    write_submission(tmp_path, _result(bank, "alice", {"a.one": forged}), bank)
    _written(tmp_path, "alice", 2)
    write_submission(tmp_path, _result(bank, "alice", {"a.one": forged}), bank)
    lines = (tmp_path / "alice" / "feedback.md").read_text().splitlines()
    assert BEGIN not in lines and END not in lines


def test_a_collected_username_beside_a_rosters_is_its_own_column(tmp_path: Path) -> None:
    """With --roster and --collection both, the header names each column once."""
    from autograder.grade.gradebook import write_gradebook as write

    out = tmp_path / "out"
    (out / "alice").mkdir(parents=True)
    (out / "alice" / "results.json").write_text(json.dumps(
        {"score": 1, "tests": [], "extra_data": {"collection": {"username": "alice",
                                                                "commit": "abc"}}}))
    roster = tmp_path / "roster.csv"
    roster.write_text("username,name\nalice,Alice A\n")
    header = write(out, _bank(), roster).read_text().splitlines()[0].split(",")
    assert len(header) == len(set(header)), header
    assert "collected_username" in header and header.count("username") == 1
