"""Tiny synthetic classes for the report's unit tests: small Python files written directly (no
grading), results made as ``Recorded`` objects. Each student's code is drawn from a seeded
generator, so independent students share no more than chance allows."""

from __future__ import annotations

import random
import re
from pathlib import Path

from autograder.report.load import CheckOutcome, Recorded
from autograder.report.similarity import Code

STUB = '''"""The part students fill in."""

import torch


def solve(X, K):
    """Return what the handout asks for."""
    # TODO: write it
    raise NotImplementedError("solve: not implemented yet")
'''
STUBS = {"convolutions/solve.py": STUB}
HANDOUT = '''# %% [markdown]
# The handout's own example, which every student may paste.
# %%
def handout_example(values, weights):
    total = values.new_zeros(values.shape[0] - weights.shape[0] + 1)
    for offset in range(weights.shape[0]):
        total += weights[offset] * values[offset:offset + total.shape[0]]
    return total
'''
_OPS = ["+", "-", "*", "//", "%", "@", "**"]
_CALLS = ["torch.zeros", "torch.ones", "len", "range", "max", "min", "abs", "torch.cat"]


def _expr(rng: random.Random, names: list[str], depth: int = 0) -> str:
    r = rng.random()
    if depth > 2 or r < 0.3:
        return rng.choice(names) if rng.random() < 0.7 else str(rng.randint(0, 99))
    if r < 0.5:
        return f"{rng.choice(names)}[{_expr(rng, names, depth + 1)}:{_expr(rng, names, depth + 1)}]"
    if r < 0.7:
        return f"{rng.choice(_CALLS)}({_expr(rng, names, depth + 1)})"
    return f"({_expr(rng, names, depth + 1)} {rng.choice(_OPS)} {_expr(rng, names, depth + 1)})"


def body(seed: int, lines: int = 18) -> str:
    """A student's own function body (indented four spaces), different for every seed."""
    rng = random.Random(seed)
    names = [f"v{rng.randint(0, 999)}" for _ in range(6)] + ["X", "K"]
    out, depth = [], 0
    for _ in range(lines):
        pad = "    " * (depth + 1)
        r = rng.random()
        if r < 0.15 and depth < 2:
            out.append(f"{pad}for {rng.choice(names)} in range({_expr(rng, names)}):")
            depth += 1
            out.append(f"{pad}    {rng.choice(names)} = {_expr(rng, names)}")
        elif r < 0.25 and depth:
            depth -= 1
        else:
            out.append(f"{pad}{rng.choice(names)} {rng.choice(['=', '+=', '-='])} "
                       f"{_expr(rng, names)}")
    out.append(f"    return {names[0]}")
    return "\n".join(out) + "\n"


def filled(own: str) -> str:
    """The stub with its TODO replaced by ``own``."""
    return STUB.replace('    # TODO: write it\n    raise NotImplementedError("solve: not '
                        'implemented yet")\n', own)


def renamed(code: str) -> str:
    """``code`` with every name of the form v123 renamed and the spacing changed."""
    return re.sub(r"\bv(\d+)\b", lambda m: f"renamed_{int(m.group(1)) * 7}", code).replace(
        " = ", "  =  ")


def write(root: Path, name: str, code: str) -> Path:
    """A submission folder ``root/name/convolutions/solve.py`` holding ``code``."""
    pkg = root / name / "convolutions"
    pkg.mkdir(parents=True)
    (pkg / "solve.py").write_text(code)
    return root / name


def code(name: str, text: str, archived: bool = False) -> Code:
    return Code(name, {"convolutions/solve.py": text} if text != STUB else {},
                archived=archived)


NOT_IMPLEMENTED = "not implemented yet (at solve.py:9)"


def recorded(name: str, parts: dict[str, list[str | None]], **fields) -> Recorded:
    """A submission's results: ``parts`` maps a part to its checks' messages (None: passed)."""
    checks = [CheckOutcome(f"{p}.c[{i}]", p, f"{p} check {i}", m is None, 1.0 if m is None
                           else 0.0, 1.0, m or "", 0.01)
              for p, messages in parts.items() for i, m in enumerate(messages)]
    scores = {p: (float(sum(m is None for m in ms)), float(len(ms))) for p, ms in parts.items()}
    return Recorded(name, sum(s for s, _ in scores.values()),
                    sum(t for _, t in scores.values()), scores, checks=checks, **fields)
