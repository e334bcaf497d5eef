"""The commit that counts: newest at or before the deadline; grace and late acceptance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from autograder.collect.select import Candidate, choose, newest_first

DEADLINE = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def _c(ref: str, offset: timedelta) -> Candidate:
    return Candidate(ref, DEADLINE + offset)


def test_exactly_at_the_deadline_is_on_time_one_second_after_is_not() -> None:
    history = [_c("after", SECOND), _c("at", timedelta(0)), _c("before", -timedelta(hours=1))]
    choice = choose(history, DEADLINE)
    assert choice is not None and choice.candidate.ref == "at" and not choice.late
    choice = choose(history[:1] + history[2:], DEADLINE)
    assert choice is not None and choice.candidate.ref == "before"


def test_nothing_before_the_deadline_is_no_choice_unless_late_is_accepted() -> None:
    history = [_c("second", timedelta(hours=2)), _c("first", timedelta(hours=1))]
    assert choose(history, DEADLINE) is None
    choice = choose(history, DEADLINE, accept_late=True)
    assert choice is not None and choice.candidate.ref == "first" and choice.late
    assert choose([], DEADLINE, accept_late=True) is None


def test_grace_takes_the_newest_within_it_marked_late() -> None:
    history = [_c("too-late", timedelta(days=2)), _c("in-grace", timedelta(hours=20)),
               _c("on-time", -SECOND)]
    choice = choose(history, DEADLINE, grace=timedelta(days=1))
    assert choice is not None and choice.candidate.ref == "in-grace" and choice.late
    choice = choose(history[2:], DEADLINE, grace=timedelta(days=1))
    assert choice is not None and not choice.late


def test_tags_newest_first_and_ties_go_to_the_greater_name() -> None:
    tags = [_c("submit/1", -timedelta(hours=2)), _c("submit/3", SECOND),
            _c("submit/2", -timedelta(hours=2))]
    assert [c.ref for c in newest_first(tags)] == ["submit/3", "submit/2", "submit/1"]
    choice = choose(newest_first(tags), DEADLINE)
    assert choice is not None and choice.candidate.ref == "submit/2"
