"""The only format that crosses between the grader and a student process.

Messages are JSON objects framed by a 4-byte big-endian length. Values are JSON scalars, lists,
string-keyed dicts and arrays tagged ``{"__array__": {"dtype", "shape", "data"}}`` (base64 of
the C-ordered bytes). Nothing is ever unpickled: decoding only builds numpy arrays from bytes of
a whitelisted dtype, so a student process can send wrong values but never objects.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
from typing import Any

import numpy as np

MAX_MESSAGE = 64 * 1024 * 1024  # a message larger than this is a fault, not data
MAX_NESTING_NODES = 200_000  # objects and arrays in one message: decoding costs ~100 bytes each
DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
          "bfloat16"}


# Captured at import (before student code runs in a worker): a submission that patches json,
# base64 or numpy's module functions does not change how its replies are encoded.
_encode_json = json.JSONEncoder(allow_nan=True, separators=(",", ":")).encode
_decode_json = json.JSONDecoder().decode
_b64encode, _b64decode = base64.b64encode, base64.b64decode
_ascontiguousarray, _pack = np.ascontiguousarray, struct.pack


class WireError(ValueError):
    """A message that is not well-formed (too big, truncated, bad JSON or a bad array)."""


def encode_array(array: np.ndarray, dtype_name: str | None = None) -> dict[str, Any]:
    """Tag a numpy array for the wire. ``dtype_name`` overrides the name (bfloat16 travels as
    its raw 16-bit pattern, since numpy has no bfloat16)."""
    name = dtype_name or array.dtype.name
    if name not in DTYPES:
        raise WireError(f"dtype {name} cannot cross the wire")
    data = _ascontiguousarray(array).tobytes()
    return {"__array__": {"dtype": name, "shape": [int(n) for n in array.shape],
                          "data": _b64encode(data).decode("ascii")}}


def decode_array(tag: dict[str, Any]) -> tuple[np.ndarray, str]:
    """Rebuild ``(array, dtype_name)`` from a tag, checking dtype, shape and byte count."""
    if not isinstance(tag, dict) or set(tag) != {"dtype", "shape", "data"}:
        raise WireError("malformed array tag")
    name, shape, data = tag["dtype"], tag["shape"], tag["data"]
    if name not in DTYPES:
        raise WireError(f"dtype {name!r} is not allowed")
    if (not isinstance(shape, list) or len(shape) > 8
            or not all(type(s) is int and 0 <= s < 2**31 for s in shape)):
        raise WireError("malformed array shape")
    if not isinstance(data, str):
        raise WireError("malformed array data")
    try:
        raw = _b64decode(data.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise WireError(f"malformed array data: {exc}") from None
    storage = np.uint16 if name == "bfloat16" else np.dtype(name)
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) != count * np.dtype(storage).itemsize:
        raise WireError(f"array of shape {shape} and dtype {name} has {len(raw)} bytes")
    return np.frombuffer(raw, dtype=storage).reshape(shape).copy(), name


def dumps(message: Any) -> bytes:
    body = _encode_json(message).encode("ascii")  # (ensure_ascii: plain ASCII)
    if len(body) > MAX_MESSAGE:
        raise WireError(f"message of {len(body)} bytes exceeds {MAX_MESSAGE}")
    return _pack(">I", len(body)) + body


def loads(body: bytes) -> Any:
    """Decode one message; one with more than ``MAX_NESTING_NODES`` objects and arrays (a few
    megabytes of ``[{},{},...]`` would cost gigabytes decoded) is refused unread."""
    if body.count(b"{") + body.count(b"[") > MAX_NESTING_NODES:
        raise WireError(f"message has more than {MAX_NESTING_NODES} objects and arrays")
    try:
        return _decode_json(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: huge ints too
        raise WireError(f"bad message: {exc}") from None


def roundtrip(message: Any) -> Any:
    """What ``message`` becomes after crossing the wire (used where no process boundary is)."""
    return loads(dumps(message)[4:])


def send(sock: socket.socket, message: Any) -> None:
    sock.sendall(dumps(message))


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("peer closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv(sock: socket.socket, limit: int = MAX_MESSAGE) -> Any:
    """Read one message of at most ``limit`` bytes; raises EOFError on a closed peer,
    WireError on garbage."""
    (size,) = struct.unpack(">I", _recv_exact(sock, 4))
    if size > limit:
        raise WireError(f"message of {size} bytes exceeds {limit}")
    return loads(_recv_exact(sock, size))
