"""``autograder/feedback.py``: one wording per event, a time-out worded one way, and the class
report's recogniser derived from the same words."""

from __future__ import annotations

import signal

import pytest

from autograder import feedback as f
from autograder.report.stats import classify
from autograder.sandbox import pool


def test_a_time_out_is_worded_one_way() -> None:
    cpu, wall = f.time_out(5, "cpu"), f.time_out(0.3, "wall")
    assert cpu == "ran past its CPU time limit of 5 s"
    assert wall == "ran past its wall-clock time limit of 0.3 s"
    assert f.check_time_out(5, "cpu") == ("your code ran past this check's CPU time limit of 5 s "
                                          "(an infinite loop, or far too slow)")
    assert f.check_time_out(20, "wall").startswith(
        "your code ran past this check's wall-clock time limit of 20 s (an infinite loop, a sleep")
    # the per-process CPU limit (SIGXCPU) is a time-out too, in the same words
    assert f.killed_by_signal(signal.SIGXCPU, 120) == f.time_out(120, "cpu")


def test_the_sandbox_words_a_time_out_as_feedback_does() -> None:
    reply = {"exit_code": None, "signal": signal.SIGKILL, "output": "", "killed": True,
             "output_size": 0}
    limits = pool.Limits()
    assert pool.explain("timeout", reply, limits, 0.4, "cpu").reason == f.time_out(0.4, "cpu")
    assert pool.explain("timeout", reply, limits, 0.3, "wall").reason == f.time_out(0.3, "wall")


def test_the_sandbox_reasons_of_other_events() -> None:
    def reason(why="closed", code=None, sig=None, output="", killed=False, size=0, oom=False):
        reply = {"exit_code": code, "signal": sig, "output": output, "killed": killed,
                 "output_size": size}
        return pool.explain(why, reply, pool.Limits(), oom=oom).reason

    assert reason(code=0) == f.FINISHED
    assert reason(why="hung-up", code=0) == f.EXITED_EARLY
    assert reason(code=3) == f.exited(3) == "your code exited with status 3 (sys.exit or os._exit)"
    assert reason(code=1, output="Traceback (most recent call last):\n") == f.RAISED_AND_ENDED
    assert reason(sig=signal.SIGSEGV) == "killed by signal SIGSEGV (a crash in native code)"
    assert reason(code=-9, oom=True) == "exceeded the memory limit of 2 GiB (all of its " \
                                        "processes together)"
    assert reason(why="hung-up", killed=True) == f.KEPT_RUNNING["hung-up"]
    assert reason(code=0, size=2**24).endswith("; it printed more than the 16 MiB allowed")
    assert f.leftover_note(0) is None
    assert f.leftover_note(2) == "your code left 2 processes running; they were killed"


@pytest.mark.parametrize("message, kind", [
    (f.check_time_out(5, "cpu"), "timeout"),
    (f.check_time_out(20, "wall"), "timeout"),
    (f.process_restarted(f.time_out(4.2, "wall")), "timeout"),
    (f.import_failed(f.time_out(30, "wall")), "timeout"),
    (f.budget_used(900), "timeout"),
    (f.rule_broken("torch.conv2d (a convolution)"), "rule"),
    (f.process_died(f.out_of_memory(2**31, True)), "sandbox"),
    (f.process_died("x; " + f.output_flood(2**24)), "sandbox"),
    (f.process_died(f.garbled("not JSON")), "sandbox"),
    (f.process_died(f.KEPT_RUNNING["hung-up"]), "sandbox"),
    (f.process_died(f.killed_by_signal(signal.SIGKILL, 120)), "timeout"),  # (its cause)
    (f.MALFORMED_REPLY, "sandbox"),
    (f.WRONG_REPLY, "sandbox"),
    (f.process_died(f.killed_by_signal(signal.SIGSEGV, 120)), "crash"),
    (f.process_died(f.exited(3)), "crash"),
    (f.restarts_used(40), "crash"),
    (f.package_not_imported("convolutions", "SyntaxError"), "crash"),
    (f.module_not_imported("convolutions", "kernels", "NameError"), "crash"),
    (f.CALLED_EXIT, "crash"),
    (f.raised("ValueError"), None),
    (f.not_judged("out", f.rule_broken("x (y)")), None),  # (the value's failure, not a rule)
    (f.leftover_note(1), None),
    # as versions before feedback.py worded a time-out (results.json outlives a version)
    ("your code used more than this check's CPU time limit of 5 s (far too slow)", "timeout"),
    ("your code did not finish in time (an infinite loop, a sleep or a wait)", "timeout"),
])
def test_the_class_report_recognises_each_event_by_its_words(message: str, kind) -> None:
    assert classify(message) == kind
