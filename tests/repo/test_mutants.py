"""Every check catches a real bug: the buggy variants fail what they must, the reference passes
everything, and no check is left that no variant fails."""

from collections import defaultdict

import pytest

from autograder import paths
from autograder.api import API
from autograder.assign.examples import mutants_module, write_mutant
from autograder.grade.bank import load_bank
from conftest import failed_ids, grade_cli, matches

pytestmark = pytest.mark.slow

MUTANTS = mutants_module().MUTANTS
PART_OF_FILE = {f"{part}.py": part for part in [*API, "concepts"]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict]:
    """Each mutant graded on its own part, in one batch per part, beside the reference."""
    by_part = defaultdict(list)
    for m in MUTANTS:
        by_part[PART_OF_FILE[m.file]].append(m)
    results = {}
    for part, mutants in by_part.items():
        root = tmp_path_factory.mktemp(part)
        subs = [write_mutant(m, root / m.id) for m in mutants]
        proc, graded = grade_cli(subs, tmp_path_factory.mktemp(f"out-{part}"), part)
        assert proc.returncode == 0, proc.stderr[-3000:]
        results.update(graded)
    return results


def test_mutants_are_distinct_and_apply() -> None:
    assert len({m.id for m in MUTANTS}) == len(MUTANTS)
    for m in MUTANTS:
        m.apply((paths.SOLUTIONS / paths.PACKAGE / m.file).read_text())


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_mutant_fails_the_checks_it_must(graded, mutant) -> None:
    failed = failed_ids(graded[mutant.id])
    missed = [k for k in mutant.kills if not any(matches(f, (k,)) for f in failed)]
    assert not missed, f"{mutant.id} ({mutant.why}) passes {missed}; it fails {sorted(failed)}"


def test_every_check_catches_some_mutant(graded) -> None:
    bank = load_bank()
    killed = set().union(*(failed_ids(r) for r in graded.values()))
    never = sorted(c.id for c in bank.checks if c.id not in killed)
    assert not never, f"no buggy variant fails these checks: {never}"
