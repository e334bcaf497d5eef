"""The text students read for each event of grading, in one place.

One function or constant per event: a time-out (CPU or wall clock: worded one way), the budget
or the restarts used up, memory, a crash by signal, an exit, an output flood, processes left
running, a garbled connection, a failed import, an exception, a broken rule, a check not
judged. The sandboxed student (``grade/student.py``: why a check failed), the runner, the
judge and the in-process front-ends word events with these; the class report recognises them
by the same phrases (``incident_patterns``, used by ``report/stats.py``).

How a child process ended (a time-out, memory, a signal, an exit, an output flood, processes
left running, a garbled message) is worded by the sandbox itself, which must stand alone
(``autograder/sandbox/reasons.py``); this module re-exports those words, so the grader and the
front-ends import every wording from here, and a time-out is worded one way everywhere.

Nothing here may quote what the student's code chose (see ``grade/secrecy.py``): the callers
pass only numbers and names the grader vouches for. Importing it imports no torch.
"""

from __future__ import annotations

import re

from autograder.sandbox.reasons import (CLOCKS, EXITED_EARLY, FINISHED, KEPT_RUNNING, PHRASES,
                                        RAISED_AND_ENDED, exited, format_bytes,
                                        format_seconds, garbled, killed_by_signal, leftover_note,
                                        out_of_memory, output_flood, sandbox_failed, time_out)

__all__ = [  # the sandbox's words, re-exported, and this module's own
    "CLOCKS", "EXITED_EARLY", "FINISHED", "KEPT_RUNNING", "RAISED_AND_ENDED", "exited",
    "format_bytes", "format_seconds", "garbled", "killed_by_signal", "leftover_note",
    "out_of_memory", "output_flood", "sandbox_failed", "time_out",
    "CALLED_EXIT", "DEVICE_HINT_INPUT", "DEVICE_HINT_KWARG", "GRADER_FAULT", "MALFORMED_HELLO",
    "MALFORMED_IMPORT_ERRORS", "MALFORMED_REPLY", "NOT_JUDGED", "OWN_EXCEPTION_CLASS",
    "UNCONFIRMED_RULE", "UNJUDGED_NOTE", "WRONG_REPLY", "budget_used", "check_time_out",
    "could_not_judge", "grader_failed", "import_failed", "not_run", "torch_replaced",
    "incident_patterns", "is_not_implemented", "module_not_imported", "not_attempted",
    "not_implemented", "not_judged", "package_not_imported", "process_died",
    "process_restarted", "raised", "restarts_used", "rule_broken", "same_reason",
    "unjudged_reason"]

# -- time (a time-out itself: ``time_out``, the sandbox's words)

_CAUSES = {"cpu": "an infinite loop, or far too slow",
           "wall": "an infinite loop, a sleep or a wait"}


def check_time_out(seconds: float, clock: str) -> str:
    """A check failed for want of time: its limit, which clock, and the likely causes."""
    limit = time_out(seconds, clock, whose="this check's")
    return f"your code {limit} ({_CAUSES[clock]})"


_BUDGET = "time budget"


def budget_used(seconds: float) -> str:
    """A check not run: the submission used up its grading budget."""
    return f"not run: grading your submission used up its {_BUDGET} of {seconds:g} s"


_RESTARTED = "had to be restarted"


def restarts_used(restarts: int) -> str:
    """A check not run: the submission's process was restarted too often."""
    return (f"not run: your code's process {_RESTARTED} {restarts} times already "
            "(crashes, exits or time-outs)")


# -- a check's process: died, restarted, answered wrongly

_DIED, _WAS_RESTARTED = "process died", "process was restarted"


def process_died(reason: str) -> str:
    return f"your code's {_DIED}: {reason}"


def process_restarted(reason: str) -> str:
    return f"your code's {_WAS_RESTARTED}: {reason}"


MALFORMED_REPLY = f"the grader received a {PHRASES['malformed']} reply from your code"
_NOT_AN_ANSWER = "does not answer its request"
WRONG_REPLY = (f"the grader received a reply that {_NOT_AN_ANSWER} (something in your code "
               f"wrote to {PHRASES['connection']})")

# -- importing the submission

_IMPORTING = "importing your package failed"
_NOT_IMPORTED = "could not be imported"
MALFORMED_HELLO = f"the grader received a {PHRASES['malformed']} reply to its first request"
MALFORMED_IMPORT_ERRORS = f"the grader received a {PHRASES['malformed']} list of import errors"


def import_failed(reason: str) -> str:
    """The submission's process could not even import it (every check fails so)."""
    return f"{_IMPORTING}: {reason}"


def package_not_imported(package: str, error: str) -> str:
    return f"`import {package}` failed: {error}"


def module_not_imported(package: str, module: str, error: str) -> str:
    return f"{package}/{module}.py {_NOT_IMPORTED}: {error}"


# -- what the student's code raised

CALLED_EXIT = "your code called sys.exit(); functions must return, not exit"
OWN_EXCEPTION_CLASS = "an exception of a class of your own"
DEVICE_HINT_KWARG = (" (a tensor was created on another device: pass device=device when you "
                     "create it)")
DEVICE_HINT_INPUT = (" (a tensor was created on another device: create it from the input, "
                     "X.new_zeros(...), or with device=X.device)")


_NOT_IMPLEMENTED = "not implemented yet"


def not_implemented(where: str) -> str:
    """A check that reached a function still raising ``NotImplementedError`` (the stub's)."""
    return f"{_NOT_IMPLEMENTED}{where}"


def is_not_implemented(message: str) -> bool:
    """Whether a check's (grader-worded, safe) message says it reached a function still left as
    the stub: ``not_implemented``, alone or as the reason a property check was not judged."""
    return (message.startswith(_NOT_IMPLEMENTED)
            or f"{NOT_JUDGED} ({_NOT_IMPLEMENTED}" in message)


def raised(what: str) -> str:
    """``what``: the exception (its class, or for visible checks its text), location, hint."""
    return f"your code raised {what}"


# -- rules, and checks not judged

_RULE_BROKEN = "rule broken: your code used "
UNCONFIRMED_RULE = "something the rules forbid (the grader could not confirm what)"


def rule_broken(what: str) -> str:
    return _RULE_BROKEN + what


NOT_JUDGED = "not judged: the value is wrong"


def not_judged(what: str, why: str) -> str:
    """A property check whose value is wrong (``why``) judges nothing else."""
    return f"{what}: {NOT_JUDGED} ({why})"


def unjudged_reason(message: str) -> str | None:
    """What a property check that was ``not_judged`` found wrong with the value (the reason
    inside its parentheses), or None for any other message."""
    marker = f": {NOT_JUDGED} ("
    at = message.find(marker)
    if at < 0 or not message.endswith(")"):
        return None
    return message[at + len(marker):-1]


# -- the feedback file's grouping (``grade/results.py``: ``feedback_markdown``)

def not_attempted(title: str) -> str:
    """A part whose every check reached a function still left as the stub: one line."""
    return f"not attempted: {title} (its functions still raise the stub's NotImplementedError)"


def same_reason(checks: int) -> str:
    """The lead of a reason several checks of a part failed for, shown once above them."""
    return f"{checks} checks failed for this reason"


UNJUDGED_NOTE = "not judged: its value is wrong for the reason above"

_INSTRUCTOR_TOLD = "your instructor has been told and will grade it again"


def grader_failed(stage: str, fault: str) -> str:
    """A whole submission not graded: the grader itself failed while ``stage`` (``fault``: the
    grader's own exception, described by ``grade.batch.describe_fault``)."""
    return f"the grader failed while {stage} ({fault}); {_INSTRUCTOR_TOLD}"


def not_run(why: str) -> str:
    """A whole submission not graded: nothing would run its code (no sandbox would start, no
    cluster worker could grade it)."""
    return f"the grader could not run your code ({why}); {_INSTRUCTOR_TOLD}"


_COULD_NOT_JUDGE = "the grader could not judge this check"
GRADER_FAULT = (f"{_COULD_NOT_JUDGE}: the reply from your code's process was not what it "
                "expected (or the grader has a bug); your instructor has been told")


def could_not_judge(fault: str) -> str:
    """A check the in-process front-ends could not judge: the grader's own exception
    (``fault``: its class name) while running it."""
    return f"{_COULD_NOT_JUDGE} ({fault})"


def torch_replaced(names: list[str]) -> str:
    """Every check of an in-process front-end fails: the submission replaced these functions
    of torch, with which the checks judge."""
    return f"torch.{', torch.'.join(names)} were replaced by student code; no check can be trusted"

# -- the class report's recogniser

# Time-outs as versions before this module worded them (results.json files outlive versions).
_EARLIER_TIME_OUTS = ("CPU time limit", "did not finish in time")


def _any(*phrases: str) -> str:
    return "|".join(re.escape(p) for p in phrases)


def incident_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """(incident kind, what finds it in a message), in the order they are tried: the
    phrases of the wordings above (``report/stats.py`` classifies notes and check messages)."""
    said, malformed = PHRASES, PHRASES["malformed"]
    return [
        ("timeout", re.compile(_any(said["time out"] + " ", _BUDGET, *_EARLIER_TIME_OUTS),
                               re.I)),
        ("rule", re.compile("^" + re.escape(_RULE_BROKEN.split(" your")[0]), re.I)),
        ("sandbox", re.compile(
            _any(said["memory"], said["flood"], f"{malformed} reply", f"{malformed} message",
                 said["connection"], _NOT_AN_ANSWER, f"{said['signal']} SIGKILL"), re.I)),
        ("crash", re.compile(
            _any(_DIED, _WAS_RESTARTED, _RESTARTED, _IMPORTING, _NOT_IMPORTED, said["signal"],
                 said["exit"], "sys.exit") + r"|`import [\w.]+` failed", re.I)),
    ]
