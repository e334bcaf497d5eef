"""Grades do not depend on load: the same submissions graded on an idle and on a busy machine
(more busy processes than cores) get the same verdict and message for every check."""

import subprocess
import sys

import pytest

from autograder import paths
from conftest import grade_cli

# serial: its busy processes would slow whatever another worker runs beside it (make test
# runs the serial tests alone, after the parallel run).
pytestmark = [pytest.mark.slow, pytest.mark.serial]

EXAMPLES = paths.REPO / "examples" / "submissions"
# learn_kernel trains for a while: the checks a wall-clock limit made flip under load.
PARTS = ("conv2d_backward",)
SUBMISSIONS = ("reference", "assign-not-accumulate")


def _verdicts(results: dict) -> dict[str, dict[str, tuple[str, str]]]:
    return {name: {t["extra_data"]["id"]: (t["status"], t["output"]) for t in r["tests"]}
            for name, r in results.items()}


def test_busy_machine_gives_the_same_results(tmp_path) -> None:
    subs = [EXAMPLES / s for s in SUBMISSIONS]
    _, idle = grade_cli(subs, tmp_path / "idle", *PARTS)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(6)]
    try:
        _, busy = grade_cli(subs, tmp_path / "busy", *PARTS)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert set(idle) == set(busy) == set(SUBMISSIONS)
    assert _verdicts(busy) == _verdicts(idle)
