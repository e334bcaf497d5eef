"""The mutation-testing tooling (scripts/mutation.py, ``make mutation``) on small cases: the
solution regions, the mutator, the equivalents file, and one tiny graded run. The full run is
``make mutation`` (about six minutes), not a test."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from autograder import paths

PACKAGE = paths.SOLUTIONS / paths.PACKAGE


@pytest.fixture(scope="module")
def mutation():
    spec = importlib.util.spec_from_file_location("_mutation", paths.REPO / "scripts" /
                                                  "mutation.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["_mutation"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _lines_of(source: str, function: str, mutation) -> set[int]:
    """The solution-region lines of one function of ``source``."""
    (first, last), = [(a, b) for a, b, name in mutation.function_spans(source) if name == function]
    return {n for n in mutation.solution_lines(source) if first <= n <= last}


def test_solution_regions_are_the_lines_between_the_markers(mutation) -> None:
    source = "a = 1\n### BEGIN SOLUTION\nb = 2\n### TASK: x\n### END SOLUTION\nc = 3\n"
    assert mutation.solution_lines(source) == {3, 4}
    for broken in ("### BEGIN SOLUTION\n", "### END SOLUTION\n",
                   "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n"):
        with pytest.raises(ValueError):
            mutation.solution_lines(broken)


def test_every_solution_module_has_its_part(mutation) -> None:
    graded, support = mutation.module_parts()
    assert set(graded.values()) == set(mutation.part_ids())
    assert all(graded[f] == f.removesuffix(".py") for f in graded)
    assert set(support) == {"__init__.py", "_util.py", "data.py", "training.py"}


def test_mutants_of_a_small_region_change_only_that_region(mutation) -> None:
    source = (PACKAGE / "derivative_kernels.py").read_text()
    region = _lines_of(source, "min_kernel_size", mutation)
    mutants = mutation.mutate_source(source, "derivative_kernels.py", region)
    changes = {(before.strip(), after.strip()) for _, before, after, _ in mutants}
    assert ("return order + 1", "return order - 1") in changes
    assert ("return order + 1", "return order + 2") in changes
    original = source.splitlines()
    for line, before, after, text in mutants:
        assert line in region and text != source
        compile(text, "mutant", "exec")
        changed = [i + 1 for i, (a, b) in enumerate(zip(original, text.splitlines())) if a != b]
        assert set(changed) <= region


def test_a_doubly_decorated_backward_is_mutated(mutation) -> None:
    """mutmut's own runner skips functions with two decorators (its trampolines); this one may
    not: Corr2dFunction.backward is @staticmethod @once_differentiable."""
    source = (PACKAGE / "conv2d_backward.py").read_text()
    region = _lines_of(source, "Corr2dFunction.backward", mutation)
    assert mutation.mutate_source(source, "conv2d_backward.py", region)


def test_spliced_mutants_equal_libcst_deep_replace(mutation) -> None:
    """The mutator splices each mutated node into the text; libcst's deep_replace (slower)
    renders the same module."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper
    from mutmut.mutation.file_mutation import MutationVisitor
    from mutmut.mutation.mutators import mutation_operators
    from mutmut.mutation.pragma_handling import IgnoredCode

    source = (PACKAGE / "cross_correlation.py").read_text()
    spliced = {text for *_, text in mutation.mutate_source(source, "cross_correlation.py")}
    wrapper = MetadataWrapper(cst.parse_module(source))
    visitor = MutationVisitor(mutation_operators, IgnoredCode(set(), set(), set()),
                                       mutation.solution_lines(source))
    wrapper.visit(visitor)
    rendered = {wrapper.module.deep_replace(m.original_node, m.mutated_node).code
                for m in visitor.mutations} - {source}
    assert spliced == rendered and len(spliced) > 20


def test_the_equivalents_file_parses_and_every_entry_matches_a_mutant(mutation) -> None:
    entries = mutation.load_equivalents()
    assert entries and {e.kind for e in entries} <= set(mutation.KINDS)
    files = sorted({e.file for e in entries})
    keys = {m.key for m in mutation.generate(files=files)}
    stale = [(e.file, e.function, e.original, e.mutated) for e in entries if e.key not in keys]
    assert not stale, f"listed as equivalent, but no mutant is: {stale}"


def test_equivalents_match_by_text_not_by_line(mutation, tmp_path) -> None:
    """Comments and spacing do not matter; a missing field, an unknown kind or a second entry
    for the same mutant is an error; only_without_cuda entries drop out where CUDA is."""
    good = tmp_path / "good.toml"
    good.write_text("[[equivalent]]\nfile = 'x.py'\nfunction = 'f'\n"
                    "original = 'y  =  g(a)  # note'\nmutated = 'y = None'\nkind = 'equivalent'\n"
                    "only_without_cuda = true\nreason = 'why'\n")
    (entry,) = mutation.load_equivalents(good)
    assert entry.key == ("x.py", "f", "y = g(a)", "y = None", 1)
    assert mutation.applicable([entry], cuda=False) and not mutation.applicable([entry], cuda=True)
    for bad in ("kind = 'fine'", "reason = ''", "occurrence = 0", "colour = 'red'"):
        path = tmp_path / "bad.toml"
        lines = good.read_text().splitlines()
        field = bad.split(" = ")[0]
        path.write_text("\n".join([ln for ln in lines if not ln.startswith(field)] + [bad]) + "\n")
        with pytest.raises(ValueError):
            mutation.load_equivalents(path)
    twice = tmp_path / "twice.toml"
    twice.write_text(good.read_text() + "\n" + good.read_text().replace("#", "# another"))
    with pytest.raises(ValueError, match="twice"):
        mutation.load_equivalents(twice)


TINY_RUN = """
import json, sys
sys.path.insert(0, "scripts")
import mutation
from autograder import paths

source = (paths.SOLUTIONS / paths.PACKAGE / "derivative_kernels.py").read_text()
(first, last), = [(a, b) for a, b, n in mutation.function_spans(source) if n == "min_kernel_size"]
region = {n for n in mutation.solution_lines(source) if first <= n <= last}
mutants = mutation.mutate_source(source, "derivative_kernels.py", region)
grader = mutation.Grader(skip=mutation.TRAINING_CHECKS)
jobs = [("reference", "derivative_kernels", None, None)] + [
    (f"m{i}", "derivative_kernels", "derivative_kernels.py", m[3]) for i, m in enumerate(mutants)]
outcomes = mutation.run_all(grader, jobs, workers=1, progress=False)
print(json.dumps({k: [o.status, sorted(o.failed)] for k, o in outcomes.items()}))
"""


@pytest.mark.slow  # grades mutants (~10 s)
def test_a_tiny_run_kills_and_spares_what_it_must() -> None:
    """The mutants of min_kernel_size and the reference, graded on their part in children
    forked from a fresh interpreter (as ``make mutation`` does): the wrong answers are killed,
    the reference passes, and solutions/ is left as it was."""
    before = {p: p.read_bytes() for p in PACKAGE.glob("*.py")}
    proc = subprocess.run([sys.executable, "-c", TINY_RUN], cwd=paths.REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcomes = json.loads(proc.stdout.splitlines()[-1])
    assert outcomes.pop("reference") == ["survived", []]
    assert len(outcomes) >= 2
    for status, failed in outcomes.values():
        assert status == "killed" and "min_kernel_size.values" in failed
    assert {p: p.read_bytes() for p in PACKAGE.glob("*.py")} == before
