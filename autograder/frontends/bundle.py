"""The grader copy a notebook platform ships: ``paths.GRADER_BUNDLE`` minus the front-ends'
builders and runners.

Otter's autograder zip and nbgrader's ``grader/`` folder are imported by the student's kernel,
so of ``autograder/frontends/`` they carry only the kernel side (``KERNEL_SIDE``); everything
else of the bundle goes as ``paths.grader_files()`` lists it, in the repository's layout (so
``autograder.paths`` resolves there too).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder import paths

FRONTENDS = "autograder/frontends/"
KERNEL_SIDE = frozenset(FRONTENDS + name for name in ("__init__.py", "kernel.py", "inprocess.py"))


def kernel_bundle() -> list[Path]:
    """The files of the grader bundle a student's kernel may import."""
    out = []
    for path in paths.grader_files():
        rel = path.relative_to(paths.REPO).as_posix()
        if not rel.startswith(FRONTENDS) or rel in KERNEL_SIDE:
            out.append(path)
    return out


def copy_kernel_bundle(dst: Path) -> None:
    """Copy ``kernel_bundle()`` under ``dst``, which then serves as its repository root."""
    for path in kernel_bundle():
        target = dst / path.relative_to(paths.REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
