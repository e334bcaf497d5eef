"""A mistake in one part fails the public tests of that part only, as in grading
(``test_mutants.ONE_PART``): the public points per part (the workflow's summary, Classroom 50)
then say where it is.

Apart from ``test_public_mutants.py`` (which it shares the mutants with) so that the two long
runs go to two workers under ``make test``'s ``--dist loadfile``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.assign.examples import write_mutant
from test_public_mutants import MUTANTS, PART_OF_FILE

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _failing_parts(mutant, root: Path) -> set[str]:
    """The parts with a public test that fails on ``mutant`` (all parts run)."""
    impl = write_mutant(mutant, root / mutant.id)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/public", "--impl", str(impl), "-q", "-rf",
         "-p", "no:cacheprovider"], cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    failed = re.findall(r"^FAILED tests/public/test_(\w+)\.py::", proc.stdout, re.MULTILINE)
    assert proc.returncode in (0, 1) and (failed or proc.returncode == 0), proc.stdout[-3000:]
    return set(failed)


def test_a_mistake_fails_its_own_part_only(tmp_path) -> None:
    """As in grading (test_mutants.ONE_PART): a mistake in one part's function costs the points
    the public tests show for that part only (the public tests of Corr2dFunction, Conv2D and
    learn_kernel replace your corr2d by a correct one, as the grader does)."""
    from test_mutants import ONE_PART

    by_id = {m.id: m for m in MUTANTS}
    with ThreadPoolExecutor(2) as pool:
        parts = dict(zip(ONE_PART, pool.map(lambda i: _failing_parts(by_id[i], tmp_path),
                                            ONE_PART)))
    for mutant_id, failing in parts.items():
        own = PART_OF_FILE[by_id[mutant_id].file]
        assert failing == {own}, f"{mutant_id} (in {own}) fails the public tests of {failing}"
