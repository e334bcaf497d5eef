"""Unit tests of ``autograder.grade``."""
