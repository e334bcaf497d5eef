"""The pinned student API, derived from the parts registry (``autograder/parts.toml``).

Signatures are written without annotations. The grader resolves names through these tables, the
repository tests check both packages against them, and the front-ends list parts from them.
"""

from __future__ import annotations

from . import parts as _parts

_ALL = _parts.load()

# part id -> {name: signature}, for the parts with code (auto and optional parts that name it).
API: dict[str, dict[str, str]] = {
    p.id: {n.name: n.signature for n in p.names if n.signature is not None}
    for p in _ALL if p.kind == "auto"
}

# Base classes the classes must derive from.
BASES: dict[str, str] = {n.name: n.base for p in _ALL for n in p.names if n.base is not None}

# Parts without code in the API table: manually graded answers and optional short answers.
(WRITTEN,) = [p.id for p in _ALL if p.kind == "manual"]
(CONCEPTS,) = [p.id for p in _ALL if p.kind == "optional"]
PARTS = [p.id for p in _ALL]

# Top-level name -> the module that defines it, for loading a package whose __init__ is broken.
MODULE_OF = {n.name.split(".")[0]: p.module for p in _ALL for n in p.names if p.module}

# Short column headings for score tables.
SHORT = {p.id: p.label for p in _ALL}
