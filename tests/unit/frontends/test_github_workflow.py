"""The template repository's workflow (``frontends/github.py``): valid against GitHub's workflow
schema (check-jsonschema's copy of SchemaStore's, offline), standing alone (no GitHub Classroom
action or event), on the pins, with a cache that failing runs keep, and running the scorer.
Running the scorer step itself on the reference is tests/repo/test_release.py."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from autograder import pins
from autograder.frontends import github


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(github.workflow_yaml())


def _steps(workflow: dict) -> list[dict]:
    job, = workflow["jobs"].values()
    return job["steps"]


def test_the_workflow_is_valid_against_githubs_schema(tmp_path: Path) -> None:
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed (requirements-dev.txt)")
    path = tmp_path / github.WORKFLOW.name
    path.write_text(github.workflow_yaml())
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed (requirements-dev.txt)")
    broken = yaml.safe_load(github.workflow_yaml())
    broken["jobs"]["public-tests"]["steps"][0]["uses"] = 3
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout


def test_no_github_classroom_remains() -> None:
    text = github.workflow_yaml().lower()
    for gone in ("classroom", "autograding", "repository_dispatch"):
        assert gone not in text, gone
    assert "classroom" not in (github.__doc__ or "").replace("Classroom 50", "").lower()


def test_it_runs_on_pushes_pull_requests_and_by_hand(workflow) -> None:
    assert workflow["on"] == ["push", "pull_request", "workflow_dispatch"]
    assert workflow["permissions"] == {"contents": "read"}


def test_the_environment_is_the_pins_with_cpu_torch(workflow) -> None:
    steps = _steps(workflow)
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == pins.PYTHON
    install = github.install_script()
    assert f"--index-url {github.TORCH_INDEX} torch=={pins.TORCH}" in install
    assert install.splitlines()[-1] == "python -m pip install -r requirements.txt"
    assert any(s.get("run") == install for s in steps)


def test_the_cache_holds_torch_and_survives_a_failing_run(workflow) -> None:
    """Restored before the install, keyed on requirements.txt (which pins torch), saved right
    after it: a post-job save (setup-python's ``cache: pip``) runs only when the job succeeds,
    and the job fails while a part does."""
    steps = _steps(workflow)
    names = [s.get("uses", s.get("run")) for s in steps]
    restore = names.index("actions/cache/restore@v4")
    install = names.index(github.install_script())
    save = names.index("actions/cache/save@v4")
    scorer = names.index(github.scorer_command())
    assert restore < install < save < scorer
    assert steps[restore]["with"]["key"] == steps[save]["with"]["key"]
    assert "hashFiles('requirements.txt')" in steps[save]["with"]["key"]
    cached = steps[save]["with"]["path"].split()
    assert cached == [github.TORCH_WHEELS, github.PIP_CACHE]
    assert f"--dest {github.TORCH_WHEELS}" in github.install_script()
    assert "cache" not in steps[names.index("actions/setup-python@v5")]["with"]


def test_the_last_step_runs_the_scorer_the_template_ships(workflow) -> None:
    assert _steps(workflow)[-1]["run"] == github.scorer_command()
    assert github.scorer_command().split() == [
        "python", (github.SCORER_DIR / "public_scores.py").as_posix()]
