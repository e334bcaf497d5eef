"""Honest variants (``tests/variants/honest.py``): correct code in other styles gets full marks
on its part, from the hidden checks and from the public tests.

Each variant is one submission (the reference with the variant's code appended); all of them are
graded in one ``autograder grade`` run, and the public tests of the variant's part run on each.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import paths
from autograder.signatures import API
from autograder.assign.examples import copy_package
from conftest import REPO, PublicRun, grade_cli, run_public_tests

HONEST_FILE = REPO / "tests" / "variants" / "honest.py"


@functools.cache
def variants() -> list:
    """The corpus of honest variants, loaded by path (``tests/variants`` is no package)."""
    spec = importlib.util.spec_from_file_location("_honest", HONEST_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["_honest"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.VARIANTS


VARIANTS = variants()


def honest_submission(variant, root: Path) -> Path:
    """``root/<id>/convolutions``: the reference with the variant applied; returns ``root/<id>``."""
    target = copy_package(paths.SOLUTIONS / paths.PACKAGE, root / variant.id)
    variant.write_into(target)
    return target.parent


# ------------------------------------------------------------------------------ the corpus


class _Plain(ast.NodeTransformer):
    """Drops what does not change what code does: docstrings and type annotations."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                and isinstance(first.value.value, str):
            node.body = body[1:] or [ast.Pass()]
        for field in ("annotation", "returns"):
            if hasattr(node, field):
                setattr(node, field, None)
        return super().generic_visit(node)


def _definitions(source: str) -> dict[str, str]:
    """Top-level functions, classes and their methods (``Class.method``) of ``source``:
    name -> AST dump without docstrings, annotations or line numbers."""
    out = {}
    for node in _Plain().visit(ast.parse(source)).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out[node.name] = ast.dump(node)
        if isinstance(node, ast.ClassDef):
            out.update({f"{node.name}.{item.name}": ast.dump(item) for item in node.body
                        if isinstance(item, ast.FunctionDef)})
    return out


def test_corpus_is_large_enough_and_well_formed() -> None:
    assert len(VARIANTS) >= 15
    assert len({v.id for v in VARIANTS}) == len(VARIANTS)
    for v in VARIANTS:
        assert v.file == f"{v.part}.py" and v.part in API, v.id
        assert v.why.strip(), v.id
    assert {v.part for v in VARIANTS} == set(API), "every part with code has honest variants"
    for v in VARIANTS:  # pending: hidden check ids, or public tests as test_<module>::<test>
        assert not v.pending or v.pending_why.strip(), f"{v.id}: say why it is pending"
        assert all(p.startswith("test_") == ("::" in p) for p in v.pending), v.pending


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_variant_is_another_style(variant) -> None:
    """It redefines a function the part asks for, written otherwise than the reference's
    (docstrings and annotations aside): not the reference's code again."""
    reference = _definitions((paths.SOLUTIONS / paths.PACKAGE / variant.file).read_text())
    ours = _definitions(variant.code)
    asked = set(API[variant.part]) & ours.keys()
    assert asked, f"{variant.id} redefines none of {sorted(API[variant.part])}"
    changed = [name for name in asked if ours[name] != reference.get(name)]
    assert changed, f"{variant.id}: {sorted(asked)} are the reference's code"


# ------------------------------------------------------------------------------ the grades


REFERENCE = "reference"  # the solution itself, graded beside the variants


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict]:
    """Every variant, and the reference, graded on the parts the corpus covers, in one run."""
    root = tmp_path_factory.mktemp("honest")
    subs = [honest_submission(v, root) for v in VARIANTS]
    subs.append(copy_package(paths.SOLUTIONS / paths.PACKAGE, root / REFERENCE).parent)
    parts = sorted({v.part for v in VARIANTS})
    proc, results = grade_cli(subs, tmp_path_factory.mktemp("honest-out"), *parts)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert set(results) == {v.id for v in VARIANTS} | {REFERENCE}, proc.stderr[-3000:]
    return results


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> dict[str, PublicRun]:
    """The public tests of each variant's part, on each variant (two at a time)."""
    root = tmp_path_factory.mktemp("honest-public")

    def run(variant) -> PublicRun:
        impl = honest_submission(variant, root)
        return run_public_tests(str(impl), root, "-m", variant.part)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip([v.id for v in VARIANTS], pool.map(run, VARIANTS)))


def _failures(results: dict, part: str) -> dict[str, str]:
    """The part's checks that did not pass: check id -> the feedback it gave."""
    return {t["extra_data"]["id"]: t["output"].strip() for t in results["tests"]
            if part in t.get("tags", ()) and t["status"] != "passed"}


def _expect_only_pending(variant, failed: dict[str, str], known: set[str], where: str,
                         detail: str = "") -> None:
    """Exactly the variant's pending failures among ``known`` (the names this run could
    report) fail: nothing else, and none of them passes now (the fix landed: update)."""
    pending = {p for p in variant.pending if p in known}
    unexpected = {name: text for name, text in failed.items() if name not in pending}
    assert not unexpected, (
        f"{variant.id} ({variant.why}) fails {where}:\n"
        + "\n\n".join(f"{name}: {text}".rstrip(": ") for name, text in sorted(unexpected.items()))
        + (f"\n{detail}" if detail else ""))
    fixed = sorted(pending - failed.keys())
    assert not fixed, (f"{variant.id} now passes {fixed}, listed as pending ({variant.pending_why})"
                       ": remove them from its `pending`")


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_variant_gets_full_marks_from_the_hidden_checks(graded, variant) -> None:
    results = graded[variant.id]
    known = {t["extra_data"]["id"] for t in results["tests"]}
    failed = _failures(results, variant.part)
    _expect_only_pending(variant, failed, known, f"hidden checks of {variant.part}")
    score = results["extra_data"]["parts"][variant.part]
    assert failed or score["score"] == score["max_score"], score
    _expect_recognised_as_nothing(variant.id, results)


def _expect_recognised_as_nothing(name: str, results: dict) -> None:
    """No check recognised a known wrong answer (autograder/misconceptions.toml) in correct
    code, not even in a pending failure: results.json names none, its text quotes none."""
    named = {t["extra_data"]["id"]: t["extra_data"]["misconception"] for t in results["tests"]
             if "misconception" in t["extra_data"]}
    assert not named, f"{name} is correct code, recognised as misconceptions: {named}"
    quoted = [t["extra_data"]["id"] for t in results["tests"] if "Known mistake" in t["output"]]
    assert not quoted and "Known mistake" not in results.get("output", ""), quoted


@pytest.mark.slow
def test_the_reference_passes_and_is_recognised_as_nothing(graded) -> None:
    results = graded[REFERENCE]
    failed = sorted(t["extra_data"]["id"] for t in results["tests"] if t["status"] != "passed")
    assert not failed, f"the reference fails {failed}"
    _expect_recognised_as_nothing(REFERENCE, results)


def _short(test_id: str) -> str:
    """``tests.public.test_x::test_y[case]`` -> ``test_x::test_y[case]``."""
    return test_id.removeprefix("tests.public.")


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_variant_passes_the_public_tests(public, variant) -> None:
    run = public[variant.id]
    assert run.outcomes, run.output[-3000:]
    failed = {_short(name): "" for name, outcome in run.outcomes.items() if outcome == "failed"}
    known = {_short(name) for name in run.outcomes}
    _expect_only_pending(variant, failed, known, f"the public tests of {variant.part}",
                         run.output[-6000:])
    assert "Known mistake" not in run.output, (
        f"{variant.id} is correct code; the public tests name a misconception:\n"
        f"{run.output[-6000:]}")
