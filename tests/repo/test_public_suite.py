"""The public tests pass on the reference, fail on the stubs, cover every part, and judge like the
grader: its rule guard, its tolerances and thresholds, its verdict on a caught violation."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import tolerances
from autograder.signatures import API
from autograder.assign.examples import mutants_module, write_mutant
from conftest import REPO

PUBLIC = Path(__file__).resolve().parents[1] / "public"
HIDDEN = REPO / "tests" / "hidden"


@pytest.mark.slow  # runs the public tests on the reference and the stubs (~20 s)
def test_reference_passes_every_public_test(public_reference) -> None:
    failed = [t for t, o in public_reference.outcomes.items() if o != "passed"]
    assert public_reference.outcomes, public_reference.output
    assert not failed, f"reference fails {failed}\n{public_reference.output[-4000:]}"


@pytest.mark.slow
def test_stubs_fail_every_public_test(public_stubs, public_reference) -> None:
    assert set(public_stubs.outcomes) == set(public_reference.outcomes), public_stubs.output
    passing = [t for t, o in public_stubs.outcomes.items() if o != "failed"]
    assert not passing, f"these public tests do not fail on the stubs: {passing}"


@pytest.mark.slow
def test_every_part_has_public_tests(public_reference) -> None:
    for part in [*API, "concepts"]:
        tests = [t for t in public_reference.outcomes if t.split("::")[0].endswith(f"test_{part}")]
        assert len(tests) >= 2, f"part {part} has {len(tests)} public tests, expected at least 2"
        source = (PUBLIC / f"test_{part}.py").read_text()
        assert re.search(rf"pytestmark = pytest\.mark\.{part}\b", source), f"{part}: marker missing"


def counterparts() -> dict[str, list[str]]:
    """Hidden check kind (id before "[") -> its public counterparts (test_<part>.py::function):
    the same property on other inputs, as each check declares them (``@check(..., public=[...])``
    in tests/hidden/checks_*.py). Every row of a table of cases declares the same ones."""
    from autograder.grade.bank import load_bank

    out: dict[str, list[str]] = {}
    for c in load_bank().checks:
        tests = [f"test_{c.part}.py::{name}" for name in c.public]
        kind = c.id.split("[")[0]
        assert out.setdefault(kind, tests) == tests, f"{c.id}: not its kind's counterparts"
    return out


@pytest.mark.slow
def test_every_kind_of_hidden_check_has_a_public_counterpart(public_reference) -> None:
    """A new kind of hidden check names its public counterparts (``public=[...]``), and they
    exist in its part's public tests (which all pass on the reference: see above)."""
    declared = counterparts()
    lacking = sorted(kind for kind, tests in declared.items() if not tests)
    assert not lacking, f"hidden checks without a public counterpart (public=[...]): {lacking}"
    tests = {re.sub(r"\[.*", "", t.split("::", 1)[0].rsplit(".", 1)[-1]) + ".py::"
             + re.sub(r"\[.*", "", t.split("::", 1)[1]) for t in public_reference.outcomes}
    missing = sorted({t for ts in declared.values() for t in ts} - tests)
    assert not missing, f"checks name public counterparts that do not exist: {missing}"


def test_public_tests_load_the_graders_guard_and_tolerances() -> None:
    """Not copies: the very files the grader runs (make release ships them at the same paths)."""
    code = ("import sys; sys.path.insert(0, 'tests/public'); import support; "
            "print(support.guards.__file__); print(support.tolerances.__file__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert [Path(p).resolve() for p in out] == [
        REPO / "autograder" / "sandbox" / "guards.py", REPO / "autograder" / "tolerances.py"]
    for path in PUBLIC.glob("*.py"):  # no name-patching guard or tolerance table of their own
        source = path.read_text()
        assert "setattr(" not in source and "TOLERANCES = " not in source, path.name


def _assigned(path: Path, name: str):
    """The literal value of the module-level ``name = ...`` in ``path``."""
    for node in ast.parse(path.read_text()).body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.literal_eval(node.value)
        if any(isinstance(t, ast.Tuple) and name in [e.id for e in t.elts] for t in targets):
            index = [e.id for e in targets[0].elts].index(name)
            return ast.literal_eval(node.value)[index]
    raise LookupError(f"{name} is not assigned in {path}")


def test_one_table_of_tolerances_and_thresholds() -> None:
    """The grader's numbers are the public tests' (autograder/tolerances.py): judge.py and the
    checks import them from there and keep no copies of their own."""
    from autograder.grade import judge

    assert judge.TOLERANCES is tolerances.TOLERANCES
    for path in sorted(HIDDEN.glob("checks_*.py")):
        source = path.read_text()
        for name in ("ACCURACY", "LEARNED", "GRADCHECK", "INVARIANCE", "WORK_SLACK",
                     "SLACK_RATIO", "SLACK_OPS"):
            with pytest.raises(LookupError):
                _assigned(path, name)
        if "ACCURACY" in source or "loops_over_outputs" in source:
            assert "from autograder.tolerances import" in source, path.name


CAUGHT = {
    "cross_correlation": mutants_module().Mutant(
        "corr2d_catches_the_guard", "cross_correlation.py", "    Y = X.new_zeros((out_h, out_w))\n",
        "    try:\n        import torch.nn.functional as F\n"
        "        F.conv2d(Xp[None, None], K[None, None])\n    except BaseException:\n"
        "        pass\n    Y = X.new_zeros((out_h, out_w))\n", (), "tries torch's conv2d quietly"),
    "conv2d_backward": mutants_module().Mutant(
        "backward_catches_the_guard", "conv2d_backward.py",
        "        X, K = ctx.saved_tensors  # type: ignore[attr-defined]\n",
        "        X, K = ctx.saved_tensors  # type: ignore[attr-defined]\n"
        "        try:\n            with torch.enable_grad():\n"
        "                Xr = X.detach().requires_grad_()\n"
        "                torch.autograd.grad((Xr * 2).sum(), Xr)\n"
        "        except BaseException:\n            pass\n", (), "tries autograd quietly"),
}


@pytest.mark.slow
@pytest.mark.parametrize("part", sorted(CAUGHT))
def test_a_caught_violation_still_fails(tmp_path, part) -> None:
    """Code that catches the guard's exception and goes on with the right values still fails,
    with a message that names the rule."""
    impl = write_mutant(CAUGHT[part], tmp_path / part)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/public", "-m", part, "--impl", str(impl), "-q",
         "-p", "no:cacheprovider"], cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "broke the assignment's rules" in proc.stdout, proc.stdout[-3000:]
    assert "catching its exception does not help" in proc.stdout
