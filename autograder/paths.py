"""Where things live in this repository (one place, so no module hard-codes a layout)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = REPO / "assignments"
PACKAGE = "convolutions"  # the package students write (its folder and import name)
DATA = REPO / "data"

# The assignment's plugins of the sandbox's worker, loaded in order before any submission: its
# rules (shared with the public tests) and its probes. Bound read-only into the sandbox, so that
# every submission can read them: nothing secret may be in them.
SANDBOX_PLUGINS = ("autograder/rules.py", "tests/hidden/probes.py")


def sandbox_plugins() -> list[Path]:
    """The files of ``SANDBOX_PLUGINS``."""
    return [REPO / name for name in SANDBOX_PLUGINS]

