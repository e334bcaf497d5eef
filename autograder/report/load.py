"""Read a grading output folder (``OUT``): one ``results.json`` per submission.

``results.json`` is written by the grader, but with the docker backend its content comes out of
a container that ran student code, so nothing in it is trusted: every field is type-checked,
texts are made printable and capped, and a file that cannot be read becomes a ``problem``
instead of stopping the report.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from autograder.grade.results import WRITTEN   # OUT/<name>/written.json (written merge)
from autograder.grade.results import BATCH, GRADEBOOK, PROBLEMS, md_unescape, plain

MAX_RESULTS_BYTES = 32 * 1024 * 1024  # one results.json (the grader's own are ~50 KiB)
MAX_TEXT = 2000                       # characters kept of any one text
MAX_ITEMS = 100                       # review flags or notes kept per submission
MAX_CHECKS = 5000                     # checks kept per submission


@dataclass(slots=True)  # not frozen: 200 000 of them are made for 2 000 submissions
class CheckOutcome:
    """One check's verdict for one submission."""

    id: str
    part: str
    name: str          # the check's title as the student read it
    passed: bool
    score: float
    max_score: float
    message: str       # why it failed (plain text), "" when it passed
    seconds: float
    misconception: str = ""   # the known mistake the failure was recognised as (library id)


@dataclass
class Recorded:
    """What the grader recorded for one submission (its folder in OUT)."""

    name: str                                   # the folder's name in OUT
    score: float = 0.0
    max_score: float = 0.0
    parts: dict[str, tuple[float, float]] = field(default_factory=dict)  # part -> (score, max)
    seconds: float = 0.0
    checks: list[CheckOutcome] = field(default_factory=list)
    error: str | None = None                    # why it was not graded (grader fault, no code)
    review: list[str] = field(default_factory=list)   # static scan flags
    notes: list[str] = field(default_factory=list)    # "Problems with the submission"
    source: str | None = None                   # where the grader read the code from
    attempted: dict[str, bool] = field(default_factory=dict)  # part -> as results.json says
    written: tuple[float, float] | None = None  # (score, max) from written.json; None: not yet
    isolation: str = ""
    problem: str | None = None                  # why results.json could not be read
    has_feedback: bool = False


_DIRTY = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def text(value: Any, limit: int = MAX_TEXT) -> str:
    """Untrusted ``value`` as one printable line of at most ``limit`` characters."""
    if isinstance(value, str) and not _DIRTY.search(value):  # the common case, fast
        return value.strip()[:limit]
    return " ".join(plain("" if value is None else value).split("\n")).strip()[:limit]


def unmarkdown(value: Any, limit: int = MAX_TEXT) -> str:
    """A Markdown-escaped grader text (check outputs, notes) back to what it says."""
    return md_unescape(text(value, limit * 2))[:limit]


def _number(value: Any) -> float:
    """A finite float, or 0 for anything else (a bool, a string, NaN)."""
    if type(value) is float:  # the common case, fast
        return value if math.isfinite(value) else 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    try:
        value = float(value)
    except OverflowError:  # an int of 400 digits
        return 0.0
    return value if math.isfinite(value) else 0.0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def notes_from_summary(summary: Any) -> list[str]:
    """The "Problems with the submission" list of the grader's Markdown summary: import errors,
    restarts of the student's process and why (results.json keeps notes only there)."""
    lines = plain(summary if isinstance(summary, str) else "")[:10**6].split("\n")
    out: list[str] = []
    inside = False
    for line in lines:
        if line.strip() == PROBLEMS:
            inside = True
        elif inside and line.startswith("- "):
            out.append(unmarkdown(line[2:]))
        elif inside and line.strip():
            break
    return out[:MAX_ITEMS]


@lru_cache(maxsize=1 << 16)
def _header(raw_name: object, raw_id: object, raw_tag: object) -> tuple[str, str, str]:
    """(id, part, title) of a test; the same for every submission, so computed once each."""
    name = text(raw_name, 500)
    part = text(raw_tag, 200) if isinstance(raw_tag, str) else name.partition(":")[0]
    check_id = text(raw_id, 300) or name
    if name.startswith(part + ": "):
        name = name[len(part) + 2:]
    return check_id, part, name


def _hashable(value: Any) -> object:
    return value if isinstance(value, (str, int, float)) or value is None else str(value)[:300]


def _check(test: Any) -> CheckOutcome | None:
    test = _dict(test)
    extra = _dict(test.get("extra_data"))
    tags = test.get("tags")
    tag = tags[0] if isinstance(tags, list) and tags else None
    check_id, part, name = _header(_hashable(test.get("name")), _hashable(extra.get("id")),
                                   _hashable(tag))
    if not check_id:
        return None
    passed = test.get("status") == "passed"
    mid = extra.get("misconception")
    return CheckOutcome(id=check_id, part=part, name=name, passed=passed,
                        score=_number(test.get("score")), max_score=_number(test.get("max_score")),
                        message="" if passed else unmarkdown(test.get("output")),
                        seconds=_number(extra.get("seconds")),
                        misconception="" if passed or not isinstance(mid, str) else text(mid, 100))


def parse_results(name: str, data: Any) -> Recorded:
    """One submission's ``results.json`` (already decoded) as a ``Recorded``."""
    data = _dict(data)
    extra = _dict(data.get("extra_data"))
    parts: dict[str, tuple[float, float]] = {}
    attempted: dict[str, bool] = {}
    for part, value in list(_dict(extra.get("parts")).items())[:200]:
        value = _dict(value)
        parts[text(part, 200)] = (_number(value.get("score")), _number(value.get("max_score")))
        if isinstance(value.get("attempted"), bool):
            attempted[text(part, 200)] = value["attempted"]
    checks = [c for c in map(_check, _list(data.get("tests"))[:MAX_CHECKS]) if c is not None]
    error = extra.get("error")
    return Recorded(
        name=name, score=_number(data.get("score")), max_score=_number(extra.get("max_score")),
        parts=parts, attempted=attempted, seconds=_number(data.get("execution_time")),
        checks=checks,
        error=None if error in (None, "") else text(error),
        review=[text(r) for r in _list(extra.get("review"))[:MAX_ITEMS]],
        notes=notes_from_summary(data.get("output")),
        source=text(extra.get("source"), 4096) or None,
        isolation=text(extra.get("isolation"), 50))


def read_one(entry: Path) -> Recorded:
    """``entry/results.json`` as a ``Recorded``; a file that cannot be read gives ``problem``."""
    path = entry / "results.json"
    try:
        if path.is_symlink() or not path.is_file():
            raise OSError("not a regular file")
        if path.stat().st_size > MAX_RESULTS_BYTES:
            raise ValueError(f"larger than {MAX_RESULTS_BYTES // 2**20} MiB")
        graded = parse_results(entry.name, json.loads(path.read_text("utf-8", "replace")))
    except (OSError, ValueError, RecursionError) as exc:
        graded = Recorded(name=entry.name,
                        problem=f"results.json cannot be read ({type(exc).__name__}: "
                                f"{text(exc, 200)}); grade it again")
    graded.written = read_written(entry)
    feedback = entry / "feedback.md"
    graded.has_feedback = feedback.is_file() and not feedback.is_symlink()
    return graded


def _small_json(path: Path, limit: int = 1 << 20) -> Any:
    """A small JSON file's content, or None where it is absent, a link, too large or broken."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > limit:
            return None
        return json.loads(path.read_text("utf-8", "replace"))
    except (OSError, ValueError, RecursionError):
        return None


def read_written(entry: Path) -> tuple[float, float] | None:
    """(score, max) of ``entry/written.json`` (``written merge`` writes it), or None when the
    written answers are not graded yet (no file, or one that cannot be read)."""
    data = _dict(_small_json(entry / WRITTEN))
    if "score" not in data:
        return None
    return _number(data.get("score")), _number(data.get("max_score"))


@dataclass(frozen=True)
class Batch:
    """OUT/batch.json, written by ``grade`` at the end of a run."""

    wall_seconds: float
    submissions: int
    started: str
    finished: str
    bank_digest: str


def read_batch(out: Path) -> Batch | None:
    """The last grading run's own record (its wall time), or None where there is none."""
    data = _dict(_small_json(out / BATCH))
    if not data or "wall_seconds" not in data:
        return None
    count = data.get("submissions")
    return Batch(_number(data.get("wall_seconds")),
                 count if isinstance(count, int) and not isinstance(count, bool) else 0,
                 text(data.get("started"), 40), text(data.get("finished"), 40),
                 text(data.get("bank_digest"), 100))


def load_results(out: Path) -> list[Recorded]:
    """Every submission folder of ``out`` (the ones ``gradebook.csv`` lists), sorted by name:
    not hidden staging folders, not links planted to elsewhere."""
    graded = []
    for entry in sorted(out.iterdir()):
        if entry.name.startswith(".") or entry.is_symlink() or not entry.is_dir() \
                or entry.name == GRADEBOOK:
            continue
        if not (entry / "results.json").exists() and not (entry / "results.json").is_symlink():
            continue  # not a submission's folder (e.g. a folder of the instructor's)
        graded.append(read_one(entry))
    return graded
