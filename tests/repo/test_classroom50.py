"""``make release``'s Classroom 50 autograder, run the way Classroom 50's runner runs it: the
folder published as ``<slug>.tar.gz`` (``<slug>/<files>``) and extracted into the runner's
scratch folder, ``python autograder.py`` with the student's checkout as the working directory,
``CLASSROOM50_BUNDLE_DIR`` naming the extracted folder and the runner's variables set. The
reference earns every part's points, the stubs none, as ``python -m autograder grade`` gives
them (examples/expected_scores.json), and the result is one Classroom 50 accepts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import REPO

from autograder import paths
from autograder.frontends import classroom50
from autograder.frontends.github import build_student
from autograder.frontends.platform import ReleaseOptions
from tests.unit.frontends.classroom50_contract import result_errors

EXPECTED = json.loads((REPO / "examples" / "expected_scores.json").read_text())
RUNNER_ENV = {"CLASSROOM": "cs101", "ASSIGNMENT": classroom50.SLUG, "MODE": "individual",
              "SUBMISSION_TAG": "submit/2026-09-30T12-00-00Z-0123abc",
              "GITHUB_REPOSITORY": f"org/cs101-{classroom50.SLUG}-alice",
              "COMMIT_URL": "https://github.com/org/r/commit/0123abc",
              "RELEASE_URL": "https://github.com/org/r/releases/tag/submit%2F2026-09-30",
              "REVIEW_URL": "https://github.com/org/r/compare/1111111...0123abc",
              "USERNAME": "alice", "OWNER": "alice", "ASSIGNMENT_TYPE": "individual",
              "GITHUB_ACTOR": "alice"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    build_student(dist)
    classroom50.build_classroom50(dist, ReleaseOptions())
    return dist


def _fetched_bundle(dist: Path, runtime: Path) -> Path:
    """The autograder folder as the runner gets it: tarred as publish-pages tars it, no larger
    than the runner fetches, extracted under its scratch folder."""
    archive = runtime / f"{classroom50.SLUG}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(dist / "classroom50" / "autograders" / classroom50.SLUG, arcname=classroom50.SLUG)
    assert archive.stat().st_size <= classroom50.MAX_BUNDLE
    with tarfile.open(archive) as tar:
        tar.extractall(runtime, filter="data")
    return runtime / classroom50.SLUG


def _grade_like_the_runner(dist: Path, workspace: Path, tmp: Path) -> dict:
    runtime = tmp / "classroom50-runtime"
    runtime.mkdir()
    bundle = _fetched_bundle(dist, runtime)
    summary = tmp / "step-summary.md"
    env = {**os.environ, **RUNNER_ENV, "CLASSROOM50_BUNDLE_DIR": str(bundle.resolve()),
           "RUNNER_TEMP": str(tmp), "GITHUB_STEP_SUMMARY": str(summary)}
    env.pop("CONVOLUTIONS_IMPL", None)
    proc = subprocess.run([sys.executable, str(bundle / "autograder.py")], cwd=workspace,
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert not summary.exists(), "the runner mirrors release-body.md to the job summary itself"
    result = json.loads((workspace / "result.json").read_text())
    assert result_errors(result) == []
    body = (workspace / "release-body.md").read_text()
    for test in result["tests"]:
        assert f"`{test['test-name']}`" in body
    assert "python -m autograder grade" in body
    return result


def _checkout(dist: Path, tmp: Path, package: Path | None) -> Path:
    """A student's checkout: the template, with ``package`` as its convolutions/ (None: the
    stubs it ships)."""
    workspace = tmp / "checkout"
    shutil.copytree(dist / "student", workspace)
    if package is not None:
        shutil.rmtree(workspace / paths.PACKAGE)
        shutil.copytree(package, workspace / paths.PACKAGE)
    return workspace


def _points(result: dict) -> dict[str, float]:
    """Part -> points, the result's whole points scaled back to the parts' own."""
    return {t["test-name"]: t["score"] * t["points"] / t["max-score"] if t["max-score"] else 0.0
            for t in result["tests"]}


@pytest.mark.slow  # every part's public tests, one process each (~30 s)
def test_the_reference_earns_every_part_as_the_grader_gives_it(dist, tmp_path) -> None:
    workspace = _checkout(dist, tmp_path, paths.SOLUTIONS / paths.PACKAGE)
    result = _grade_like_the_runner(dist, workspace, tmp_path)
    assert _points(result) == EXPECTED["reference"]
    assert all(t["passed"] for t in result["tests"])
    assert (result["score"], result["classroom"], result["submission"]) == (
        result["max-score"], RUNNER_ENV["CLASSROOM"], RUNNER_ENV["SUBMISSION_TAG"])


@pytest.mark.slow  # every part's public tests, one process each (~20 s)
def test_the_stubs_earn_nothing_even_with_their_own_tests_rewritten(dist, tmp_path) -> None:
    """The stubs as released, in a checkout whose public tests were replaced by ones that
    pass and with a conftest.py at its root that skips everything: the autograder runs the
    teacher's copy of the tests and only the package, so every part still earns 0."""
    workspace = _checkout(dist, tmp_path, None)
    for test in (workspace / "tests" / "public").glob("test_*.py"):
        test.write_text("def test_fine():\n    pass\n")
    (workspace / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture(autouse=True)\ndef _skip():\n    pytest.skip()\n")
    result = _grade_like_the_runner(dist, workspace, tmp_path)
    assert _points(result) == EXPECTED["stubs"]
    assert result["score"] == 0 and result["max-score"] > 0
    assert not any(t["passed"] for t in result["tests"])
