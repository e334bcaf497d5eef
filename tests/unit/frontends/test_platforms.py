"""The front-end contract: every platform module of ``autograder.frontends`` declares a
``PLATFORM``, ``release.PLATFORMS`` lists each of them once, and the release builds each of
them (or says why not)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import autograder.frontends
from autograder.frontends import release
from autograder.frontends.platform import Platform, ReleaseOptions, without_options


def _declared() -> dict[str, Platform]:
    """module name -> its PLATFORM, for every module and subpackage of the package."""
    out = {}
    for info in pkgutil.iter_modules(autograder.frontends.__path__):
        module = importlib.import_module(f"autograder.frontends.{info.name}")
        if hasattr(module, "PLATFORM"):
            out[info.name] = module.PLATFORM
    return out


def test_every_platform_module_is_listed_once() -> None:
    declared = _declared()
    assert {"github", "gradescope", "otter", "nbgrader_course"} <= set(declared)
    assert all(isinstance(p, Platform) for p in declared.values())
    assert sorted(map(id, release.PLATFORMS)) == sorted(map(id, declared.values())), \
        "a platform module whose PLATFORM is not in frontends.release.PLATFORMS (or the reverse)"
    names = [p.name for p in release.PLATFORMS]
    assert len(set(names)) == len(names)


def test_every_grade_takes_the_same_arguments() -> None:
    """Where a platform grades (otter, nbgrader), with the contract's parameters."""
    graders = {p.name: p.grade for p in release.PLATFORMS if p.grade is not None}
    assert set(graders) == {"otter", "nbgrader"}
    for name, grade in graders.items():
        assert list(inspect.signature(grade).parameters) == [
            "dist", "submissions", "output", "backend", "device"], name


def test_the_release_builds_every_platform(tmp_path: Path, monkeypatch) -> None:
    calls = []

    def fake(name: str):
        def build(dist: Path, options: ReleaseOptions) -> Path:
            calls.append((name, dist, options))
            return dist / name
        return build

    platforms = tuple(dataclasses.replace(p, requires=(), build=fake(p.name))
                      for p in release.PLATFORMS)
    monkeypatch.setattr(release, "PLATFORMS", platforms)
    options = ReleaseOptions(hints="method", check_visibility="visible", otter_pdf=True)
    built = release.build_release(tmp_path, options)
    assert built == {p.name: tmp_path / p.name for p in platforms}
    assert calls == [(p.name, tmp_path, options) for p in platforms]


def test_a_platform_without_its_packages_is_skipped(tmp_path: Path, monkeypatch) -> None:
    def never(dist: Path, options: ReleaseOptions) -> Path:
        raise AssertionError("built without its packages")

    absent = Platform(name="absent", requires=("json", "no_such_package_here"), build=never)
    monkeypatch.setattr(release, "PLATFORMS", (absent,))
    assert absent.missing() == ["no_such_package_here"]
    assert release.build_release(tmp_path) == {
        "absent": "skipped: not installed: no_such_package_here"}


def test_without_options_drops_the_options(tmp_path: Path) -> None:
    def build(dist: Path) -> Path:
        """The docstring survives."""
        return dist / "x"

    wrapped = without_options(build)
    assert wrapped(tmp_path, ReleaseOptions(hints="full")) == tmp_path / "x"
    assert wrapped.__doc__ == build.__doc__


@pytest.mark.parametrize("platform", release.PLATFORMS, ids=lambda p: p.name)
def test_every_platform_requires_importable_names(platform: Platform) -> None:
    assert platform.requires and all(name.isidentifier() for name in platform.requires)
