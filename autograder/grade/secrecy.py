"""What a hidden check's message may say of a text the student's process wrote.

An exception's message, its class name, a file name in its location, a rule violation as the
student's process reports it: each is chosen by the student's code, which has seen the hidden
inputs, so each can carry their values (in digits, or in letters). A hidden check's message
therefore says only what the grader can vouch for: the exception's class when it is one of
Python's or torch's own, the location when it is a file of the submission and a line in it,
and a rule violation by the rule and the torch operator or entry point it names when those are
real. The whole text goes to ``detail``, which only visible checks show.
"""

from __future__ import annotations

import builtins
import functools
import re
from collections.abc import Iterable

from autograder.feedback import OWN_EXCEPTION_CLASS, UNCONFIRMED_RULE

# The location describe_exception (sandbox/worker.py) appends: a file of the package and a line.
LOCATION = re.compile(r" \(at ([A-Za-z0-9_./-]{1,120}\.py):(\d{1,6})\)$")
# Exception classes of torch's and the guard's, besides Python's built-in ones.
KNOWN_EXCEPTIONS = frozenset({"RuleViolation", "OutOfMemoryError", "LinAlgError"})
# What the guards record that names no operator.
FIXED_VIOLATIONS = re.compile(r"(tampering with the grader's (rule|autograd) guard"
                              r"( \(its line counter\))?|autograd (called )?inside [A-Za-z0-9_.]+"
                              r"( \(it builds a graph\))?)")
VIOLATION = re.compile(r"(?P<name>[A-Za-z0-9_.:]{1,80}?)(?: of a [A-Za-z0-9_]{1,40})? "
                       r"\((?P<says>[^()]{1,120}(?:\([^()]{1,60}\))?)\)")


def exception_class(kind: str) -> str:
    """``kind`` when it is a class of Python's, torch's or the guard's own; otherwise a fixed
    phrase (a class of one's own can be named after anything)."""
    if kind in KNOWN_EXCEPTIONS or (isinstance(getattr(builtins, kind, None), type)
                                    and issubclass(getattr(builtins, kind), BaseException)):
        return kind
    return OWN_EXCEPTION_CLASS


def location(text: str, files: Iterable[str] | None) -> str:
    """`` (at file.py:line)`` from the end of ``text`` when ``file.py`` is one of ``files``
    (the submission's package files, relative to the package); otherwise nothing."""
    found = LOCATION.search(text)
    if found is None or files is None or found.group(1) not in set(files):
        return ""
    return found.group()


def violation(text: str, says: Iterable[str]) -> str:
    """A rule violation as the student's process reported it, if it is in a form the guard
    writes, naming a real operator (or entry point) and one of the rules' descriptions
    (``says``); otherwise a fixed phrase."""
    if FIXED_VIOLATIONS.fullmatch(text):
        return text
    found = VIOLATION.fullmatch(text)
    if found and found.group("says") in set(says) and _real_name(found.group("name")):
        return text
    return UNCONFIRMED_RULE


@functools.cache
def _operator_names() -> frozenset[str]:
    import torch

    return frozenset(n.split("::", 1)[-1].split(".", 1)[0].lstrip("_")
                     for n in torch._C._dispatch_get_all_op_names())


def _real_name(name: str) -> bool:
    """An operator's name as the guard describes it, or an entry point of the values rule
    (``Tensor.tolist``, ``torch.from_numpy``)."""
    return name in _operator_names() or name in _entry_point_names()


@functools.cache
def _entry_point_names() -> frozenset[str]:
    from autograder.sandbox import guards

    return frozenset(guards.entry_point_name(owner, attr)
                     for owner, attr, _ in guards.value_entry_points())
