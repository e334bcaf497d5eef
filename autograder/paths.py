"""Where things live in this repository (one place, so no module hard-codes a layout)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = REPO / "assignments"
PACKAGE = "convolutions"  # the package students write (its folder and import name)
DATA = REPO / "data"

# What grading needs wherever it runs (the Gradescope zip, otter's autograder zip, nbgrader's
# course), in the repository's layout so that the paths above resolve there too.
GRADER_BUNDLE = ("autograder", "tests/hidden", f"solutions/{PACKAGE}/training.py", "data")
# The assignment's plugins of the sandbox's worker, loaded in order before any submission: its
# rules (shared with the public tests) and its probes. Bound read-only into the sandbox, so that
# every submission can read them: nothing secret may be in them.
SANDBOX_PLUGINS = ("autograder/rules.py", "tests/hidden/probes.py")


def grader_files() -> list[Path]:
    """The files of ``GRADER_BUNDLE`` (no caches, no hidden files)."""
    out = []
    for item in GRADER_BUNDLE:
        root = REPO / item
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if (path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
                    and not path.name.startswith(".")):
                out.append(path)
    return out


def sandbox_plugins() -> list[Path]:
    """The files of ``SANDBOX_PLUGINS``."""
    return [REPO / name for name in SANDBOX_PLUGINS]


def copy_grader(dst: Path) -> None:
    """Copy the grader bundle under ``dst``, which then serves as its repository root."""
    import shutil

    for path in grader_files():
        target = dst / path.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
