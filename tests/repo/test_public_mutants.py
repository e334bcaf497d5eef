"""The public tests predict the grade: most buggy variants fail a public test of their own part.

Each mutant of ``tests/variants/mutants.py`` is materialised like ``test_mutants.py`` does (the
reference with one mutation applied), and the public tests of the mutant's part run against it
(``pytest tests/public -m PART --impl DIR``), as the Classroom workflow's step for that part
does. The share of mutants that fail at least one of them must be at least ``GOAL``.

Run as a script (``.venv/bin/python tests/repo/test_public_mutants.py``) to print the share and
the mutants the public tests miss.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # when run as a script
    sys.path.insert(0, str(REPO))

from autograder.signatures import API  # noqa: E402
from autograder.assign.examples import mutants_module, write_mutant  # noqa: E402

pytestmark = pytest.mark.slow

GOAL = 0.9
MUTANTS = mutants_module().MUTANTS
PART_OF_FILE = {f"{part}.py": part for part in [*API, "concepts"]}


def public_verdict(mutant, root: Path) -> tuple[bool, str]:
    """Whether the public tests of the mutant's part fail on it, and pytest's summary line."""
    write_mutant(mutant, root / mutant.id)
    part = PART_OF_FILE[mutant.file]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/public", "-m", part, "--impl",
         str(root / mutant.id), "-q", "-x", "-p", "no:cacheprovider"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    lines = proc.stdout.strip().splitlines()
    # 0: all passed; 5: no test collected (the part has none): both mean "not caught".
    return proc.returncode not in (0, 5), lines[-1] if lines else proc.stderr[-300:]


def public_verdicts(root: Path, jobs: int = 2) -> dict[str, tuple[bool, str]]:
    with ThreadPoolExecutor(jobs) as pool:
        verdicts = pool.map(lambda m: public_verdict(m, root), MUTANTS)
        return {m.id: v for m, v in zip(MUTANTS, verdicts)}


# The public tests on every mutant: minutes on an idle machine, 25 on a busy one; the suite's
# default per-test timeout (pyproject.toml) is too short for it.
@pytest.mark.timeout(3600)
def test_public_tests_catch_most_mutants(tmp_path) -> None:
    verdicts = public_verdicts(tmp_path)
    missed = sorted(m for m, (caught, _) in verdicts.items() if not caught)
    share = 1 - len(missed) / len(verdicts)
    assert share >= GOAL, (f"the public tests catch {share:.0%} of the mutants (goal "
                           f"{GOAL:.0%}); they miss {missed}")


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
    Classroom shows for that part only (the public tests of Corr2dFunction, Conv2D and
    learn_kernel replace your corr2d by a correct one, as the grader does)."""
    from test_mutants import ONE_PART

    by_id = {m.id: m for m in MUTANTS}
    with ThreadPoolExecutor(2) as pool:
        parts = dict(zip(ONE_PART, pool.map(lambda i: _failing_parts(by_id[i], tmp_path),
                                            ONE_PART)))
    for mutant_id, failing in parts.items():
        own = PART_OF_FILE[by_id[mutant_id].file]
        assert failing == {own}, f"{mutant_id} (in {own}) fails the public tests of {failing}"


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        found = public_verdicts(Path(tmp))
    missed = [m for m in MUTANTS if not found[m.id][0]]
    for m in missed:
        print(f"passes publicly: {m.id} ({PART_OF_FILE[m.file]}): {m.why}")
    print(f"public tests catch {len(found) - len(missed)} of {len(found)} mutants "
          f"({1 - len(missed) / len(found):.1%}; goal {GOAL:.0%})")
