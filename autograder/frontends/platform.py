"""The contract of a platform: what every front-end module declares as its ``PLATFORM``.

A platform builds its material from the release (``build``, given the release's
``ReleaseOptions``) and, where it can run the checks itself, grades with it (``grade``);
``requires`` names what it imports, so that a release made without one of them skips that
platform and says why. ``frontends.release.PLATFORMS`` lists them all.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.assign.regions import DEFAULT_HINT_LEVEL

VISIBILITIES = ("hidden", "after_published", "visible")  # Gradescope's words for a test's


@dataclass(frozen=True)
class ReleaseOptions:
    """What an instructor chooses for one release (``python -m autograder release``'s options);
    each platform reads the fields that concern it."""

    hints: str = DEFAULT_HINT_LEVEL  # ship the hints up to this level (student repository)
    # when students see each hidden check's own message on Gradescope (the score per part is
    # always visible): "after_published" (once grades are published), "visible", "hidden"
    check_visibility: str = "after_published"
    otter_pdf: bool = False  # otter: students export a PDF of the written questions

    def __post_init__(self) -> None:
        if self.check_visibility not in VISIBILITIES:
            raise ValueError(f"check_visibility must be one of {VISIBILITIES}, "
                             f"not {self.check_visibility!r}")


# (dist, the release's options) -> what the platform wrote under dist
Build = Callable[[Path, ReleaseOptions], Path]
# (dist as build left it, checkouts, a folder for the platform's runs; backend="local"|"docker",
# device="cpu"|"cuda") -> submission name -> part -> score (None: not graded)
Grade = Callable[..., dict[str, dict[str, float | None]]]


@dataclass(frozen=True)
class Platform:
    """One platform the release builds material for."""

    name: str
    requires: tuple[str, ...]  # import names of the packages ``build`` and ``grade`` need
    build: Build
    grade: Grade | None = None  # None: the platform grades elsewhere (Gradescope, GitHub)

    def missing(self) -> list[str]:
        """The packages of ``requires`` that this interpreter cannot import."""
        return [name for name in self.requires if importlib.util.find_spec(name) is None]


def without_options(build: Callable[[Path], Path]) -> Build:
    """``build(dist)`` as a ``Build``, for a platform that no release option concerns."""

    @functools.wraps(build)
    def release(dist: Path, options: ReleaseOptions) -> Path:
        return build(dist)

    return release
