"""The public tests predict the grade: most buggy variants fail a public test of their own part.

Each mutant of ``tests/variants/mutants.py`` is materialised like ``test_mutants.py`` does (the
reference with one mutation applied), and the public tests of the mutant's part run against it
(``pytest tests/public -m PART --impl DIR``), as the student repository's workflow (and
Classroom 50's autograder) does for that part. The share of mutants that fail at least one of
them must be at least ``GOAL``.

Run as a script (``.venv/bin/python tests/repo/test_public_mutants.py``) to print the share and
the mutants the public tests miss.

The public tests also recognise known wrong answers (issue 23): a mutant that declares a
misconception the public tests can recognise (one of its part's public wrong answers,
``autograder/wrong_answers/<part>.py``, or a default dtype or device, recognised by rule) has it
named in the public tests' output, and no public test names a misconception a mutant does not
declare. Such mutants run every public test of their part (not ``-x``): the first test to fail
need not be one that compares with the wrong answers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # when run as a script
    sys.path.insert(0, str(REPO))

from autograder import misconceptions, recognise, wrong_answers  # noqa: E402
from autograder.signatures import API  # noqa: E402
from autograder.assign.examples import mutants_module, write_mutant  # noqa: E402

pytestmark = pytest.mark.slow

GOAL = 0.9
MUTANTS = mutants_module().MUTANTS
PART_OF_FILE = {f"{part}.py": part for part in [*API, "concepts"]}


def publicly_recognised(part: str) -> set[str]:
    """The misconceptions the public tests of ``part`` can recognise: those of its public wrong
    answers, and the default dtype and device (recognised by rule)."""
    table = wrong_answers.by_part().get(part, {})
    return {mid for entries in table.values() for mid, _ in entries} | {
        recognise.DEFAULT_DTYPE, recognise.DEFAULT_DEVICE}


def named_publicly(mutant) -> list[str]:
    """The misconceptions the mutant declares that its part's public tests must name."""
    return [m for m in mutant.misconceptions if m in publicly_recognised(PART_OF_FILE[mutant.file])]


class Verdict(NamedTuple):
    caught: bool   # a public test of the mutant's part fails on it
    summary: str   # pytest's last line
    output: str    # pytest's whole output (stdout and stderr)


def public_verdict(mutant, root: Path) -> Verdict:
    """Whether the public tests of the mutant's part fail on it, with pytest's output (the
    tracebacks' messages, where a recognised misconception is named)."""
    write_mutant(mutant, root / mutant.id)
    part = PART_OF_FILE[mutant.file]
    every = ["--tb=short"] if named_publicly(mutant) else ["-x"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/public", "-m", part, "--impl",
         str(root / mutant.id), "-q", *every, "-p", "no:cacheprovider"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    lines = proc.stdout.strip().splitlines()
    # 0: all passed; 5: no test collected (the part has none): both mean "not caught".
    return Verdict(proc.returncode not in (0, 5), lines[-1] if lines else proc.stderr[-300:],
                   proc.stdout + proc.stderr)


def public_verdicts(root: Path, jobs: int = 2) -> dict[str, Verdict]:
    with ThreadPoolExecutor(jobs) as pool:
        verdicts = pool.map(lambda m: public_verdict(m, root), MUTANTS)
        return {m.id: v for m, v in zip(MUTANTS, verdicts)}


def named_in(output: str) -> set[str]:
    """The misconceptions a public run's output names (``Known mistake (<title>).``, as
    ``misconceptions.feedback`` writes it); an unknown name as ``?``."""
    found = {m.id for m in misconceptions.load().values()
             if f"Known mistake ({m.title})." in output}
    known = sum(output.count(f"Known mistake ({m.title}).")
                for m in misconceptions.load().values())
    return found | ({"?"} if output.count("Known mistake (") > known else set())


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> dict[str, Verdict]:
    return public_verdicts(tmp_path_factory.mktemp("public-mutants"))


# The public tests on every mutant: minutes on an idle machine, 25 on a busy one; the suite's
# default per-test timeout (pyproject.toml) is too short for it.
@pytest.mark.timeout(3600)
def test_public_tests_catch_most_mutants(verdicts) -> None:
    missed = sorted(m for m, v in verdicts.items() if not v.caught)
    share = 1 - len(missed) / len(verdicts)
    assert share >= GOAL, (f"the public tests catch {share:.0%} of the mutants (goal "
                           f"{GOAL:.0%}); they miss {missed}")


@pytest.mark.timeout(3600)
def test_public_tests_name_the_declared_misconceptions(verdicts) -> None:
    """Each mutant's public run names the misconceptions it declares that the public tests can
    recognise, and none it does not declare."""
    unnamed = {m.id: missing for m in MUTANTS
               if (missing := sorted(set(named_publicly(m)) - named_in(verdicts[m.id].output)))}
    wrongly = {m.id: extra for m in MUTANTS
               if (extra := sorted(named_in(verdicts[m.id].output) - set(m.misconceptions)))}
    shown = {m.id: verdicts[m.id].output[-3000:] for m in MUTANTS if m.id in unnamed}
    assert not unnamed and not wrongly, (
        f"public runs that do not name a declared misconception: {unnamed}; that name one the "
        f"mutant does not declare: {wrongly}\n"
        + "\n\n".join(f"--- {m}:\n{text}" for m, text in shown.items()))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        found = public_verdicts(Path(tmp))
    missed = [m for m in MUTANTS if not found[m.id].caught]
    for m in missed:
        print(f"passes publicly: {m.id} ({PART_OF_FILE[m.file]}): {m.why}")
    print(f"public tests catch {len(found) - len(missed)} of {len(found)} mutants "
          f"({1 - len(missed) / len(found):.1%}; goal {GOAL:.0%})")
