"""Assemble the report: load OUT, compute, read the code, plot, write both files."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from autograder import paths
from autograder.grade.results import REPORT_HTML, REPORT_JSON, write_atomically

from . import plots
from .concepts import BANK_DIR, read_bank
from .export import to_json
from .attempts import fill_attempts, part_attempts
from .load import load_results, read_batch
from .lookhere import look_here_first
from .misconceptions import misconception_stats
from .model import Report
from .render import render
from .similarity import (find_similar, locate, read_archive, read_code, read_handout,
                         read_stubs)
from .stats import (check_stats, concept_stats, distributions, incident_groups, incidents)

HTML, JSON = REPORT_HTML, REPORT_JSON  # (declared with the grader's other files of OUT)


def build_report(out: Path, *, submissions: list[Path] | None = None,
                 stubs: Path | None = None, bank_dir: Path = BANK_DIR,
                 similarity: bool = True, threshold: float | None = None,
                 detail: int = 5, archive: list[Path] | None = None,
                 handout: Path = paths.HANDOUT) -> Report:
    """Compute the report of the grading output ``out`` (nothing is written). ``archive``:
    earlier terms' submissions the class is compared against (never reported themselves)."""
    clock = {"start": time.perf_counter()}
    graded = load_results(out)
    fill_attempts(graded)
    bank = read_bank(bank_dir)
    clock["load"] = time.perf_counter()
    dists = distributions(graded, bank)
    checks = check_stats(graded, bank)
    optional = set(bank.scheme.optional) if bank.scheme else set()
    report = Report(out=out, generated=datetime.now(UTC).isoformat(timespec="seconds"),
                    graded=graded, bank=bank, distributions=dists, checks=checks,
                    concepts=concept_stats(checks, graded), incidents=incidents(graded),
                    similarity=None, similarity_note="", sources={},
                    attempts=part_attempts(graded, bank.part_order(), optional),
                    incident_groups=incident_groups(graded), batch=read_batch(out),
                    misconceptions=misconception_stats(graded))
    clock["stats"] = time.perf_counter()
    if similarity:
        stub_dir = stubs or paths.ASSIGNMENTS / paths.PACKAGE
        where = locate({g.name: g.source for g in graded}, submissions,
                       [Path.cwd(), paths.REPO])
        report.sources = {n: (str(p) if p else None) for n, p in where.items()}
        stub_files = read_stubs(stub_dir)
        handout_code = read_handout(handout)
        codes = [read_code(n, p, stub_files) for n, p in where.items()]
        if not any(c.problem is None for c in codes):
            report.similarity_note = ("No submission's code was found: give the submissions "
                                      "with --submissions to compare them.")
        else:
            earlier = read_archive(archive or [], stub_files)
            kwargs = {} if threshold is None else {"threshold": threshold}
            report.similarity = find_similar(codes + earlier, stub_files, detail=detail,
                                             handout=handout_code, **kwargs)
            how = "--submissions" if submissions else "the paths results.json records"
            report.similarity_note = (
                f"Code read from {how}; boilerplate: the stubs in {stub_dir}"
                + ("" if stub_files else " (not found)") + f" and the handout {handout}"
                + ("" if handout_code else " (not found)") + "."
                + (f" Compared with {len(earlier)} submissions of earlier terms "
                   f"({', '.join(str(d) for d in archive or [])})." if archive else ""))
    else:
        report.similarity_note = "Similarity was not computed (--no-similarity)."
    report.leads = look_here_first(graded, report.incidents, report.similarity)
    clock["similarity"] = time.perf_counter()
    parts = report.distributions
    report.plots["total"] = plots.total_histogram(parts[0])
    if len(parts) > 1:
        report.plots["parts"] = plots.part_histograms(parts)
    report.plots["time"] = plots.time_histogram([g.seconds for g in graded
                                                 if g.problem is None])
    worst = [c for c in report.concepts if c.fail_rate > 0][:15]
    if worst:
        report.plots["concepts"] = plots.fail_rate_bars([c.id for c in worst],
                                                        [c.fail_rate for c in worst])
    clock["plots"] = time.perf_counter()
    steps = list(clock)
    report.seconds = {b: round(clock[b] - clock[a], 3) for a, b in zip(steps, steps[1:])}
    return report


def write_report(report: Report) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.json`` into the report's OUT."""
    start = time.perf_counter()
    page = render(report)
    report.seconds["render"] = round(time.perf_counter() - start, 3)
    html_path, json_path = report.out / HTML, report.out / JSON
    write_atomically(html_path, page)
    write_atomically(json_path, json.dumps(to_json(report), indent=1, ensure_ascii=False))
    return html_path, json_path
