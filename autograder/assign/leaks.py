"""The answer-leak scan: does anything students receive contain an answer?

The answers are the ``### ANSWER`` lines of the solution regions and the ``<!-- answer: -->``
comments of the written answers (``hints.all_answers``), each allowed from one hint level up.
``find_leaks(root, level)`` reads every text file under ``root`` (a notebook as its cells' text)
and reports each answer not yet allowed at ``level`` that occurs in it. Matching ignores case and
whitespace, so ``[1,-2,1]`` and ``[1, -2, 1]`` are the same string.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .hints import Answer, all_answers
from .regions import level_index

# Binary material students receive (data, caches): not text, nothing to scan.
BINARY_SUFFIXES = {".npz", ".npy", ".pyc", ".png", ".jpg", ".zip", ".gz", ".whl"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Leak:
    path: str  # relative to the scanned root
    answer: Answer

    def __str__(self) -> str:
        return (f"{self.path}: contains {self.answer.text!r} (declared at {self.answer.origin}, "
                f"allowed from hint level {self.answer.level!r})")


def normalise(text: str) -> str:
    return _SPACE.sub("", text).casefold()


def _text_of(path: Path) -> str | None:
    if path.suffix in BINARY_SUFFIXES:
        return None
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    if path.suffix == ".ipynb":  # the cells' text, not JSON escapes of it
        cells = json.loads(raw).get("cells", [])
        return "\n".join("".join(c.get("source", "")) for c in cells)
    return raw


def find_leaks(root: Path, level: str, answers: list[Answer] | None = None) -> list[Leak]:
    """Answers not allowed at ``level`` found in the text files under ``root``."""
    top = level_index(level)
    forbidden = [a for a in (all_answers() if answers is None else answers)
                 if level_index(a.level) > top]
    leaks = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or ".git" in path.parts:
            continue
        text = _text_of(path)
        if text is None:
            continue
        flat = normalise(text)
        leaks += [Leak(str(path.relative_to(root)), a) for a in forbidden
                  if normalise(a.text) in flat]
    return leaks
