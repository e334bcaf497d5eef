"""The committed stubs are exactly what the generator makes from the solutions."""

import textwrap

import pytest

from autograder import paths
from autograder.assign import StubError, make_stub, stale_files


def test_committed_stubs_match_a_fresh_generation() -> None:
    stale = stale_files(paths.SOLUTIONS / paths.PACKAGE, paths.ASSIGNMENTS / paths.PACKAGE)
    assert not stale, f"stubs out of date, run `make stubs`: {stale}"


def test_every_solution_module_with_code_has_a_region() -> None:
    for path in (paths.SOLUTIONS / paths.PACKAGE).glob("*.py"):
        stub = (paths.ASSIGNMENTS / paths.PACKAGE / path.name).read_text()
        assert "### BEGIN SOLUTION" not in stub and "### TASK" not in stub, path.name


def test_region_becomes_todo_and_raise() -> None:
    source = textwrap.dedent('''
        class Layer:
            def forward(self, x):
                """Doc."""
                ### BEGIN SOLUTION
                ### TASK: Double x.
                ### TASK: Then return it.
                return 2 * x
                ### END SOLUTION
    ''')
    stub = make_stub(source)
    assert "return 2 * x" not in stub
    assert "        # TODO: Double x.\n        #       Then return it.\n" in stub
    assert 'raise NotImplementedError("Layer.forward: not implemented yet (see the TODO)")' in stub
    namespace: dict = {}
    exec(compile(stub, "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="Layer.forward"):
        namespace["Layer"]().forward(1)


@pytest.mark.parametrize("source, problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    ### TASK: x\n    return 1\n", "without"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\n### TASK: x\nA = 1\n### END SOLUTION\n", "outside a function"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", "TASK"),
])
def test_malformed_regions_are_rejected(source: str, problem: str) -> None:
    with pytest.raises(StubError, match=problem):
        make_stub(source)
