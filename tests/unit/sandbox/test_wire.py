"""``autograder.sandbox.wire``: framed JSON with tagged arrays; garbage is a ``WireError``,
never an object."""

from __future__ import annotations

import base64
import socket
import struct
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.sandbox import wire

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53)
    | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20)
NUMPY_DTYPES = sorted(wire.DTYPES - {"bfloat16"})


@given(json_values)
def test_plain_messages_round_trip(message) -> None:
    framed = wire.dumps(message)
    (size,) = struct.unpack(">I", framed[:4])
    assert size == len(framed) - 4
    assert wire.loads(framed[4:]) == message == wire.roundtrip(message)


@given(st.sampled_from(NUMPY_DTYPES), st.lists(st.integers(0, 3), max_size=4),
       st.integers(0, 2**32 - 1))
def test_arrays_round_trip(dtype: str, shape: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    array = (rng.standard_normal(shape) * 50).astype(dtype)
    tag = wire.roundtrip(wire.encode_array(array))
    back, name = wire.decode_array(tag["__array__"])
    assert name == dtype and back.dtype == array.dtype and back.shape == array.shape
    assert back.tobytes() == array.tobytes()
    assert back.flags.writeable  # a copy, not a view of the message


def test_non_contiguous_arrays_travel_in_c_order() -> None:
    array = np.arange(12, dtype="int32").reshape(3, 4).T
    back, _ = wire.decode_array(wire.encode_array(array)["__array__"])
    assert (back == array).all()


def test_unknown_dtypes_are_refused_both_ways() -> None:
    with pytest.raises(wire.WireError, match="complex128"):
        wire.encode_array(np.zeros(2, dtype="complex128"))
    with pytest.raises(wire.WireError, match="not allowed"):
        wire.decode_array({"dtype": "object", "shape": [], "data": ""})


@pytest.mark.parametrize("tag, match", [
    ({"dtype": "int8", "shape": [1]}, "malformed array tag"),
    ({"dtype": "int8", "shape": [1], "data": "AA==", "more": 1}, "malformed array tag"),
    ({"dtype": "int8", "shape": "1", "data": "AA=="}, "shape"),
    ({"dtype": "int8", "shape": [1] * 9, "data": "AA=="}, "shape"),
    ({"dtype": "int8", "shape": [True], "data": "AA=="}, "shape"),
    ({"dtype": "int8", "shape": [2**31], "data": "AA=="}, "shape"),
    ({"dtype": "int8", "shape": [1], "data": 5}, "data"),
    ({"dtype": "int8", "shape": [1], "data": "A"}, "data"),
    ({"dtype": "int8", "shape": [1], "data": "é"}, "data"),
    ({"dtype": "int8", "shape": [2], "data": "AA=="}, "has 1 bytes"),
])
def test_malformed_array_tags(tag, match) -> None:
    with pytest.raises(wire.WireError, match=match):
        wire.decode_array(tag)


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000,
                                  b"1" * 5000, b"NaNa"])
def test_garbage_is_refused(body: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.loads(body)


def test_messages_with_too_many_nodes_are_refused_unread() -> None:
    with pytest.raises(wire.WireError, match="more than"):
        wire.loads(b"[" + b"{}," * wire.MAX_NESTING_NODES + b"{}]")


def test_oversized_messages_are_refused(monkeypatch) -> None:
    monkeypatch.setattr(wire, "MAX_MESSAGE", 100)
    with pytest.raises(wire.WireError, match="exceeds"):
        wire.dumps("x" * 200)


def test_non_ascii_text_travels_escaped() -> None:
    framed = wire.dumps({"é": "\u202e\x00"})
    framed[4:].decode("ascii")
    assert wire.loads(framed[4:]) == {"é": "\u202e\x00"}


def _pair() -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair()
    a.settimeout(10)
    b.settimeout(10)
    return a, b


def test_send_and_recv_over_a_socket() -> None:
    a, b = _pair()
    with a, b:
        big = {"data": base64.b64encode(bytes(3 << 20)).decode()}  # several recv() calls
        sender = threading.Thread(target=wire.send, args=(a, big))
        sender.start()
        assert wire.recv(b) == big
        sender.join()
        wire.send(a, [1, 2])
        assert wire.recv(b) == [1, 2]


def test_recv_refuses_a_size_over_its_limit_and_reports_eof() -> None:
    a, b = _pair()
    with a, b:
        wire.send(a, "x" * 50)
        with pytest.raises(wire.WireError, match="exceeds 10"):
            wire.recv(b, limit=10)
    a, b = _pair()
    with b:
        a.sendall(struct.pack(">I", 10) + b"[1,")  # the peer hangs up mid-message
        a.close()
        with pytest.raises(EOFError):
            wire.recv(b)
