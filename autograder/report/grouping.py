"""Group failure messages that say the same thing with different numbers or names.

``corr2d output: shape (4, 5), expected (3, 4)`` and ``... shape (2, 7), expected (1, 6)`` are
one mistake; so are ``name 'Y' is not defined`` and ``name 'out' is not defined``. Numbers
become ``N``, quoted text becomes ``'X'``, memory addresses and paths are folded too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

MAX_MESSAGE = 300   # characters of a normalised message (the rest differs in detail only)

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"0x[0-9a-fA-F]+"), "0xN"),                          # addresses
    (re.compile(r"(['\"`])(?:(?!\1).){1,200}?\1"), r"\1X\1"),        # quoted text
    (re.compile(r"(?<![A-Za-z_])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_])"),
     "N"),                                                            # numbers
    (re.compile(r"\bN(?:(?:, |,|x| x )N)+\b"), "N, …"),              # runs of numbers
    (re.compile(r"\s+"), " "),
]


@lru_cache(maxsize=65536)
def normalise(message: str) -> str:
    """The message's pattern: what stays the same when only numbers and names change."""
    out = message
    for pattern, repl in _RULES:
        out = pattern.sub(repl, out)
    return out.strip()[:MAX_MESSAGE]


@dataclass
class MessageGroup:
    """One normalised message of one check: how many failed with it, and an example."""

    pattern: str
    count: int
    example: str                          # the first raw message seen
    submissions: list[str] = field(default_factory=list)


def group_messages(failures: Iterable[tuple[str, str]], top: int = 3
                   ) -> tuple[list[MessageGroup], int]:
    """``(submission, message)`` failures of one check -> its ``top`` most common message
    groups (most frequent first, ties by pattern) and the number of distinct groups."""
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    who: dict[str, list[str]] = {}
    for name, message in failures:
        key = normalise(message)
        counts[key] += 1
        examples.setdefault(key, message)
        who.setdefault(key, []).append(name)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ([MessageGroup(k, c, examples[k], who[k]) for k, c in ordered[:top]], len(counts))
