"""Write what grading found: results.json (Gradescope's schema), feedback.md, gradebook.csv.

Every file is written to a temporary name and renamed into place; a submission's directory is
swapped as a whole, so a run killed at any moment leaves either the old results or the new.
Nothing is written through a symlink or outside ``OUT``.

Everything a submission can influence (its name, notes, check messages quoting its exceptions,
its printed output, review flags) is untrusted: it is stripped of terminal escape sequences and
control characters, escaped for Markdown (results.json's texts are Markdown too, see
``output_format``), and capped, so one submission cannot forge or flood what others read.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from datetime import datetime, UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder import misconceptions
from autograder.feedback import (UNJUDGED_NOTE, is_not_implemented, not_attempted, same_reason,
                                 unjudged_reason)

if TYPE_CHECKING:  # annotations only: importing this module must not import torch (the report
    from .bank import Bank  # reads results without it)
    from .runner import CheckResult, SubmissionResult

MAX_OUTPUT = 8000            # characters of the student's printed output kept in results.json
MAX_CHECK_TEXT = 1500        # characters of one check's feedback
MAX_NOTES = 20               # notes (or review flags) listed; the rest are counted
MAX_NOTE = 500               # characters of one note or flag
MAX_CELL = 1000              # characters of one gradebook cell
MAX_FEEDBACK = 64 * 1024     # bytes of feedback.md
TRUNCATED = "[... truncated]"
# The summary's heading of the notes list (the class report reads the list back by it).
PROBLEMS = "Problems with the submission:"

GRADEBOOK = "gradebook.csv"
BATCH = "batch.json"    # when the last `grade` run started and ended, and its bank's digest
ROSTER = "roster.csv"   # the roster `grade --roster` was given, kept for later rebuilds
# What a submission's folder holds beside results.json and feedback.md, carried over when it is
# graded again: the written part's scores (`written merge`), and earlier results (`grade --only`)
WRITTEN = "written.json"  # OUT/<name>/written.json: `written merge`'s scores (autograder/written)
CARRIED = (WRITTEN,)
PREVIOUS = "previous"
COLLECTION = "collection"  # results.json's extra_data key for what `collect` recorded
REPORT_HTML, REPORT_JSON = "report.html", "report.json"  # `autograder report` (report/build.py)
# `written collect`'s pages and sheet, and its anonymisation key (autograder/written/collect.py)
WRITTEN_PAGES, WRITTEN_KEY = "written", "written-key.csv"
# Every file a command writes at OUT's top level, beside the submissions' folders.
TOP_LEVEL = (GRADEBOOK, BATCH, ROSTER, REPORT_HTML, REPORT_JSON, WRITTEN_PAGES, WRITTEN_KEY)
# Their names and temporary names, in lower case: no submission's folder may be named so
# (``grade.batch.output_names`` renames it, ``intake.read_submission`` says so in a note).
RESERVED = frozenset(n for f in TOP_LEVEL for n in (f.lower(), f.lower() + ".tmp"))
# A submission's output name: one path component that cannot be hidden, relative or an option.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")

# -- untrusted text

# ANSI/VT escape sequences (CSI, OSC/DCS/APC/PM/SOS strings, two-byte ESC sequences), in their
# 7-bit and 8-bit (C1) forms: a terminal would act on them.
_ESCAPES = re.compile(r"""
    (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?                                 # CSI ... final
  | (?:\x1b[]PX^_]|[\x90\x98\x9d\x9e\x9f]) .*? (?:\x07|\x1b\\|\x9c|$)   # OSC, DCS... strings
  | \x1b [ -/]* [0-~]?                                                   # other ESC sequences
""", re.VERBOSE | re.DOTALL)
# Other C0/C1 controls, DEL, lone surrogates and bidi overrides (which reorder what is shown).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Markdown's inline syntax: code spans, emphasis, links and images, HTML and entities, GFM tables,
# strikethrough and math. '_' only at a word's edge (conv2d_backward stays readable), and '>'
# is left alone: it only means something at a line's start, where student text never is.
_MD_SPECIAL = re.compile(r"[\\`*\[\]<&|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_BLOCK_LEADER = re.compile(r"[#>+=-]|\d{1,9}(?=[.)])")


def plain(text: object, *, newlines: bool = True) -> str:
    """``text`` safe for a terminal and for UTF-8: no escape sequences, no control characters but
    newlines (turned into spaces when not ``newlines``), tabs as spaces, surrogates replaced."""
    text = _SURROGATES.sub("\ufffd", str(text))
    text = _ESCAPES.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROLS.sub("", text.replace("\t", "    "))
    return text if newlines else " ".join(text.split("\n"))


def cap(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, then a marker saying it was cut."""
    return text if len(text) <= limit else f"{text[:limit]} {TRUNCATED}"


def md_inline(text: object, limit: int = MAX_NOTE) -> str:
    """Untrusted text as one line of Markdown that reads as written: cut first, so an escape is
    never split, then every inline construct escaped with a backslash."""
    raw = plain(text, newlines=False).strip()
    short = raw[:limit]
    escaped = _MD_SPECIAL.sub(lambda m: "\\" + m.group(), short)
    return escaped if short == raw else f"{escaped} {TRUNCATED}"


# The backslash escapes md_inline and md_block_start add, to read a text back.
_MD_ESCAPED = re.compile(r"\\([\\`*\[\]<&|~$_#>+=\-.)!{}()])")


def md_unescape(text: str) -> str:
    """What ``md_inline`` / ``md_block_start`` escaped, back as it was written."""
    return _MD_ESCAPED.sub(r"\1", text) if "\\" in text else text


def code_span(text: object) -> str:
    """Untrusted text as a Markdown code span, with a fence longer than any run of backticks in
    it (inside, nothing is interpreted)."""
    raw = plain(text, newlines=False)[:MAX_NOTE]
    fence = "`" * (max((len(r) for r in re.findall("`+", raw)), default=0) + 1)
    pad = " " if raw.startswith("`") or raw.endswith("`") else ""
    return f"{fence}{pad}{raw}{pad}{fence}"


def md_block_start(text: object, limit: int = MAX_NOTE) -> str:
    """``md_inline`` for text that starts a Markdown block (a list item's first line), where a
    leading ``#``, ``>``, ``-``, ``+``, ``=`` or ``1.`` would make a heading, quote or list."""
    escaped = md_inline(text, limit)
    lead = _BLOCK_LEADER.match(escaped)
    if lead is None:
        return escaped
    if lead.group()[0].isdigit():  # "1." or "1)": escape the punctuation
        return f"{escaped[:lead.end()]}\\{escaped[lead.end():]}"
    return "\\" + escaped


def md_list(items: list[str], what: str) -> list[str]:
    """Markdown list lines for untrusted ``items``: at most MAX_NOTES, each capped."""
    lines = [f"- {md_block_start(i)}" for i in items[:MAX_NOTES]]
    if len(items) > MAX_NOTES:
        lines.append(f"- ... and {len(items) - MAX_NOTES} more {what} not shown")
    return lines


def _capped_list(items: list[str]) -> list[str]:
    """Untrusted ``items`` as data (results.json): at most MAX_NOTES, each plain and capped."""
    out = [cap(plain(i), MAX_NOTE) for i in items[:MAX_NOTES]]
    if len(items) > MAX_NOTES:
        out.append(f"... and {len(items) - MAX_NOTES} more not shown")
    return out


def cap_bytes(text: str, limit: int = MAX_FEEDBACK) -> str:
    """``text`` cut at a line boundary to at most ``limit`` UTF-8 bytes, marked when cut."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    marker = f"\n\n{TRUNCATED}: this feedback was longer than {limit // 1024} KiB\n"
    head = data[: limit - len(marker.encode())].decode("utf-8", "ignore")
    return head[: head.rfind("\n") + 1] + marker


def _points(x: float) -> str:
    return f"{x:g} point" + ("" if x == 1 else "s")


# -- scores

def split_score(result: SubmissionResult, bank: Bank) -> tuple[float, float]:
    """(score on the required parts, extra credit from the optional parts)."""
    parts = result.part_scores(bank)
    required = sum(s for p, (s, _) in parts.items() if p in bank.scheme.parts)
    extra = sum(s for p, (s, _) in parts.items() if p in bank.scheme.optional)
    return round(required, 2), round(extra, 2)


def score_line(result: SubmissionResult, bank: Bank) -> str:
    """The score out of the autograded maximum, extra credit apart, e.g. ``Autograded score:
    90 / 90 (+5 extra credit)`` (never "95 / 90")."""
    required, extra = split_score(result, bank)
    line = f"Autograded score: {required:g} / {bank.scheme.auto_max:g}"
    return line + (f" (+{extra:g} extra credit)" if extra else "")


def attempted(result: SubmissionResult, bank: Bank) -> dict[str, bool]:
    """part -> whether the submission attempted it: False when every check of the part failed
    because it reached a function still raising the stub's ``NotImplementedError``
    (``feedback.is_not_implemented``), True otherwise (a pass, any other failure, an error)."""
    out: dict[str, bool] = {}
    for r in result.results:
        stub = not r.passed and is_not_implemented(r.message)
        out[r.check.part] = out.get(r.check.part, False) or not stub
    return {p: out[p] for p in result.part_scores(bank) if p in out}


def _label(part: str, bank: Bank) -> str:
    return f"{part} (extra credit)" if part in bank.scheme.optional else part


def _manual(bank: Bank) -> str:
    return ", ".join(f"{p} ({_points(m)})" for p, m in bank.scheme.manual.items())


# -- the files

def results_json(result: SubmissionResult, bank: Bank) -> dict[str, Any]:
    tests = [{
        "name": f"{r.check.part}: {r.check.name}",
        "score": round(r.score, 4),
        "max_score": r.check.points,
        "status": "passed" if r.passed else "failed",
        "visibility": r.check.visibility,
        "output": _output(r),
        "output_format": "md",
        "tags": [r.check.part],
        "extra_data": {"id": r.check.id, "seconds": round(r.seconds, 3),
                       **({"misconception": r.misconception} if r.misconception else {})},
    } for r in result.results]
    parts = result.part_scores(bank)
    tried = attempted(result, bank)
    error = result.submission.error
    return {
        "score": result.total(),
        "execution_time": round(result.seconds, 3),
        "output": summary_text(result, bank),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "submission": plain(result.submission.name, newlines=False),
            "source": plain(result.submission.source, newlines=False),
            # "attempted": false for a part left as the stub (the class report's "not attempted")
            "parts": {p: {"score": s, "max_score": m, "attempted": tried.get(p, True)}
                      for p, (s, m) in parts.items()},
            "max_score": bank.scheme.auto_max,
            "manual": bank.scheme.manual,
            "bank_digest": bank.digest or None,  # the version of the checks and points
            "isolation": result.isolation,
            "part_start_seconds": round(result.part_start_seconds, 3),
            "devices": result.devices,
            "error": None if error is None else cap(plain(error), MAX_NOTE),
            "review": _capped_list(result.review),
            "student_output": cap(plain(result.output), MAX_OUTPUT),
        },
    }


def _output(r: CheckResult) -> str:
    """A check's feedback (Markdown, capped), and the known mistake its result was recognised as
    (if any), which the cap never cuts off: the feedback gives way to it."""
    if not r.misconception:
        return md_inline(r.feedback(), MAX_CHECK_TEXT)
    known = md_inline(misconceptions.feedback(r.misconception), MAX_CHECK_TEXT // 2)
    return f"{md_inline(r.feedback(), MAX_CHECK_TEXT - len(known) - 2)}\n\n{known}"


def recognised(checks: list[CheckResult]) -> dict[str, list[CheckResult]]:
    """misconception id -> the failed checks that recognised it, in check order."""
    out: dict[str, list[CheckResult]] = {}
    for r in checks:
        if not r.passed and r.misconception:
            out.setdefault(r.misconception, []).append(r)
    return out


def summary_text(result: SubmissionResult, bank: Bank) -> str:
    """The Markdown summary Gradescope shows above the tests."""
    blocks = [[score_line(result, bank)],
              [f"- {_label(p, bank)}: {s:g} / {m:g}"
               for p, (s, m) in result.part_scores(bank).items()]]
    if bank.scheme.manual:
        blocks.append([f"Graded by hand later: {_manual(bank)}"])
    blocks.append([f"- Devices: {d}: {md_inline(w)}" for d, w in result.devices.items()])
    if result.notes:
        blocks.append([PROBLEMS, *md_list(result.notes, "problems")])
    if result.review:
        blocks.append(["Flagged for review by your instructor:",
                       *md_list(result.review, "flags")])
    return cap_bytes("\n\n".join("\n".join(b) for b in blocks if b))


def feedback_markdown(result: SubmissionResult, bank: Bank) -> str:
    out = io.StringIO()
    out.write(f"# Feedback for {code_span(result.submission.name)}\n\n")
    _, extra = split_score(result, bank)
    out.write(f"**{score_line(result, bank)}**")
    if bank.scheme.optional and not extra:
        out.write(" (optional parts are extra credit)")
    out.write("\n\n")
    if bank.scheme.manual:
        out.write(f"Graded by hand after the deadline: {_manual(bank)}.\n\n")
    out.write("| part | score | max |\n|---|---:|---:|\n")
    for part, (score, top) in result.part_scores(bank).items():
        out.write(f"| {_label(part, bank)} | {score:g} | {top:g} |\n")
    if result.devices:
        out.write("\nDevices: " + "; ".join(f"{d}: {md_inline(w)}"
                                            for d, w in result.devices.items()) + ".\n")
    if result.notes:
        out.write("\n## Problems with the submission\n\n")
        out.write("".join(f"{line}\n" for line in md_list(result.notes, "problems")))
    if result.review:
        out.write("\n## Flagged for review by your instructor\n\n"
                  "An automatic scan found these; your instructor will look at them by hand.\n\n")
        out.write("".join(f"{line}\n" for line in md_list(result.review, "flags")))
    failed = [r for r in result.results if not r.passed]
    if failed:
        out.write("\n## Checks that failed\n\n")
        out.write("Hidden checks use inputs you have not seen; their messages say what went "
                  "wrong without giving the expected values.\n")
        _write_failures(out, failed, result, bank)
    else:
        out.write("\nEvery check passed.\n")
    return cap_bytes(out.getvalue())


def _titles() -> dict[str, str]:
    """part id -> its title (Markdown from the parts registry, which the instructor writes)."""
    from autograder import parts

    return {p.id: p.title or p.summary for p in parts.load()}


def _write_failures(out: io.StringIO, failed: list[CheckResult], result: SubmissionResult,
                    bank: Bank) -> None:
    """The failed checks, part by part: a part left as the stub in one line
    (``feedback.not_attempted``); in the others, a reason several checks failed for once, with
    the checks it applies to (a property check not judged for that reason is listed under it)."""
    order = {p: i for i, p in enumerate([*bank.scheme.parts, *bank.scheme.optional])}
    by_part: dict[str, list[CheckResult]] = {}
    for r in sorted(failed, key=lambda r: order.get(r.check.part, len(order))):
        by_part.setdefault(r.check.part, []).append(r)  # whichever file of the bank it is in
    tried, titles = attempted(result, bank), _titles()
    skipped = [p for p in by_part if not tried.get(p, True)]
    if skipped:
        out.write("\n")
    for part in skipped:
        title = titles.get(part) or md_inline(part)
        lost = sum(r.check.points for r in by_part[part])
        out.write(f"- **{md_inline(part)}** ({_points(round(lost, 2))}): "
                  f"{not_attempted(title)}\n")
    for part, checks in by_part.items():
        if part in skipped:
            continue
        out.write(f"\n### {md_inline(part)}\n\n")
        for mid, members in recognised(checks).items():
            out.write(f"- {md_inline(misconceptions.feedback(mid), MAX_CHECK_TEXT)} "
                      f"({_recognised_in(len(members))})\n")
        groups: dict[str, list[CheckResult]] = {}
        for r in checks:
            text = r.feedback()
            groups.setdefault(unjudged_reason(text) or text, []).append(r)
        for reason, members in groups.items():
            if len(members) == 1 and members[0].feedback() == reason:
                r = members[0]
                out.write(f"- **{md_inline(r.check.name)}** ({_points(r.check.points)}): "
                          f"{md_inline(reason, MAX_CHECK_TEXT)}\n")
                continue
            lost = round(sum(r.check.points for r in members), 2)
            out.write(f"- {md_block_start(reason, MAX_CHECK_TEXT)}: "
                      f"**{same_reason(len(members))}** ({_points(lost)}):\n")
            for r in members:
                note = "" if r.feedback() == reason else f"; {UNJUDGED_NOTE}"
                out.write(f"  - {md_block_start(r.check.name)} ({_points(r.check.points)}"
                          f"{note})\n")


def _recognised_in(checks: int) -> str:
    return "recognised in 1 check below" if checks == 1 else f"recognised in {checks} checks below"


def with_collection(results: dict[str, Any], collection: dict[str, Any] | None
                    ) -> dict[str, Any]:
    """``results`` with what the collection recorded of the submission (``collect``'s
    username, commit, commit date, late flag...) in ``extra_data["collection"]``; the
    gradebook adds it as columns. Unchanged when there is none."""
    if collection is None:
        return results
    return {**results, "extra_data": {**results.get("extra_data", {}),
                                      COLLECTION: dict(collection)}}


def write_submission(out: Path, result: SubmissionResult, bank: Bank,
                     collection: dict[str, Any] | None = None, *,
                     keep_previous: bool = False) -> Path:
    """Replace ``out/<name>/`` with this result, atomically (stage, then swap)."""
    return write_raw(out, result.submission.name,
                     with_collection(results_json(result, bank), collection),
                     feedback_markdown(result, bank), keep_previous=keep_previous)


def check_name(name: str) -> None:
    """Refuse an output name that is not one plain entry of OUT, or is one the grader uses."""
    if not SAFE_NAME.fullmatch(name) or name.lower() in RESERVED:
        raise ValueError(f"unsafe output name {name!r}")


def write_raw(out: Path, name: str, results: dict[str, Any], feedback: str, *,
              keep_previous: bool = False) -> Path:
    """Replace ``out/<name>/`` with these files, atomically (stage, then swap). What the folder
    held that grading does not write (``written.json``, ``previous/``) is carried over; with
    ``keep_previous`` (``grade --only``), the results it replaces are kept in
    ``previous/<when they were written>/``. A symlink planted at any of the names used is
    removed or moved aside, never followed (nor carried over)."""
    check_name(name)
    final, staged, old = out / name, out / f".{name}.new", out / f".{name}.old"
    out.mkdir(parents=True, exist_ok=True)
    _remove(staged)
    staged.mkdir()  # fails rather than reuse anything that appeared meanwhile
    write_atomically(staged / "results.json", json.dumps(results, indent=2))
    write_atomically(staged / "feedback.md", cap_bytes(feedback))
    if final.is_dir() and not final.is_symlink():
        _carry_over(final, staged, keep_previous)
    _remove(old)
    if final.is_symlink() or final.exists():
        final.rename(old)  # renames a link itself, not its target
    staged.rename(final)
    _remove(old, quiet=True)
    return final


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _carry_over(final: Path, staged: Path, keep_previous: bool) -> None:
    """Copy into ``staged`` what ``final`` holds beside the grading's files (``CARRIED``), and
    with ``keep_previous`` its results and feedback into ``previous/<UTC time>/`` (the time its
    results.json was written). Copies, so a run killed meanwhile leaves ``final`` whole."""
    def copy(name: str, into: Path) -> None:
        if _plain_file(final / name):
            write_atomically(into / name,
                             (final / name).read_text(encoding="utf-8", errors="replace"))

    for name in CARRIED:
        copy(name, staged)
    if _plain_file(final / WRITTEN) and _plain_file(final / "feedback.md"):
        _carry_written_section(final / "feedback.md", staged / "feedback.md")
    history = final / PREVIOUS
    if history.is_dir() and not history.is_symlink():
        shutil.copytree(history, staged / PREVIOUS, symlinks=True)  # links copied, not followed
    if not keep_previous or not _plain_file(final / "results.json"):
        return
    when = datetime.fromtimestamp((final / "results.json").stat().st_mtime, UTC)
    stamp, n = when.strftime("%Y%m%dT%H%M%SZ"), 2
    target = staged / PREVIOUS / stamp
    while target.exists():
        target, n = staged / PREVIOUS / f"{stamp}-{n}", n + 1
    target.mkdir(parents=True)
    for name in ("results.json", "feedback.md", *CARRIED):
        copy(name, target)


def _carry_written_section(old: Path, new: Path) -> None:
    """The "Written answers" section ``written merge`` added to the old feedback.md (between
    its markers, on lines of their own), added to the new one as well."""
    from autograder.written.section import BEGIN, END, with_section

    lines = old.read_text(encoding="utf-8", errors="replace").splitlines()
    if BEGIN not in lines or END not in lines[lines.index(BEGIN):]:
        return
    start = lines.index(BEGIN)
    section = "\n".join(lines[start:lines.index(END, start) + 1]) + "\n"
    # the feedback is cut to leave the section room (cutting after would cut the section)
    room = MAX_FEEDBACK - len(section.encode("utf-8", "replace")) - 2
    write_atomically(new, with_section(cap_bytes(new.read_text(encoding="utf-8"), room), section))


def recover(out: Path) -> None:
    """Finish or undo swaps a killed run left half done."""
    for old in out.glob(".*.old"):
        final = out / old.name[1:-4]
        if old.is_symlink() or final.is_symlink() or final.exists():
            _remove(old, quiet=True)
        else:
            old.rename(final)
    for staged in out.glob(".*.new"):
        _remove(staged, quiet=True)


def _remove(path: Path, *, quiet: bool = False) -> None:
    """Delete a file, a link or a tree; a link is deleted itself, its target never touched."""
    try:
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path)  # does not follow links inside the tree either
    except OSError:
        if not quiet:
            raise


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, line ends as given: CSV writers choose theirs):
    written to ``<path>.tmp``, then renamed over ``path``, so a reader sees the old file or the
    new one, and a link planted at ``path`` is replaced, never followed."""
    tmp = path.with_name(path.name + ".tmp")
    _remove(tmp)
    # O_EXCL | O_NOFOLLOW: a file or link planted at the temporary name is an error, not a target
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with open(fd, "w", encoding="utf-8", errors="replace", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
