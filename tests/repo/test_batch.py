"""The batch: one submission's fault never sinks the others; output names are safe and distinct."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograder.sandbox
from autograder.grade import batch, local
from autograder.grade.bank import Bank, Check, GradingScheme
from autograder.grade.gradebook import write_gradebook
from autograder.grade.results import RESERVED, SAFE_NAME
from autograder.grade.runner import CheckResult, SubmissionResult
from conftest import PY, REPO

# -- output names


def _names(*paths: str) -> list[str]:
    return batch.output_names([Path(p) for p in paths])


def test_duplicates_never_take_a_real_submission_name() -> None:
    assert _names("a/alice", "b/alice", "c/alice-2") == ["alice", "alice-3", "alice-2"]


def test_names_differing_only_in_case_are_kept_apart() -> None:
    names = _names("x/Alice", "y/alice", "z/ALICE.zip")
    assert len({n.lower() for n in names}) == 3 and names[0] == "Alice"


def test_reserved_and_hidden_names_are_renamed() -> None:
    names = _names("x/gradebook.csv", "y/GRADEBOOK.CSV.zip", "z/.hidden", "w/gradebook.csv.tmp",
                   "v/report.html", "u/Report.JSON.zip", "t/report.html-2")
    assert {n.lower() for n in names}.isdisjoint(RESERVED)
    assert names[2] == "hidden" and len(set(names)) == 7
    assert names[4:] == ["report.html-3", "Report.JSON-2", "report.html-2"]


def test_every_file_a_command_writes_into_out_is_reserved() -> None:
    """The grader's gradebook and the report's two files, as their writers name them."""
    from autograder.grade import results
    from autograder.report import build

    for name in (results.GRADEBOOK, build.HTML, build.JSON):
        assert name in results.TOP_LEVEL and name.lower() in RESERVED
        assert name.lower() + ".tmp" in RESERVED  # (the gradebook is written under that)


def test_a_renamed_submission_is_told_where_its_results_are(tmp_path) -> None:
    from autograder.grade.intake import read_submission

    paths = [tmp_path / "report.html", tmp_path / "alice"]
    for path in paths:
        (path / "convolutions").mkdir(parents=True)
        (path / "convolutions" / "__init__.py").write_text("")
    reserved, alice = (read_submission(p, n) for p, n in zip(paths, batch.output_names(paths)))
    assert reserved.name == "report.html-2" and reserved.notes == [
        "your submission is named report.html, the name of a file the grader writes beside the "
        "results; its results are under report.html-2"]
    assert alice.name == "alice" and alice.notes == []


def test_names_depend_on_the_paths_not_their_order() -> None:
    paths = ["z/bob", "a/bob", "m/BOB", "q/bob-2", "r/bob.zip"]
    forward = dict(zip(paths, _names(*paths)))
    backward = dict(zip(reversed(paths), _names(*reversed(paths))))
    assert forward == backward
    assert forward["a/bob"] == "bob"  # the path that sorts first keeps the base name


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="aAb-._/ 2", min_size=1, max_size=8), max_size=12))
def test_names_are_always_safe_distinct_and_stable(raw: list[str]) -> None:
    paths = [Path("subs", r) for r in raw]
    names = batch.output_names(paths)
    assert len(names) == len(paths)
    assert all(SAFE_NAME.fullmatch(n) and n.lower() not in RESERVED for n in names)
    assert len({n.lower() for n in names}) == len(names)
    assert batch.output_names(paths) == names
    assert dict(zip(map(str, reversed(paths)), batch.output_names(paths[::-1]))) == \
        dict(zip(map(str, paths), names)) or len(set(paths)) < len(paths)


# -- the batch, with a fake sandbox and grader


def _noop(student) -> None:
    pass


BANK = Bank(GradingScheme({"part_a": 2}, {}, {"written": 10}),
            [Check("a.one", "part_a", "one", _noop, points=1),
             Check("a.two", "part_a", "two", _noop, points=1)])


class FakeSandbox:
    """Counts starts and closes; ``broken`` slots fail to start."""

    broken: set[int] = set()
    started: list[int] = []
    closed: list[int] = []

    def __init__(self, *, isolation: str, slot: int, limits: object = None) -> None:
        self.slot, self.isolation_used = slot, isolation

    def start(self) -> None:
        if self.slot in self.broken or -1 in self.broken:
            raise RuntimeError(f"zygote {self.slot} would not start")
        self.started.append(self.slot)

    def close(self) -> None:
        self.closed.append(self.slot)


def fake_grade(submission, bank, sandbox) -> SubmissionResult:
    """Full marks, except where the submission's name asks for a grader fault."""
    name = submission.name
    if name.startswith("memory"):
        raise MemoryError()
    if name.startswith("recursion"):
        raise RecursionError("maximum recursion depth exceeded")
    result = SubmissionResult(submission, [CheckResult(c, True) for c in bank.checks])
    if name.startswith("surrogate"):  # student text the UTF-8 encoder would choke on
        result.notes.append("printed \udcff\ud800 and \x1b[2J")
        result.output = "lone \udcff"
    return result


@pytest.fixture
def fake(monkeypatch, tmp_path):
    FakeSandbox.broken, FakeSandbox.started, FakeSandbox.closed = set(), [], []
    monkeypatch.setattr(autograder.sandbox, "Sandbox", FakeSandbox)
    monkeypatch.setattr(local, "grade_submission", fake_grade)

    def submissions(*names: str) -> list[Path]:
        paths = []
        for name in names:
            pkg = tmp_path / "subs" / name / "convolutions"
            pkg.mkdir(parents=True)
            (pkg / "__init__.py").write_text("")
            paths.append(pkg.parent)
        return paths

    return submissions


def _grade(paths: list[Path], out: Path, jobs: int = 2) -> list[SubmissionResult]:
    results = local.grade_all(paths, out, BANK, jobs=jobs, isolation="none", progress=False)
    write_gradebook(out, BANK)
    return results


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))
    return {row["submission"]: row for row in rows}


def test_grader_faults_cost_only_their_submission(fake, tmp_path, monkeypatch) -> None:
    def read_or_recurse(path, name=None):
        if name.startswith("deep"):
            raise RecursionError("maximum recursion depth exceeded while reading")
        return cli_read(path, name)

    cli_read = local.read_submission
    monkeypatch.setattr(local, "read_submission", read_or_recurse)
    names = ["ok1", "deep", "memory", "surrogate", "recursion", "ok2"]
    out = tmp_path / "out"
    results = _grade(fake(*names), out)
    assert [r.submission.name for r in results] == names
    book = _gradebook(out)
    assert set(book) == set(names)
    for name in ("ok1", "ok2", "surrogate"):
        assert float(book[name]["autograded"]) == 2 and book[name]["error"] == "", name
    for name, what in (("deep", "reading"), ("memory", "grading"), ("recursion", "grading")):
        assert float(book[name]["autograded"]) == 0
        assert f"failed while {what}" in book[name]["error"]
        data = json.loads((out / name / "results.json").read_text())
        assert all(t["status"] == "failed" and "grader failed" in t["output"]
                   for t in data["tests"])
        assert "grade it again" in (out / name / "feedback.md").read_text()
    assert "\ufffd" in (out / "surrogate" / "feedback.md").read_text(encoding="utf-8")
    # after each fault in grading its slot starts a fresh sandbox; every one is closed
    assert len(FakeSandbox.started) >= 3 and sorted(FakeSandbox.closed) == \
        sorted(FakeSandbox.started)


@pytest.mark.parametrize("broken", [{0}, {1}])
def test_a_slot_whose_sandbox_cannot_start_leaves_its_work_to_the_others(fake, tmp_path,
                                                                          broken) -> None:
    FakeSandbox.broken = broken
    names = [f"s{i}" for i in range(6)]
    results = _grade(fake(*names), tmp_path / "out", jobs=3)
    assert all(r.submission.error is None and r.total() == 2 for r in results)
    assert set(_gradebook(tmp_path / "out")) == set(names)


def test_no_sandbox_at_all_still_gives_one_error_row_each(fake, tmp_path) -> None:
    FakeSandbox.broken = {-1}
    names = ["a", "b", "c"]
    results = _grade(fake(*names), tmp_path / "out")
    book = _gradebook(tmp_path / "out")
    assert set(book) == set(names) and len(results) == 3
    assert all("could not run your code" in row["error"] and "would not start" in row["error"]
               for row in book.values())


def test_a_failed_write_becomes_an_error_result(fake, tmp_path, monkeypatch) -> None:
    real = batch.write_submission
    calls: list[str] = []

    def flaky(out, result, bank, *collection, **options):
        calls.append(result.submission.name)
        if result.submission.name == "bad" and calls.count("bad") == 1:
            raise UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed")
        return real(out, result, bank, *collection, **options)

    monkeypatch.setattr(batch, "write_submission", flaky)
    _grade(fake("good", "bad"), tmp_path / "out")
    book = _gradebook(tmp_path / "out")
    assert book["good"]["error"] == ""
    assert "failed while writing your results (UnicodeEncodeError" in book["bad"]["error"]


def test_a_worker_killed_outright_leaves_no_submission_unwritten(fake, tmp_path,
                                                                 monkeypatch) -> None:
    def die(submission, bank, sandbox):
        if submission.name == "killer":
            raise SystemExit(3)  # not an Exception: ends the worker thread
        return fake_grade(submission, bank, sandbox)

    monkeypatch.setattr(local, "grade_submission", die)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)
    names = ["killer", "after1", "after2"]
    results = _grade(fake(*names), tmp_path / "out", jobs=1)
    assert [r.submission.name for r in results] == names
    book = _gradebook(tmp_path / "out")
    assert set(book) == set(names) and book["killer"]["error"]


def test_a_broken_container_still_gives_its_row(tmp_path, monkeypatch) -> None:
    from autograder.grade import docker_backend
    from autograder.grade.results import feedback_markdown, results_json

    good = SubmissionResult(batch.error_result(BANK, Path("x/good"), "good", "unused").submission,
                            [CheckResult(c, True) for c in BANK.checks])
    good.submission.error = None
    replies = {"good": {"results": results_json(good, BANK),
                        "feedback": feedback_markdown(good, BANK)},
               "garbled": {"results": "not a dict"}}

    def run_container(cmd, limits):
        name = next(c for c in cmd if c.startswith("/submissions/")).split("/")[-1]
        if name not in replies:
            raise RuntimeError("container exited with 137")
        return replies[name]

    monkeypatch.setattr(docker_backend, "engine_available", lambda: (True, "fake"))
    monkeypatch.setattr(docker_backend, "run_container", run_container)
    subs = [tmp_path / n for n in ("good", "garbled", "killed")]
    for s in subs:
        (s / "convolutions").mkdir(parents=True)
    rows = batch.grade_batch(subs, tmp_path / "out", BANK,
                             docker_backend.Containers(image="img"), progress=False)
    assert batch.finish(tmp_path / "out", BANK, rows, quiet=True, emit_json=False) == 0
    book = _gradebook(tmp_path / "out")
    assert set(book) == {"good", "garbled", "killed"}
    assert book["good"]["error"] == "" and float(book["good"]["autograded"]) == 2
    assert "no results and feedback" in book["garbled"]["error"]
    assert "exited with 137" in book["killed"]["error"]


# -- end to end: the real sandbox, a submission with hostile text


HOSTILE = '''
import torch


def finite_difference_kernel(order, dtype=None):
    print("\\x1b[2J\\x1b]0;pwned\\x07[click](http://evil.example) <img src=x>")
    raise ValueError("lone \\udcff [x](http://evil.example) \\x1b[31m<script>")


def second_derivative_kernel(dtype=None):
    raise ValueError("\\ud800" * 100_000)


def integral_kernel(dtype=None):
    return torch.tensor([[1.0]])


def min_kernel_size(order):
    return order + 1
'''


@pytest.mark.slow
def test_hostile_text_end_to_end(tmp_path) -> None:
    ref = REPO / "examples" / "submissions" / "reference" / "convolutions"
    evil = tmp_path / "subs" / "[bold]evil" / "convolutions"
    evil.mkdir(parents=True)
    (evil / "derivative_kernels.py").write_text(HOSTILE)
    fine = tmp_path / "subs" / "fine"
    fine.mkdir()
    os.symlink(ref, fine / "convolutions")  # a symlinked package: ignored, graded as missing
    good = tmp_path / "subs" / "good"
    (good / "convolutions").mkdir(parents=True)
    (good / "convolutions" / "derivative_kernels.py").write_bytes(
        (ref / "derivative_kernels.py").read_bytes())
    (good / "convolutions" / "_util.py").write_bytes((ref / "_util.py").read_bytes())
    out = tmp_path / "out"
    proc = subprocess.run(
        [PY, "-m", "autograder", "grade", str(evil.parent), str(fine), str(good),
         "--output", str(out), "--part", "derivative_kernels", "--isolation", "none",
         "--jobs", "1"], cwd=REPO, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert b"\x1b]0;pwned" not in proc.stdout and b"bold_evil" in proc.stdout
    book = _gradebook(out)
    assert set(book) == {"bold_evil", "fine", "good"}
    assert "no convolutions/ package" in book["fine"]["error"]
    text = (out / "bold_evil" / "feedback.md").read_bytes().decode("utf-8")
    # Hidden checks quote nothing the code chose (issue 19), so the hostile text does not reach
    # the feedback at all; where student text is quoted it is escaped (tests/unit/grade/
    # test_results.py), and the rendering below holds either way.
    assert "\x1b" not in text and "<script>" not in text.replace("\\<script>", "")
    mdit = pytest.importorskip("markdown_it")
    html = mdit.MarkdownIt("commonmark").render(text)
    assert "<a " not in html and "<script" not in html and "<img" not in html
    assert len(text) < 70_000
    assert float(book["good"]["autograded"]) > 0


# -- fail closed: no isolation, no grading (unless the instructor says --isolation none)

FAKE_BWRAP = ("#!/bin/sh\n"
              "echo 'bwrap: Creating new namespace failed: Operation not permitted' >&2\n"
              "exit 1\n")


def _grade_without_bwrap(tmp_path: Path, bwrap: str | None, *extra: str
                         ) -> tuple[subprocess.CompletedProcess, Path]:
    """``autograder grade`` with PATH holding only a fake ``bwrap`` (or none at all)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if bwrap is not None:
        (bin_dir / "bwrap").write_text(bwrap)
        (bin_dir / "bwrap").chmod(0o755)
    sub = tmp_path / "alice"
    (sub / "convolutions").mkdir(parents=True, exist_ok=True)
    (sub / "convolutions" / "__init__.py").write_text("")
    out = tmp_path / "out"
    proc = subprocess.run([PY, "-m", "autograder", "grade", str(sub), "--output", str(out),
                           "--part", "derivative_kernels", "--quiet", "--jobs", "1", *extra],
                          cwd=REPO, env={**os.environ, "PATH": str(bin_dir)},
                          capture_output=True, text=True, timeout=300)
    return proc, out


@pytest.mark.parametrize("bwrap, says", [
    (None, "bubblewrap (bwrap) is not installed, so student code cannot be isolated: install "
           "it (apt-get install bubblewrap), or pass --isolation none"),
    (FAKE_BWRAP, "bwrap isolation cannot start here (bwrap failed: bwrap: Creating new "
                 "namespace failed: Operation not permitted), or pass --isolation none"),
], ids=["not installed", "cannot start"])
@pytest.mark.parametrize("isolation", ["auto", "bwrap"])
def test_grading_stops_when_isolation_cannot_start(tmp_path, bwrap, says, isolation) -> None:
    """Exit status 3 and one paragraph, no traceback, nothing graded."""
    proc, out = _grade_without_bwrap(tmp_path, bwrap, "--isolation", isolation)
    assert proc.returncode == local.ISOLATION_UNAVAILABLE == 3
    assert proc.stderr.startswith("error: nothing was graded: ") and says in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert not (out / "alice").exists() and not (out / "gradebook.csv").exists()


@pytest.mark.slow
def test_isolation_none_grades_where_bwrap_cannot_start(tmp_path) -> None:
    """The instructor's way out, where something else isolates student code."""
    proc, out = _grade_without_bwrap(tmp_path, FAKE_BWRAP, "--isolation", "none")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "alice" / "results.json").is_file() and "alice" in _gradebook(out)


# -- a class whose submissions are named like the files the commands write

@pytest.mark.slow
def test_submissions_named_like_the_grader_s_files_grade_and_report(tmp_path) -> None:
    """``autograder report`` used to crash for the whole class on a submission named
    report.html (a folder where it writes its page)."""
    ref = REPO / "examples" / "submissions" / "reference" / "convolutions"
    subs = []
    for name in ("report.html", "gradebook.csv", "report.json.zip", "alice"):
        sub = tmp_path / "subs" / name.removesuffix(".zip")
        (sub / "convolutions").mkdir(parents=True)
        for module in ("__init__.py", "_util.py", "derivative_kernels.py"):
            if (ref / module).exists():
                (sub / "convolutions" / module).write_bytes((ref / module).read_bytes())
        if name.endswith(".zip"):
            archive = tmp_path / "subs" / name
            with zipfile.ZipFile(archive, "w") as zf:
                for f in sorted(sub.rglob("*.py")):
                    zf.write(f, f.relative_to(sub).as_posix())
            sub = archive
        subs.append(sub)
    out = tmp_path / "out"
    proc = subprocess.run([PY, "-m", "autograder", "grade", *map(str, subs), "--output",
                           str(out), "--part", "derivative_kernels", "--isolation", "none",
                           "--jobs", "1", "--quiet"], cwd=REPO, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    book = _gradebook(out)
    assert set(book) == {"report.html-2", "gradebook.csv-2", "report.json-2", "alice"}
    assert len({row["autograded"] for row in book.values()}) == 1
    assert float(book["alice"]["autograded"]) > 0
    feedback = (out / "report.html-2" / "feedback.md").read_text()
    assert "its results are under report.html-2" in feedback
    proc = subprocess.run([PY, "-m", "autograder", "report", str(out), "--no-similarity"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "report.html").is_file() and (out / "gradebook.csv").is_file()
    assert json.loads((out / "report.json").read_text())["submissions"] == 4


def test_the_report_will_not_write_over_a_folder(tmp_path, capsys) -> None:
    """A folder named report.html (graded by an older grader) stops the report with a message,
    not a traceback."""
    from autograder.__main__ import main

    (tmp_path / "report.html").mkdir()
    assert main(["report", str(tmp_path), "--no-similarity"]) == 2
    said = capsys.readouterr().err
    assert said.startswith(f"error: {tmp_path / 'report.html'} is a folder, where the report is "
                           "written") and "grade that submission again" in said
