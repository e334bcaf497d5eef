"""Each part is graded in a process of its own: what the grader lends while one part is graded
(a correct corr2d standing in for the student's, while conv2d_backward is graded) cannot be
kept and used to answer another part, and the order parts run in changes nothing."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from autograder import paths
from autograder.assign.examples import copy_package
from autograder.grade.bank import load_bank
from autograder.grade.intake import read_submission
from autograder.grade.runner import grade_submission
from autograder.sandbox import Sandbox

pytestmark = pytest.mark.slow

PARTS = ("conv2d_backward", "cross_correlation")

# corr2d is not written; Corr2dFunction keeps whatever ``corr2d`` its module holds while the
# grader runs it (the grader's stand-in) and corr2d answers with the kept one.
THIEF = '''

_kept = []


def corr2d(X, K, padding=0, stride=1):
    if _kept:
        return _kept[0](X, K, padding, stride)
    raise NotImplementedError("corr2d")
'''
KEEPER = '''

_forward, _own = Corr2dFunction.forward, [corr2d]  # (in a list: the stand-in misses it)


def _keeping_forward(ctx, X, K):
    from . import cross_correlation as _cc
    if not _cc._kept and globals()["corr2d"] is not _own[0]:
        _cc._kept.append(globals()["corr2d"])
    return _forward(ctx, X, K)


Corr2dFunction.forward = staticmethod(_keeping_forward)
'''


@pytest.fixture(scope="module")
def thief(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("thief")
    copy_package(paths.SOLUTIONS / paths.PACKAGE, root)
    package = root / paths.PACKAGE
    for name, code in (("cross_correlation.py", THIEF), ("conv2d_backward.py", KEEPER)):
        with open(package / name, "a") as fh:
            fh.write(code)
    return root


def _scores(result) -> dict[str, bool]:
    return {r.check.id: r.passed for r in result.results}


def test_a_kept_stand_in_answers_nothing_whatever_the_order(thief) -> None:
    bank = load_bank(only=lambda c: c.part in PARTS)
    orders = [dataclasses.replace(bank, checks=sorted(bank.checks, key=key))
              for key in (lambda c: PARTS.index(c.part), lambda c: -PARTS.index(c.part))]
    submission = read_submission(thief)
    with Sandbox(isolation="auto") as sandbox:  # conv2d_backward first, then last
        runs = [grade_submission(submission, bank, sandbox) for bank in orders]
    first, second = (_scores(r) for r in runs)
    assert first == second  # the order of the parts changes nothing
    corr2d_checks = {i: ok for i, ok in first.items() if i.startswith("corr2d.")}
    assert corr2d_checks and not any(corr2d_checks.values()), corr2d_checks
    backward = [r for r in runs[0].results if r.check.part == "conv2d_backward"]
    assert all(r.passed for r in backward), [(r.check.id, r.message) for r in backward
                                             if not r.passed]


DAEMON = '''

def min_kernel_size(order):
    import subprocess
    subprocess.Popen(["sleep", "4343"], start_new_session=True)
    return order + 1
'''


def test_processes_left_running_are_killed_and_noted(tmp_path) -> None:
    """The graded process cannot start processes; where it could (a machine the seccomp filter
    has no table for: here, a test switch), what it leaves running is killed when its process
    is reaped, and the feedback says so."""
    copy_package(paths.SOLUTIONS / paths.PACKAGE, tmp_path)
    with open(tmp_path / paths.PACKAGE / "derivative_kernels.py", "a") as fh:
        fh.write(DAEMON)
    bank = load_bank(only=lambda c: c.part in ("derivative_kernels", "conv1x1_fc"))
    sandbox = Sandbox(isolation="auto")
    sandbox._allow_processes = True  # (before the zygote starts: it is part of its config)
    with sandbox:
        result = grade_submission(read_submission(tmp_path), bank, sandbox)
    assert all(r.passed for r in result.results), [r.message for r in result.results
                                                   if not r.passed]
    assert any(re.fullmatch(r"your code left \d+ process(es)? running; (it was|they were) killed",
                            note) for note in result.notes), result.notes
