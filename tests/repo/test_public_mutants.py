"""The public tests predict the grade: most buggy variants fail a public test of their own part.

Each mutant of ``tests/variants/mutants.py`` is materialised like ``test_mutants.py`` does (the
reference with one mutation applied), and the public tests of the mutant's part run against it
(``pytest tests/public -m PART --impl DIR``), as the student repository's workflow (and
Classroom 50's autograder) does for that part. The share of mutants that fail at least one of
them must be at least ``GOAL``.

Run as a script (``.venv/bin/python tests/repo/test_public_mutants.py``) to print the share and
the mutants the public tests miss.
"""

from __future__ import annotations

import os
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


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        found = public_verdicts(Path(tmp))
    missed = [m for m in MUTANTS if not found[m.id][0]]
    for m in missed:
        print(f"passes publicly: {m.id} ({PART_OF_FILE[m.file]}): {m.why}")
    print(f"public tests catch {len(found) - len(missed)} of {len(found)} mutants "
          f"({1 - len(missed) / len(found):.1%}; goal {GOAL:.0%})")
