"""Every limit of grading, in one typed, frozen object: ``Settings``.

The defaults are the field defaults below (one place); an assignment sets its own in the
``[limits]`` table of ``tests/hidden/manifest.toml`` (``[limits.child]`` for the sandboxed
child's ``Limits``, ``[limits.container]`` for ``ContainerLimits``), read by
``grade.bank.load_manifest``: an unknown key there is an error, as is a value of the wrong
type. Each field carries a one-line description and a unit (``describe``), from which
``assign/tables.py`` generates the README's limits table.

Who reads what: the sandbox takes ``settings.child`` (``Sandbox(limits=...)``), the sandboxed
student the check time, backstop, import time and restarts (``grade/student.py``), the runner
the budget (``grade/runner.py``), the docker backend ``settings.container``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from autograder.sandbox.limits import Limits, limit

__all__ = ["ContainerLimits", "DEFAULTS", "Limits", "Settings", "describe", "from_table"]


_NESTED = ("child", "container")  # the fields that hold limits of their own


def _validate(obj: Any) -> None:
    """Every field of ``obj`` of its declared type (an int where a float is wanted is fine)
    and positive."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.name in _NESTED:
            continue
        want = type(f.default)
        ok = type(value) is want or (want is float and type(value) is int)
        if not ok or (want is not str and value <= 0) or (want is str and not value):
            raise ValueError(f"{type(obj).__name__}.{f.name} must be a positive "
                             f"{want.__name__}, not {value!r}")


@dataclass(frozen=True)
class ContainerLimits:
    """What ``docker run`` allows one grading container (``grade/docker_backend.py``)."""

    memory: str = limit("4g", "docker size", "memory of the container, swap included")
    pids: int = limit(512, "processes", "processes and threads in the container")
    cpus: float = limit(2.0, "CPUs", "CPU share of the container")
    scratch: str = limit("512m", "docker size", "the container's tmpfs /tmp")
    timeout: float = limit(1800.0, "s", "one submission's container, start to finish "
                                        "(wall clock)")
    stdout_bytes: int = limit(32 * 1024**2, "bytes",
                              "the container's standard output read back (the grader's JSON)")

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class Settings:
    """Every limit of grading. ``child``: the sandboxed child's own (``sandbox.Limits``);
    ``container``: the docker backend's."""

    check_seconds: float = limit(
        5.0, "s", "time limit of a check that sets none: CPU time of the submission's "
        "processes where the sandbox counts it, wall-clock time elsewhere")
    wall_factor: float = limit(
        3.0, "×", "wall-clock backstop of a CPU-time limit t: wall_factor × t + wall_slack")
    wall_slack: float = limit(5.0, "s", "added to the backstop (see wall_factor)")
    import_seconds: float = limit(
        30.0, "s", "importing the submission's package, each time a process starts "
        "(wall clock)")
    restarts: int = limit(
        40, "restarts", "restarts of one submission's process; past them, its remaining "
        "checks fail unrun")
    submission_seconds: float = limit(
        900.0, "s", "grading one submission in all (wall clock); past it, its remaining "
        "checks fail unrun")
    child: Limits = field(default_factory=Limits)
    container: ContainerLimits = field(default_factory=ContainerLimits)

    def __post_init__(self) -> None:
        _validate(self)

    def backstop(self, seconds: float) -> float:
        """The wall-clock limit of a check whose CPU-time limit is ``seconds``."""
        return self.wall_factor * seconds + self.wall_slack


DEFAULTS = Settings()


def from_table(table: Mapping[str, Any], source: str = "[limits]") -> Settings:
    """``Settings`` from a manifest's ``[limits]`` table: the defaults, with the keys it sets
    (``[limits.child]`` and ``[limits.container]`` for the nested ones). An unknown key, a
    sub-table that is not one, or a value of the wrong type is an error."""
    return _build(Settings, table, source)


def _build(cls: type, values: Any, where: str) -> Any:
    if not isinstance(values, Mapping):
        raise ValueError(f"{where} must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} in {where} (known: {', '.join(fields)})")
    kwargs = {}
    for key, value in values.items():
        default = getattr(DEFAULTS, key) if cls is Settings else fields[key].default
        if key in _NESTED and cls is Settings:
            kwargs[key] = _build(type(default), value, f"{where[:-1]}.{key}]")
        else:  # a TOML integer where a float is wanted: the float
            kwargs[key] = float(value) if type(default) is float and type(value) is int \
                else value
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def describe(settings: Settings = DEFAULTS) -> Iterator[tuple[str, Any, str, str]]:
    """``(key, value, unit, description)`` of every limit, the nested ones as
    ``child.memory_bytes``: the rows of the README's limits table."""
    def rows(obj: Any, prefix: str) -> Iterator[tuple[str, Any, str, str]]:
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name in _NESTED and prefix == "":
                yield from rows(value, f"{f.name}.")
            else:
                yield f"{prefix}{f.name}", value, f.metadata["unit"], f.metadata["doc"]
    yield from rows(settings, "")
