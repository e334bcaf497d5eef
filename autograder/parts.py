"""The registry of parts (``autograder/parts.toml``), read and validated.

``load()`` returns the parts in the order the file gives them. Every key is checked: an unknown
or misspelt key, a missing one, a wrong type or a kind outside ``KINDS`` raises ``RegistryError``
naming the part and the key, so a typo cannot silently drop a part or its points. Imports
nothing but the standard library: the public tests' conftest reads the same file.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REGISTRY = Path(__file__).with_name("parts.toml")
KINDS = ("auto", "optional", "manual")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$")


class RegistryError(ValueError):
    """``parts.toml`` is malformed."""


@dataclass(frozen=True)
class Name:
    name: str  # ``fn`` or ``Class.method``
    signature: str | None = None  # pinned, without annotations; None: a class with a base only
    base: str | None = None  # qualified name of the base class a class must derive from


@dataclass(frozen=True)
class Part:
    id: str
    kind: str
    points: float
    label: str
    section: str
    summary: str
    assessed: str
    title: str | None = None
    module: str | None = None
    names: tuple[Name, ...] = field(default_factory=tuple)

    @property
    def graded_code(self) -> bool:
        """Whether the check bank grades this part's code (auto or optional)."""
        return self.kind != "manual"

    @property
    def marker(self) -> str:
        """The pytest marker line of the part, for ``config.addinivalue_line``."""
        what = ", ".join(dict.fromkeys(n.name.split(".")[0] for n in self.names)) or self.summary
        kind = "optional part" if self.kind == "optional" else "part"
        return f"{self.id}: {kind} {self.id} ({what})"


_PART_KEYS = {"title": str, "kind": str, "points": (int, float), "label": str, "section": str,
              "summary": str, "assessed": str, "module": str, "names": dict}
_REQUIRED = {"kind", "points", "label", "section", "summary", "assessed"}
_NAME_KEYS = {"signature": str, "base": str}


def _check_keys(where: str, table: dict, allowed: dict) -> None:
    for key, value in table.items():
        if key not in allowed:
            raise RegistryError(f"{where}: unknown key {key!r} (allowed: {', '.join(allowed)})")
        if not isinstance(value, allowed[key]) or isinstance(value, bool):
            raise RegistryError(f"{where}.{key}: {type(value).__name__} is not the expected type")


def _name(where: str, name: str, table: object) -> Name:
    if not isinstance(table, dict):
        raise RegistryError(f"{where}: expected a table {{ signature = ..., base = ... }}")
    _check_keys(where, table, _NAME_KEYS)
    if not _NAME.match(name):
        raise RegistryError(f"{where}: {name!r} is not a name or Class.method")
    if not table:
        raise RegistryError(f"{where}: give a signature, a base, or both")
    return Name(name, table.get("signature"), table.get("base"))


def _part(pid: str, table: object) -> Part:
    where = f"parts.{pid}"
    if not isinstance(table, dict):
        raise RegistryError(f"{where}: expected a table")
    if not _ID.match(pid):
        raise RegistryError(f"{where}: a part id is lower_snake_case")
    _check_keys(where, table, _PART_KEYS)
    missing = _REQUIRED - set(table)
    if missing:
        raise RegistryError(f"{where}: missing {', '.join(sorted(missing))}")
    kind = table["kind"]
    if kind not in KINDS:
        raise RegistryError(f"{where}.kind: {kind!r} is not one of {', '.join(KINDS)}")
    if table["points"] < 0:
        raise RegistryError(f"{where}.points: negative")
    names = tuple(_name(f"{where}.names.{n}", n, t) for n, t in table.get("names", {}).items())
    if kind == "manual":
        if names or "module" in table:
            raise RegistryError(f"{where}: a manual part has no module or names")
        module = None
    else:
        module = table.get("module", pid)
    if kind == "auto" and not names:
        raise RegistryError(f"{where}: an auto part names what students implement")
    if kind == "auto" and "title" not in table:
        raise RegistryError(f"{where}: an auto part needs a title (its handout heading)")
    return Part(id=pid, kind=kind, points=table["points"], label=table["label"],
                section=table["section"], summary=table["summary"], assessed=table["assessed"],
                title=table.get("title"), module=module, names=names)


def parse(text: str) -> tuple[Part, ...]:
    """The parts declared by the text of a ``parts.toml``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"parts.toml: {exc}") from None
    unknown = set(data) - {"parts"}
    if unknown:
        raise RegistryError(f"parts.toml: unknown table(s) {', '.join(sorted(unknown))}")
    parts = tuple(_part(pid, table) for pid, table in data.get("parts", {}).items())
    if not parts:
        raise RegistryError("parts.toml: no [parts.<id>] tables")
    seen: dict[str, str] = {}
    for part in parts:
        for name in part.names:
            top = name.name.split(".")[0]
            if seen.setdefault(top, part.id) != part.id:
                raise RegistryError(f"{top!r} is named by parts {seen[top]} and {part.id}")
    labels = [p.label for p in parts]
    if len(set(labels)) != len(labels):
        raise RegistryError("parts.toml: two parts share a label")
    return parts


@functools.cache
def load(path: Path = REGISTRY) -> tuple[Part, ...]:
    """The registry's parts, in declaration order (cached per path)."""
    return parse(path.read_text(encoding="utf-8"))


def graded(path: Path = REGISTRY) -> list[Part]:
    """The parts the check bank grades: auto, then optional (declaration order within)."""
    parts = load(path)
    return [p for p in parts if p.kind == "auto"] + [p for p in parts if p.kind == "optional"]
