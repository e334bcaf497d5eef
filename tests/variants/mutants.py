"""Buggy variants of the reference: plausible student mistakes the checks must catch.

Each mutant replaces one snippet (which must occur exactly once) in one reference module.
``kills`` lists the check ids (or id prefixes, before ``[``) that must fail on it; the
repository tests assert that, that the reference passes everything, and that every check of
the bank is killed by at least one mutant, i.e. that no check is unable to fail.

A part's mutants are written in its own file, ``tests/variants/<part>.py`` (its ``MUTANTS``,
made with ``M``); ``MUTANTS`` here gathers them all, in the registry's order of parts.
"""

from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:  # loaded by path: the parts' files import
    sys.path.append(str(Path(__file__).parent))  # variant_kinds from this folder

from variant_files import part_modules  # noqa: E402
from variant_kinds import M, Mutant  # noqa: E402

__all__ = ["M", "MUTANTS", "Mutant"]

MUTANTS: list[Mutant] = [m for module in part_modules() for m in getattr(module, "MUTANTS", ())]
