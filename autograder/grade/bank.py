"""The check bank's vocabulary: a ``@check`` decorator, the registry and the grading scheme.

A check is a function ``fn(student)`` that asks the student process for observations
(``student.probe(...)``) and raises ``CheckFailed`` when they are wrong. Parameter tables expand
one function into one check per row. Points come from the parts registry
(``autograder/parts.toml``): a part's points are shared among its checks in proportion to their
weights.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import parts, paths
from autograder.settings import DEFAULTS, Settings, from_table

VISIBILITIES = ("visible", "hidden", "after_due_date")
BANK_DIR = paths.HIDDEN


class CheckFailed(AssertionError):
    """A check's verdict. ``message`` is safe for every student; ``detail`` may reveal expected
    values and is shown only for visible checks; ``misconception`` names the known wrong answer
    the result was recognised as (``autograder/recognise.py``), if any."""

    def __init__(self, message: str, detail: str | None = None,
                 misconception: str | None = None) -> None:
        super().__init__(message)
        self.message, self.detail = message, detail
        # the id of the known wrong answer the result equals (autograder/misconceptions.toml)
        self.misconception = misconception


@dataclass(frozen=True)
class Check:
    id: str
    part: str
    name: str  # what the student reads in the feedback
    fn: Callable[[Any], None]
    weight: float = 1.0
    visibility: str = "hidden"
    timeout: float = 0.0  # seconds; 0: the manifest's check_seconds (load_bank fills it in)
    points: float = 0.0  # filled in from the manifest
    # The public tests that check the same property on other inputs: test function names of
    # the part's public file (tests/public/test_<part>.py); tests/repo/test_public_suite.py
    # asserts that every kind of check names at least one, and that they exist and pass.
    public: tuple[str, ...] = ()


@dataclass
class GradingScheme:
    """Points per part (from the parts registry, ``autograder/parts.toml``) and every limit
    (from the manifest's ``[limits]`` table): what a bank is graded by."""

    parts: dict[str, float]
    optional: dict[str, float]
    manual: dict[str, float]
    settings: Settings = DEFAULTS  # every limit (the manifest's [limits] table)

    @property
    def auto_max(self) -> float:
        return sum(self.parts.values())

    def points(self, part: str) -> float:
        return self.parts.get(part, self.optional.get(part, 0.0))


@dataclass
class Bank:
    scheme: GradingScheme
    checks: list[Check] = field(default_factory=list)
    # "sha256:..." of the bank's files and the scheme's points (``bank_digest``): which version
    # of the checks graded a result; "" for a bank not loaded from a folder
    digest: str = ""

    def by_part(self) -> dict[str, list[Check]]:
        out: dict[str, list[Check]] = {}
        for c in self.checks:
            out.setdefault(c.part, []).append(c)
        return out


_REGISTRY: list[Check] = []
_PUBLIC_TEST = re.compile(r"^test_\w+$")


def check(id: str, part: str, name: str, *, weight: float = 1.0, visibility: str = "hidden",
          timeout: float | None = None, cases: Sequence[tuple[str, dict[str, Any]]] | None = None,
          public: Sequence[str] = ()) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a check; with ``cases`` (``(case id, kwargs)`` rows), one check per row.

    ``name`` may use the row's kwargs as format fields; each row gets ``weight / len(cases)``.
    ``public`` names the check's public counterparts: the tests of ``tests/public/test_<part>.py``
    (function names) that check the same property on other inputs.
    """
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}")
    if isinstance(public, str) or not all(_PUBLIC_TEST.match(t) for t in public):
        raise ValueError(f"{id}: public takes test function names (test_...), got {public!r}")

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        rows = cases or [("", {})]
        for case_id, kwargs in rows:
            _REGISTRY.append(Check(
                id=f"{id}[{case_id}]" if case_id else id, part=part,
                name=name.format(**kwargs) if kwargs else name,
                fn=(lambda student, fn=fn, kwargs=kwargs: fn(student, **kwargs)),
                weight=weight / len(rows), visibility=visibility, timeout=timeout or 0.0,
                public=tuple(public)))
        return fn

    return register


MANIFEST_TABLES = ("limits",)  # (its keys: autograder/settings.py)


def load_scheme(path: Path) -> GradingScheme:
    """The limits from ``manifest.toml`` (its ``[limits]`` table: ``settings.from_table``) and
    the points from the parts registry.

    An unknown table or key in the manifest is an error (a misspelt key must not be ignored).
    """
    data = tomllib.loads(path.read_text())
    for table, value in data.items():
        if table not in MANIFEST_TABLES or not isinstance(value, dict):
            raise ValueError(f"{path.name}: unknown table [{table}] (allowed: "
                             f"{', '.join(MANIFEST_TABLES)}; points are declared in "
                             "autograder/parts.toml)")
    try:
        limits = from_table(data.get("limits", {}))
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    registry = parts.load()
    return GradingScheme(parts={p.id: p.points for p in registry if p.kind == "auto"},
                    optional={p.id: p.points for p in registry if p.kind == "optional"},
                    manual={p.id: p.points for p in registry if p.kind == "manual"},
                    settings=limits)


def bank_digest(directory: Path, scheme: GradingScheme) -> str:
    """``sha256:<hex>`` over the bank's files (those the grader bundle ships from ``directory``:
    ``bundle.shipped_files``, by path relative to it and content) and the scheme's points per
    part: the same wherever the same bank grades (a checkout, a container, a cluster worker,
    Gradescope), different when a check, an oracle, a limit or a part's points change."""
    from autograder.bundle import shipped_files

    sha = hashlib.sha256()
    for path in shipped_files(directory):
        data = path.read_bytes()
        sha.update(f"{path.relative_to(directory).as_posix()}\0{len(data)}\0".encode())
        sha.update(data)
    points = {"auto": scheme.parts, "optional": scheme.optional, "manual": scheme.manual}
    sha.update(json.dumps(points, sort_keys=True).encode())
    return "sha256:" + sha.hexdigest()


def load_bank(directory: Path = BANK_DIR, only: Callable[[Check], bool] | None = None) -> Bank:
    """Import every ``checks_*.py`` of the bank, then assign points from the manifest."""
    scheme = load_scheme(directory / paths.MANIFEST.name)
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))  # the checks share oracles.py
    _REGISTRY.clear()
    for path in sorted(directory.glob("checks_*.py")):
        name = f"_check_bank.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    checks = list(_REGISTRY)
    ids = [c.id for c in checks]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate check ids: {sorted(duplicates)}")
    unknown = {c.part for c in checks} - set(scheme.parts) - set(scheme.optional)
    if unknown:
        raise ValueError(f"checks for parts missing from the manifest: {sorted(unknown)}")
    weights: dict[str, float] = {}
    for c in checks:
        weights[c.part] = weights.get(c.part, 0.0) + c.weight
    bank = Bank(scheme, [
        Check(**{**c.__dict__, "points": round(scheme.points(c.part) * c.weight
                                               / weights[c.part], 4),
                 "timeout": c.timeout or scheme.settings.check_seconds})
        for c in checks if only is None or only(c)
    ], digest=bank_digest(directory, scheme))
    return bank
