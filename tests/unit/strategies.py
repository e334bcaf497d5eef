"""Hypothesis strategies the unit tests share (MiniTorch-style): hostile text, solution regions,
check weights and submission trees. Import them as ``from tests.unit.strategies import ...``.
"""

from __future__ import annotations

import keyword
import string
from dataclasses import dataclass, field

from hypothesis import strategies as st

from autograder.assign.regions import BEGIN, END, HINT_LEVELS

# -- untrusted text: what a submission can put into names, notes, messages and printed output

# Pieces that each mean something to a terminal, to Markdown or to a spreadsheet.
HOSTILE_PIECES = (
    "\x1b[31m", "\x1b[0m", "\x1b]8;;http://evil.example\x07", "\x1b]0;title\x1b\\", "\x9b2J",
    "\x1bP+q\x9c", "\x1bc", "\x07", "\x00", "\x7f", "\x85", "\r\n", "\r", "\t", "\n",
    "\u202e", "\u2066", "\udcff", "\ud800",
    "[a](http://evil.example)", "![p](x.png)", "<script>", "&lt;", "&#x41;", "|", "`", "``",
    "*", "**", "_", "__init__", "~~", "$x$", "\\", "#", "> ", "- ", "+ ", "= ", "1. ", "2) ",
    "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", ",", '"', "'",
)

# Half the pieces are hostile ones: random characters alone rarely spell a sequence that means
# something, and a hostile piece at the start of a text (a heading, a formula) matters most.
_hostile = st.sampled_from(HOSTILE_PIECES)
untrusted_text = st.lists(
    st.one_of(_hostile, _hostile,
              st.text(st.characters(codec="utf-8", exclude_categories=()), max_size=8),
              st.text(string.ascii_letters + string.digits + " ", max_size=8)),
    max_size=12,
).map("".join)
# Texts every property over untrusted text is tried on, whatever hypothesis draws.
HOSTILE_EXAMPLES = ("".join(HOSTILE_PIECES), "# heading", "> quote", "1. item", "2) item",
                    "- item", "+ item", "= x", "a\\b", "\\", "`", " x ", "=1+1", "x" * 2000)


# -- solution regions, for the stub maker and the region parser

_WORDS = st.text(string.ascii_letters + string.digits + " .,;:()[]+-*/='", min_size=1,
                 max_size=30).map(str.strip).filter(bool)
_IDENTIFIER = st.text(string.ascii_lowercase, min_size=1, max_size=8).filter(
    lambda s: not keyword.iskeyword(s) and not keyword.issoftkeyword(s))


@dataclass
class RegionSpec:
    """What one generated solution region declares, and so what parsing it must give back."""

    function: str  # qualified name
    tasks: list[str]
    hints: dict[str, list[str]]  # level -> paragraphs
    answers: list[tuple[str, str]]  # (text, level)
    secret: str  # a string only the region's code contains


@dataclass
class ModuleSpec:
    """A generated reference module and its regions, in order."""

    source: str
    regions: list[RegionSpec] = field(default_factory=list)


@st.composite
def _region_lines(draw: st.DrawFn, indent: str, spec_function: str, index: int
                  ) -> tuple[list[str], RegionSpec]:
    tasks = draw(st.lists(_WORDS, min_size=1, max_size=3))
    # Hint paragraphs: each a level and one or more lines; a paragraph that follows one of
    # the same level is separated by an empty marker line of that level.
    paragraphs = draw(st.lists(st.tuples(st.sampled_from(HINT_LEVELS[1:]),
                                         st.lists(_WORDS, min_size=1, max_size=3)), max_size=4))
    answers = draw(st.lists(st.tuples(_WORDS, st.sampled_from(("", *HINT_LEVELS[1:]))),
                            max_size=2))
    secret = f"SECRET_{index}"
    lines = [BEGIN, *(f"### TASK: {t}" for t in tasks)]
    hints: dict[str, list[str]] = {}
    previous = None
    for level, texts in paragraphs:
        if previous == level:
            lines.append(f"### HINT {level}:")
        lines.extend(f"### HINT {level}: {t}" for t in texts)
        hints.setdefault(level, []).append(" ".join(texts))
        previous = level
    lines.extend(f"### ANSWER{' ' + level if level else ''}: {t}" for t, level in answers)
    lines += [f"value = {secret!r}", "return value", END]
    spec = RegionSpec(spec_function, tasks, hints,
                      [(t, level or "full") for t, level in answers], secret)
    return [indent + line for line in lines], spec


@st.composite
def reference_modules(draw: st.DrawFn) -> ModuleSpec:
    """A module of functions and methods, each with a docstring and one solution region, with
    code before and after the region (to be kept verbatim)."""
    names = draw(st.lists(_IDENTIFIER, min_size=1, max_size=4, unique=True))
    lines = ['"""A generated reference module."""', "", "CONSTANT = 3", ""]
    spec = ModuleSpec("")
    for i, name in enumerate(names):
        in_class = draw(st.booleans())
        indent = "        " if in_class else "    "
        if in_class:
            lines += [f"class C{i}:", f'    """Class {i}."""', ""]
            head, qualified = f"    def {name}(self, x):", f"C{i}.{name}"
        else:
            head, qualified = f"def {name}(x):", name
        body, region = draw(_region_lines(indent, qualified, i))
        lines += [head, f'{indent}"""Contract of {name}: keep me."""',
                  f"{indent}check = x  # kept before the region", *body, ""]
        spec.regions.append(region)
    lines.append("AFTER = CONSTANT  # kept after the regions")
    spec.source = "\n".join(lines) + "\n"
    return spec


# -- check weights, for the bank's point sharing

weights = st.lists(st.one_of(st.integers(1, 10).map(float),
                             st.floats(0.01, 10, allow_nan=False, allow_infinity=False)),
                   min_size=1, max_size=12)


# -- submission trees, for intake

_SEGMENT = st.text(string.ascii_lowercase + string.digits + "_", min_size=1, max_size=6).map(
    lambda s: "f" + s)
_SUFFIX = st.sampled_from((".py", ".py", ".txt", ".npz", ".ipynb"))
package_files = st.dictionaries(
    st.builds(lambda folders, stem, suffix: "/".join([*folders, stem + suffix]),
              st.lists(_SEGMENT, max_size=2), _SEGMENT, _SUFFIX),
    st.binary(max_size=64), min_size=1, max_size=8,
)  # relative to convolutions/; folders have no dot, files have one: no name is both
top_folders = st.one_of(st.none(), _SEGMENT.map(lambda s: f"{s}-main"))
