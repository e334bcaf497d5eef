"""Write what grading found: results.json (Gradescope's schema), feedback.md, gradebook.csv.

Every file is written to a temporary name and renamed into place; a submission's directory is
swapped as a whole, so a run killed at any moment leaves either the old results or the new.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

from .bank import Bank
from .runner import SubmissionResult

MAX_OUTPUT = 8000


def results_json(result: SubmissionResult, bank: Bank) -> dict[str, Any]:
    tests = [{
        "name": f"{r.check.part}: {r.check.name}",
        "score": round(r.score, 4),
        "max_score": r.check.points,
        "status": "passed" if r.passed else "failed",
        "visibility": r.check.visibility,
        "output": r.feedback(),
        "tags": [r.check.part],
        "extra_data": {"id": r.check.id, "seconds": round(r.seconds, 3)},
    } for r in result.results]
    parts = result.part_scores(bank)
    return {
        "score": result.total(),
        "execution_time": round(result.seconds, 3),
        "output": summary_text(result, bank),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "submission": result.submission.name,
            "source": result.submission.source,
            "parts": {p: {"score": s, "max_score": m} for p, s, m in
                      ((p, *parts[p]) for p in parts)},
            "max_score": bank.manifest.auto_max,
            "manual": bank.manifest.manual,
            "isolation": result.isolation,
            "devices": result.devices,
            "error": result.submission.error,
            "student_output": result.output[:MAX_OUTPUT],
        },
    }


def summary_text(result: SubmissionResult, bank: Bank) -> str:
    lines = [f"Autograded score: {result.total():g} / {bank.manifest.auto_max:g}"]
    lines += [f"- {p}: {s:g} / {m:g}" for p, (s, m) in result.part_scores(bank).items()]
    if bank.manifest.manual:
        lines.append("Graded by hand later: " + ", ".join(
            f"{p} ({m:g} points)" for p, m in bank.manifest.manual.items()))
    lines += [f"Devices: {d}: {what}" for d, what in result.devices.items()]
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines)


def feedback_markdown(result: SubmissionResult, bank: Bank) -> str:
    out = io.StringIO()
    name = result.submission.name
    out.write(f"# Feedback for `{name}`\n\n")
    out.write(f"**Autograded score: {result.total():g} / {bank.manifest.auto_max:g}**")
    if bank.manifest.optional:
        out.write(" (optional parts are extra credit)")
    out.write("\n\n")
    if bank.manifest.manual:
        manual = ", ".join(f"{p} ({m:g} points)" for p, m in bank.manifest.manual.items())
        out.write(f"Graded by hand after the deadline: {manual}.\n\n")
    out.write("| part | score | max |\n|---|---:|---:|\n")
    for part, (score, top) in result.part_scores(bank).items():
        out.write(f"| {part} | {score:g} | {top:g} |\n")
    if result.devices:
        out.write("\nDevices: " + "; ".join(f"{d}: {w}" for d, w in result.devices.items())
                  + ".\n")
    if result.notes:
        out.write("\n## Problems with the submission\n\n")
        out.write("".join(f"- {_md(n)}\n" for n in result.notes))
    failed = [r for r in result.results if not r.passed]
    if failed:
        out.write("\n## Checks that failed\n\n")
        out.write("Hidden checks use inputs you have not seen; their messages say what went "
                  "wrong without giving the expected values.\n")
        part = None
        for r in failed:
            if r.check.part != part:
                part = r.check.part
                out.write(f"\n### {part}\n\n")
            out.write(f"- **{_md(r.check.name)}** ({r.check.points:g} points): "
                      f"{_md(r.feedback())}\n")
    else:
        out.write("\nEvery check passed.\n")
    return out.getvalue()


def _md(text: str) -> str:
    """Keep student-controlled text from breaking the Markdown (or injecting HTML)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", " ").replace("|", "\\|"))[:1200]


def write_submission(out: Path, result: SubmissionResult, bank: Bank) -> Path:
    """Replace ``out/<name>/`` with this result, atomically (stage, then swap)."""
    return write_raw(out, result.submission.name, results_json(result, bank),
                     feedback_markdown(result, bank))


def write_raw(out: Path, name: str, results: dict[str, Any], feedback: str) -> Path:
    """Replace ``out/<name>/`` with these files, atomically (stage, then swap)."""
    final, staged, old = out / name, out / f".{name}.new", out / f".{name}.old"
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    _write(staged / "results.json", json.dumps(results, indent=2))
    _write(staged / "feedback.md", feedback)
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staged.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def recover(out: Path) -> None:
    """Finish or undo swaps a killed run left half done."""
    for old in out.glob(".*.old"):
        final = out / old.name[1:-4]
        if final.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.rename(final)
    for staged in out.glob(".*.new"):
        shutil.rmtree(staged, ignore_errors=True)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_gradebook(out: Path, bank: Bank) -> Path:
    """One row per submission found in ``out``: total and per-part scores."""
    parts = [*bank.manifest.parts, *bank.manifest.optional]
    manual = list(bank.manifest.manual)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["submission", "total", "max_score", *parts, *manual, "error"])
    for results in sorted(out.glob("*/results.json")):
        data = json.loads(results.read_text())
        extra = data.get("extra_data", {})
        scores = extra.get("parts", {})
        writer.writerow([results.parent.name, data["score"], extra.get("max_score", ""),
                         *[scores.get(p, {}).get("score", "") for p in parts],
                         *["" for _ in manual], extra.get("error") or ""])
    path = out / "gradebook.csv"
    _write(path, buf.getvalue())
    return path
