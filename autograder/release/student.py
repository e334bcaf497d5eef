"""``dist/student/``: the template repository students get (GitHub Classroom).

It holds the stubs, the public tests, the handout notebook and the data, the environment
files, the students' README, a pytest configuration with the part markers, the Classroom
workflow, the two grader files the public tests use (``PUBLIC_GRADER_FILES``: the rule guard
and the tolerance table, at the paths they have here), and ``hints/``: one file per part with
the hints up to the chosen level (``--hints``; no folder at ``none``). Nothing else: no solution
code, no hidden check (tests/repo/test_release.py proves it), and no answer the chosen hint level
does not allow (the release refuses to finish otherwise; tests/repo/test_leaks.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import tomllib

from autograder import paths
from autograder.assign.hints import write_hints
from autograder.assign.leaks import find_leaks
from autograder.assign.regions import DEFAULT_HINT_LEVEL

from .classroom import workflow_yaml

GITIGNORE = ".venv/\n__pycache__/\n*.pyc\n.pytest_cache/\n.ipynb_checkpoints/\n"

# What tests/public/support.py loads from the grader, by path: the rule guard the grader runs
# student code under and the assignment's rules it enforces, the tolerances it compares with,
# and the parts registry. The Python files import only torch (or nothing).
PUBLIC_GRADER_FILES = ("autograder/sandbox/guards.py", "autograder/rules.py",
                       "autograder/tolerances.py", "autograder/parts.py", "autograder/parts.toml")


def pytest_config() -> str:
    """The students' ``pyproject.toml``: pytest settings for ``tests/public`` with the
    repository's own markers (the part markers come from the public tests' conftest), in every
    student material (the template repository, otter's and nbgrader's releases)."""
    import tomli_w

    ours = tomllib.loads((paths.REPO / "pyproject.toml").read_text())
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
    shutil.copytree(paths.REPO / "tests" / "public", root / "tests" / "public", ignore=ignore)
    for name in PUBLIC_GRADER_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(paths.REPO / name, root / name)


class AnswerLeak(RuntimeError):
    """The student release would contain answers its hint level does not allow."""


def build_student(dist: Path, hints: str = DEFAULT_HINT_LEVEL) -> Path:
    """Write ``dist/student`` with the hints up to level ``hints``; AnswerLeak if what students
    would receive contains an answer that level does not allow (the folder is then removed)."""
    target = dist / "student"
    if target.exists():
        shutil.rmtree(target)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    shutil.copytree(paths.ASSIGNMENTS / paths.PACKAGE, target / paths.PACKAGE, ignore=ignore)
    shutil.copyfile(paths.ASSIGNMENTS / "convolutions.ipynb", target / "convolutions.ipynb")
    shutil.copyfile(paths.ASSIGNMENTS / "README.md", target / "README.md")
    copy_public_tests(target)
    (target / "data").mkdir()
    for npz in data_files():
        shutil.copyfile(npz, target / "data" / npz.name)
    for name in ("requirements.txt", "environment.yml"):
        shutil.copyfile(paths.REPO / name, target / name)
    (target / "pyproject.toml").write_text(pytest_config())
    (target / ".gitignore").write_text(GITIGNORE)
    workflow = target / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(workflow_yaml())
    write_hints(target / "hints", hints)
    leaks = find_leaks(target, hints)
    if leaks:
        shutil.rmtree(target)
        raise AnswerLeak(f"the student release at hint level {hints!r} would contain answers:\n  "
                         + "\n  ".join(map(str, leaks)))
    return target
