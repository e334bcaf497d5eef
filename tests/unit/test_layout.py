"""The unit tests mirror the package: each test module's folder is a subpackage of autograder."""

from __future__ import annotations

from pathlib import Path

import autograder

UNIT = Path(__file__).resolve().parent
PACKAGE = Path(autograder.__file__).resolve().parent


def test_every_unit_test_folder_mirrors_a_subpackage() -> None:
    folders = {p.parent.relative_to(UNIT) for p in UNIT.rglob("test_*.py")} - {Path()}
    missing = [str(f) for f in sorted(folders) if not (PACKAGE / f / "__init__.py").is_file()]
    assert not missing, f"tests/unit/{missing[0]} mirrors no package autograder/{missing[0]}"


def test_every_unit_test_folder_is_a_package() -> None:
    # Without __init__.py a module would be imported by its base name, which may clash with
    # tests/repo's (test_results.py, test_intake.py, ...).
    folders = {p.parent for p in UNIT.rglob("test_*.py")}
    missing = [str(f.relative_to(UNIT)) for f in sorted(folders)
               if not (f / "__init__.py").is_file()]
    assert not missing, f"add an __init__.py to tests/unit/{missing[0]}"
