"""Run untrusted student code: a zygote per worker slot, a confined forked child per submission.

Generic: it names no assignment. What the worker does for an assignment (its probes and rules)
comes from plugin files the zygote loads before it forks (``Setup``; by default the grading
worker's, ``worker_setup()``, from ``autograder/paths.py``).

Kept light on purpose: the zygote imports this package inside the sandbox.
"""

from .limits import Limits
from .pool import (Child, ChildDied, ChildGarbled, ChildTimeout, ExitInfo, IsolationUnavailable,
                   Sandbox, SandboxError, SandboxWarning, Setup, worker_setup)
from .wire import WireError

__all__ = ["Child", "ChildDied", "ChildGarbled", "ChildTimeout", "ExitInfo",
           "IsolationUnavailable", "Limits", "Sandbox", "SandboxError", "SandboxWarning", "Setup",
           "WireError", "worker_setup"]
