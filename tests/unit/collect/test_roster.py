"""Rosters: a plain CSV with a URL template, Classroom 50's export; bad rows kept with reasons."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from autograder.collect.roster import RosterError, read_roster, repository_of

TEMPLATE = "https://github.com/org/conv-{username}.git"


def _roster(tmp_path: Path, text: str, template: str | None = TEMPLATE):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return read_roster(path, template)


def test_plain_roster_with_extensions_and_own_deadlines(tmp_path) -> None:
    roster = _roster(tmp_path, "\ufeffGitHub_Username,extension,deadline\n"
                               "alice,,\nbob,2d,\ncarol,,2026-10-03T12:00:00+02:00\n\n")
    assert not roster.export
    alice, bob, carol = roster.entries
    assert alice.repository == "https://github.com/org/conv-alice.git" and alice.error is None
    assert bob.extension == timedelta(days=2)
    assert carol.deadline is not None and carol.deadline.utcoffset() == timedelta(hours=2)


def test_bad_rows_are_kept_with_their_reason(tmp_path) -> None:
    roster = _roster(tmp_path, "login,extension,deadline\n,1d,\n../x,,\nalice,,\nALICE,,\n"
                               "bob,2,\ncarol,,2026-10-03\n")
    reasons = [e.error for e in roster.entries]
    assert reasons[0] == "roster line 2: no username"
    assert "is not a GitHub username" in reasons[1]
    assert reasons[2] is None
    assert reasons[3] == "roster line 5: ALICE is listed already, on line 4"
    assert "with its unit" in reasons[4] and "line 6" in reasons[4]
    assert "no UTC offset" in reasons[5]


def test_a_repository_column_wins_and_without_either_the_row_says_so(tmp_path) -> None:
    roster = _roster(tmp_path, "username,repository\nalice,/srv/alice.git\nbob,\n",
                     template=None)
    assert roster.entries[0].repository == "/srv/alice.git"
    assert "pass --repo-url" in (roster.entries[1].error or "")


def test_whole_roster_errors(tmp_path) -> None:
    with pytest.raises(RosterError, match="no username column"):
        _roster(tmp_path, "name,email\nAlice,a@x\n")
    with pytest.raises(RosterError, match="every student would get the same repository"):
        _roster(tmp_path, "username\nalice\n", template="https://github.com/org/conv.git")
    with pytest.raises(RosterError, match="cannot read"):
        read_roster(tmp_path / "absent.csv", TEMPLATE)


def test_classroom50_export_lines_become_each_students_releases(tmp_path) -> None:
    # gh teacher download's scores.csv: one line per submission, newest first
    roster = _roster(tmp_path, (
        "username,first_name,last_name,email,section,score,max_score,datetime,submission_tag,"
        "submitted_by,review_url,late,override\n"
        "Alice,A,L,a@x,1,80,100,2026-10-01T10:00:00Z,submit/2,Alice,,false,\n"
        "Alice,A,L,a@x,1,40,100,2026-09-30T10:00:00Z,submit/1,Alice,,false,\n"
        "bob,B,O,b@x,1,,,,,,,,\n"
        "carol,C,A,c@x,1,10,100,yesterday,submit/1,carol,,false,\n"),
        template="https://github.com/org/fall-conv-{username_lower}")
    assert roster.export
    alice, bob, carol = roster.entries
    assert alice.repository == "https://github.com/org/fall-conv-alice"
    assert [r.tag for r in alice.releases or []] == ["submit/2", "submit/1"]
    assert bob.releases == [] and bob.error is None
    assert "Classroom 50 export line 5" in (carol.error or "")


def test_the_exports_other_column_names_and_its_commit(tmp_path) -> None:
    roster = _roster(tmp_path, "username,score,max_score,submitted_at,late,commit,release\n"
                               "alice,1,2,2026-10-01T10:00:00+00:00,false,ABC123,submit/7\n")
    (release,) = roster.entries[0].releases or []
    assert (release.tag, release.commit) == ("submit/7", "abc123")


def test_placeholders() -> None:
    assert repository_of("/r/{username}-{username_lower}.git", "Bob") == "/r/Bob-bob.git"
