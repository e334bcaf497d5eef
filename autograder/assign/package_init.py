"""The student package's ``__init__.py``, generated from the parts registry.

It imports every top-level name the registry gives a part with code, from that part's module,
and lists them in ``__all__``; its docstring's table says which part each name belongs to.
``python -m autograder build stubs`` writes it into ``solutions/`` (the stubs copy it from there)
and ``--check`` fails when it has drifted, so adding a part never means editing it by hand.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from autograder import parts as registry
from autograder import paths

INIT = paths.SOLUTIONS / paths.PACKAGE / "__init__.py"
TITLE = "Convolutions: the assignment on d2l chapter 6.1 and 6.2, one module per part."
WIDTH = 100


def _order(name: str) -> tuple[int, str]:
    """ruff's isort order within an import: constants, classes, then functions."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def _import(module: str, names: list[str]) -> list[str]:
    names = sorted(names, key=_order)
    line = f"from .{module} import {', '.join(names)}"
    if len(line) <= WIDTH:
        return [line]
    return [f"from .{module} import (", *(f"    {n}," for n in names), ")"]


def _table(parts: list[registry.Part]) -> list[str]:
    rows = []
    for part in parts:
        if part.kind == "manual":
            continue
        tops = list(dict.fromkeys(n.name.split(".")[0] for n in part.names))
        optional = part.kind == "optional"
        what = (", ".join(tops) + (" (optional)" if optional else "") if tops else
                f"(module ``{paths.PACKAGE}.{part.module}``{', optional' if optional else ''})")
        rows.append((part.id, what))
    width = max(len("part id"), *(len(r[0]) for r in rows))
    wrapped = [(pid, textwrap.wrap(what, WIDTH - width - 2)) for pid, what in rows]
    rule = f"{'=' * width}  {'=' * max(len(ln) for _, lines in wrapped for ln in lines)}"
    out = [rule, f"{'part id':<{width}}  names", rule]
    for pid, lines in wrapped:
        out += [f"{pid if i == 0 else '':<{width}}  {ln}" for i, ln in enumerate(lines)]
    return [*out, rule]


def render(parts: list[registry.Part] | None = None) -> str:
    parts = list(registry.load()) if parts is None else parts
    modules: dict[str, list[str]] = {}
    for part in parts:
        for name in part.names:
            top = name.name.split(".")[0]
            if part.module and top not in modules.setdefault(part.module, []):
                modules[part.module].append(top)
    lines = ['"""' + TITLE, "", *_table(parts), '"""', ""]
    for module in sorted(modules):
        lines += _import(module, modules[module])
    everything = sorted(n for names in modules.values() for n in names)
    lines += ["", "__all__ = [", *(f'    "{n}",' for n in everything), "]", ""]
    return "\n".join(lines)


def is_stale(path: Path = INIT) -> bool:
    return not path.is_file() or path.read_text() != render()


def write(path: Path = INIT) -> bool:
    """Write ``path`` when it differs; whether it did."""
    if not is_stale(path):
        return False
    path.write_text(render())
    return True
