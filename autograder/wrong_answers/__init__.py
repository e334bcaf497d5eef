"""The public wrong answers: what each misconception of ``autograder/misconceptions.toml`` gives,
for the misconceptions whose wrong answer tells nothing the public tests' oracles do not.

One module per part (``<part>.py``), each with a ``WRONG_ANSWERS`` table
(``autograder/recognise.py`` says what a table is). They import only torch: ``make release``
ships them beside the public tests, which load them by path (``tests/public/support.py``); the
grader's checks take them from ``public()``. Wrong answers that would give the answer away stay
beside the hidden checks.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.recognise import Table

FOLDER = Path(__file__).parent


def part_files() -> list[Path]:
    """The modules of the parts' wrong answers, in name order."""
    return sorted(p for p in FOLDER.glob("*.py") if not p.name.startswith("_"))


@functools.cache
def by_part() -> dict[str, Table]:
    """part -> its table (imported on first use: the release lists the files without torch)."""
    return {path.stem: importlib.import_module(f"{__name__}.{path.stem}").WRONG_ANSWERS
            for path in part_files()}


@functools.cache
def public() -> Table:
    """Every part's table merged (a target names one function or output, whatever the part)."""
    return {target: entries for table in by_part().values() for target, entries in table.items()}
