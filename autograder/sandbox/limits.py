"""Resource limits of one sandboxed student process (applied by the zygote after each fork)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 2 * 1024**3  # address space beyond what the zygote maps (RLIMIT_AS)
    cpu_seconds: int = 120  # RLIMIT_CPU of each process of the child
    processes: int = 64  # RLIMIT_NPROC of the child's private uid (threads count too)
    file_bytes: int = 16 * 1024**2  # RLIMIT_FSIZE; SIGXFSZ is ignored so writes fail (EFBIG)
    open_files: int = 256  # RLIMIT_NOFILE
    scratch_bytes: int = 64 * 1024**2  # size of the sandbox's tmpfs /tmp (bwrap only)
    output_bytes: int = 64 * 1024  # how much of the child's stdout/stderr is kept (head + tail)

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if type(value) is not int or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive int, not {value!r}")


def format_bytes(n: int) -> str:
    """``2147483648`` -> ``'2 GiB'`` (for messages students read)."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"
