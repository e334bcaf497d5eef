"""What every platform's student material holds besides the stubs and the notebook: the public
tests with the grader files they load, the data arrays and the students' pytest configuration
(the GitHub template repository, otter's student folder and nbgrader's released assignment),
and the public tests' scorer with its parts file (the GitHub template's workflow and Classroom
50's autograder)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import tomllib

from autograder import parts, paths
from autograder.wrong_answers import part_files as wrong_answer_files

# What tests/public/support.py loads from the grader, by path: the rule guard the grader runs
# student code under and the assignment's rules it enforces, the tolerances it compares with,
# the parts registry, and the misconception library with the recogniser and the public wrong
# answers. The Python files import only torch (or nothing).
PUBLIC_GRADER_FILES = ("autograder/sandbox/guards.py", "autograder/rules.py",
                       "autograder/tolerances.py", "autograder/parts.py", "autograder/parts.toml",
                       "autograder/misconceptions.py", "autograder/misconceptions.toml",
                       "autograder/recognise.py",
                       *(p.relative_to(paths.REPO).as_posix() for p in wrong_answer_files()))


def pytest_config() -> str:
    """The students' ``pyproject.toml``: pytest settings for ``tests/public`` with the
    repository's own markers (the part markers come from the public tests' conftest), in every
    student material (the template repository, otter's and nbgrader's releases)."""
    import tomli_w

    ours = tomllib.loads(paths.PYPROJECT.read_text())
    markers = ours.get("tool", {}).get("pytest", {}).get("ini_options", {}).get("markers", [])
    options = {"testpaths": ["tests/public"], "addopts": "-ra", "markers": list(markers),
               "filterwarnings": ["error::pytest.PytestUnknownMarkWarning"]}
    return tomli_w.dumps({"tool": {"pytest": {"ini_options": options}}})


def data_files() -> list[Path]:
    """The data files students receive: the arrays. (data/README.md is the instructors' account
    of how the data were made and what models scored on them; it stays with the grader.)"""
    return sorted(paths.DATA.glob("*.npz"))


def copy_public_tests(root: Path) -> None:
    """``tests/public/`` and the grader files it loads (``PUBLIC_GRADER_FILES``), under ``root``
    at the paths they have in this repository: what any student material needs to run them."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    shutil.copytree(paths.PUBLIC_TESTS, root / "tests" / "public", ignore=ignore)
    for name in PUBLIC_GRADER_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(paths.REPO / name, root / name)


# The public tests' scorer (standard library only) and the parts file release writes beside it.
SCORER = Path(__file__).with_name("public_scores.py")
SCORER_CONFIG = "public_parts.json"
# What the scorer copies from the material into its scratch folder (the submission gives only
# its package): the paths ``copy_public_tests``, ``data_files`` and ``pytest_config`` fill.
SCORED_MATERIAL = ("tests/public", *PUBLIC_GRADER_FILES, "data", "pyproject.toml")


def public_parts() -> dict:
    """``public_parts.json``: the student package, the material the public tests need, and the
    parts they score (auto and optional, in the registry's order, with the scheme's points)
    and the manual ones they cannot."""
    from autograder.grade.bank import load_scheme

    scheme = load_scheme(paths.MANIFEST)
    points = {**scheme.parts, **scheme.optional, **scheme.manual}

    def entry(part: parts.Part) -> dict:
        return {"id": part.id, "kind": part.kind, "points": points[part.id],
                "summary": part.summary}

    registry = parts.load()
    return {"package": paths.PACKAGE, "material": list(SCORED_MATERIAL),
            "parts": [entry(p) for p in registry if p.graded_code],
            "manual": [entry(p) for p in registry if not p.graded_code]}


def copy_scorer(folder: Path) -> Path:
    """The scorer and its parts file into ``folder``; returns the scorer's path there."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SCORER, folder / SCORER.name)
    (folder / SCORER_CONFIG).write_text(json.dumps(public_parts(), indent=2) + "\n")
    return folder / SCORER.name
