"""The handout, parsed once: its parts, its written questions and their points.

``load_handout()`` reads ``assignments/convolutions.ipynb`` (built by ``scripts/build_handout.py``)
and the graders' ``solutions/written/answers.md`` into a ``Handout``: where each part's section
starts and ends, each written question's prompt and answer cells, its points and its model
answer. Everything that turns the handout into platform material (otter's master notebook,
nbgrader's source notebook) reads it from here, and ``Handout.check`` refuses a handout whose
sections or points disagree with the check bank's manifest.

The conventions it reads (``scripts/build_handout.py`` writes them):

- a part's section opens with a level-2 heading ``## Part `<id>` ...`` (``## Optional part``
  for extra credit) and ends at the next level-2 heading;
- a written question is a markdown prompt whose heading says ``(<n> point[s])``, followed by
  its answer cell: markdown tagged ``answer``, with the question id in the metadata key
  ``question``; every answer cell holds the same placeholder text;
- ``answers.md`` has a table ``| id | question | points |`` and one section per question
  ``## <id>: ...`` whose model answer and rubric start at ``**Model answer``.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import paths

NOTEBOOK = "convolutions.ipynb"                   # the handout's file name, kept everywhere
HANDOUT = paths.ASSIGNMENTS / NOTEBOOK
ANSWERS = paths.SOLUTIONS / "written" / "answers.md"

_PART_HEADING = re.compile(r"## (?P<optional>Optional )?[Pp]art `(?P<id>[a-z0-9_]+)`")
_PROMPT_POINTS = re.compile(r"\((\d+(?:\.\d+)?) points?\)")
_TABLE_ROW = re.compile(r"\|\s*(\d+\.\d+-\d+)\s*\|.*\|\s*(\d+(?:\.\d+)?)\s*\|")
_ANSWER_HEAD = re.compile(r"^## ([0-9.]+-[0-9]+):", flags=re.MULTILINE)


@dataclass(frozen=True)
class PartSection:
    """A part's section of the handout: cells ``start`` (its heading) to ``end`` (exclusive)."""

    id: str
    optional: bool
    start: int
    end: int


@dataclass(frozen=True)
class Question:
    """A written question: its prompt cell, its answer cell (the next one), its points (from
    the prompt's heading, equal to ``answers.md``'s table) and the graders' model answer."""

    id: str
    prompt: int
    answer: int
    points: float
    model_answer: str


@dataclass(frozen=True)
class Handout:
    notebook: Any                    # the nbformat notebook; builders work on ``copy()``
    parts: tuple[PartSection, ...]
    questions: tuple[Question, ...]
    answer_stub: str                 # the placeholder text every answer cell holds

    def copy(self) -> Any:
        """A deep copy of the notebook, for a builder to change."""
        return copy.deepcopy(self.notebook)

    @property
    def written_points(self) -> float:
        return sum(q.points for q in self.questions)

    def part_ending_at(self, index: int) -> PartSection | None:
        """The part whose section ends just before cell ``index`` (or at the notebook's end)."""
        return next((p for p in self.parts if p.end == index), None)

    def question_at(self, index: int) -> Question | None:
        """The written question whose prompt is cell ``index``."""
        return next((q for q in self.questions if q.prompt == index), None)

    def check(self, parts: list[str], manual: float) -> None:
        """``ValueError`` unless the sections are exactly ``parts`` (the bank's auto and
        optional parts, in any order) and the written questions are worth ``manual``."""
        seen = [p.id for p in self.parts]
        if sorted(seen) != sorted(parts):
            raise ValueError(f"the handout has sections for {seen}, the manifest lists {parts}")
        if abs(self.written_points - manual) > 1e-9:
            raise ValueError(f"written questions are worth {self.written_points:g} in the "
                             f"handout and {manual:g} in the manifest")


def model_answers(text: str) -> dict[str, str]:
    """question id -> the model answer and rubric of an ``answers.md`` text."""
    out = {}
    for section in re.split(r"^---\s*$", text, flags=re.MULTILINE):
        head = _ANSWER_HEAD.search(section)
        start = section.find("**Model answer")
        if head and start >= 0:
            out[head.group(1)] = section[start:].strip()
    return out


def table_points(text: str) -> dict[str, float]:
    """question id -> points, from the table at the top of an ``answers.md`` text."""
    return {m[1]: float(m[2]) for line in text.splitlines()
            if (m := _TABLE_ROW.fullmatch(line.strip()))}


def _sections(cells: list[Any]) -> tuple[PartSection, ...]:
    heads = [i for i, c in enumerate(cells)
             if c.cell_type == "markdown" and c.source.startswith("## ")]
    out: list[PartSection] = []
    for n, i in enumerate(heads):
        match = _PART_HEADING.match(cells[i].source)
        if match is None:
            continue
        if any(p.id == match["id"] for p in out):
            raise ValueError(f"the handout has two sections for part {match['id']!r}")
        end = heads[n + 1] if n + 1 < len(heads) else len(cells)
        out.append(PartSection(match["id"], bool(match["optional"]), i, end))
    return tuple(out)


def _questions(cells: list[Any], answers_text: str) -> tuple[Question, ...]:
    answers, table = model_answers(answers_text), table_points(answers_text)
    out = []
    for i, cell in enumerate(cells):
        if "answer" not in cell.metadata.get("tags", []):
            continue
        qid = cell.metadata.get("question")
        prompt = cells[i - 1] if i > 0 else None
        points = _PROMPT_POINTS.search(prompt.source) if prompt is not None else None
        if qid is None or points is None or prompt.cell_type != "markdown":
            raise ValueError(f"answer cell {i} ({qid}): it needs the metadata 'question' and a "
                             "markdown prompt before it whose heading says '(<n> points)'")
        if qid not in answers or qid not in table:
            raise ValueError(f"written question {qid}: no model answer or no row in the points "
                             f"table of {ANSWERS.name}")
        if float(points.group(1)) != table[qid]:
            raise ValueError(f"written question {qid}: {points.group(1)} points in the handout, "
                             f"{table[qid]:g} in {ANSWERS.name}")
        out.append(Question(qid, i - 1, i, table[qid], answers[qid]))
    ids = [q.id for q in out]
    if sorted(ids) != sorted(table):
        raise ValueError(f"answer cells {sorted(ids)} != questions in {ANSWERS.name} "
                         f"{sorted(table)}")
    return tuple(out)


def parse(notebook: Any, answers_text: str) -> Handout:
    """A ``Handout`` from an nbformat notebook and the text of ``answers.md``."""
    cells = notebook.cells
    questions = _questions(cells, answers_text)
    stubs = {cells[q.answer].source for q in questions}
    if len(stubs) != 1:
        raise ValueError("the answer cells of the handout do not share one placeholder text")
    return Handout(notebook, _sections(cells), questions, stubs.pop())


@functools.cache
def load_handout(path: Path = HANDOUT, answers: Path = ANSWERS) -> Handout:
    """The handout, read once per process (builders change ``Handout.copy()``, never it)."""
    import nbformat

    return parse(nbformat.read(path, as_version=4), answers.read_text())
