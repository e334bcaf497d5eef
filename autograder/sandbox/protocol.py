"""The messages between the grader and a worker: one ``Request``, one ``Reply``.

Both cross as plain JSON objects (``wire``); ``to_wire`` writes one, ``from_wire`` reads one
back and refuses anything that is not exactly that shape (``MessageError``). A reply is written
by the student's process, so the grader reads it with ``Reply.from_wire`` and trusts nothing
else about it.

  request: {"probe": str, "args": {name: value}, "device": str, "id": str (optional)}
  reply:   {"ok": {observations}, "violations": [str], "id": ...}
        or {"error": {"type": str, "message": str}, "violations": [str], "id": ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .wire import WireError

REQUEST_KEYS = frozenset({"probe", "args", "device", "id"})
REPLY_KEYS = frozenset({"ok", "error", "violations", "id"})


class MessageError(WireError):
    """A well-formed wire message that is not a request or reply of the right shape."""


def _string(value: Any, what: str) -> str:
    if type(value) is not str:
        raise MessageError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _object(value: Any, what: str) -> dict[str, Any]:
    if type(value) is not dict or not all(type(k) is str for k in value):
        raise MessageError(f"{what} must be an object with string keys")
    return value


def _fields(message: Any, allowed: frozenset[str], what: str) -> dict[str, Any]:
    message = _object(message, what)
    unknown = set(message) - allowed
    if unknown:
        raise MessageError(f"{what} has unknown fields {sorted(unknown)}")
    return message


def _optional_id(message: dict[str, Any]) -> str | None:
    return None if message.get("id") is None else _string(message["id"], "id")


def _with_id(out: dict[str, Any], id: str | None) -> dict[str, Any]:
    """``out`` with ``"id"`` added when there is one (an absent id is not written as null)."""
    return out if id is None else {**out, "id": id}


@dataclass(frozen=True)
class Request:
    """Run probe ``probe`` on ``args`` (wire values: arrays are tagged), tensors on
    ``device``; ``id`` is echoed in the reply."""

    probe: str
    args: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"
    id: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return _with_id({"probe": self.probe, "args": self.args, "device": self.device}, self.id)

    @classmethod
    def from_wire(cls, message: Any) -> Request:
        message = _fields(message, REQUEST_KEYS, "a request")
        if "probe" not in message:
            raise MessageError("a request must name its probe")
        return cls(probe=_string(message["probe"], "probe"),
                   args=_object(message.get("args", {}), "args"),
                   device=_string(message.get("device", "cpu"), "device"),
                   id=_optional_id(message))


@dataclass(frozen=True)
class Failure:
    """What went wrong in the worker: an exception's type name and a one-line message."""

    type: str
    message: str

    def to_wire(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message}

    @classmethod
    def from_wire(cls, message: Any) -> Failure:
        message = _fields(message, frozenset({"type", "message"}), "an error")
        return cls(_string(message.get("type"), "error type"),
                   _string(message.get("message"), "error message"))


@dataclass(frozen=True)
class Reply:
    """A probe's observations (``ok``) or its ``error``, and the rules broken either way."""

    ok: dict[str, Any] | None = None
    error: Failure | None = None
    violations: tuple[str, ...] = ()
    id: str | None = None

    def __post_init__(self) -> None:
        if (self.ok is None) == (self.error is None):
            raise MessageError("a reply holds either observations or an error")

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = ({"ok": self.ok} if self.error is None
                               else {"error": self.error.to_wire()})
        return _with_id({**out, "violations": list(self.violations)}, self.id)

    @classmethod
    def from_wire(cls, message: Any) -> Reply:
        message = _fields(message, REPLY_KEYS, "a reply")
        violations = message.get("violations", [])
        if type(violations) is not list:
            raise MessageError("violations must be a list")
        error = message.get("error")
        return cls(ok=None if message.get("ok") is None else _object(message["ok"], "ok"),
                   error=None if error is None else Failure.from_wire(error),
                   violations=tuple(_string(v, "a violation") for v in violations),
                   id=_optional_id(message))
