"""What each check tests, read from the hidden bank's source without running it.

Checks are declared as ``@check(id, part, description, ...)`` in ``tests/hidden/checks_*.py``;
a parametrised check's description is a template (``"corr2d matches torch ({x} input, ...)"``).
The report groups a check's cases under its base id (``corr2d.oracle`` for
``corr2d.oracle[3x3-pad1]``) and shows the template, its fields as "…": the concept to re-teach.
Parsing the source with ``ast`` keeps the report fast (no torch import) and runs nothing.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from autograder import paths
from autograder.grade.bank import BANK_DIR, GradingScheme, load_scheme

ELLIPSIS = "…"
_FIELD = re.compile(r"\{([A-Za-z_]\w*)?[^{}]*\}")


@dataclass(frozen=True)
class Concept:
    """One ``@check`` declaration."""

    id: str           # base id, without the case suffix
    part: str
    description: str  # the template with its fields shown as "…"
    parametrised: bool


def base_id(check_id: str) -> str:
    """``corr2d.oracle[3x3-pad1]`` -> ``corr2d.oracle``."""
    return check_id.split("[", 1)[0]


def _constants(tree: ast.Module) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            value = _template(node.value, out)
            if value is not None:
                out[node.targets[0].id] = value
    return out


def _template(node: ast.AST, consts: dict[str, str]) -> str | None:
    """A string expression's value where it is made of constants; f-string fields and unknown
    ``str.format`` fields become "…"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else ELLIPSIS for v in node.values)
    if isinstance(node, ast.Name):
        return consts.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left, consts), _template(node.right, consts)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "format":
        base = _template(node.func.value, consts)
        if base is None:
            return None
        kwargs = {k.arg: _template(k.value, consts) for k in node.keywords if k.arg}
        return _FIELD.sub(lambda m: kwargs.get(m.group(1) or "") or m.group(), base)
    return None


def _is_check(decorator: ast.AST) -> bool:
    return isinstance(decorator, ast.Call) and (
        (isinstance(decorator.func, ast.Name) and decorator.func.id == "check")
        or (isinstance(decorator.func, ast.Attribute) and decorator.func.attr == "check"))


def concepts_in(source: str) -> list[Concept]:
    """The ``@check`` declarations of one bank module's source."""
    tree = ast.parse(source)
    consts = _constants(tree)
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for deco in node.decorator_list:
            if not _is_check(deco) or len(deco.args) < 3:
                continue
            check_id, part, desc = (_template(a, consts) for a in deco.args[:3])
            if not check_id or not part:
                continue
            cases = any(k.arg == "cases" for k in deco.keywords)
            text = _FIELD.sub(ELLIPSIS, desc) if desc else check_id
            out.append(Concept(check_id, part, " ".join(text.split()), cases))
    return out


def part_summary(source: str) -> str:
    """What a bank module says its part is about: its docstring's first line after the colon
    (``Checks of part ``x``: 1-D cross-correlations`` -> ``1-D cross-correlations``)."""
    doc = ast.get_docstring(ast.parse(source)) or ""
    first = doc.strip().split("\n", 1)[0].rstrip(".")
    return first.split(": ", 1)[1] if ": " in first else ""


@dataclass
class BankInfo:
    """The concepts of every check and the grading scheme (absent parts of a missing bank are
    simply unknown: the report then uses the titles in results.json)."""

    concepts: dict[str, Concept]
    parts: dict[str, str]            # part -> what it is about (bank docstrings)
    scheme: GradingScheme | None

    def concept(self, check_id: str, fallback: str = "") -> str:
        found = self.concepts.get(base_id(check_id))
        return found.description if found else fallback

    def part_order(self) -> list[str]:
        if self.scheme is None:
            return []
        return [*self.scheme.parts, *self.scheme.optional]

    def optional(self, part: str) -> bool:
        return self.scheme is not None and part in self.scheme.optional


def read_bank(directory: Path = BANK_DIR) -> BankInfo:
    """Concepts and the grading scheme of the bank in ``directory`` (empty where it is missing)."""
    concepts: dict[str, Concept] = {}
    parts: dict[str, str] = {}
    for path in sorted(directory.glob("checks_*.py")) if directory.is_dir() else []:
        try:
            source = path.read_text(encoding="utf-8")
            found = concepts_in(source)
            summary = part_summary(source)
        except (OSError, SyntaxError, ValueError):
            continue
        for concept in found:
            concepts.setdefault(concept.id, concept)
        if summary and (ast.get_docstring(ast.parse(source)) or "").startswith("Checks of"):
            for concept in found:
                parts.setdefault(concept.part, summary)
    manifest_path = directory / paths.MANIFEST.name
    try:
        scheme = load_scheme(manifest_path) if manifest_path.is_file() else None
    except (OSError, ValueError, KeyError):
        scheme = None
    return BankInfo(concepts, parts, scheme)
