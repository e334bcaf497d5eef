"""The pure helpers of collect's git access (the commands themselves: tests/repo/test_collect)."""

from __future__ import annotations

from autograder.collect.git import last_line, redact


def test_credentials_are_removed_from_urls_only() -> None:
    assert redact("fatal: https://x-access-token:ghp_abc@github.com/o/r.git not found") == \
        "fatal: https://github.com/o/r.git not found"
    assert redact("ssh://git@host/r.git and me@example.org") == \
        "ssh://host/r.git and me@example.org"


def test_the_last_line_git_wrote() -> None:
    assert last_line("warning: x\nfatal: repository 'y' does not exist\n\n") == \
        "fatal: repository 'y' does not exist"
    assert last_line("") == ""
