"""Unit tests of ``autograder.sandbox``."""
