"""The two kinds of variant of the reference: a ``Mutant`` (buggy: the checks must fail it) and
an ``HonestVariant`` (correct, in another style: it must get full marks), with their short
constructors ``M`` and ``V`` that each part's file (``tests/variants/<part>.py``) uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    old: str | tuple[str, ...]  # a tuple (with ``new`` a tuple too) for several edits
    new: str | tuple[str, ...]
    kills: tuple[str, ...]
    why: str
    # the known wrong answers (autograder/misconceptions.toml) the grader must recognise in its
    # failures, and no other (none for ())
    misconceptions: tuple[str, ...] = ()

    def apply(self, source: str) -> str:
        olds = self.old if isinstance(self.old, tuple) else (self.old,)
        news = self.new if isinstance(self.new, tuple) else (self.new,)
        for old, new in zip(olds, news, strict=True):
            if source.count(old) != 1:
                raise ValueError(f"mutant {self.id}: {old!r} occurs {source.count(old)} times")
            source = source.replace(old, new)
        return source


M = Mutant


@dataclass(frozen=True)
class HonestVariant:
    id: str
    part: str                # the part it must get full marks on
    file: str                # the module it is appended to, ``<part>.py``
    code: str                # appended to the reference module: redefines its functions
    why: str                 # the style, and where code like it comes from
    pending: tuple[str, ...] = ()  # checks / public tests it still fails (grader fix pending)
    pending_why: str = ""          # the diagnosis of those failures

    def write_into(self, package: Path) -> None:
        """Apply the variant to ``package`` (a copy of the reference): append its code."""
        with open(package / self.file, "a") as fh:
            fh.write("\n\n# ---- honest variant " + self.id + " ----\n" + self.code)


def V(id: str, part: str, code: str, why: str, pending: tuple[str, ...] = (),
      pending_why: str = "") -> HonestVariant:
    return HonestVariant(id, part, f"{part}.py", code, why, pending, pending_why)
