"""Resource limits of one sandboxed student process (applied by the zygote after each fork).

The sandbox's own type: the grader's ``autograder.settings.Settings`` holds one (``child``),
read from the assignment's manifest, and passes it to ``Sandbox(limits=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def limit(default: Any, unit: str, doc: str) -> Any:
    """A dataclass field holding a limit: its default, its unit and a one-line description
    (which the README's limits table shows)."""
    return field(default=default, metadata={"unit": unit, "doc": doc})


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = limit(2 * 1024**3, "bytes", "address space beyond what the zygote "
                              "maps (RLIMIT_AS); with a cgroup, all of a submission's "
                              "processes together")
    cpu_seconds: int = limit(120, "s", "CPU time of each process of the child (RLIMIT_CPU)")
    processes: int = limit(64, "processes", "processes and threads of the child's private uid "
                           "(RLIMIT_NPROC)")
    file_bytes: int = limit(16 * 1024**2, "bytes", "size of a file the child writes "
                            "(RLIMIT_FSIZE; a write past it fails), and of its output")
    open_files: int = limit(256, "files", "open files of each process (RLIMIT_NOFILE)")
    scratch_bytes: int = limit(64 * 1024**2, "bytes", "the sandbox's tmpfs /tmp (bwrap only)")
    output_bytes: int = limit(64 * 1024, "bytes", "the child's output kept for the feedback "
                              "(head and tail)")

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if type(value) is not int or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive int, not {value!r}")
