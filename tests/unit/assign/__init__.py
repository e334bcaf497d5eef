"""Unit tests of ``autograder.assign``."""
