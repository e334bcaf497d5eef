"""Run the check bank against one submission and collect a verdict per check."""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from autograder import feedback
from autograder.paths import PACKAGE

from . import static
from .bank import Bank, Check, CheckFailed
from .devices import device_report
from .intake import Submission
from .student import InProcessStudent, SandboxedStudent, StudentBase

log = logging.getLogger("autograder")


@dataclass
class CheckResult:
    check: Check
    passed: bool
    message: str = ""           # safe for every student
    detail: str | None = None   # may reveal expected values: visible checks only
    seconds: float = 0.0
    misconception: str | None = None  # the known wrong answer recognised (misconceptions.toml)

    @property
    def score(self) -> float:
        return self.check.points if self.passed else 0.0

    def feedback(self) -> str:
        """The text a student may read for this check."""
        if self.passed:
            return ""
        if self.check.visibility == "visible" and self.detail:
            return self.detail
        return self.message


@dataclass
class SubmissionResult:
    submission: Submission
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # import errors, skipped files, faults
    review: list[str] = field(default_factory=list)  # flags for manual review (grade/static.py)
    output: str = ""                                 # what the student's code printed
    seconds: float = 0.0
    isolation: str = "none"
    part_start_seconds: float = 0.0  # starting a fresh process for each part after the first
    devices: dict[str, str] = field(default_factory=dict)  # device -> checked / skipped, why

    def part_scores(self, bank: Bank) -> dict[str, tuple[float, float]]:
        """part -> (score, max) for every part with checks, in manifest order."""
        out: dict[str, tuple[float, float]] = {}
        for part in [*bank.scheme.parts, *bank.scheme.optional]:
            mine = [r for r in self.results if r.check.part == part]
            if mine:
                out[part] = (round(sum(r.score for r in mine), 2),
                             round(sum(r.check.points for r in mine), 2))
        return out

    def total(self) -> float:
        return round(sum(r.score for r in self.results), 2)


def failed_everything(bank: Bank, submission: Submission, reason: str) -> SubmissionResult:
    result = SubmissionResult(submission, notes=[reason])
    result.results = [CheckResult(c, False, reason) for c in bank.checks]
    return result


def run_checks(student: StudentBase, bank: Bank,
               budget: float | None = None) -> list[CheckResult]:
    """Every check, part by part (each part in a fresh student process: see
    ``SandboxedStudent.begin_part``), reported in bank order; one check's failure never stops
    the others. Once the submission has used ``budget`` seconds in all (by default the
    manifest's ``submission_seconds``), the remaining checks fail unrun."""
    if budget is None:
        budget = bank.scheme.settings.submission_seconds
    results: dict[str, CheckResult] = {}
    began = time.monotonic()
    for part, checks in bank.by_part().items():
        student.begin_part(part)
        for check in checks:
            results[check.id] = _run_check(student, check, budget - (time.monotonic() - began),
                                           budget)
    return [results[check.id] for check in bank.checks]


def _run_check(student: StudentBase, check: Check, left: float, budget: float) -> CheckResult:
    if left < 0:
        return CheckResult(check, False, feedback.budget_used(budget))
    start = time.monotonic()
    student.begin_check(check.timeout)
    try:
        check.fn(student)
        result = CheckResult(check, True)
    except CheckFailed as failure:
        result = CheckResult(check, False, failure.message, failure.detail,
                             misconception=failure.misconception)
    except Exception as exc:  # noqa: BLE001 - a fault in a check must not stop the batch
        log.error("check %s raised %s\n%s", check.id, exc, traceback.format_exc())
        result = CheckResult(check, False, feedback.GRADER_FAULT)
    result.seconds = time.monotonic() - start
    return result


def grade_submission(submission: Submission, bank: Bank, sandbox: Any | None = None,
                     code_dir: str | None = None) -> SubmissionResult:
    """Grade one submission in ``sandbox`` (or in-process from ``code_dir``)."""
    start = time.monotonic()
    result = _grade(submission, bank, sandbox, code_dir)
    result.review = static.scan(submission.files)
    result.devices = device_report()
    result.seconds = time.monotonic() - start
    return result


def import_notes(hello: Any) -> list[str]:
    """Notes on how the import went, from the ``hello`` probe's reply (which the student's
    process sent: anything that is not the expected shape is reported, not trusted)."""
    if not isinstance(hello, dict):
        return [feedback.MALFORMED_HELLO]
    notes = []
    if hello.get("import_error"):
        notes.append(feedback.package_not_imported(PACKAGE, str(hello["import_error"])[:1000]))
    errors = hello.get("module_errors") or {}
    if not isinstance(errors, dict):
        return [*notes, feedback.MALFORMED_IMPORT_ERRORS]
    for module, error in sorted(errors.items())[:50]:
        notes.append(feedback.module_not_imported(PACKAGE, str(module)[:100],
                                                  str(error)[:1000]))
    return notes


def _leftovers(student: SandboxedStudent) -> list[str]:
    """A note when the submission left processes running (each killed when it was reaped)."""
    note = feedback.leftover_note(student.leftovers)
    return [] if note is None else [note]


def _grade(submission: Submission, bank: Bank, sandbox: Any | None,
           code_dir: str | None) -> SubmissionResult:
    if submission.error is not None:
        return failed_everything(bank, submission, submission.error)
    student: Any
    if sandbox is not None:
        student = SandboxedStudent(sandbox, submission.files, bank.scheme.settings)
        try:
            hello = student.start()
        except CheckFailed as failure:
            result = failed_everything(bank, submission, failure.message)
            student.close()
            result.notes += _leftovers(student)
            result.output = "\n".join(student.outputs)
            result.isolation = sandbox.isolation_used
            return result
    else:
        assert code_dir is not None
        student = InProcessStudent(code_dir)
        hello = student.hello
    result = SubmissionResult(submission, notes=list(submission.notes))
    result.notes += import_notes(hello)
    try:
        result.results = run_checks(student, bank)
    finally:
        if sandbox is not None:
            student.close()
            result.notes.extend(feedback.process_restarted(f) for f in student.faults)
            result.notes += _leftovers(student)
            result.output = "\n".join(student.outputs)
            result.isolation = sandbox.isolation_used
            result.part_start_seconds = student.part_start_seconds
    return result
