"""Parse the solution regions of a reference module: the one source of stubs, hints and answers.

A solution region is delimited by lines ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the
nbgrader/otter convention) inside a function. It opens with marker lines, then the solution::

    ### BEGIN SOLUTION
    ### TASK: what to produce (one or more lines: they become the stub's TODO)
    ### HINT nudge: a nudge; consecutive lines of one level are one paragraph
    ### HINT method: the method, without the literal answer
    ### HINT full: nearly the answer
    ### ANSWER: a string that must not reach students below the ``full`` hint level
    ### ANSWER method: a string that may reach students from the ``method`` level up
    ...solution code...
    ### END SOLUTION

TASK lines come first. Hints never reach the stub: ``python -m autograder release --hints
LEVEL`` writes those up to LEVEL into a hints file per part. ANSWER lines feed the answer-leak
test, which scans everything students receive at each level for the strings not yet allowed.
Any other ``###`` marker line in the head of a region is an error, so a misspelt level cannot be
silently dropped.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
TASK = "### TASK:"

# Ordered: a release at one level ships the hints of that level and every level before it.
HINT_LEVELS = ("none", "nudge", "method", "full")
DEFAULT_HINT_LEVEL = "nudge"
# An ANSWER line without a level may appear only in the ``full`` hints.
DEFAULT_ANSWER_LEVEL = "full"

_MARKER = re.compile(r"^###\s+(?P<kind>TASK|HINT|ANSWER)\b(?P<level>[^:]*):\s?(?P<text>.*)$")


class StubError(ValueError):
    """A malformed solution region (unbalanced markers, region outside a function, ...)."""


@dataclass
class Region:
    """One solution region: where it is, in which function, and its marker lines."""

    start: int  # 0-based line index of BEGIN
    end: int  # 0-based line index of END
    function: str  # qualified name of the innermost enclosing function
    indent: str
    tasks: list[str] = field(default_factory=list)
    hints: dict[str, list[str]] = field(default_factory=dict)  # level -> paragraphs
    answers: list[tuple[str, str]] = field(default_factory=list)  # (text, first allowed level)


def level_index(level: str) -> int:
    """Position of ``level`` in HINT_LEVELS (ValueError for an unknown level)."""
    try:
        return HINT_LEVELS.index(level)
    except ValueError:
        raise ValueError(f"unknown hint level {level!r}; expected one of {', '.join(HINT_LEVELS)}")


def function_spans(source: str, filename: str = "<source>") -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function in ``source``, 1-based."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(ast.parse(source, filename=filename), "")
    return spans


def _innermost(spans: list[tuple[int, int, str]], line: int) -> str | None:
    inside = [s for s in spans if s[0] < line <= s[1]]
    return max(inside, key=lambda s: s[0])[2] if inside else None


def _read_markers(region: Region, lines: list[str], i: int, where: str) -> int:
    """Read the marker lines after BEGIN into ``region``; return the index of the first code
    line."""
    last_hint: str | None = None
    while i < len(lines) and lines[i].strip().startswith("###"):
        stripped = lines[i].strip()
        if stripped in (BEGIN, END):
            break
        match = _MARKER.match(stripped)
        if match is None:
            raise StubError(f"{where}:{i + 1}: unknown marker {stripped[:40]!r} (expected "
                            "'### TASK:', '### HINT <level>:' or '### ANSWER [level]:')")
        kind, level, text = match["kind"], match["level"].strip(), match["text"].strip()
        if kind == "TASK":
            if level or region.hints or region.answers:
                raise StubError(f"{where}:{i + 1}: TASK lines come first, as '### TASK: ...'")
            region.tasks.append(text)
        elif kind == "HINT":
            if level not in HINT_LEVELS[1:]:
                raise StubError(f"{where}:{i + 1}: hint level {level!r} is not one of "
                                f"{', '.join(HINT_LEVELS[1:])}")
            paragraphs = region.hints.setdefault(level, [])
            if last_hint == level and text:
                paragraphs[-1] = f"{paragraphs[-1]} {text}".strip()
            elif text:
                paragraphs.append(text)
            last_hint = level if text else None
            i += 1
            continue
        else:
            level = level or DEFAULT_ANSWER_LEVEL
            if level not in HINT_LEVELS[1:]:
                raise StubError(f"{where}:{i + 1}: answer level {level!r} is not one of "
                                f"{', '.join(HINT_LEVELS[1:])}")
            if not text:
                raise StubError(f"{where}:{i + 1}: empty ANSWER line")
            region.answers.append((text, level))
        last_hint = None
        i += 1
    return i


def parse_regions(source: str, filename: str = "<source>") -> list[Region]:
    """Every solution region of ``source``, in order; StubError if the markers are malformed."""
    spans = function_spans(source, filename)
    lines = source.splitlines()
    regions: list[Region] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped == END:
            raise StubError(f"{filename}:{i + 1}: {END} without {BEGIN}")
        if stripped != BEGIN:
            i += 1
            continue
        name = _innermost(spans, i + 1)
        if name is None:
            raise StubError(f"{filename}:{i + 1}: solution region outside a function")
        line = lines[i]
        region = Region(start=i, end=-1, function=name,
                        indent=line[: len(line) - len(line.lstrip())])
        i = _read_markers(region, lines, i + 1, filename)
        while i < len(lines) and lines[i].strip() != END:
            if lines[i].strip() == BEGIN:
                raise StubError(f"{filename}:{i + 1}: nested {BEGIN}")
            if _MARKER.match(lines[i].strip()):
                raise StubError(f"{filename}:{i + 1}: marker after the region's code; put "
                                "TASK, HINT and ANSWER lines right after BEGIN")
            i += 1
        if i == len(lines):
            raise StubError(f"{filename}:{region.start + 1}: {BEGIN} without {END}")
        if not region.tasks:
            raise StubError(f"{filename}:{region.start + 1}: region has no '{TASK}' line for "
                            "students")
        region.end = i
        regions.append(region)
        i += 1
    return regions
