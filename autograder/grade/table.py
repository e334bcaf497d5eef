"""The score table a grading run prints: one line per submission, its parts and its flags."""

from __future__ import annotations

from .bank import Bank
from .results import plain
from .runner import SubmissionResult


def flags(result: SubmissionResult) -> str:
    """What the instructor must look at: an error (not graded) or flags for review."""
    return " ".join(f for f, on in (("error", result.submission.error is not None),
                                    ("review", bool(result.review))) if on)


def print_table(results: list[SubmissionResult], bank: Bank) -> None:
    """The scores of ``results`` as a table (rich), or as plain lines where rich is missing."""
    from autograder.signatures import SHORT

    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:  # plain text where rich is not installed
        for r in results:
            parts = ", ".join(f"{SHORT.get(p, p)} {s:g}" for p, (s, _) in
                              r.part_scores(bank).items())
            print(f"{plain(r.submission.name, newlines=False)}: {r.total():g} ({parts}) in "
                  f"{r.seconds:.2f}s {flags(r)}".rstrip())
        return

    parts = [p for p in [*bank.scheme.parts, *bank.scheme.optional]
             if any(c.part == p for c in bank.checks)]
    extra = sum(bank.scheme.optional.values())
    title = f"Scores (autograded, out of {bank.scheme.auto_max:g}" + (
        f", plus up to {extra:g} extra credit)" if extra else ")")
    table = Table(title=title,
                  caption=", ".join(f"{SHORT.get(p, p)} = {p} ({bank.scheme.points(p):g})"
                                    for p in parts) + "; * extra credit")
    table.add_column("submission", no_wrap=True)
    table.add_column("total", justify="right")
    for p in parts:
        table.add_column(SHORT.get(p, p), justify="right")
    table.add_column("time", justify="right")
    table.add_column("flags")
    for r in results:
        scores = r.part_scores(bank)
        # Text, not a markup string: "[bold]" in a name is shown, not interpreted
        table.add_row(Text(plain(r.submission.name, newlines=False)), f"{r.total():g}",
                      *[f"{scores.get(p, (0, 0))[0]:g}" for p in parts], f"{r.seconds:.2f}s",
                      flags(r))
    console = Console()
    if not console.is_terminal:  # a log or a pipe: do not squeeze the table into 80 columns
        console = Console(width=160)
    console.print(table)
