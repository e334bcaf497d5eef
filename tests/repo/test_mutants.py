"""Every check catches a real bug: the buggy variants fail what they must, the reference passes
everything, and no check is left that no variant fails. The misconception library stays honest:
each mutant is recognised as exactly the misconceptions it declares (most as none), every
misconception has a mutant that shows it, and the wrong-answer tables and the library agree."""

import ast
import re
import sys
from collections import defaultdict

import pytest

from autograder import misconceptions, paths, recognise, wrong_answers
from autograder.signatures import API
from autograder.assign.examples import mutants_module, write_mutant
from autograder.grade.bank import load_bank
from autograder.grade.results import md_unescape
from conftest import failed_ids, grade_cli, matches

pytestmark = pytest.mark.slow

MUTANTS = mutants_module().MUTANTS
PART_OF_FILE = {f"{part}.py": part for part in [*API, "concepts"]}


@pytest.fixture(scope="module")
def graded_run(tmp_path_factory) -> tuple[dict[str, dict], dict[str, str]]:
    """Each mutant graded on its own part, in one batch per part, beside the reference: its
    results.json and its feedback.md, by mutant id."""
    by_part = defaultdict(list)
    for m in MUTANTS:
        by_part[PART_OF_FILE[m.file]].append(m)
    results, feedback = {}, {}
    for part, mutants in by_part.items():
        root = tmp_path_factory.mktemp(part)
        subs = [write_mutant(m, root / m.id) for m in mutants]
        out = tmp_path_factory.mktemp(f"out-{part}")
        proc, graded = grade_cli(subs, out, part)
        assert proc.returncode == 0, proc.stderr[-3000:]
        results.update(graded)
        feedback.update({m.id: (out / m.id / "feedback.md").read_text(encoding="utf-8")
                         for m in mutants})
    return results, feedback


@pytest.fixture(scope="module")
def graded(graded_run) -> dict[str, dict]:
    """Each mutant's results.json, by mutant id."""
    return graded_run[0]


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


# ---------------------------------------------------------------- the misconception library
# Issue 23: a failed value check names the known wrong answer the result equals
# (autograder/misconceptions.toml). Each mutant declares the misconceptions the grader must
# recognise on it (``misconceptions=``); every other mutant must be recognised as nothing.

LIBRARY = misconceptions.load()
RULE_BASED = {recognise.DEFAULT_DTYPE, recognise.DEFAULT_DEVICE}


def recognised_in(results: dict) -> dict[str, list[str]]:
    """misconception id -> the failed checks that recognised it."""
    out: dict[str, list[str]] = {}
    for t in results["tests"]:
        mid = t["extra_data"].get("misconception")
        if mid and t["status"] != "passed":
            out.setdefault(mid, []).append(t["extra_data"]["id"])
    return out


def hidden_tables() -> dict[str, dict]:
    """part -> the ``WRONG_ANSWERS`` table of its hidden checks (``tests/hidden/checks_<part>.py``,
    imported by ``load_bank``), for the parts that have one."""
    load_bank()
    prefix = "_check_bank.checks_"
    return {name.removeprefix(prefix): module.WRONG_ANSWERS
            for name, module in sorted(sys.modules.items())
            if name.startswith(prefix) and hasattr(module, "WRONG_ANSWERS")}


def table_ids(table: dict) -> set[str]:
    return {mid for entries in table.values() for mid, _ in entries}


def test_declared_misconceptions_are_in_the_library_for_the_mutants_part() -> None:
    bad = [(m.id, mid) for m in MUTANTS for mid in m.misconceptions
           if mid not in LIBRARY or PART_OF_FILE[m.file] not in LIBRARY[mid].parts]
    assert not bad, ("mutants declare misconceptions the library lacks, or lists for other "
                     f"parts only: {bad}")


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_mutant_recognised_as_declared(graded, mutant) -> None:
    found = recognised_in(graded[mutant.id])
    declared = set(mutant.misconceptions)
    assert set(found) == declared, (
        f"{mutant.id} ({mutant.why}) declares {sorted(declared) or 'no misconception'}; the "
        f"grader recognised {found or 'none'} (misconception -> checks)")


def test_every_misconception_has_a_variant() -> None:
    declared = {mid for m in MUTANTS for mid in m.misconceptions}
    missing = [mid for mid in LIBRARY if mid not in declared]
    assert not missing, f"no mutant in tests/variants shows these misconceptions: {missing}"


def named_by_rule(part: str) -> set[str]:
    """The library ids the hidden checks of ``part`` name themselves (a string literal equal to
    an id: a misconception recognised by how a result behaves rather than by a wrong answer's
    value, such as text_conv's poolings)."""
    path = paths.HIDDEN / f"checks_{part}.py"
    if not path.exists():
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in LIBRARY}


def test_library_and_wrong_answers_agree() -> None:
    """Every wrong answer's id is in the library; every library entry has a wrong answer (or is
    recognised by rule, by judge.py, or by a hidden check that names it); each is computed only
    in the parts its entry lists."""
    public, hidden = wrong_answers.by_part(), hidden_tables()
    used = set().union(*map(table_ids, [*public.values(), *hidden.values()]))
    unknown = sorted(used - set(LIBRARY))
    assert not unknown, f"wrong answers of misconceptions the library lacks: {unknown}"
    by_rule = {part: named_by_rule(part) for part in API}
    recognised_somehow = used | RULE_BASED | set().union(*by_rule.values())
    without = [mid for mid in LIBRARY if mid not in recognised_somehow]
    assert not without, f"misconceptions nothing can recognise: {without}"
    misplaced = sorted((where, part, mid)
                       for where, tables in (("public", public), ("hidden", hidden),
                                             ("named by a hidden check", by_rule))
                       for part, table in tables.items()
                       for mid in (table if isinstance(table, set) else table_ids(table))
                       if mid in LIBRARY and part not in LIBRARY[mid].parts)
    assert not misplaced, ("a part's wrong answers or checks name a misconception whose library "
                           f"entry does not list that part (where, part, id): {misplaced}")


def test_public_wrong_answers_name_each_target_in_one_part_only() -> None:
    """``wrong_answers.public()`` merges the parts' tables by target: a target in two parts'
    files would lose one part's wrong answers."""
    owners = defaultdict(list)
    for part, table in wrong_answers.by_part().items():
        for target in table:
            owners[target].append(part)
    shared = {t: parts for t, parts in owners.items() if len(parts) > 1}
    assert not shared, f"targets in several parts' public wrong answers: {shared}"


def test_a_misconception_is_recognised_only_in_its_parts(graded) -> None:
    wrong = sorted((m_id, t["extra_data"]["id"], mid)
                   for m_id, results in graded.items() for t in results["tests"]
                   if (mid := t["extra_data"].get("misconception"))
                   and (mid not in LIBRARY or not set(t["tags"]) <= set(LIBRARY[mid].parts)))
    assert not wrong, ("recognised outside the parts its library entry lists, or unknown "
                       f"(mutant, check, misconception): {wrong}")


def test_recognition_adds_only_the_librarys_text(graded_run) -> None:
    """What recognition adds to a failure is the library's fixed text (no input, no expected
    value can ride on it): after the check's own message in results.json, and one line per
    misconception and part in feedback.md."""
    results, feedback = graded_run
    line = re.compile(r"^- (?P<text>Known mistake .*) \(recognised in (?P<n>\d+) checks? below"
                      r"\)$")
    for m_id, res in results.items():
        found = recognised_in(res)
        for t in res["tests"]:
            mid = t["extra_data"].get("misconception")
            if mid:
                output = md_unescape(t["output"])
                assert output.endswith(misconceptions.feedback(mid)), (m_id, output)
                assert output.count("Known mistake") == 1, (m_id, output)
        lines = [md_unescape(x) for x in feedback[m_id].splitlines() if "Known mistake" in x]
        named = []
        for x in lines:
            match = line.match(x)
            assert match, f"{m_id}: unexpected line in feedback.md: {x}"
            named.append(match["text"])
        assert sorted(named) == sorted(misconceptions.feedback(mid) for mid in found), (
            f"{m_id}: feedback.md names {named}, results.json recognised {sorted(found)}")


def test_how_many_failing_mutants_are_recognised(graded, record_property) -> None:
    """The measure issue 23 asks for: of the mutants that fail a check, how many the grader
    recognises as a known misconception (the others are mistakes the library does not name:
    placeholders, loops, torch's own convolution...)."""
    failing = [m for m in MUTANTS if failed_ids(graded[m.id])]
    named = [m for m in failing if recognised_in(graded[m.id])]
    declaring = [m for m in failing if m.misconceptions]
    share = (f"{len(named)} of {len(failing)} failing mutants recognised "
             f"({len(named) / len(failing):.0%})")
    record_property("recognised_mutants", share)
    print(f"\n{share}; by part:")
    for part in dict.fromkeys(PART_OF_FILE[m.file] for m in failing):
        mine = [m for m in failing if PART_OF_FILE[m.file] == part]
        print(f"  {part}: {sum(m in named for m in mine)} of {len(mine)}")
    assert len(named) == len(declaring), (
        f"{share}; {len(declaring)} declare misconceptions: recognised without declaring "
        f"{sorted(m.id for m in named if not m.misconceptions)}, declaring but not recognised "
        f"{sorted(m.id for m in declaring if m not in named)}")
