"""Deadlines need their offset; extensions their unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from autograder.collect.times import iso, parse_deadline, parse_length


def test_a_deadline_keeps_its_offset_and_z_is_utc() -> None:
    when = parse_deadline("2026-10-01T23:59:00-04:00")
    assert when.utcoffset() == timedelta(hours=-4)
    assert parse_deadline("2026-10-02T03:59:00Z") == when
    assert iso(when) == "2026-10-01T23:59:00-04:00"


@pytest.mark.parametrize("text", ["2026-10-01T23:59:00", "2026-10-01", "2026-10-01 23:59"])
def test_a_deadline_without_offset_is_refused_with_the_fix(text: str) -> None:
    with pytest.raises(ValueError, match="no UTC offset.*Z for UTC"):
        parse_deadline(text)


def test_a_deadline_that_is_not_a_date_says_what_is_expected() -> None:
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_deadline("next friday")


@pytest.mark.parametrize(("text", "length"), [
    ("", timedelta(0)), ("2d", timedelta(days=2)), ("36h", timedelta(hours=36)),
    ("90m", timedelta(minutes=90)), ("1.5d", timedelta(hours=36)),
    ("1d12h", timedelta(hours=36)), (" 2 D ", timedelta(days=2))])
def test_extension_lengths(text: str, length: timedelta) -> None:
    assert parse_length(text) == length


@pytest.mark.parametrize("text", ["2", "two days", "2w", "-1d", "2d x", "d"])
def test_an_extension_without_a_unit_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="with its unit"):
        parse_length(text)


def test_offsets_compare_as_instants() -> None:
    assert parse_deadline("2026-10-01T23:59:00-04:00") == datetime(2026, 10, 2, 3, 59, tzinfo=UTC)
    assert parse_deadline("2026-10-02T05:59:00+02:00").tzinfo == timezone(timedelta(hours=2))
