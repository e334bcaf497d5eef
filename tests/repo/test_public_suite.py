"""The public tests pass on the reference, fail on the stubs, and cover every part."""

import re
from pathlib import Path

from autograder.api import API

PUBLIC = Path(__file__).resolve().parents[1] / "public"


def test_reference_passes_every_public_test(public_reference) -> None:
    failed = [t for t, o in public_reference.outcomes.items() if o != "passed"]
    assert public_reference.outcomes, public_reference.output
    assert not failed, f"reference fails {failed}\n{public_reference.output[-4000:]}"


def test_stubs_fail_every_public_test(public_stubs, public_reference) -> None:
    assert set(public_stubs.outcomes) == set(public_reference.outcomes), public_stubs.output
    passing = [t for t, o in public_stubs.outcomes.items() if o != "failed"]
    assert not passing, f"these public tests do not fail on the stubs: {passing}"


def test_every_part_has_public_tests(public_reference) -> None:
    for part in [*API, "concepts"]:
        tests = [t for t in public_reference.outcomes if t.split("::")[0].endswith(f"test_{part}")]
        assert len(tests) >= 2, f"part {part} has {len(tests)} public tests, expected at least 2"
        source = (PUBLIC / f"test_{part}.py").read_text()
        assert re.search(rf"pytestmark = pytest\.mark\.{part}\b", source), f"{part}: marker missing"
