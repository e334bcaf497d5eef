"""The import graph of ``autograder/``, read from the source (nothing is imported): no cycle among
its modules, and no private name imported from another package.

The graph counts every import statement of a module: at the top and inside functions (a lazy
import is still a dependency: the cycle between ``grade.cli`` and ``cluster.client`` that this
test was written against ran through one), but not those under ``if TYPE_CHECKING:``. An edge
goes to the module named (``from a import b``: to ``a.b`` when that is a module, else to ``a``),
not to the packages above it, which Python imports first but which hold no code of their own
that could close a cycle unless they import it, and then that import is an edge of theirs.

Private means a leading underscore (not a dunder). Within one package (the folder that holds
the module, e.g. ``autograder/cluster``) a private name may be shared; across packages it may
not: ``autograder.cluster.client`` may not import ``_fault`` from ``autograder.grade``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "autograder"



@dataclass(frozen=True)
class Import:
    source: str   # the importing module
    target: str   # the module imported from
    name: str     # the name imported ("" for ``import a.b``)
    line: int


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of autograder/ (a package is its
    ``__init__``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _package(module: str) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to itself)."""
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str) -> list[Import]:
    """Every import of ``module`` that reaches a module of autograder/."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out: list[Import] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking(child):
                continue
            if isinstance(child, ast.Import):
                out.extend(Import(module, a.name, "", child.lineno) for a in child.names
                           if a.name in MODULES)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = _package(module).split(".")[:len(_package(module).split(".")) + 1
                                                         - child.level]
                    origin = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    origin = child.module or ""
                for a in child.names:
                    target = f"{origin}.{a.name}" if f"{origin}.{a.name}" in MODULES else origin
                    if target in MODULES:
                        out.append(Import(module, target, a.name, child.lineno))
            visit(child)

    visit(tree)
    return out


IMPORTS = [i for module in MODULES for i in _imports(module)]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_is_read() -> None:
    """(So that the tests below cannot pass on an empty graph.)"""
    assert "autograder.grade.batch" in MODULES and "autograder.cli" in MODULES
    assert Import("autograder.cluster.client", "autograder.grade.batch", "Batch",
                  next(i.line for i in IMPORTS if i.source == "autograder.cluster.client"
                       and i.name == "Batch")) in IMPORTS


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for i in IMPORTS:
        if i.target != i.source:
            graph[i.source].add(i.target)
    assert _cycles(graph) == []


def test_a_cycle_is_found() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_private_name_imported_across_packages() -> None:
    crossing = [f"{i.source} (line {i.line}) imports {i.name or i.target} from {i.target}"
                for i in IMPORTS
                if _package(i.target) != _package(i.source)
                and any(part.startswith("_") and not part.startswith("__")
                        for part in [*i.target.split("."), i.name])]
    assert crossing == []
