"""Turn reference modules into student stubs.

A solution region is delimited by lines ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the
nbgrader/otter convention). Its leading ``### TASK: ...`` lines say what the student has to do;
the region becomes those lines as a ``# TODO`` comment followed by ``raise NotImplementedError``
naming the function. Everything outside regions is copied verbatim, so the stubs keep the
reference's signatures, docstrings and argument checks.
"""

from __future__ import annotations

import ast
import filecmp
import shutil
import tempfile
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
TASK = "### TASK:"


class StubError(ValueError):
    """A malformed solution region (unbalanced markers, region outside a function, ...)."""


def _enclosing_functions(source: str, filename: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function in ``source``, 1-based."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(ast.parse(source, filename=filename), "")
    return spans


def _innermost(spans: list[tuple[int, int, str]], line: int) -> str | None:
    inside = [s for s in spans if s[0] < line <= s[1]]
    return max(inside, key=lambda s: s[0])[2] if inside else None


def make_stub(source: str, filename: str = "<source>") -> str:
    """Return ``source`` with every solution region replaced by a TODO and a raise."""
    spans = _enclosing_functions(source, filename)
    out: list[str] = []
    lines = source.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped == END:
            raise StubError(f"{filename}:{i + 1}: {END} without {BEGIN}")
        if stripped != BEGIN:
            out.append(line)
            i += 1
            continue
        start = i
        indent = line[: len(line) - len(line.lstrip())]
        name = _innermost(spans, start + 1)
        if name is None:
            raise StubError(f"{filename}:{start + 1}: solution region outside a function")
        tasks: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip().startswith(TASK):
            tasks.append(lines[i].strip()[len(TASK) :].strip())
            i += 1
        while i < len(lines) and lines[i].strip() != END:
            if lines[i].strip() == BEGIN:
                raise StubError(f"{filename}:{i + 1}: nested {BEGIN}")
            i += 1
        if i == len(lines):
            raise StubError(f"{filename}:{start + 1}: {BEGIN} without {END}")
        if not tasks:
            raise StubError(f"{filename}:{start + 1}: region has no '{TASK}' line for students")
        out.append(f"{indent}# TODO: {tasks[0]}\n")
        out.extend(f"{indent}#       {t}\n" for t in tasks[1:])
        out.append(f'{indent}raise NotImplementedError("{name}: not implemented yet (see the TODO)")\n')
        i += 1  # skip END
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
