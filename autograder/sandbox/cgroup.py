"""Cgroups per sandbox: what all of a submission's processes hold and use, together.

* Memory. RLIMIT_AS bounds each process; a submission that forks can hold that much per
  process. The zygote (and so every child it forks) runs inside a memory cgroup whose limit is
  the zygote's own usage plus ``Limits.memory_bytes``. Only one child of a sandbox runs at a
  time, so that is a limit per submission. Each child sets its oom_score_adj to 1000, so the
  OOM killer of Linux picks the student's processes first; the zygote also asks for -1000
  (exempt) where the host allows lowering it.
* CPU time. The cgroup's CPU counter (every thread of every process in it) lets the grader
  give each check a limit in CPU seconds, which does not depend on how loaded the machine is;
  a wall-clock limit stays as a backstop (see pool.Child.request).

Works with cgroup v2 (one hierarchy) or v1 (the memory and cpuacct controllers), where the
grader runs as root and the controllers are writable; elsewhere ``SandboxCgroup.create``
returns None and only the per-process limits and wall-clock time limits apply.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _own_paths() -> dict[str, str]:
    """Controller ("memory", "cpuacct", or "" for v2) -> this process's cgroup path."""
    out = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in parts[1].split(","):
            out[controller] = parts[2]
    return out


def _make(path: Path, needed: tuple[str, ...]) -> bool:
    """Create ``path`` as a fresh cgroup that has the files ``needed``."""
    try:
        path.mkdir()
    except OSError:
        return False
    if all((path / name).is_file() for name in ("cgroup.procs", *needed)):
        return True
    _remove(path)
    return False


def _remove(path: Path) -> None:
    """Delete a cgroup once its processes are gone (they may take a moment to exit)."""
    for _ in range(50):
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


class SandboxCgroup:
    """Our own cgroup(s) under this process's: ``memory`` and ``cpu`` paths (the same
    directory on v2, two hierarchies on v1)."""

    def __init__(self, memory: Path, cpu: Path | None, version: int) -> None:
        self.memory, self.cpu, self.version = memory, cpu, version

    @classmethod
    def create(cls, name: str) -> SandboxCgroup | None:
        """Fresh cgroups called ``name``, or None where they cannot be used."""
        if os.geteuid() != 0:
            return None
        own = _own_paths()
        if "memory" in own and (ROOT / "memory").is_dir():  # v1
            memory = ROOT / "memory" / own["memory"].lstrip("/") / name
            if _make(memory, ("memory.limit_in_bytes",)):
                cpu = None
                if "cpuacct" in own and (ROOT / "cpuacct").is_dir():
                    cpu = ROOT / "cpuacct" / own["cpuacct"].lstrip("/") / name
                    cpu = cpu if _make(cpu, ("cpuacct.usage",)) else None
                return cls(memory, cpu, 1)
        if "" in own:  # v2, mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified
            for mount in (ROOT, ROOT / "unified"):
                base = mount / own[""].lstrip("/")
                if (base / "cgroup.controllers").is_file() and _make(base / name,
                                                                     ("memory.max",)):
                    cpu = base / name if (base / name / "cpu.stat").is_file() else None
                    return cls(base / name, cpu, 2)
        return None

    @property
    def procs(self) -> list[Path]:
        """Write a pid to each of these to move that process into the cgroup(s)."""
        paths = [self.memory / "cgroup.procs"]
        if self.cpu is not None and self.cpu != self.memory:
            paths.append(self.cpu / "cgroup.procs")
        return paths

    def set_memory_limit(self, limit: int) -> None:
        name = "memory.limit_in_bytes" if self.version == 1 else "memory.max"
        (self.memory / name).write_text(str(limit))
        swap = "memory.memsw.limit_in_bytes" if self.version == 1 else "memory.swap.max"
        if (self.memory / swap).is_file():
            try:
                (self.memory / swap).write_text(str(limit) if self.version == 1 else "0")
            except OSError:
                pass  # swap accounting off

    def memory_usage(self) -> int:
        name = "memory.usage_in_bytes" if self.version == 1 else "memory.current"
        return int((self.memory / name).read_text())

    def memory_peak(self) -> int | None:
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.memory / name).read_text())
        except (OSError, ValueError):
            return None

    def oom_kills(self) -> int:
        """How many processes Linux has killed here for want of memory."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            for line in (self.memory / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by every process that ran in the cgroup (None: not counted)."""
        if self.cpu is None:
            return None
        try:
            if self.version == 1:
                return int((self.cpu / "cpuacct.usage").read_text()) / 1e9
            for line in (self.cpu / "cpu.stat").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
        except (OSError, ValueError):
            pass
        return None

    def remove(self) -> None:
        for path in {self.memory, *([self.cpu] if self.cpu else [])}:
            _remove(path)
