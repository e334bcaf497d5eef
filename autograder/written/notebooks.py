"""Each submission's notebook, found and read without trusting it.

A submission is the folder or zip ``grade`` read (``convolutions/`` at its root or under a
single top folder, as a GitHub zip has it); its notebook is the handout's file name beside the
package (``convolutions.ipynb``), or, when that is absent, the one other notebook there (a
student who renamed it). Links are never followed, files are read up to ``MAX_NOTEBOOK``
bytes, zips are measured before ``zipfile`` reads them (``intake.zip_too_large``).

A notebook's answer cells are the cells tagged ``answer`` whose metadata ``question`` names a
written question. Whatever else a notebook holds (broken JSON, a list instead of an object,
cells without sources, tags that are not lists, several cells for one question, answer cells
for questions that do not exist, a question's cell deleted) becomes a status and notes, never an
exception. Answer texts are plain (no control characters or terminal escapes) and capped at
``MAX_ANSWER`` characters; rendering them safely is the pages' and sheet's job.
"""

from __future__ import annotations

import json
import os
import stat
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from autograder.frontends.handout import NOTEBOOK
from autograder.grade.intake import zip_too_large
from autograder.grade.results import plain
from autograder.paths import PACKAGE

MAX_NOTEBOOK = 64 * 1024 * 1024  # bytes of a notebook read (outputs with plots make them large)
MAX_ANSWER = 20_000              # characters of one answer kept (a few sentences are expected)
MAX_NOTES = 10                   # notes kept per notebook

READ = "read"  # a notebook's status when it was found and read

# An answer's status (the sheet's status column; the pages say the same in words).
ANSWERED = "answered"
UNTAGGED = "answered-untagged"    # the tagged cell is gone; the cell after the prompt was taken
PLACEHOLDER = "placeholder"       # the cell still holds the handout's placeholder only
EMPTY = "empty"                   # the cell holds nothing (or only the placeholder's remains)
MISSING = "missing-cell"          # no answer cell for this question
NO_SUBMISSION = "no-submission"   # the submission's folder or zip was not found
NO_NOTEBOOK = "no-notebook"       # the submission holds no notebook
UNREADABLE = "unreadable"         # the notebook is not a notebook (broken JSON, ...)
NO_ANSWER = frozenset({PLACEHOLDER, EMPTY, MISSING, NO_SUBMISSION, NO_NOTEBOOK, UNREADABLE})
WORDS = {  # each status in words, for pages and summaries
    ANSWERED: "answered",
    UNTAGGED: "answered in an untagged cell after the question (the tagged cell was replaced)",
    PLACEHOLDER: "the answer cell still holds the placeholder",
    EMPTY: "the answer cell is empty",
    MISSING: "no answer cell for this question",
    NO_SUBMISSION: "the submission was not found",
    NO_NOTEBOOK: "no notebook in the submission",
    UNREADABLE: "the notebook cannot be read",
}

_PROMPT = "Written question {qid}"  # the handout's prompt heading (scripts/build_handout.py)


@dataclass(frozen=True)
class Answer:
    question: str
    status: str
    text: str = ""
    notes: tuple[str, ...] = ()


@dataclass
class StudentNotebook:
    """What was found for one submission: where its notebook is, whether it could be read,
    one ``Answer`` per question, and notes on anything odd."""

    name: str
    status: str = READ               # READ, NO_SUBMISSION, NO_NOTEBOOK or UNREADABLE
    problem: str = ""                # why, for the other statuses
    path: str = ""                   # where the notebook was read from
    answers: dict[str, Answer] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(plain(text, newlines=False)[:300])
        elif len(self.notes) == MAX_NOTES:
            self.notes.append("... more notes not shown")


# -- finding the notebook

def _read_file(path: Path, limit: int = MAX_NOTEBOOK) -> bytes:
    """A regular file's bytes, never through a link; ``ValueError`` saying why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ValueError(f"cannot be opened ({exc.strerror or type(exc).__name__})") from None
    with open(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("is not a regular file")
        if info.st_size > limit:
            raise ValueError(f"is {info.st_size} bytes (limit {limit})")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"is more than {limit} bytes")
    return data


def _pick(names: Sequence[PurePosixPath]) -> tuple[PurePosixPath | None, str]:
    """The notebook among a submission's file names (relative): the handout's name beside the
    package, else the only other notebook there; or None and why."""
    tops = {n.parts[0] for n in names if len(n.parts) > 1}
    roots = [()]
    if not any(n.parts[:1] == (PACKAGE,) and len(n.parts) > 1 for n in names) and len(tops) == 1:
        roots = [(next(iter(tops)),)]  # a GitHub zip: everything under one top folder
    root = roots[0]
    here = [n for n in names if len(n.parts) == len(root) + 1 and n.parts[:len(root)] == root
            and n.suffix.lower() == ".ipynb" and not n.name.startswith(".")]
    exact = [n for n in here if n.name == NOTEBOOK]
    if exact:
        return exact[0], ""
    if len(here) == 1:
        return here[0], f"no {NOTEBOOK}; read {here[0].name} instead"
    if here:
        shown = ", ".join(sorted(n.name for n in here)[:5])
        return None, f"no {NOTEBOOK}, and several other notebooks ({shown}): none was read"
    return None, f"no {NOTEBOOK} in the submission"


def _listing(folder: Path) -> list[PurePosixPath]:
    """The folder's entries and, for a single top folder, that folder's (no deeper)."""
    def entries(p: Path) -> list[str]:
        with os.scandir(p) as it:
            return [e.name for e in it][:10_000]

    names = [PurePosixPath(n) for n in entries(folder)]
    dirs = [n for n in names if (folder / n).is_dir() and not (folder / n).is_symlink()
            and not n.name.startswith(".")]
    if len(dirs) == 1 and dirs[0].name != PACKAGE:
        names += [dirs[0] / n for n in entries(folder / dirs[0])]
    return names


def find_notebook(source: Path | None) -> tuple[bytes | None, str, str, str]:
    """(the notebook's bytes or None, where it was read from, the status when None, a note or
    the problem) for a submission's folder or zip."""
    if source is None or not (source.is_dir() or source.is_file()) or source.is_symlink():
        return None, "", NO_SUBMISSION, (f"{source} was not found" if source is not None else
                                         "no path recorded for it (pass --submissions)")
    try:
        if source.is_dir():
            chosen, note = _pick(_listing(source))
            if chosen is None:
                return None, "", NO_NOTEBOOK, note
            try:
                return _read_file(source / chosen), str(source / chosen), READ, note
            except ValueError as exc:
                return None, str(source / chosen), UNREADABLE, f"{chosen} {exc}"
        refused = zip_too_large(source)
        if refused is not None:
            return None, str(source), UNREADABLE, refused
        with zipfile.ZipFile(source) as zf:
            infos = {PurePosixPath(i.filename): i for i in zf.infolist()
                     if not i.is_dir() and ".." not in PurePosixPath(i.filename).parts
                     and not i.filename.startswith("/")}
            chosen, note = _pick(list(infos))
            if chosen is None:
                return None, "", NO_NOTEBOOK, note
            info = infos[chosen]
            where = f"{source}:{chosen}"
            if stat.S_ISLNK(info.external_attr >> 16):
                return None, where, UNREADABLE, f"{chosen} is a link"
            if info.file_size > MAX_NOTEBOOK:
                return None, where, UNREADABLE, f"{chosen} is {info.file_size} bytes " \
                                                f"(limit {MAX_NOTEBOOK})"
            with zf.open(info) as fh:
                data = fh.read(MAX_NOTEBOOK + 1)
            if len(data) > MAX_NOTEBOOK:
                return None, where, UNREADABLE, f"{chosen} is more than {MAX_NOTEBOOK} bytes"
            return data, where, READ, note
    except Exception as exc:  # noqa: BLE001 - a corrupt zip raises zlib.error, EOFError...
        return None, str(source), UNREADABLE, f"cannot be read ({type(exc).__name__})"


# -- reading its answers

def _cells(data: bytes) -> list[Any]:
    """The notebook's cells, as raw JSON values; ``ValueError`` saying why there are none."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"broken JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") \
            from None
    except RecursionError:
        raise ValueError("broken JSON: nested too deeply") from None
    if not isinstance(doc, dict):
        raise ValueError(f"not a notebook: the file holds a JSON {type(doc).__name__}, not an "
                         "object")
    version = doc.get("nbformat")
    if version != 4 and isinstance(version, int) and 1 <= version < 4:
        import nbformat  # only for old notebooks: it upgrades them

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                doc = nbformat.reads(text, as_version=4)
        except Exception as exc:  # noqa: BLE001 - nbformat raises anything on odd input
            raise ValueError(f"an nbformat {version} notebook that cannot be upgraded "
                             f"({type(exc).__name__})") from None
    cells = doc.get("cells")
    if not isinstance(cells, list):
        raise ValueError("not a notebook: no list of cells (nbformat 4 keeps them in 'cells')")
    return cells


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _tags(cell: dict[str, Any]) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", []) if isinstance(cell.get("metadata"), dict) \
        else []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _shown_id(value: object) -> str:
    return plain(repr(value) if not isinstance(value, str) else value, newlines=False)[:40]


def _answer(qid: str, texts: list[str], stub: str, notes: list[str]) -> Answer:
    """The answer of one question from the texts of its cells."""
    text = plain("\n\n".join(t.strip() for t in texts)).strip()
    if text == stub.strip():
        return Answer(qid, PLACEHOLDER, "", tuple(notes))
    if stub.strip() and stub.strip() in text:
        text = text.replace(stub.strip(), "").strip()
        notes.append("the placeholder line is still in the cell (left out here)")
    if not text:
        return Answer(qid, EMPTY, "", tuple(notes))
    if len(text) > MAX_ANSWER:
        notes.append(f"cut at {MAX_ANSWER} of its {len(text)} characters")
        text = text[:MAX_ANSWER]
    return Answer(qid, ANSWERED, text, tuple(notes))


def _after_prompt(cells: list[Any], qid: str) -> str | None:
    """The text of an untagged markdown cell just after the question's prompt (where the
    tagged cell was, before the student replaced it), or None."""
    heading = _PROMPT.format(qid=qid)
    for i, cell in enumerate(cells[:-1]):
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown" \
                and heading in _source(cell):
            after = cells[i + 1]
            if isinstance(after, dict) and after.get("cell_type") == "markdown" \
                    and "answer" not in _tags(after) and not _source(after).lstrip() \
                    .startswith("#"):
                return _source(after)
            return None
    return None


def read_answers(student: StudentNotebook, data: bytes, questions: Sequence[str],
                 stub: str) -> None:
    """Fill ``student``'s answers (one per question id) from a notebook's bytes; a notebook
    that cannot be read makes the status UNREADABLE with the reason."""
    try:
        cells = _cells(data)
    except ValueError as exc:
        student.status, student.problem = UNREADABLE, str(exc)
        student.answers = {q: Answer(q, UNREADABLE) for q in questions}
        return
    found: dict[str, list[str]] = {q: [] for q in questions}
    kinds: dict[str, set[str]] = {q: set() for q in questions}
    unknown: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict) or "answer" not in _tags(cell):
            continue
        qid = cell["metadata"].get("question")
        if not isinstance(qid, str) or qid not in found:
            unknown.append(_shown_id(qid))
            continue
        found[qid].append(_source(cell))
        kinds[qid].add(str(cell.get("cell_type")))
    if unknown:
        student.note(f"{len(unknown)} answer cell(s) for no known question (question: "
                     f"{', '.join(unknown[:5])}): not read")
    for qid in questions:
        notes: list[str] = []
        texts = found[qid]
        if len(texts) > 1:
            notes.append(f"{len(texts)} cells tagged for this question: joined in order")
        if kinds[qid] - {"markdown"}:
            notes.append(f"the answer is in a {'/'.join(sorted(kinds[qid]))} cell")
        if not texts:
            fallback = _after_prompt(cells, qid)
            if fallback is None:
                student.answers[qid] = Answer(qid, MISSING)
                continue
            answer = _answer(qid, [fallback], stub, notes)
            if answer.status == ANSWERED:
                answer = Answer(qid, UNTAGGED, answer.text, answer.notes)
            student.answers[qid] = answer
            continue
        student.answers[qid] = _answer(qid, texts, stub, notes)


def load_student(name: str, source: Path | None, questions: Sequence[str],
                 stub: str) -> StudentNotebook:
    """Find and read one submission's notebook: never raises for anything the submission
    holds."""
    student = StudentNotebook(name)
    data, where, status, note = find_notebook(source)
    student.path = where
    if data is None:
        student.status, student.problem = status, note
        student.answers = {q: Answer(q, status) for q in questions}
        return student
    if note:
        student.note(note)
    read_answers(student, data, questions, stub)
    return student


def is_answer_status(status: str) -> bool:
    """Whether an answer status means there is text to grade."""
    return status in (ANSWERED, UNTAGGED)

