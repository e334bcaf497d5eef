"""``written merge``: a filled-in scores sheet, validated, into every student's results.

Validation comes first and is complete: every problem of the sheet is reported with its line
(an unknown student or question, a tick in an item the question's rubric lacks, two items
ticked, an override out of range, a row repeated, a question without a row or without a score),
and nothing is written while there is one, unless ``partial`` (then the students without
problems are merged and the others left as they were).

For each student merged: ``OUT/<name>/written.json`` (the format every reader shares, see
``written_json``), a "Written answers" section in ``OUT/<name>/feedback.md`` (between two
markers, replaced on every merge, so merging twice gives the same file; it shows scores and
comments, never the graders-only rubric), then the gradebook rebuilt
(``grade.gradebook.write_gradebook``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.grade.results import WRITTEN as WRITTEN_JSON  # the name its readers use
from autograder.grade.results import md_inline, plain

from . import sheet
from .files import write_text
from .rubric import Rubric, RubricQuestion
from .section import BEGIN, END, with_section

FEEDBACK = "feedback.md"


@dataclass(frozen=True)
class Problem:
    line: int | None      # the sheet's line (None: the sheet as a whole)
    message: str
    student: str | None = None  # the submission it keeps from being merged (None: no one's)
    whole: bool = False         # the sheet as a whole is wrong (its header): nothing merges

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class QuestionScore:
    score: float
    max_score: float
    items: dict[str, bool]
    comment: str


@dataclass
class Merged:
    """What a sheet holds once validated."""

    scores: dict[str, dict[str, QuestionScore]] = field(default_factory=dict)  # by submission
    problems: list[Problem] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # graded submissions the sheet lacks

    @property
    def fatal(self) -> bool:
        """Whether a problem concerns the sheet as a whole (nothing can be merged)."""
        return any(p.whole for p in self.problems)

    def mergeable(self) -> dict[str, dict[str, QuestionScore]]:
        """The students without problems."""
        bad = {p.student for p in self.problems}
        return {n: s for n, s in self.scores.items() if n not in bad}


def _columns(head: list[str], rubric: Rubric, merged: Merged) -> dict[str, int]:
    known = {sheet.STUDENT, sheet.QUESTION, sheet.OVERRIDE, sheet.COMMENT, *sheet.INFORMATIONAL}
    items = set(rubric.item_ids())
    where: dict[str, int] = {}
    for i, name in enumerate(head):
        if name in where:
            merged.problems.append(Problem(1, f"column {name!r} appears twice", whole=True))
        elif name.startswith(sheet.ITEM_PREFIX):
            item = name[len(sheet.ITEM_PREFIX):].strip()
            if item not in items:
                merged.problems.append(Problem(1, f"column {name!r}: no question's rubric has "
                                                  f"an item {item!r} (items: "
                                                  f"{', '.join(rubric.item_ids())})",
                                                  whole=True))
            where[name] = i
        elif name not in known:
            merged.problems.append(Problem(1, f"unknown column {name!r} (the sheet's columns: "
                                              f"{', '.join(sheet.header(rubric.item_ids()))})",
                                              whole=True))
        else:
            where[name] = i
    for needed in (sheet.STUDENT, sheet.QUESTION):
        if needed not in where:
            merged.problems.append(Problem(1, f"no {needed!r} column", whole=True))
    return where


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", ".") if text.count(",") == 1 and "." not in text
                      else text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _row(line: int, cells: list[str], where: dict[str, int], q: RubricQuestion, who: str,
         merged: Merged) -> QuestionScore | None:
    """One row's score, or None after noting its problems."""
    def cell(name: str) -> str:
        i = where.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    found = len(merged.problems)
    label = f"{who}, {q.id}"
    items: dict[str, bool] = {lv.id: False for lv in q.levels}
    for name in where:
        if not name.startswith(sheet.ITEM_PREFIX):
            continue
        item = name[len(sheet.ITEM_PREFIX):].strip()
        level = q.level(item)
        value = cell(name)
        tick = sheet.parse_tick(value, level.points if level else None)
        if tick is None:
            merged.problems.append(Problem(line, f"{label}: {name!r} holds {value.strip()!r}, "
                                                 "not a tick (1, x or yes; or empty, 0)", who))
        elif tick and level is None:
            merged.problems.append(Problem(line, f"{label}: {name!r} is ticked but {q.id}'s "
                                                 f"rubric has no item {item!r} (its items: "
                                                 f"{', '.join(q.item_ids)})", who))
        elif tick and level is not None:
            items[level.id] = True
    ticked = [i for i, t in items.items() if t]
    if len(ticked) > 1:
        merged.problems.append(Problem(line, f"{label}: items {', '.join(ticked)} are all "
                                             "ticked; tick the one level the answer reaches "
                                             "(or give the score in 'override')", who))
    raw = cell(sheet.OVERRIDE).strip()
    override = _number(raw) if raw else None
    if raw and override is None:
        merged.problems.append(Problem(line, f"{label}: override {raw!r} is not a number", who))
    elif override is not None and not 0 <= override <= q.points:
        merged.problems.append(Problem(line, f"{label}: override {raw} is out of range "
                                             f"(0 to {q.points:g})", who))
    if not raw and not ticked:
        merged.problems.append(Problem(line, f"{label}: not graded (tick an item or give "
                                             "an override)", who))
    if len(merged.problems) > found:
        return None
    score = override if override is not None else q.level(ticked[0]).points  # type: ignore[union-attr]
    comment = plain(cell(sheet.COMMENT)).strip()[:sheet.MAX_COMMENT]
    return QuestionScore(round(score, 4), q.points, items, comment)


def validate(text: str, rubric: Rubric, students: Sequence[str],
             key: dict[str, str] | None = None) -> Merged:
    """Every problem of a sheet's ``text`` and the scores of the rows without any. ``students``:
    the graded submissions' names; ``key``: anonymous id -> name (the ids are read as names)."""
    merged = Merged()
    head, rows = sheet.read(text)
    if not head:
        merged.problems.append(Problem(None, "the sheet is empty (no header)", whole=True))
        return merged
    where = _columns(head, rubric, merged)
    if merged.fatal:
        return merged
    known = set(students)
    key = key or {}
    first: dict[tuple[str, str], int] = {}
    lines: dict[str, int] = {}
    for line, cells in rows:
        if len(cells) > len(head) and any(c.strip() for c in cells[len(head):]):
            merged.problems.append(Problem(line, f"{len(cells)} cells, the header has "
                                                 f"{len(head)} (a comma in a comment needs "
                                                 "quotes)"))
            continue
        raw = cells[where[sheet.STUDENT]].strip() if where[sheet.STUDENT] < len(cells) else ""
        qid = cells[where[sheet.QUESTION]].strip() if where[sheet.QUESTION] < len(cells) else ""
        name = raw if raw in known else key.get(raw, "")
        if raw in known and key.get(raw, raw) != raw:
            merged.problems.append(Problem(line, f"{raw}: both a submission graded into OUT "
                                                 f"and the key's id of {key[raw]}: give one of "
                                                 "them another id in the key, collect again",
                                                 raw))
            continue
        if name not in known:
            merged.problems.append(Problem(line, f"unknown student {raw!r}: not a submission "
                                                 "graded into OUT" + (" nor an id of the key"
                                                                      if key else "")))
            continue
        lines.setdefault(name, line)
        q = rubric.question(qid)
        if q is None:
            merged.problems.append(Problem(line, f"{raw}: unknown question {qid!r} (the "
                                                 f"questions: {', '.join(rubric.ids)})", name))
            continue
        if (name, qid) in first:
            merged.problems.append(Problem(line, f"{raw}, {qid}: a second row (the first is "
                                                 f"line {first[name, qid]})", name))
            continue
        first[name, qid] = line
        score = _row(line, cells, where, q, raw, merged)
        if score is not None:
            merged.scores.setdefault(name, {})[qid] = score
    for name, line in lines.items():
        missing = [q for q in rubric.ids if (name, q) not in first]
        if missing:
            merged.problems.append(Problem(line, f"{_shown(name, key)}: no row for "
                                                 f"{', '.join(missing)}", name))
    merged.absent = sorted(known - set(lines))
    merged.problems.sort(key=lambda p: (p.line or 0, p.message))
    return merged


def _shown(name: str, key: dict[str, str]) -> str:
    """A submission as the sheet names it (its id when anonymised)."""
    return next((sid for sid, n in key.items() if n == name), name)


def written_json(scores: dict[str, QuestionScore], rubric: Rubric, source: str
                 ) -> dict[str, Any]:
    """``OUT/<name>/written.json``: {"score", "max_score", "questions": {id: {"score",
    "max_score", "items": {item: ticked}, "comment"}}, "source": the sheet's file name}."""
    questions = {q.id: {"score": scores[q.id].score, "max_score": q.points,
                        "items": scores[q.id].items, "comment": scores[q.id].comment}
                 for q in rubric.questions}
    total = round(sum(s.score for s in scores.values()), 4)
    return {"score": total, "max_score": rubric.max_score, "questions": questions,
            "source": source}


def feedback_section(scores: dict[str, QuestionScore], rubric: Rubric) -> str:
    """The "Written answers" section of feedback.md, between its markers."""
    total = sum(s.score for s in scores.values())
    lines = [BEGIN, "## Written answers", "",
             f"**Written answers: {total:g} / {rubric.max_score:g} points** (graded by hand)",
             "", "| question | score | max |", "|---|---:|---:|"]
    for q in rubric.questions:
        title = f"{q.id}: {q.title}".replace("|", "\\|")  # answers.md's: trusted Markdown
        lines.append(f"| {title} | {scores[q.id].score:g} | {q.points:g} |")
    comments = [(q.id, scores[q.id].comment) for q in rubric.questions if scores[q.id].comment]
    if comments:
        lines += ["", "Comments from your grader:", ""]
        lines += [f"- **{qid}**: {md_inline(text, sheet.MAX_COMMENT)}" for qid, text in comments]
    return "\n".join([*lines, END]) + "\n"


def write_student(folder: Path, scores: dict[str, QuestionScore], rubric: Rubric,
                  source: str) -> None:
    """written.json and the feedback section of one submission's folder."""
    write_text(folder / WRITTEN_JSON,
               json.dumps(written_json(scores, rubric, source), indent=2) + "\n")
    feedback = folder / FEEDBACK
    old = ""
    if feedback.is_file() and not feedback.is_symlink():
        old = feedback.read_text(encoding="utf-8", errors="replace")
    write_text(feedback, with_section(old, feedback_section(scores, rubric)))
