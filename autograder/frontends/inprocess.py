"""Run checks of the bank in this interpreter, for platforms that grade in the student's kernel.

Used by the otter-grader and nbgrader front-ends: there the student's code and the checks share
one process, so the sandbox's protections are gone. What remains: the probes and their exact
type rules (every request and reply still goes through the wire format, so an object whose
``==`` always holds or a tensor subclass gets no credit), and references to the functions the
judge relies on, compared with torch's read-only originals before every check.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import torch

from autograder.grade.bank import Bank, CheckFailed, load_bank
from autograder.grade.student import InProcessStudent

# The torch functions the judge relies on. torch._C._VariableFunctions is read-only and keeps
# the originals whatever student code did to the torch module, even before this import.
JUDGE_FUNCTIONS = ("isclose", "equal", "allclose", "isfinite", "from_numpy")


@functools.cache
def bank() -> Bank:
    return load_bank()


@functools.cache
def student(code_dir: str) -> InProcessStudent:
    return InProcessStudent(code_dir)


def tampered() -> list[str]:
    """Names of the judge's torch functions that are no longer torch's own."""
    originals = torch._C._VariableFunctions
    return [n for n in JUDGE_FUNCTIONS if getattr(torch, n, None) is not getattr(originals, n)]


def checks_of(part: str) -> list:
    return [c for c in bank().checks if c.part == part]


def run_check(check_id: str, code_dir: str | os.PathLike | None = None) -> float:
    """Run one check against the package in ``code_dir`` (default: the current directory).

    Returns its points; raises ``AssertionError`` with the student-facing message if it fails.
    """
    check = next((c for c in bank().checks if c.id == check_id), None)
    if check is None:
        raise KeyError(f"no check {check_id!r}")
    patched = tampered()
    if patched:
        raise AssertionError(f"torch.{', torch.'.join(patched)} were replaced by student code; "
                             "no check can be trusted")
    try:
        check.fn(student(str(Path(code_dir or os.getcwd()).resolve())))
    except CheckFailed as failure:
        raise AssertionError(failure.message) from None
    return check.points
