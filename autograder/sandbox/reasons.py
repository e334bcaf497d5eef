"""How a child process ended, in words a student can act on (``ExitInfo.reason``).

These are the sandbox's share of the student-facing words of ``autograder/feedback.py``, which
re-exports them: they live here because the sandbox stands alone (the zygote imports this
package inside bwrap, where nothing of the grader but ``autograder/sandbox`` is bound). A
reason follows "your code's process ..." in the feedback. ``PHRASES`` are the fixed words by
which the class report recognises each event (``feedback.incident_patterns``).
"""

from __future__ import annotations

import signal

# -- sizes and times


def format_bytes(n: int) -> str:
    """``2147483648`` -> ``'2 GiB'``."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


def format_seconds(seconds: float) -> str:
    """``5.0`` -> ``'5 s'``, ``0.3`` -> ``'0.3 s'``, ``1800.0`` -> ``'1800 s'``."""
    return f"{seconds:.3g} s" if seconds < 1000 else f"{seconds:.0f} s"


# The fixed words of each event, by which it is recognised.
PHRASES = {
    "time out": "ran past",
    "memory": "exceeded the memory limit",
    "signal": "killed by signal",
    "exit": "exited with status",
    "connection": "the grader's connection",
    "malformed": "malformed",
    "flood": "printed more than",
}

# -- time: a time-out, worded one way (a check's too: ``feedback.check_time_out``)

CLOCKS = {"cpu": "CPU time", "wall": "wall-clock time"}


def time_out(seconds: float, clock: str, whose: str = "its") -> str:
    """A process (``whose``: "its") or a check ran out of time: ``clock`` "cpu" (its CPU time)
    or "wall" (the wall clock)."""
    return f"{PHRASES['time out']} {whose} {CLOCKS[clock]} limit of {format_seconds(seconds)}"


# -- memory, signals, exits

def out_of_memory(limit_bytes: int, all_processes: bool) -> str:
    """``all_processes``: the cgroup's limit (every process of the child together)."""
    return (f"{PHRASES['memory']} of {format_bytes(limit_bytes)}"
            + (" (all of its processes together)" if all_processes else ""))


_SIGNALS = {
    signal.SIGSEGV: "a crash in native code",
    signal.SIGBUS: "a crash in native code",
    signal.SIGABRT: "native code aborted, e.g. a failed assertion or allocation",
    signal.SIGFPE: "e.g. an integer division by zero in native code",
    signal.SIGKILL: "by itself, the hard CPU time limit or the system running out of memory",
}


def killed_by_signal(sig: int, cpu_seconds: float) -> str:
    """A process ended by signal ``sig``; SIGXCPU is the per-process CPU-time limit
    (``cpu_seconds``), so a time-out."""
    if sig == signal.SIGXCPU:
        return time_out(cpu_seconds, "cpu")
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = str(sig)
    cause = _SIGNALS.get(sig)
    return f"{PHRASES['signal']} {name}" + (f" ({cause})" if cause else "")


SYS_EXIT = "(sys.exit or os._exit)"
FINISHED = "finished normally"
EXITED_EARLY = f"your code {PHRASES['exit']} 0 before the grader was done {SYS_EXIT}"
RAISED_AND_ENDED = "your code raised an exception that ended the process (see the output)"


def exited(code: int) -> str:
    return f"your code {PHRASES['exit']} {code} {SYS_EXIT}"


# -- the connection, the output, what was left

# A child still running when the grader ended it, by why the grader did.
KEPT_RUNNING = {"hung-up": f"closed {PHRASES['connection']} (the socket) but kept running",
                "closed": "was still running when the grader finished with it",
                "sandbox-closed": "was stopped because the grader shut down"}


def garbled(detail: str) -> str:
    """The child sent something that is not a message (``detail``: the wire's own words)."""
    return f"sent the grader a {PHRASES['malformed']} message ({detail})"


def output_flood(limit_bytes: int) -> str:
    """Appended to a reason: the child's output passed the limit."""
    return f"it {PHRASES['flood']} the {format_bytes(limit_bytes)} allowed"


def sandbox_failed(why: object) -> str:
    return f"the grader's sandbox failed ({why}); this is not a problem with your code"


def leftover_note(n: int) -> str | None:
    """The note for ``n`` processes a submission left running (each killed), if any."""
    if not n:
        return None
    return (f"your code left {n} process{'es' if n > 1 else ''} running; "
            f"{'they were' if n > 1 else 'it was'} killed")
