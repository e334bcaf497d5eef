"""The hint layer: hints kept beside the solutions, shipped up to a chosen level.

Code hints are the ``### HINT <level>:`` lines of the solution regions (``regions.py``); hints for
the written questions are ``<!-- hint <level>: text -->`` lines under a question's heading in
``solutions/written/answers.md``. ``write_hints(folder, level)`` writes one Markdown file per
part with the hints of every level up to ``level`` (none at ``none``), each in a collapsed
section, so a stuck student opens exactly one on purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from autograder import paths, signatures

from .regions import HINT_LEVELS, level_index, parse_regions

WRITTEN_ANSWERS = paths.SOLUTIONS / "written" / "answers.md"

LEVEL_TITLES = {"nudge": "a nudge", "method": "the method", "full": "nearly the answer"}

# In answers.md: "## 6.1-2: ..." opens a question; comments carry hints and answer phrases.
_QUESTION = re.compile(r"^##\s+(?P<id>\d+\.\d+-\d+)\b")
_COMMENT = re.compile(r"<!--\s*(?P<kind>hint|answer)\b(?P<level>[^:]*):\s*(?P<text>.*?)\s*-->")


@dataclass(frozen=True)
class Hint:
    part: str
    target: str  # the function, or the written question's id
    level: str
    text: str


@dataclass(frozen=True)
class Answer:
    """A string that must not reach students at hint levels below ``level``."""

    text: str
    level: str
    part: str
    target: str  # the function, or the written question's id
    origin: str  # where it is declared, for messages


def _part_of(module: Path) -> str:
    return module.stem


def _solution_modules() -> list[Path]:
    return sorted((paths.SOLUTIONS / paths.PACKAGE).glob("*.py"))


def _code_markers() -> tuple[list[Hint], list[Answer]]:
    hints: list[Hint] = []
    answers: list[Answer] = []
    for module in _solution_modules():
        rel = module.relative_to(paths.REPO)
        for region in parse_regions(module.read_text(encoding="utf-8"), str(rel)):
            for level in HINT_LEVELS[1:]:
                hints += [Hint(_part_of(module), region.function, level, text)
                          for text in region.hints.get(level, [])]
            answers += [Answer(text, level, _part_of(module), region.function,
                               f"{rel}:{region.start + 1} ({region.function})")
                        for text, level in region.answers]
    return hints, answers


def _written_markers(path: Path = WRITTEN_ANSWERS) -> tuple[list[Hint], list[Answer]]:
    hints: list[Hint] = []
    answers: list[Answer] = []
    if not path.exists():
        return hints, answers
    question = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        heading = _QUESTION.match(line)
        if heading:
            question = heading["id"]
        for match in _COMMENT.finditer(line):
            where = f"{path.relative_to(paths.REPO)}:{number}"
            if question is None:
                raise ValueError(f"{where}: {match['kind']} comment before the first question")
            level = match["level"].strip() or "full"
            if level_index(level) == 0:
                raise ValueError(f"{where}: level 'none' is not a hint level")
            if match["kind"] == "hint":
                hints.append(Hint(signatures.WRITTEN, question, level, match["text"]))
            else:
                answers.append(Answer(match["text"], level, signatures.WRITTEN, question,
                                      f"{where} (written {question})"))
    return hints, answers


def all_hints() -> list[Hint]:
    return _code_markers()[0] + _written_markers()[0]


def all_answers() -> list[Answer]:
    return _code_markers()[1] + _written_markers()[1]


def render_part(part: str, hints: list[Hint]) -> str:
    """The Markdown hints file of one part (``hints`` already filtered to the shipped levels)."""
    first = ("reread the question and look again at the notebook cells above it."
             if part == signatures.WRITTEN else
             "reread the function's contract (its docstring) and run the public tests.")
    lines = [f"# Hints: part `{part}`", "",
             "Open a hint only when you are stuck, one at a time: each one gives more away. First",
             first, ""]
    targets = list(dict.fromkeys(h.target for h in hints))
    for target in targets:
        title = f"Question {target}" if part == signatures.WRITTEN else f"`{target}`"
        lines += [f"## {title}", ""]
        mine = sorted((h for h in hints if h.target == target), key=lambda h: level_index(h.level))
        for number, hint in enumerate(mine, 1):
            lines += ["<details>", f"<summary>Hint {number}: {LEVEL_TITLES[hint.level]}</summary>",
                      "", hint.text, "", "</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_hints(folder: Path, level: str) -> list[Path]:
    """Write ``folder/<part>.md`` for every part with hints up to ``level``; nothing at ``none``.
    Returns the files written."""
    top = level_index(level)
    shipped = [h for h in all_hints() if 0 < level_index(h.level) <= top]
    if not shipped:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    order = {part: i for i, part in enumerate(signatures.PARTS)}
    parts = sorted({h.part for h in shipped}, key=lambda p: (order.get(p, len(order)), p))
    written = []
    for part in parts:
        path = folder / f"{part}.md"
        path.write_text(render_part(part, [h for h in shipped if h.part == part]),
                        encoding="utf-8")
        written.append(path)
    return written
