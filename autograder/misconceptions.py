"""The misconception library (``autograder/misconceptions.toml``), read and validated.

``load()`` returns the known wrong answers' texts by id, in the file's order. Every key is
checked: an unknown or misspelt key, a missing one, a wrong type or a part that
``autograder/parts.toml`` lacks raises ``LibraryError`` naming the entry and the key. Imports
nothing but the standard library : the public tests and the class report read it without torch.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

LIBRARY = Path(__file__).with_name("misconceptions.toml")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_KEYS = {"parts": list, "title": str, "explanation": str}


class LibraryError(ValueError):
    """``misconceptions.toml`` is malformed."""


@dataclass(frozen=True)
class Misconception:
    id: str
    parts: tuple[str, ...]  # the parts whose checks may recognise it
    title: str              # a few words: what the student did (the class report's line)
    explanation: str        # for the student: what their output shows, where to look

    def feedback(self) -> str:
        """The sentence a student reads under a check that recognised it."""
        return f"Known mistake ({self.title}). {self.explanation}"


def _entry(mid: str, table: object, known_parts: set[str]) -> Misconception:
    if not _ID.match(mid):
        raise LibraryError(f"[{mid}]: an id is a Python-style name (letters, digits, _)")
    if not isinstance(table, dict):
        raise LibraryError(f"[{mid}]: expected a table")
    for key, value in table.items():
        if key not in _KEYS:
            raise LibraryError(f"[{mid}]: unknown key {key!r} (allowed: {', '.join(_KEYS)})")
        if not isinstance(value, _KEYS[key]):
            raise LibraryError(f"[{mid}].{key}: {type(value).__name__} is not the expected type")
    missing = set(_KEYS) - set(table)
    if missing:
        raise LibraryError(f"[{mid}]: missing {', '.join(sorted(missing))}")
    parts = table["parts"]
    if not parts or not all(isinstance(p, str) for p in parts):
        raise LibraryError(f"[{mid}].parts: a non-empty list of part ids")
    unknown = [p for p in parts if p not in known_parts]
    if unknown:
        raise LibraryError(f"[{mid}].parts: {', '.join(unknown)} not in autograder/parts.toml")
    title, explanation = table["title"].strip(), " ".join(table["explanation"].split())
    if not title or not explanation:
        raise LibraryError(f"[{mid}]: an empty title or explanation")
    return Misconception(mid, tuple(parts), title, explanation)


def parse(text: str, known_parts: set[str]) -> dict[str, Misconception]:
    """The entries of a ``misconceptions.toml``'s text, by id."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LibraryError(f"misconceptions.toml: {exc}") from None
    return {mid: _entry(mid, table, known_parts) for mid, table in data.items()}


@functools.cache
def load(path: Path = LIBRARY) -> dict[str, Misconception]:
    """The library's entries by id, in the file's order (cached per path). The part ids come
    from the ``parts.toml`` beside it (read as plain TOML: this file is also loaded by path,
    outside the ``autograder`` package)."""
    registry = tomllib.loads(path.with_name("parts.toml").read_text(encoding="utf-8"))
    return parse(path.read_text(encoding="utf-8"), set(registry.get("parts", {})))


def feedback(mid: str) -> str:
    """What a student reads for the misconception ``mid`` (its id, where the library lacks it)."""
    entry = load().get(mid)
    return entry.feedback() if entry else f"Known mistake ({mid})."
