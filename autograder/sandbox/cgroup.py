"""One memory cgroup per sandbox: what all of a submission's processes hold, together.

RLIMIT_AS bounds each process; a submission that forks can hold that much per process. The
zygote (and so every child it forks) runs inside a memory cgroup whose limit is the zygote's
own usage plus ``Limits.memory_bytes``. Only one child of a sandbox runs at a time, so that is
a limit per submission. Each child sets its oom_score_adj to 1000, so the kernel's OOM killer
picks the student's processes first; the zygote also asks for -1000 (exempt) where the host
allows lowering it.

Works with cgroup v2 (memory.max) or the v1 memory controller, where the grader runs as root
and the controller is writable; elsewhere ``MemoryCgroup.create`` returns None and only the
per-process limits apply (the sandbox says so in a warning).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _own_paths() -> dict[str, str]:
    """Controller ("memory", or "" for v2) -> this process's cgroup path."""
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


class MemoryCgroup:
    """A cgroup of our own under this process's memory cgroup."""

    def __init__(self, path: Path, version: int) -> None:
        self.path, self.version = path, version

    @classmethod
    def create(cls, name: str) -> MemoryCgroup | None:
        """A fresh cgroup called ``name``, or None where memory cgroups cannot be used."""
        if os.geteuid() != 0:
            return None
        own = _own_paths()
        candidates = []
        if "memory" in own and (ROOT / "memory").is_dir():  # v1
            candidates.append((ROOT / "memory" / own["memory"].lstrip("/"), 1))
        if "" in own:  # v2, mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified
            for mount in (ROOT, ROOT / "unified"):
                base = mount / own[""].lstrip("/")
                if (base / "cgroup.controllers").is_file():
                    candidates.append((base, 2))
        for parent, version in candidates:
            group = cls(parent / name, version)
            if group._make():
                return group
        return None

    def _make(self) -> bool:
        limit = "memory.limit_in_bytes" if self.version == 1 else "memory.max"
        try:
            self.path.mkdir()
        except OSError:
            return False
        if (self.path / limit).is_file() and (self.path / "cgroup.procs").is_file():
            return True
        self.remove()  # v2 without the memory controller delegated to us
        return False

    @property
    def procs(self) -> Path:
        """Write a pid here to move that process into the cgroup."""
        return self.path / "cgroup.procs"

    def set_limit(self, limit: int) -> None:
        name = "memory.limit_in_bytes" if self.version == 1 else "memory.max"
        (self.path / name).write_text(str(limit))
        if self.version == 2 and (self.path / "memory.swap.max").is_file():
            (self.path / "memory.swap.max").write_text("0")
        elif self.version == 1 and (self.path / "memory.memsw.limit_in_bytes").is_file():
            try:
                (self.path / "memory.memsw.limit_in_bytes").write_text(str(limit))
            except OSError:
                pass  # swap accounting off

    def usage(self) -> int:
        name = "memory.usage_in_bytes" if self.version == 1 else "memory.current"
        return int((self.path / name).read_text())

    def peak(self) -> int | None:
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.path / name).read_text())
        except (OSError, ValueError):
            return None

    def oom_kills(self) -> int:
        """How many processes the kernel has killed here for want of memory."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            for line in (self.path / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def remove(self) -> None:
        """Delete the cgroup (once its processes are gone; they may take a moment to exit)."""
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)
