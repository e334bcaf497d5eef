"""``python -m autograder release``: write ``dist/`` for every platform from one source.

``PLATFORMS`` is the one list of platforms; each is a module of this package that declares its
``PLATFORM`` (``frontends.platform``). ``dist/student/`` is the GitHub template repository
with its public tests' workflow (``github``); ``dist/classroom50/`` the Classroom 50
autograder folder, assignment entry and guide (``classroom50``); ``dist/gradescope/`` holds
the Gradescope autograder zip (``gradescope``); ``dist/otter/`` and ``dist/nbgrader/`` the
notebook graders' material (``otter``, ``nbgrader_course``). All of it is generated from
solutions/, assignments/ and the check bank. A platform whose packages are not installed is
skipped, with the reason.
"""

from __future__ import annotations

from pathlib import Path

from . import classroom50, github, gradescope, nbgrader_course, otter
from .platform import Platform, ReleaseOptions

PLATFORMS: tuple[Platform, ...] = (github.PLATFORM, classroom50.PLATFORM, gradescope.PLATFORM,
                                   otter.PLATFORM, nbgrader_course.PLATFORM)


def build_release(dist: Path, options: ReleaseOptions = ReleaseOptions()
                  ) -> dict[str, Path | str]:
    """Write every platform's material under ``dist`` as ``options`` say; returns what was
    built where, by platform name (or why not)."""
    built: dict[str, Path | str] = {}
    for platform in PLATFORMS:
        missing = platform.missing()
        if missing:
            built[platform.name] = "skipped: not installed: " + ", ".join(missing)
            continue
        built[platform.name] = platform.build(dist, options)
    return built
