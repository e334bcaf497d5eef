"""What runs in the student's kernel under otter and nbgrader.

This is the only front-end module the generated test cells import (with ``inprocess``, the
in-process runner it calls); the builders, runners and command lines of ``otter/`` and
``nbgrader_course/`` never enter a student's kernel and are left out of the grader copies
those platforms ship (``autograder.bundle``). It imports nothing heavy at module level: the
runner, torch and the bank load on the first check.

- otter: every generated test case calls ``otter_check(check_id, root)``, ``root`` being the
  grader support folder inside the unpacked autograder zip.
- nbgrader: the hidden set-up cell calls ``nbgrader_setup()`` before any student code runs;
  each hidden test cell calls ``nbgrader_check(check_id)``.

Both raise ``AssertionError("<check name>: <student-facing reason>")`` when a check fails, which
is what both platforms count as a failed test.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

# ------------------------------------------------------------------------------------ otter


def submission_dir(root: str) -> str:
    """The submission folder otter grades, from the support folder's location.

    Otter unpacks the autograder zip in ``<dir>/source`` and the submission in
    ``<dir>/submission`` (``/autograder`` on Gradescope, a temporary folder with ``otter run``);
    anywhere else the submission is the working directory.
    """
    source_files = Path(root).resolve().parent
    if source_files.name == "files" and source_files.parent.name == "source":
        return str(source_files.parent.parent / "submission")
    return os.getcwd()


def patched_torch() -> list[str]:
    """Names of the judge's torch functions that student code replaced (see ``inprocess``)."""
    from autograder.frontends.inprocess import tampered

    return tampered()


def otter_check(check_id: str, root: str) -> None:
    """One otter test case: run check ``check_id`` of the bank on the submission, in this (the
    student's) kernel; ``AssertionError`` with the check's name and reason if it fails."""
    from autograder.frontends.inprocess import run_check

    run_check(check_id, submission_dir(root))


# --------------------------------------------------------------------------------- nbgrader

_CODE_DIR: str | None = None


class _Sink(io.TextIOBase):
    """Swallows what student code prints during a check (nbgrader fails a test cell that
    writes to stderr; our grader never shows it either)."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def nbgrader_setup() -> None:
    """The hidden set-up cell, before any student code: import everything the judge uses (the
    worker and the probes take their builtins and autograd entry points at import), load the
    bank, note the builtins, run torch on one thread as the sandbox does, and remember the
    notebook's folder (the one holding the student's package)."""
    global _CODE_DIR
    import torch

    import autograder.sandbox.worker  # noqa: F401
    from autograder.frontends import inprocess  # notes the builtins on import

    torch.set_num_threads(1)
    inprocess.bank()
    _CODE_DIR = os.getcwd()


def nbgrader_check(check_id: str) -> None:
    """One hidden cell: run check ``check_id``; ``AssertionError`` (the student-facing reason)
    if it fails, so nbgrader gives the cell no points. What the check prints is swallowed."""
    from autograder.frontends import inprocess

    sink = _Sink()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        inprocess.run_check(check_id, _CODE_DIR)
