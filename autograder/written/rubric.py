"""The rubric of every written question, parsed strictly from ``solutions/written/answers.md``.

The file's conventions (what graders write; a change that breaks them is an error naming the
line, never a silently different rubric):

- a points table near the top, one row ``| <id> | <question> | <points> |`` per question and a
  ``| | **total** | **<n>** |`` row;
- one section per question, opened by ``## <id>: <title> (<n> point[s])`` (a level-2 heading
  that starts with a digit is a question's and must have this form; other level-2 headings,
  such as the optional part's answer key, are not questions) and closed by the next level-2
  heading or a ``---`` line;
- in each section, one ``**Rubric.**`` line followed by its levels only, highest first:
  ``* **<points>:** <what earns them>``, continued on lines indented by two spaces. A level is a
  rubric item: the grader ticks the one an answer reaches. Its id is its points as written
  (``"2"``, ``"1.5"``, ``"0"``).

The points of a question's top level equal the question's points, which equal the table's.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.frontends.handout import ANSWERS

_NUMBER = r"\d+(?:\.\d+)?"
_HEADING = re.compile(r"## (?P<text>.*)")
_QUESTION = re.compile(rf"## (?P<id>\d+\.\d+-\d+): (?P<title>.+?) \((?P<points>{_NUMBER}) "
                       r"points?\)\s*")
_TABLE_ROW = re.compile(r"\|\s*(?P<id>\d[^|]*?)\s*\|[^|]*\|\s*(?P<points>[^|]*?)\s*\|")
_TOTAL_ROW = re.compile(rf"\|\s*\|\s*\*\*total\*\*\s*\|\s*\*\*(?P<points>{_NUMBER})\*\*\s*\|")
_ID = re.compile(r"\d+\.\d+-\d+")
_RUBRIC = "**Rubric.**"
_LEVEL = re.compile(rf"\* \*\*(?P<points>{_NUMBER}):\*\* (?P<text>\S.*)")
_RULE = re.compile(r"---\s*")
_COMMENT = re.compile(r"<!--.*?-->\n?", flags=re.DOTALL)


class RubricError(ValueError):
    """``answers.md`` does not follow the conventions: the message names the file and line."""


@dataclass(frozen=True)
class Level:
    """One rubric item: the points an answer earns and what earns them."""

    id: str        # the points as written in answers.md ("1.5")
    points: float
    text: str      # Markdown, joined into one paragraph


@dataclass(frozen=True)
class RubricQuestion:
    id: str
    title: str
    points: float
    levels: tuple[Level, ...]  # highest first
    model_answer: str          # the section's Markdown before the rubric (comments removed)

    def level(self, item: str) -> Level | None:
        return next((lv for lv in self.levels if lv.id == item), None)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(lv.id for lv in self.levels)


@dataclass(frozen=True)
class Rubric:
    questions: tuple[RubricQuestion, ...]  # in the order of the file
    source: str                            # the file's name, for messages
    guidance: str = ""                     # the general guidance above the first section

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    def question(self, qid: str) -> RubricQuestion | None:
        return next((q for q in self.questions if q.id == qid), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def item_ids(self) -> tuple[str, ...]:
        """Every item id of any question, highest points first (the sheet's item columns)."""
        ids = {lv.id: lv.points for q in self.questions for lv in q.levels}
        return tuple(sorted(ids, key=lambda i: (-ids[i], i)))


def _number(text: str) -> float:
    return float(text)


def _table(lines: list[str], name: str) -> tuple[dict[str, float], float | None]:
    """The points table: question id -> points, and the total row's points."""
    rows: dict[str, float] = {}
    total = None
    for n, line in enumerate(lines, 1):
        if line.startswith("## "):
            break  # the table is above the first section
        if (m := _TOTAL_ROW.fullmatch(line.strip())) is not None:
            total = _number(m["points"])
            continue
        if (m := _TABLE_ROW.fullmatch(line.strip())) is None:
            continue
        if not _ID.fullmatch(m["id"]) or not re.fullmatch(_NUMBER, m["points"]):
            raise RubricError(f"{name}:{n}: a points-table row must read "
                              f"'| <id like 6.1-2> | <question> | <points> |', not {line!r}")
        if m["id"] in rows:
            raise RubricError(f"{name}:{n}: question {m['id']} has two rows in the points table")
        rows[m["id"]] = _number(m["points"])
    return rows, total


def _levels(body: list[tuple[int, str]], qid: str, name: str) -> tuple[Level, ...]:
    """The levels listed after ``**Rubric.**`` (``body``: numbered lines after it)."""
    found: list[tuple[int, str, list[str]]] = []
    for n, line in body:
        if not line.strip():
            continue
        if (m := _LEVEL.fullmatch(line.rstrip())) is not None:
            found.append((n, m["points"], [m["text"].strip()]))
        elif line.startswith("  ") and found:
            found[-1][2].append(line.strip())
        else:
            raise RubricError(f"{name}:{n}: in the rubric of {qid}, expected a level "
                              f"'* **<points>:** <what earns them>' or its continuation "
                              f"(indented two spaces), not {line.strip()[:80]!r}")
    if len(found) < 2:
        raise RubricError(f"{name}: the rubric of {qid} lists {len(found)} level(s); it needs "
                          "at least two ('* **<points>:** ...'), highest first")
    levels = tuple(Level(p, _number(p), " ".join(text)) for _, p, text in found)
    for (n, _, _), before, level in zip(found[1:], levels, levels[1:]):
        if level.points >= before.points:
            raise RubricError(f"{name}:{n}: the rubric of {qid} lists {level.id} after "
                              f"{before.id}; list its levels once each, highest first")
    return levels


def _section(lines: list[tuple[int, str]], name: str) -> RubricQuestion:
    n0, head = lines[0]
    m = _QUESTION.fullmatch(head)
    if m is None:
        raise RubricError(f"{name}:{n0}: a question's heading must read "
                          f"'## <id>: <title> (<n> points)', not {head.strip()!r}")
    qid, points = m["id"], _number(m["points"])
    marks = [i for i, (_, line) in enumerate(lines) if line.strip() == _RUBRIC]
    if len(marks) != 1:
        raise RubricError(f"{name}:{n0}: question {qid} needs exactly one '{_RUBRIC}' line, "
                          f"found {len(marks)}")
    levels = _levels(lines[marks[0] + 1:], qid, name)
    if levels[0].points != points:
        raise RubricError(f"{name}:{n0}: question {qid} is worth {points:g} points but its "
                          f"rubric's top level gives {levels[0].id}")
    if levels[-1].points < 0:  # (the pattern admits no sign; kept as a guard)
        raise RubricError(f"{name}:{n0}: question {qid} has a negative level")
    body = "\n".join(line for _, line in lines[1:marks[0]])
    start = body.find("**Model answer")
    model = _COMMENT.sub("", body[start:] if start >= 0 else body).strip()
    return RubricQuestion(qid, m["title"].strip(), points, levels, model)


def _guidance(lines: list[str]) -> str:
    """The Markdown above the first section, less the title, the table and rules."""
    head = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
    kept = [line for line in lines[:head] if not line.startswith(("# ", "|"))
            and not _RULE.fullmatch(line)]
    text = _COMMENT.sub("", "\n".join(kept)).strip()
    start = text.find("General guidance")
    return text[start:] if start >= 0 else text


def parse(text: str, name: str = ANSWERS.name) -> Rubric:
    """The rubric of an ``answers.md`` text; ``RubricError`` naming the line where it breaks
    the conventions (see the module's docstring)."""
    lines = text.splitlines()
    table, total = _table(lines, name)
    sections: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] | None = None
    for n, line in enumerate(lines, 1):
        if (h := _HEADING.fullmatch(line)) is not None:
            current = [(n, line)] if h["text"][:1].isdigit() else None
            if current is not None:
                sections.append(current)
        elif _RULE.fullmatch(line):
            current = None
        elif current is not None:
            current.append((n, line))
    questions = [_section(s, name) for s in sections]
    ids = [q.id for q in questions]
    for qid in ids:
        if ids.count(qid) > 1:
            raise RubricError(f"{name}: question {qid} has two sections")
    if not questions:
        raise RubricError(f"{name}: no question section ('## <id>: <title> (<n> points)')")
    if set(ids) != set(table):
        raise RubricError(f"{name}: the points table lists {sorted(table)} but the sections "
                          f"are {sorted(ids)}")
    for q in questions:
        if table[q.id] != q.points:
            raise RubricError(f"{name}: question {q.id} is worth {table[q.id]:g} points in the "
                              f"table and {q.points:g} in its heading")
    rubric = Rubric(tuple(questions), name, _guidance(lines))
    if total is None or abs(total - rubric.max_score) > 1e-9:
        raise RubricError(f"{name}: the points table's total row ('| | **total** | **<n>** |') "
                          f"{'is missing' if total is None else f'says {total:g}'}; the "
                          f"questions add up to {rubric.max_score:g}")
    return rubric


@functools.cache
def load_rubric(path: Path = ANSWERS) -> Rubric:
    """The rubric of ``answers.md``, read once per process."""
    return parse(path.read_text(encoding="utf-8"), path.name)


def check_points(rubric: Rubric, manual_points: float, what: str = "parts.toml") -> None:
    """``RubricError`` unless the rubric's questions are worth the written part's points."""
    if abs(rubric.max_score - manual_points) > 1e-9:
        raise RubricError(f"the written questions are worth {rubric.max_score:g} points in "
                          f"{rubric.source} and {manual_points:g} in {what}")
