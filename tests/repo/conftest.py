"""Shared fixtures of the repository's own tests."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
CORPUS_FILE = REPO / "tests" / "adversarial" / "corpus.py"


@functools.cache
def corpus() -> list:
    """The adversarial corpus's attacks, loaded by path (``tests/adversarial/corpus.py`` only
    holds their code as text: it runs in a sandbox or a container, never in this process)."""
    spec = importlib.util.spec_from_file_location("_corpus", CORPUS_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["_corpus"] = module
    spec.loader.exec_module(module)
    return module.CORPUS


def hostile_submission(attack_id: str, root: Path, name: str | None = None) -> Path:
    """``root/<name>/convolutions``: the reference with the attack's code appended (and its
    files replaced); returns ``root/<name>`` (``name`` defaults to the attack's id)."""
    from autograder import paths
    from autograder.assign.examples import copy_package

    adversary = next(a for a in corpus() if a.id == attack_id)
    target = copy_package(paths.SOLUTIONS / paths.PACKAGE, root / (name or attack_id))
    adversary.write_into(target)
    return target.parent


@dataclass
class PublicRun:
    """Outcome of one ``pytest tests/public`` run: test id -> 'passed' / 'failed' / 'skipped'."""

    outcomes: dict[str, str]
    output: str


def run_public_tests(impl: str, tmp: Path, *pytest_args: str) -> PublicRun:
    """Run the public tests against ``impl`` in a fresh interpreter and parse its JUnit XML
    (``pytest_args``, e.g. ``"-m", part``, are passed on to pytest)."""
    xml = tmp / f"public-{Path(impl).name}.xml"
    proc = subprocess.run(
        [PY, "-m", "pytest", "tests/public", "--impl", impl, "-q", "-p", "no:cacheprovider",
         f"--junitxml={xml}", *pytest_args],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    outcomes = {}
    for case in ET.parse(xml).iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcomes[name] = ("failed" if kinds & {"failure", "error"}
                          else "skipped" if "skipped" in kinds else "passed")
    return PublicRun(outcomes, proc.stdout + proc.stderr)


@pytest.fixture(scope="session")
def public_reference(tmp_path_factory) -> PublicRun:
    return run_public_tests("solutions", tmp_path_factory.mktemp("ref"))


@pytest.fixture(scope="session")
def public_stubs(tmp_path_factory) -> PublicRun:
    return run_public_tests("assignments", tmp_path_factory.mktemp("stubs"))


def dump_api(impl: Path) -> dict:
    """Signatures and docstrings of the package under ``impl`` (see api_dump.py)."""
    out = subprocess.run([PY, str(REPO / "tests" / "repo" / "api_dump.py"), str(impl)],
                         capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout)


def grade_cli(submissions: list[Path], out: Path, *parts: str, jobs: int = 2,
              timeout: float = 900) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    """Run ``python -m autograder grade`` and load every ``results.json`` it wrote."""
    cmd = [PY, "-m", "autograder", "grade", *map(str, submissions), "--output", str(out),
           "--jobs", str(jobs), "--quiet"]
    for part in parts:
        cmd += ["--part", part]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    results = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}
    return proc, results


def failed_ids(results: dict) -> set[str]:
    return {t["extra_data"]["id"] for t in results["tests"] if t["status"] != "passed"}


def matches(check_id: str, patterns: tuple[str, ...]) -> bool:
    """A check id matches ``*``, itself, or a prefix ending in ``.`` or the id before ``[``."""
    base = check_id.split("[")[0]
    return any(p == "*" or p in (check_id, base) or (p.endswith(".") and check_id.startswith(p))
               for p in patterns)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "docker: needs a container engine; builds the grader image if missing "
                   "(tests/repo/test_docker.py; deselect with -m 'not docker')")


# -- parallel runs: `make test` is `pytest -n auto`, and pyproject.toml sets --dist loadfile.
# Each xdist worker has its own session, so a module-scoped fixture would be built once per
# worker that runs one of its users: an expensive one (a whole corpus graded, a Dask cluster)
# twice on two workers. With loadfile a module runs on one worker, and the modules start in
# the order below, the longest first, so that no long one is left to run alone at the end.
# (Not loadgroup: pytest-xdist 3.8 renames the grouped tests through Node._nodeid, which
# pytest 9 no longer reads, so its groups fall apart.)

# From `pytest -n 2 --durations=0`, longest first; the other modules follow in collection order.
LONGEST_FIRST = (
    "tests/repo/test_public_mutants.py",
    "tests/repo/test_honest.py",
    "tests/repo/test_public_parts.py",
    "tests/repo/test_frontend_otter.py",
    "tests/repo/test_otter_zip.py",
    "tests/repo/test_mutants.py",
    "tests/repo/test_frontend_nbgrader.py",
    "tests/repo/test_docker.py",
    "tests/repo/test_grader.py",
    "tests/repo/test_slurm.py",
    "tests/repo/test_adversarial.py",
    "tests/repo/test_toy_part.py",
    "tests/repo/test_release.py",
    "tests/repo/test_classroom50.py",
    "tests/repo/test_gradescope.py",
    "tests/repo/test_cluster.py",
    "tests/repo/test_term.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest modules first (a stable sort: the order within a module is kept). Every
    worker sorts alike, as xdist requires."""
    rank = {module: i for i, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
