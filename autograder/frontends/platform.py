"""The contract of a platform: what every front-end module declares as its ``PLATFORM``.

A platform builds its material from the release (``build``) and, where it can run the checks
itself, grades with it (``grade``); ``requires`` names what it imports, so that a release made
without one of them skips that platform and says why. ``frontends.release.PLATFORMS`` lists
them all.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# (dist, the hint level of the release) -> what the platform wrote under dist
Build = Callable[[Path, str], Path]
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


def without_hints(build: Callable[[Path], Path]) -> Build:
    """``build(dist)`` as a ``Build``, for a platform whose material carries no hints."""

    @functools.wraps(build)
    def release(dist: Path, hints: str) -> Path:
        return build(dist)

    return release
