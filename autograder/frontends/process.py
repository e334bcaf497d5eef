"""Running a platform's command line (``otter``, ``nbgrader``, ``docker run``) with a limit.

Neither otter nor nbgrader stops a hung kernel, so a command runs in its own session and, past
its time limit, the whole process group goes (the kernel included) before ``TimeoutExpired``
is raised.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path


def run_group(cmd: Sequence[str], *, timeout: float | None = None,
              env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``cmd``, capturing its text output; on timeout kill its process group and raise
    ``subprocess.TimeoutExpired``."""
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=cwd, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
