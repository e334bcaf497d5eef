"""Every check catches a real bug: the buggy variants fail what they must, the reference passes
everything, and no check is left that no variant fails."""

import re
from collections import defaultdict

import pytest

from autograder import paths
from autograder.signatures import API
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


# One mistake costs one part: each of these graded on every part (but the two training checks'
# parts, which call none of these functions) loses points in its own part only.
ONE_PART = ("corr2d_pixel_loop", "corr2d_uses_conv2d", "corr2d_assign_not_accumulate",
            "corr2d_always_float32", "corr2d_d2l_zeros", "im2col_pixel_loop",
            "kernel_matrix_pixel_loop", "corr1d_position_loop", "backward_loops_over_dY")


def test_a_mistake_costs_its_own_part_only(tmp_path) -> None:
    by_id = {m.id: m for m in MUTANTS}
    subs = [write_mutant(by_id[i], tmp_path / i) for i in ONE_PART]
    parts = [p for p in PART_OF_FILE.values() if p not in ("text_conv",)]
    proc, graded = grade_cli(subs, tmp_path / "out", *parts)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for mutant_id in ONE_PART:
        own = PART_OF_FILE[by_id[mutant_id].file]
        scores = graded[mutant_id]["extra_data"]["parts"]
        lost = {p: s for p, s in scores.items() if s["score"] < s["max_score"]}
        assert set(lost) == {own}, f"{mutant_id} (in {own}) loses points in {sorted(lost)}"


# Placeholders: outputs of the right shape, dtype and device, nothing computed (issue 19). A
# property check (dtype, device, layout, ...) credits only a function that computes the right
# value on its input: each earns nothing here and says it was not judged.
PLACEHOLDERS = ("corr2d_placeholder", "backward_placeholder", "conv_as_matmul_placeholders",
                "conv1x1_placeholders", "kernels_placeholders", "corr1d_placeholders")
PROPERTY = re.compile(r"^device\.|\.(float32|half_precision|dtype|dtype_device|layout|"
                      r"int_kernel_size|needs_input_grad)(\[|$)")


@pytest.mark.parametrize("mutant", PLACEHOLDERS)
def test_a_placeholder_earns_nothing_on_property_checks(graded, mutant) -> None:
    part = PART_OF_FILE[next(m.file for m in MUTANTS if m.id == mutant)]
    checks = [t for t in graded[mutant]["tests"] if t["tags"] == [part]
              and PROPERTY.search(t["extra_data"]["id"])]
    assert checks, f"no property checks in {part}"
    for t in checks:
        assert t["score"] == 0 and "not judged: the value is wrong" in t["output"], (
            f"{mutant}: {t['extra_data']['id']} gives {t['score']} points: {t['output'][:300]}")
