"""Unit tests: one file per module of ``autograder``, fast, no sandbox, no whole gradings."""
