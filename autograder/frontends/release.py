"""``python -m autograder release``: write ``dist/`` for every platform from one source.

``PLATFORMS`` is the one list of platforms; each is a module of this package that declares its
``PLATFORM`` (``frontends.platform``). ``dist/student/`` is the GitHub Classroom template
repository (``github``); ``dist/gradescope/`` holds the Gradescope autograder zip
(``gradescope``); ``dist/otter/`` and ``dist/nbgrader/`` the notebook graders' material
(``otter``, ``nbgrader_course``). All of it is generated from solutions/, assignments/ and the
check bank. A platform whose packages are not installed is skipped, with the reason.
"""

from __future__ import annotations

from pathlib import Path

from autograder.assign.regions import DEFAULT_HINT_LEVEL

from . import github, gradescope, nbgrader_course, otter
from .platform import Platform

PLATFORMS: tuple[Platform, ...] = (github.PLATFORM, gradescope.PLATFORM, otter.PLATFORM,
                                   nbgrader_course.PLATFORM)


def build_release(dist: Path, hints: str = DEFAULT_HINT_LEVEL) -> dict[str, Path | str]:
    """Write every platform's material under ``dist`` (the student repository with hints up to
    level ``hints``); returns what was built where, by platform name (or why not)."""
    built: dict[str, Path | str] = {}
    for platform in PLATFORMS:
        missing = platform.missing()
        if missing:
            built[platform.name] = "skipped: not installed: " + ", ".join(missing)
            continue
        built[platform.name] = platform.build(dist, hints)
    return built
