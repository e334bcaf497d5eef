"""The parts tables and headings of the documents, generated from the parts registry, and the
README's limits table, generated from the settings' defaults (``autograder/settings.py``).

Each document holds its table between two marker comments, ``<!-- parts-table: STYLE -->`` and
``<!-- end parts-table -->`` (in the handout, inside a Markdown cell, so each line carries the
``# `` of jupytext's percent format). ``render`` rewrites every such region and the handout's
part headings (``## Part `id` (N points): title``); ``python -m autograder build stubs`` writes them
and ``--check`` (and tests/repo/test_registry.py) fails when a document has drifted. The limits
table sits between ``<!-- limits-table -->`` and ``<!-- end limits-table -->``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from autograder import parts as registry
from autograder import paths, settings
from autograder.feedback import format_bytes

HANDOUT = paths.HANDOUT
STUDENT_README = paths.ASSIGNMENTS / "README.md"
README = paths.README
DOCUMENTS = (README, STUDENT_README, HANDOUT)

_REGION = re.compile(r"^(?P<prefix>(?:# )?)<!-- parts-table: (?P<style>\w+) -->\n"
                     r"(?P<body>.*?)^(?P=prefix)<!-- end parts-table -->$", re.M | re.S)
_LIMITS = re.compile(r"^<!-- limits-table -->\n.*?^<!-- end limits-table -->$", re.M | re.S)
_HEADING = re.compile(r"^# ## (?:Optional part|Part) `(?P<id>\w+)` \(.*$", re.M)


def _points(part: registry.Part) -> str:
    return f"0 (up to {part.points:g} bonus)" if part.kind == "optional" else f"{part.points:g}"


def _id(part: registry.Part) -> str:
    return f"`{part.id}`" + (" (optional)" if part.kind == "optional" else "")


def _module(part: registry.Part) -> str:
    return f"`{part.module}.py`" if part.module else "this notebook"


def total_line(parts: Iterable[registry.Part]) -> str:
    parts = list(parts)
    total = sum(p.points for p in parts if p.kind != "optional")
    bonus = sum(p.points for p in parts if p.kind == "optional")
    return f"Total: {total:g} points" + (f", plus up to {bonus:g} bonus points." if bonus else ".")


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    aligned = ["---:" if h == "points" else "---" for h in head]
    return ["| " + " | ".join(r) + " |" for r in [head, aligned, *rows]]


def instructors(parts: list[registry.Part]) -> list[str]:
    return _table(["part id", "what students implement", "d2l", "points", "how it is assessed"],
                  [[_id(p), p.summary, p.section, _points(p), p.assessed] for p in parts])


def students(parts: list[registry.Part]) -> list[str]:
    return [*_table(["part id", "you implement (in `convolutions/`)", "points"],
                    [[_id(p), p.summary, _points(p)] for p in parts]), "", total_line(parts)]


def handout(parts: list[registry.Part]) -> list[str]:
    return [*_table(["part id", "module in `convolutions/`", "you implement", "points"],
                    [[_id(p), _module(p), p.summary, _points(p)] for p in parts]),
            "", total_line(parts)]


STYLES: dict[str, Callable[[list[registry.Part]], list[str]]] = {
    "instructors": instructors, "students": students, "handout": handout}


def _limit_value(value: object, unit: str) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, int) and unit == "bytes":
        return f"{value} ({format_bytes(value)})"
    return f"{value:g}" if isinstance(value, float) else str(value)


def limits_table(values: settings.Settings | None = None) -> list[str]:
    """Every limit: its key in the manifest's ``[limits]`` table (``child.memory_bytes`` is
    a TOML dotted key there), the value the assignment grades with (``values``: by default the
    bank's manifest's), with the default where it differs, its unit and what it limits."""
    if values is None:
        from autograder.grade.bank import load_scheme

        values = load_scheme(paths.MANIFEST).settings
    defaults = {key: value for key, value, _, _ in settings.describe()}
    rows = []
    for key, value, unit, doc in settings.describe(values):
        shown = _limit_value(value, unit)
        if value != defaults[key]:
            shown += f" (default {_limit_value(defaults[key], unit)})"
        rows.append([f"`{key}`", shown, unit, doc])
    return ["<!-- limits-table -->",
            *_table(["key of `[limits]`", "value", "unit", "what it limits"], rows),
            "<!-- end limits-table -->"]


def heading(part: registry.Part) -> str:
    """The handout's heading of a part with code."""
    if part.kind == "optional":
        return f"# ## Optional part `{part.id}` (0 points, up to {part.points:g} bonus points)"
    return f"# ## Part `{part.id}` ({part.points:g} points): {part.title}"


def render(text: str, parts: list[registry.Part] | None = None) -> str:
    """``text`` with every parts table and part heading as the registry says, and the limits
    table as the settings say."""
    parts = list(registry.load()) if parts is None else parts
    by_id = {p.id: p for p in parts}

    def table(match: re.Match[str]) -> str:
        style, prefix = match["style"], match["prefix"]
        if style not in STYLES:
            raise ValueError(f"unknown parts-table style {style!r} (known: {', '.join(STYLES)})")
        lines = [f"<!-- parts-table: {style} -->", *STYLES[style](parts),
                 "<!-- end parts-table -->"]
        return "\n".join((prefix + line).rstrip() if line or not prefix else "#"
                         for line in lines)

    def head(match: re.Match[str]) -> str:
        part = by_id.get(match["id"])
        if part is None:
            raise ValueError(f"a heading names part {match['id']!r}, which parts.toml lacks")
        return heading(part)

    text = _LIMITS.sub(lambda _: "\n".join(limits_table()), text)
    return _HEADING.sub(head, _REGION.sub(table, text))


def stale_documents(documents: Iterable[Path] = DOCUMENTS) -> list[Path]:
    """The documents whose tables or headings differ from the registry's."""
    return [d for d in documents if d.is_file() and render(d.read_text()) != d.read_text()]


def write_documents(documents: Iterable[Path] = DOCUMENTS) -> list[Path]:
    """Rewrite the stale documents; returns them."""
    stale = stale_documents(documents)
    for doc in stale:
        doc.write_text(render(doc.read_text()))
    return stale
