"""Moved to ``autograder.frontends`` (``release.build_release``, one module per platform).

Kept only until ``autograder/__main__.py`` and tests/repo/test_leaks.py import from there.
"""

from autograder.frontends.github import build_student
from autograder.frontends.gradescope import build_gradescope
from autograder.frontends.release import build_release

__all__ = ["build_gradescope", "build_release", "build_student"]
