"""Turn reference modules into student stubs.

Each solution region (see ``regions.py`` for the markers) becomes its ``### TASK:`` lines as a
``# TODO`` comment followed by ``raise NotImplementedError`` naming the function; its hints and
answer strings are dropped (hints ship separately, ``hints.py``). Everything outside regions is
copied verbatim, so the stubs keep the reference's signatures, docstrings and argument checks:
those docstrings state the contract, never the answer (the leak test checks it).
"""

from __future__ import annotations

import ast
import filecmp
import shutil
import tempfile
from pathlib import Path

from .regions import BEGIN, END, TASK, StubError, parse_regions

__all__ = ["BEGIN", "END", "TASK", "StubError", "generate_package", "make_stub", "stale_files",
           "tree_differences"]


def make_stub(source: str, filename: str = "<source>") -> str:
    """Return ``source`` with every solution region replaced by a TODO and a raise."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    for region in parse_regions(source, filename):
        out.extend(lines[i : region.start])
        indent = region.indent
        out.append(f"{indent}# TODO: {region.tasks[0]}\n")
        out.extend(f"{indent}#       {t}\n" for t in region.tasks[1:])
        out.append(f'{indent}raise NotImplementedError("{region.function}: not implemented yet '
                   '(see the TODO)")\n')
        i = region.end + 1
    out.extend(lines[i:])
    stub = "".join(out)
    ast.parse(stub, filename=f"{filename} (stub)")  # a generated stub must at least compile
    return stub


def generate_package(src: Path, dst: Path) -> list[Path]:
    """Write the stubs of every file under ``src`` into ``dst`` (replacing it). Returns files."""
    tmp = dst.with_name(dst.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    written = []
    for path in sorted(src.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        target = tmp / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            target.write_text(make_stub(path.read_text(), str(path)))
        else:
            shutil.copyfile(path, target)
        written.append(dst / path.relative_to(src))
    if dst.exists():
        shutil.rmtree(dst)
    tmp.rename(dst)
    return written


def stale_files(src: Path, dst: Path) -> list[str]:
    """Relative paths where ``dst`` differs from a fresh generation from ``src`` (empty if none)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / dst.name
        generate_package(src, fresh)
        return tree_differences(fresh, dst)


def tree_differences(fresh: Path, committed: Path) -> list[str]:
    """Relative paths of files missing from either tree or different between them (caches
    ignored): how generated, committed material is checked for drift."""
    def files(root: Path) -> set[Path]:
        return {p.relative_to(root) for p in root.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts} if root.exists() else set()

    want, have = files(fresh), files(committed)
    stale = {str(p) for p in want ^ have}
    stale |= {str(p) for p in want & have
              if not filecmp.cmp(fresh / p, committed / p, shallow=False)}
    return sorted(stale)
