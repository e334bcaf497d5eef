"""The committed stubs are exactly what the generator makes from the solutions (how stubs are
made: tests/unit/assign/test_stubs.py)."""

from autograder import paths
from autograder.assign import stale_files


def test_committed_stubs_match_a_fresh_generation() -> None:
    stale = stale_files(paths.SOLUTIONS / paths.PACKAGE, paths.ASSIGNMENTS / paths.PACKAGE)
    assert not stale, f"stubs out of date, run `make stubs`: {stale}"


def test_every_solution_module_with_code_has_a_region() -> None:
    for path in (paths.SOLUTIONS / paths.PACKAGE).glob("*.py"):
        stub = (paths.ASSIGNMENTS / paths.PACKAGE / path.name).read_text()
        assert "### BEGIN SOLUTION" not in stub and "### TASK" not in stub, path.name
