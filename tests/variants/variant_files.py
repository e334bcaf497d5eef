"""Each part's file of variants, ``tests/variants/<part>.py``, found by globbing this folder and
put in the registry's part order (``autograder/parts.toml``), so a new part's file is gathered
with no other edit. Its ``MUTANTS`` and ``VARIANTS`` (either may be absent) are what
``mutants.py`` and ``honest.py`` gather."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from autograder import parts

HERE = Path(__file__).parent
# The files of this folder that are no part's: the collectors and what they share.
SHARED = {"mutants.py", "honest.py", "variant_kinds.py", "variant_files.py"}


def part_modules() -> list[ModuleType]:
    """Every part's file of variants, loaded, in the registry's order of parts."""
    order = [p.id for p in parts.load()]
    files = {path.stem: path for path in HERE.glob("*.py") if path.name not in SHARED}
    strays = sorted(set(files) - set(order))
    if strays:
        raise ValueError(f"tests/variants: {strays} name no part of autograder/parts.toml")
    modules = []
    for part in (p for p in order if p in files):
        spec = importlib.util.spec_from_file_location(f"_variants_{part}", files[part])
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    return modules
