"""``written collect``: the written answers of every graded submission, into pages and a sheet.

The students are the submissions graded into ``OUT`` (the folders holding ``results.json``);
each one's notebook is read from the path its ``results.json`` records (relative to the current
folder or the repository, as ``grade`` was given it) or from ``--submissions``. The output
folder (default ``OUT/written``) receives ``index.html``, ``question-<id>.html`` per question,
``student-<id>.html`` per student and ``scores.csv`` (``sheet``); an anonymised run shows each
student as an id (``S001``...) drawn at random, and keeps the ids' key in ``OUT/written-key.csv``,
outside the folder handed to graders (a later run reuses it, so ids stay put).
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder import paths
from autograder.frontends.handout import load_handout
from autograder.grade.gradebook import folders
from autograder.grade.results import WRITTEN_KEY, WRITTEN_PAGES

from . import pages, sheet
from .files import safe_folder, write_text
from .notebooks import NO_ANSWER, READ, WORDS, StudentNotebook, is_answer_status, load_student
from .rubric import Rubric

SHEET = "scores.csv"
NEW_SHEET = "scores.new.csv"
KEY = WRITTEN_KEY  # at OUT's top level, reserved there (grade.results.TOP_LEVEL)
OUTPUT = WRITTEN_PAGES
KEY_HEADER = ["id", "submission"]


@dataclass(frozen=True)
class Graded:
    """A submission graded into OUT: its output name and the path results.json records."""

    name: str
    source: str | None


def graded_submissions(out: Path) -> list[Graded]:
    """Every folder of ``out`` holding a results.json (not hidden, not a link), by name."""
    found = []
    for entry in folders(out):
        results = entry / "results.json"
        try:
            data = json.loads(results.read_text(encoding="utf-8"))
            source = data.get("extra_data", {}).get("source")
        except (OSError, ValueError, AttributeError):
            source = None
        found.append(Graded(entry.name, source if isinstance(source, str) and source else None))
    return found


def locate(graded: Sequence[Graded], given: Sequence[Path] | None) -> dict[str, Path | None]:
    """Where each submission is: with ``given`` (``--submissions``: the paths graded, or
    folders of them), named as ``grade`` names them; else the recorded path, relative to the
    current folder or the repository."""
    if given:
        from autograder.grade.batch import output_names

        candidates: list[Path] = []
        for p in given:
            if p.is_dir() and not (p / paths.PACKAGE).is_dir():
                candidates.extend(sorted(q for q in p.iterdir() if not q.name.startswith(".")
                                         and (q.is_dir() or q.suffix.lower() == ".zip")))
            else:
                candidates.append(p)
        named = dict(zip(output_names(candidates), candidates)) if candidates else {}
        return {g.name: named.get(g.name) for g in graded}
    out: dict[str, Path | None] = {}
    for g in graded:
        out[g.name] = None
        if g.source:
            path = Path(g.source)
            for root in [Path("/")] if path.is_absolute() else [Path.cwd(), paths.REPO]:
                if (root / path).exists():
                    out[g.name] = root / path
                    break
    return out


def read_key(path: Path) -> dict[str, str]:
    """submission name -> anonymous id, from a key file (``{}`` when there is none)."""
    if not path.is_file():
        return {}
    _, rows = sheet.read(path.read_text(encoding="utf-8"))
    return {row[1]: row[0] for _, row in rows if len(row) >= 2}


def anonymise(names: Sequence[str], key: dict[str, str]) -> dict[str, str]:
    """name -> id: the key's ids kept, new students given the next free ``S<n>`` in an order
    drawn at random (the ids say nothing of the names' order); never a submission's name (a
    student named ``S001`` would make an id ambiguous), in any case."""
    out = {n: key[n] for n in names if n in key}
    used = {v.lower() for v in key.values()} | {n.lower() for n in names}
    new = [n for n in names if n not in out]
    secrets.SystemRandom().shuffle(new)
    width = max(3, len(str(len(key) + len(new))))
    number = 1
    for name in new:
        while f"s{number:0{width}d}" in used:
            number += 1
        out[name] = f"S{number:0{width}d}"
        used.add(out[name].lower())
    return out


def key_text(mapping: dict[str, str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(KEY_HEADER)
    for name, sid in sorted(mapping.items(), key=lambda kv: kv[1]):
        writer.writerow([sid, name])
    return buf.getvalue()


def _problem(student: StudentNotebook, anonymous: bool) -> str:
    """What kept a notebook from being read, in words (without paths when anonymous: they
    name the student)."""
    if student.status == READ:
        return ""
    words = WORDS.get(student.status, student.status)
    return words if anonymous or not student.problem else f"{words} ({student.problem})"


def _prefill(student: StudentNotebook, qid: str, anonymous: bool) -> tuple[str, str]:
    """(override, comment) written in advance for a question with nothing to grade."""
    status = student.answers[qid].status
    if status not in NO_ANSWER:
        return "", ""
    return "0", f"No answer: {_problem(student, anonymous) or WORDS[status]}."


def sheet_rows(students: Sequence[StudentNotebook], shown: dict[str, str],
               rubric: Rubric, anonymous: bool = False) -> list[list[str]]:
    items = rubric.item_ids()
    rows = []
    for s in students:
        for q in rubric.questions:
            override, comment = _prefill(s, q.id, anonymous)
            cells = ["" if i in q.item_ids else sheet.NOT_APPLICABLE for i in items]
            rows.append([shown[s.name], q.id, s.answers[q.id].status, f"{q.points:g}", *cells,
                         override, comment])
    return rows


def summary(students: Sequence[StudentNotebook], rubric: Rubric) -> str:
    """One line: how many students answered everything, and what kept the others."""
    complete = sum(all(is_answer_status(s.answers[q].status) for q in rubric.ids)
                   for s in students)
    problems = Counter(s.status for s in students if s.status != READ)
    unanswered = Counter(a.status for s in students if s.status == READ
                         for a in s.answers.values() if not is_answer_status(a.status))
    parts = [f"{len(students)} students, {complete} answered all {len(rubric.ids)} questions"]
    parts += [f"{WORDS[k]}: {n} students" for k, n in sorted(problems.items())]
    parts += [f"{WORDS[k]}: {n} answers" for k, n in sorted(unanswered.items())]
    return "; ".join(parts)


def collect(out: Path, output: Path | None = None, *, submissions: Sequence[Path] | None = None,
            anonymous: bool = False, key_path: Path | None = None,
            rubric: Rubric | None = None) -> tuple[Path, str, list[StudentNotebook]]:
    """Read every graded submission's answers and write the pages and the sheet; returns (the
    output folder, the summary line, what was read)."""
    from .rubric import load_rubric

    rubric = rubric or load_rubric()
    handout = load_handout()
    questions = [q.id for q in handout.questions]
    if sorted(questions) != sorted(rubric.ids):
        raise ValueError(f"the handout's answer cells are for {sorted(questions)}, the rubric's "
                         f"questions {sorted(rubric.ids)}")
    if not out.is_dir():
        raise ValueError(f"{out} is not a folder (grade into it first: python -m autograder "
                         "grade ... --output OUT)")
    output = output or out / OUTPUT
    key_path = key_path or out / KEY
    safe_folder(output)
    graded = graded_submissions(out)
    where = locate(graded, submissions)
    students = [load_student(g.name, where[g.name], questions, handout.answer_stub)
                for g in graded]
    key = read_key(key_path) if anonymous else {}
    shown = anonymise([s.name for s in students], key) if anonymous \
        else {s.name: s.name for s in students}
    prompts = {q.id: handout.notebook.cells[q.prompt].source for q in handout.questions}
    order = sorted(students, key=lambda s: shown[s.name])
    line = summary(students, rubric)

    if anonymous:
        write_text(key_path, key_text(shown))
    for q in rubric.questions:
        entries = [pages.Entry(shown[s.name], s.answers[q.id],
                               [] if anonymous else s.notes) for s in order]
        write_text(output / pages.question_file(q.id),
                   pages.question_page(q, prompts[q.id], entries, anonymous=anonymous))
    for s in order:
        notes = [] if anonymous else [*([f"notebook: {s.path}"] if s.path else []), *s.notes]
        write_text(output / pages.student_file(shown[s.name]),
                   pages.student_page(shown[s.name], rubric, s.answers, notes))
    text = sheet.write(sheet_rows(order, shown, rubric, anonymous), rubric.item_ids())
    target = output / SHEET
    if target.is_file() and target.read_text(encoding="utf-8") != text:
        target = output / NEW_SHEET  # graders may have filled the old one in
    write_text(target, text)
    index_rows = [(shown[s.name], _problem(s, anonymous), s.answers) for s in order]
    write_text(output / "index.html",
               pages.index_page(rubric, index_rows, line, target.name, anonymous=anonymous))
    return target, line, students
