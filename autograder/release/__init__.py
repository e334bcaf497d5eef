"""``python -m autograder release``: write ``dist/`` for every platform from one source.

``dist/student/`` is the GitHub Classroom template repository; ``dist/gradescope/`` holds the
Gradescope autograder zip; ``dist/otter/`` and ``dist/nbgrader/`` the notebook graders'
material. All of it is generated from solutions/, assignments/ and the check bank.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from autograder.assign.regions import DEFAULT_HINT_LEVEL

from .gradescope import build_gradescope
from .student import build_student

__all__ = ["build_gradescope", "build_release", "build_student"]

# Front-ends whose builders need their platform installed (otter-grader, nbgrader).
NOTEBOOK_FRONTENDS = {"otter": "autograder.frontends.otter",
                      "nbgrader": "autograder.frontends.nbgrader_course"}


def build_release(dist: Path, hints: str = DEFAULT_HINT_LEVEL) -> dict[str, Path | str]:
    """Write everything under ``dist`` (the student repository with hints up to level
    ``hints``); returns what was built where (or why not)."""
    built: dict[str, Path | str] = {"student": build_student(dist, hints),
                                    "gradescope": build_gradescope(dist)}
    for name, module in NOTEBOOK_FRONTENDS.items():
        try:
            builder = importlib.import_module(module)
        except ImportError as exc:
            built[name] = f"skipped: {exc}"
            continue
        built[name] = builder.build(dist)
    return built
