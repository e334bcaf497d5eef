"""Probes: what the student process does for each kind of check, and the registry of them.

A probe receives the loaded submission, a ``Violations`` record and plain inputs (tensors built
from the grader's arrays); it calls the student's code under its rules and returns observations
(``encode`` descriptions). It never sees expected values and never judges: the grader does, from
its own copies of the inputs.

This module holds the generic probes (``hello``, ``call``) and what an assignment's own probes
are written with (``probe``, ``under_rules``, ``encode``, ``stand_ins``, ``type_name``). Those
live in plugin files (``load_plugins``), loaded before any submission is imported, so that they
take their references to torch first.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from . import guards
from .codec import encode_value
from .guards import Violations

# Captured before student code is imported, so a patched torch cannot answer for us.
_manual_seed = torch.manual_seed

PROBES: dict[str, Callable[..., dict[str, Any]]] = {}
FROM_REQUEST = None  # the request's own ``rules`` argument decides
encode = encode_value  # observations: exact types, tensors as arrays (see codec.encode_value)
__all__ = ["BOUND", "FROM_REQUEST", "PROBES", "Violations", "bound", "encode", "load_plugins",
           "probe", "rules_of", "stand_ins", "type_name", "under_rules"]


def probe(rules: Sequence[str] | None = ()) -> Callable[..., Any]:
    """Register a probe under its function's name; ``rules`` it always runs under
    (``FROM_REQUEST``: the request's ``rules`` argument). A name registered twice is an error."""

    def register(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        if fn.__name__ in PROBES and PROBES[fn.__name__] is not fn:
            raise ValueError(f"probe {fn.__name__!r} is registered twice")
        fn.rules = None if rules is FROM_REQUEST else list(rules)  # type: ignore[attr-defined]
        PROBES[fn.__name__] = fn
        return fn

    return register


# Rule-bound names: name -> the rules in force whenever it runs, in every check (an
# assignment's plugin declares them as ``BOUND``; ``load_plugins`` registers them here).
BOUND: dict[str, list[str]] = {}


def bound(*names: str, also: Sequence[str] | None = ()) -> list[str]:
    """The rules in force for a call of ``names`` (one name, or a class and the names it is
    built on), with ``also`` added; each rule once, in order."""
    rules = [r for name in names for r in BOUND.get(name, ())] + list(also or ())
    return list(dict.fromkeys(rules))


def rules_of(name: str, args: Mapping[str, Any]) -> list[str]:
    """The rules a request of probe ``name`` runs under: the probe's own, or for a probe that
    calls a name given in the request, that name's (``BOUND``) and the request's."""
    fn = PROBES[name]
    if fn.rules is FROM_REQUEST:  # type: ignore[attr-defined]
        target = args.get("name")
        return bound(*([target] if isinstance(target, str) else []), also=args.get("rules"))
    return list(fn.rules or [])  # type: ignore[attr-defined]


class Guarded:
    """What a block under ``under_rules`` gets: ``seal(observations)`` checks that the guards
    still hold and returns them; ``watch`` is the operator-counting guard (or None);
    ``lines`` the line counter (or None)."""

    def __init__(self, managers: list[Any], violations: Violations,
                 lines: guards.LineCounter | None = None) -> None:
        self.managers, self.violations, self.lines = managers, violations, lines
        self.watch = next((m for m in managers if getattr(m, "watch", False)), None)

    def seal(self, observations: Any) -> Any:
        for manager in self.managers:
            manager.check_intact()
        if self.lines is not None:
            self.lines.check_intact(self.violations)
        return observations


@contextlib.contextmanager
def under_rules(rules: Sequence[str], violations: Violations, watch: bool = True,
                count_lines: bool = False) -> Iterator[Guarded]:
    """Run the block under ``rules``. Observations are encoded inside the block, before the
    rules are lifted, so that no work can be deferred past them. ``count_lines``: count the
    lines of Python the block runs (``guarded.lines``)."""
    lines = guards.LineCounter() if count_lines else None
    guarded = Guarded(guards.guard(list(rules), violations, watch), violations, lines)
    with contextlib.ExitStack() as stack:
        for manager in guarded.managers:
            stack.enter_context(manager)
        if lines is not None:
            stack.enter_context(lines)
        yield guarded


@contextlib.contextmanager
def stand_ins(student: Any, replacements: Mapping[str, Callable[..., Any]]) -> Iterator[None]:
    """While the block runs, every reference the submission's modules hold to its own object
    ``name`` (its own import of it, the package's export, the definition itself) points to
    ``replacements[name]`` instead; restored afterwards. So a part that builds on another is
    graded with a correct version of the other, and a fault costs its own part only.

    What is lent dies with the block: a stand-in the submission kept a reference to refuses to
    run afterwards (so it cannot answer for the student's own function in another check)."""
    lent = [True]
    patched = []
    for name, replacement in replacements.items():
        try:
            own = student.get(name)
        except BaseException:  # noqa: BLE001 - missing or broken: nothing to replace
            continue
        stand_in = _lent(name, replacement, lent)
        for module in student.modules():
            namespace = vars(module)
            for attr in [a for a, v in list(namespace.items()) if v is own]:
                namespace[attr] = stand_in
                patched.append((namespace, attr, own))
    try:
        yield
    finally:
        lent[0] = False
        for namespace, attr, own in reversed(patched):
            namespace[attr] = own


def _lent(name: str, replacement: Callable[..., Any], lent: list[bool]) -> Callable[..., Any]:
    """``replacement``, usable while ``lent[0]`` holds."""

    def stand_in(*args: Any, **kwargs: Any) -> Any:
        if not lent[0]:
            raise RuntimeError(f"{name}: the grader's stand-in for your {name} was lent for one "
                               "check of another part and cannot be used outside it")
        return replacement(*args, **kwargs)

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


def type_name(obj: Any) -> str:
    """The qualified name of ``obj``'s exact type."""
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


# ------------------------------------------------------------------------------- plugins

_PLUGINS: dict[str, ModuleType] = {}
_GRADER = Path(__file__).resolve().parents[1]  # the grader's own package


def load_plugins(files: Sequence[str | Path]) -> list[ModuleType]:
    """Import each plugin file once, in order: it registers its probes (``@probe``); its
    ``RULES``, if any, are registered with the guard. A file inside the grader's own package is
    imported under its module name (so other modules that import it share the copy); any other
    under ``sandbox_plugin_<stem>``."""
    modules = []
    for file in files:
        path = Path(file).resolve()
        if str(path) not in _PLUGINS:
            _PLUGINS[str(path)] = _import(path)
        module = _PLUGINS[str(path)]
        guards.trust_callers_in(path)
        if isinstance(getattr(module, "RULES", None), Mapping):
            guards.register(module.RULES)
        if isinstance(getattr(module, "BOUND", None), Mapping):
            BOUND.update({str(k): list(v) for k, v in module.BOUND.items()})
        modules.append(module)
    return modules


def _import(path: Path) -> ModuleType:
    if not path.is_file() or path.suffix != ".py":
        raise FileNotFoundError(f"sandbox plugin {path} is not a Python file")
    if path.is_relative_to(_GRADER):
        parts = path.relative_to(_GRADER.parent).with_suffix("").parts
        return importlib.import_module(".".join(parts))
    name = f"sandbox_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


# ------------------------------------------------------------------------ generic probes

@probe()
def hello(student: Any, violations: Violations) -> dict[str, Any]:
    """How the import of the submission went."""
    return {"import_error": student.import_error, "module_errors": student.module_errors}


@probe(FROM_REQUEST)
def call(student: Any, violations: Violations, name: str, args: list[Any] | None = None,
         kwargs: dict[str, Any] | None = None, rules: list[str] | None = None,
         seed: int | None = None, count: bool = False) -> dict[str, Any]:
    """``name(*args, **kwargs)`` under ``name``'s rules (``BOUND``) and ``rules``; observes the
    result and the inputs afterwards, and with ``count`` the number of operators the call ran
    (``ops``) and of lines of Python it ran (``lines``)."""
    args, kwargs = args or [], kwargs or {}
    fn = student.get(name)
    if seed is not None:
        _manual_seed(seed)
    with under_rules(bound(name, also=rules), violations, count_lines=count) as guarded:
        out = fn(*args, **kwargs)
        observed = {"value": encode(out), "inputs": [encode(a) for a in args]}
        if count and guarded.watch is not None and guarded.lines is not None:
            observed["ops"], observed["lines"] = guarded.watch.ops, guarded.lines.lines
        return guarded.seal(observed)
