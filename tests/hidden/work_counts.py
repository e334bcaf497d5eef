"""What the vectorisation checks share: the work a call does, counted at a small and a large
size, and the verdict on the two counts.

The rule they judge: "loop over the kernel offsets at most, never over output positions" (for
the corr1d functions: "never over time steps or channels"), without a clock. The rule guard
counts the work the student's call does: the torch operators it runs (``ops``; ``backward_ops``
for what runs inside the backward pass) plus the lines of the submission's own Python it runs
(``lines``, ``backward_lines``), so that a loop in plain Python, over values taken out of
torch, is counted too (and the values rule keeps them in torch). Called twice with the kernel
fixed and several times as many output rows and columns the second time, vectorised code does
the same work; a loop over output rows, pixels or time steps does more for every added one
(``autograder/tolerances.py``: ``WORK_SLACK``). Deterministic: a count does not depend on the
machine's speed or load.

A part's vectorisation check (``@check("<fn>.vectorised", ...)``, in the part's own checks
file) counts two calls with ``count_call`` (or ``counted`` on a probe's observations) and
judges them with ``expect_flat``.
"""

from typing import Any

import torch

from autograder.grade.bank import CheckFailed
from autograder.grade.judge import expect_tensor, value_first
from autograder.tolerances import loops_over_outputs

NAME = "{fn} is vectorised: its work does not grow with the number of output positions"
DID = "operations (torch operators and lines of your Python)"


def size(shape) -> str:
    """``(3, 4)`` -> ``"3x4"``."""
    return "x".join(str(n) for n in shape)


def expect_flat(fn: str, counts: list[tuple[int, Any]], grows: str = "output positions"
                ) -> None:
    """``counts``: (operators, size) at a small and a large size. The size is the output shape
    when the output grows, else a text naming the call's shapes (``grows="channels"``)."""
    (small, small_size), (large, large_size) = counts
    if not isinstance(small, int) or not isinstance(large, int):
        raise CheckFailed(f"{fn}: the grader could not count the operators your code ran")
    if loops_over_outputs(small, large):
        if grows == "output positions":
            sizes = f"a {size(small_size)} output and {large} for {size(large_size)}"
            each = "output position"
        else:
            sizes, each = f"{small_size} and {large} for {large_size}", "channel"
        raise CheckFailed(
            f"{fn} did {small} {DID} for {sizes}: its work grows with the number of "
            f"{grows}, so it loops over them; loop over the kernel offsets only and let each "
            f"operation handle every {each} at once")


def counted(obs: dict, keys: tuple[str, str], results: dict[str, torch.Tensor],
            what: str) -> int | None:
    """The work (operators plus lines), once the call has produced the right values: work is
    judged only for a function that works (a placeholder, a constant or a call that notices it
    is counted does no work worth counting: "not judged: the value is wrong")."""
    with value_first(what):
        for name, expected in results.items():
            expect_tensor(obs.get(name), expected, f"{what}: {name}")
    counts = [obs.get(key) for key in keys]
    return sum(counts) if all(type(c) is int for c in counts) else None


def count_call(student, name: str, args: list, expected: torch.Tensor,
               kwargs: dict | None = None) -> int | None:
    """The work of ``name(*args, **kwargs)``, judged only if it returns ``expected``."""
    obs = student.probe("call", name=name, args=args, kwargs=kwargs or {}, count=True)
    return counted(obs, ("ops", "lines"), {"value": expected}, name)
