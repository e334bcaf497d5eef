"""Choose which ``convolutions`` package the public tests import.

``pytest tests/public`` tests, in order of preference:

1. ``--impl DIR`` (or the environment variable ``CONVOLUTIONS_IMPL``): the directory that holds
   the ``convolutions/`` package. ``solutions`` and ``assignments`` name this repository's
   reference and stubs; anything else is a path (a student's checkout, say).
2. the repository root, when ``convolutions/`` sits there (a student's repository);
3. ``solutions/`` (the instructors' repository).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMED = {"solutions": ROOT / "solutions", "assignments": ROOT / "assignments"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--impl",
        default=os.environ.get("CONVOLUTIONS_IMPL"),
        help="directory holding the convolutions/ package to test "
        "('solutions', 'assignments' or a path)",
    )


def _resolve(choice: str | None) -> Path:
    if choice:
        path = NAMED.get(choice, Path(choice)).resolve()
    elif (ROOT / "convolutions").is_dir():
        path = ROOT
    else:
        path = NAMED["solutions"]
    if not (path / "convolutions" / "__init__.py").is_file():
        raise pytest.UsageError(f"--impl {path}: no convolutions/__init__.py there")
    return path


def _registry() -> ModuleType:
    """``autograder/parts.py`` (the parts registry's reader, standard library only), by path:
    a student's repository holds it, and its ``parts.toml``, beside these tests."""
    path = ROOT / "autograder" / "parts.py"
    spec = importlib.util.spec_from_file_location("public_tests_parts", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def pytest_configure(config: pytest.Config) -> None:
    # One marker per graded part (``pytest tests/public -m <part id>``), from the registry.
    for part in _registry().graded():
        config.addinivalue_line("markers", part.marker)
    impl = _resolve(config.getoption("--impl"))
    config.stash[IMPL_KEY] = impl
    # As in the grader: autograd's engine is watched from before your code is imported.
    from support import guards

    guards.install_engine_proxy()
    sys.path.insert(0, str(impl))
    for name in [m for m in sys.modules if m == "convolutions" or m.startswith("convolutions.")]:
        del sys.modules[name]


def pytest_report_header(config: pytest.Config) -> str:
    return f"convolutions package under test: {config.stash[IMPL_KEY] / 'convolutions'}"


IMPL_KEY = pytest.StashKey[Path]()
