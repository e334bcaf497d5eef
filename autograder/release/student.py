"""Moved to ``autograder.frontends.github`` (kept until tests/repo/test_leaks.py imports it
from there)."""

from autograder.frontends.github import AnswerLeak, build_student

__all__ = ["AnswerLeak", "build_student"]
