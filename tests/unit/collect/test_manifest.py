"""The collection's manifest reads back as written; a forged checkout path is not graded."""

from __future__ import annotations

import pytest

from autograder.collect.manifest import (
    CARRIED,
    MANIFEST,
    ManifestError,
    Record,
    read_manifest,
    write_manifest,
)


def test_round_trip_and_what_the_grader_carries(tmp_path) -> None:
    (tmp_path / "alice").mkdir()
    records = [Record("alice", collected=True, commit="a" * 40, commit_date="2026-10-01T10:00:00Z",
                      late=True, deadline="2026-10-01T12:00:00+00:00", ref="main",
                      repository="/r/alice.git", checkout="alice", line=2),
               Record("bob", reason="empty repository (no commits)", line=3)]
    path = write_manifest(tmp_path / MANIFEST, records)
    assert read_manifest(path) == records
    assert list(records[0].carried()) == list(CARRIED)
    assert records[0].carried()["late"] is True


def test_a_checkout_outside_the_students_folder_or_missing_is_not_collected(tmp_path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "alice")
    path = write_manifest(tmp_path / MANIFEST, [
        Record("alice", collected=True, checkout="../elsewhere"),
        Record("bob", collected=True, checkout="bob"),
        Record("link", collected=True, checkout="link")])
    alice, bob, link = read_manifest(path)
    assert not alice.collected and "not the student's own folder" in alice.reason
    assert not bob.collected and "missing" in bob.reason
    assert not link.collected


def test_a_file_that_is_not_a_manifest_is_refused(tmp_path) -> None:
    (tmp_path / "x.csv").write_text("submission,total\n")
    with pytest.raises(ManifestError, match="not a collection manifest"):
        read_manifest(tmp_path / "x.csv")


def test_no_cell_is_a_spreadsheet_formula_and_each_reads_back_as_it_was(tmp_path) -> None:
    """A default branch or tag named ``=HYPERLINK(A1)`` or ``+cmd|x!A0`` is a valid git name,
    chosen by the student; instructors open the manifest in spreadsheets."""
    (tmp_path / "alice").mkdir()
    records = [Record("alice", collected=True, commit="a" * 40, ref="+cmd|x!A0",
                      repository="@SUM(1)", checkout="alice", line=2),
               Record("bob", ref="=HYPERLINK(A1)", reason="-1+2", line=3),
               Record("carol", ref="'=kept as written", line=4)]
    path = write_manifest(tmp_path / MANIFEST, records)
    for line in path.read_text().splitlines()[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in line.split(",")), line
    assert read_manifest(path) == records
