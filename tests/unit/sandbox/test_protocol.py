"""``autograder.sandbox.protocol``: requests and replies cross the wire unchanged, and anything
of another shape is refused (a reply is written by the student's process)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.sandbox import wire
from autograder.sandbox.protocol import Failure, MessageError, Reply, Request

names = st.text(max_size=12)
plain = st.recursive(st.none() | st.booleans() | st.integers(-1000, 1000) | names,
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(names, inner, max_size=3), max_leaves=8)
ids = st.none() | st.text("0123456789abcdef", min_size=16, max_size=16)
requests = st.builds(Request, names, st.dictionaries(names, plain, max_size=4),
                     st.sampled_from(["cpu", "meta", "cuda:0"]), ids)
failures = st.builds(Failure, names, st.text(max_size=40))
violation_lists = st.lists(st.text(max_size=20), max_size=3).map(tuple)
replies = st.one_of(
    st.builds(Reply, ok=st.dictionaries(names, plain, max_size=4), violations=violation_lists,
              id=ids),
    st.builds(Reply, error=failures, violations=violation_lists, id=ids))


@given(requests)
def test_requests_round_trip(request: Request) -> None:
    assert Request.from_wire(wire.roundtrip(request.to_wire())) == request


@given(replies)
def test_replies_round_trip(reply: Reply) -> None:
    assert Reply.from_wire(wire.roundtrip(reply.to_wire())) == reply


def test_defaults() -> None:
    assert Request.from_wire({"probe": "hello"}) == Request("hello", {}, "cpu", None)
    assert Request("hello").to_wire() == {"probe": "hello", "args": {}, "device": "cpu"}
    assert Reply.from_wire({"ok": {}}) == Reply(ok={})


@pytest.mark.parametrize("message", [
    None, [], "hello", {}, {"args": {}},
    {"probe": 3}, {"probe": "call", "args": []}, {"probe": "call", "args": {1: 2}},
    {"probe": "call", "device": None}, {"probe": "call", "id": 7},
    {"probe": "call", "extra": True},
])
def test_malformed_requests_are_refused(message) -> None:
    with pytest.raises(MessageError):
        Request.from_wire(message)


@pytest.mark.parametrize("message", [
    None, "ok", [{"ok": {}}], {}, {"ok": None}, {"ok": []}, {"ok": "yes"},
    {"ok": {}, "error": {"type": "E", "message": ""}},  # both
    {"error": "boom"}, {"error": {"type": "E"}}, {"error": {"type": 1, "message": ""}},
    {"error": {"type": "E", "message": "", "trace": ""}},
    {"ok": {}, "violations": "conv"}, {"ok": {}, "violations": [1]},
    {"ok": {}, "id": 5}, {"ok": {}, "forged": True},
])
def test_malformed_replies_are_refused(message) -> None:
    with pytest.raises(MessageError):
        Reply.from_wire(message)


def test_message_errors_are_wire_errors() -> None:
    """Whoever catches ``WireError`` for garbage catches a malformed message too."""
    assert issubclass(MessageError, wire.WireError)


def test_a_reply_holds_one_of_observations_and_error() -> None:
    with pytest.raises(MessageError):
        Reply()
    with pytest.raises(MessageError):
        Reply(ok={}, error=Failure("E", "m"))
