"""The "Written answers" section of a student's feedback.md: its markers, and how a feedback
text gets it (replaced, never repeated). ``merge`` writes the section; ``grade.results`` carries
it over when a student is graded again. Imports nothing of the grader's (both sides use it)."""

from __future__ import annotations

import re

BEGIN, END = "<!-- written-answers:begin -->", "<!-- written-answers:end -->"
# The section, from its markers on lines of their own (escaped text quoting them never starts a
# line: every line of feedback.md that quotes anyone starts with Markdown of ours).
_SECTION = re.compile(rf"\n*^{re.escape(BEGIN)}$.*?(?:^{re.escape(END)}$|\Z)\n*",
                      re.DOTALL | re.MULTILINE)


def with_section(feedback: str, section: str) -> str:
    """``feedback`` with its written-answers section (if any) replaced by ``section`` (which
    starts with ``BEGIN`` and ends with ``END``), at the end."""
    kept = _SECTION.sub("\n\n", feedback).rstrip("\n")
    return f"{kept}\n\n{section}" if kept else section
