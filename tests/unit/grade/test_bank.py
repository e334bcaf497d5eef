"""autograder.grade.bank: the @check decorator, the manifest and how a part's points are shared.

Small banks are written to a temporary folder and loaded as the real one is (the real bank's
checks are exercised by tests/repo/test_grader.py and the mutants).
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import parts
from autograder.settings import DEFAULTS
from autograder.grade import bank as bank_module
from autograder.grade.bank import Bank, Check, GradingScheme, check, load_bank, load_scheme
from tests.unit.strategies import weights

GRADED = [p.id for p in parts.graded()]
AUTO = [p.id for p in parts.load() if p.kind == "auto"]
OPTIONAL = [p.id for p in parts.load() if p.kind == "optional"]


def _noop(student, **kwargs) -> None:
    pass


def _load(folder: Path, checks: str, scheme: str = "[limits]\ncheck_seconds = 3.0\n",
          **kwargs) -> Bank:
    """Write a bank of one ``checks_gen.py`` into ``folder`` and load it (sys.path restored)."""
    (folder / "manifest.toml").write_text(scheme)
    (folder / "checks_gen.py").write_text("from autograder.grade.bank import check\n\n\n"
                                          "def _noop(student, **kwargs):\n    pass\n\n\n"
                                          + checks)
    path = list(sys.path)
    try:
        return load_bank(folder, **kwargs)
    finally:
        sys.path[:] = path


# -- the decorator


def test_each_case_row_is_one_check_with_its_own_arguments(monkeypatch) -> None:
    monkeypatch.setattr(bank_module, "_REGISTRY", [])
    calls = []

    def fn(student, n: int) -> None:
        calls.append((student, n))

    rows = [("a", {"n": 1}), ("b", {"n": 2}), ("c", {"n": 3})]
    assert check("x.y", "part", "n is {n}", weight=3, visibility="visible", cases=rows)(fn) is fn
    checks = bank_module._REGISTRY
    assert [c.id for c in checks] == ["x.y[a]", "x.y[b]", "x.y[c]"]
    assert [c.name for c in checks] == ["n is 1", "n is 2", "n is 3"]
    assert [c.weight for c in checks] == [1.0, 1.0, 1.0]
    assert {c.visibility for c in checks} == {"visible"}
    for c in checks:
        c.fn("student")
    assert calls == [("student", 1), ("student", 2), ("student", 3)]


def test_a_check_without_cases_keeps_its_id_name_and_weight(monkeypatch) -> None:
    monkeypatch.setattr(bank_module, "_REGISTRY", [])
    check("x.y", "part", "literal {braces}", weight=2.5, timeout=7)(_noop)
    (c,) = bank_module._REGISTRY
    assert (c.id, c.name, c.weight, c.timeout, c.visibility) == \
        ("x.y", "literal {braces}", 2.5, 7, "hidden")


def test_an_unknown_visibility_is_refused() -> None:
    with pytest.raises(ValueError, match="visibility must be one of"):
        check("x", "part", "n", visibility="public")


def test_a_check_keeps_its_public_counterparts_on_every_row(monkeypatch) -> None:
    monkeypatch.setattr(bank_module, "_REGISTRY", [])
    rows = [("a", {"n": 1}), ("b", {"n": 2})]
    check("x.y", "part", "n is {n}", cases=rows, public=["test_one", "test_two"])(_noop_n)
    assert [c.public for c in bank_module._REGISTRY] == [("test_one", "test_two")] * 2


@pytest.mark.parametrize("public", ["test_one", ["test_file.py::test_one"], ["one"]])
def test_public_counterparts_are_test_function_names(public) -> None:
    with pytest.raises(ValueError, match="public takes test function names"):
        check("x", "part", "n", public=public)


# -- the manifest


def test_manifest_points_come_from_the_parts_registry(tmp_path) -> None:
    (tmp_path / "manifest.toml").write_text("[limits]\ncheck_seconds = 2.5\n")
    scheme = load_scheme(tmp_path / "manifest.toml")
    registry = parts.load()
    assert scheme.parts == {p.id: p.points for p in registry if p.kind == "auto"}
    assert scheme.optional == {p.id: p.points for p in registry if p.kind == "optional"}
    assert scheme.manual == {p.id: p.points for p in registry if p.kind == "manual"}
    assert scheme.settings.check_seconds == 2.5
    assert scheme.auto_max == sum(p.points for p in registry if p.kind == "auto")


def test_manifest_check_time_defaults_to_the_settings_default(tmp_path) -> None:
    (tmp_path / "manifest.toml").write_text("")
    assert load_scheme(tmp_path / "manifest.toml").settings == DEFAULTS
    assert DEFAULTS.check_seconds == 5.0


@pytest.mark.parametrize("text, problem", [
    ("[parts]\ncross_correlation = 15\n", r"unknown table \[parts\]"),
    ("[defaults]\ntimeout = 5.0\n", r"unknown table \[defaults\]"),
    ("[limits]\ncheck_secnds = 5.0\n", r"unknown key\(s\) \['check_secnds'\] in \[limits\]"),
    ("check_seconds = 5.0\n", r"unknown table \[check_seconds\]"),
])
def test_manifest_refuses_unknown_tables_and_keys(tmp_path, text: str, problem: str) -> None:
    (tmp_path / "manifest.toml").write_text(text)
    with pytest.raises(ValueError, match=problem):
        load_scheme(tmp_path / "manifest.toml")


def test_manifest_points_of_parts() -> None:
    scheme = GradingScheme(parts={"a": 10, "b": 5}, optional={"x": 3}, manual={"w": 20})
    assert scheme.auto_max == 15  # optional and manual parts are not in the autograded total
    assert [scheme.points(p) for p in ("a", "x", "w", "zzz")] == [10, 3, 0, 0]


# -- loading a bank: point sharing


@given(st.sampled_from(GRADED), weights)
def test_a_parts_points_are_shared_in_proportion_to_weights(part: str, ws: list[float]) -> None:
    lines = "".join(f"check('gen.c{i}', {part!r}, 'check {i}', weight={w!r})(_noop)\n"
                    for i, w in enumerate(ws))
    with tempfile.TemporaryDirectory() as folder:
        bank = _load(Path(folder), lines)
    points = bank.scheme.points(part)
    assert [c.id for c in bank.checks] == [f"gen.c{i}" for i in range(len(ws))]
    for c, w in zip(bank.checks, ws):
        assert math.isclose(c.points, points * w / sum(ws), abs_tol=5e-5)
    assert math.isclose(sum(c.points for c in bank.checks), points, abs_tol=5e-5 * len(ws))


def test_points_are_shared_within_each_part_and_cases_split_their_weight(tmp_path) -> None:
    a, b = AUTO[:2]
    bank = _load(tmp_path, f"check('a.one', {a!r}, 'one', weight=3)(_noop)\n"
                           f"check('a.two', {a!r}, 'two {{n}}', cases=[('x', {{'n': 1}}),"
                           f" ('y', {{'n': 2}})])(_noop)\n"
                           f"check('b.one', {b!r}, 'b', weight=0.5)(_noop)\n")
    pa, pb = bank.scheme.points(a), bank.scheme.points(b)
    got = {c.id: c.points for c in bank.checks}
    assert got == pytest.approx({"a.one": pa * 3 / 4, "a.two[x]": pa / 8, "a.two[y]": pa / 8,
                                 "b.one": pb}, abs=5e-5)
    assert list(bank.by_part()) == [a, b]


def test_a_filtered_bank_keeps_each_checks_share_of_the_whole_part(tmp_path) -> None:
    part = AUTO[0]
    source = (f"check('p.one', {part!r}, 'one')(_noop)\n"
              f"check('p.two', {part!r}, 'two', timeout=30)(_noop)\n")
    only = _load(tmp_path, source, only=lambda c: c.id == "p.two")
    assert [(c.id, c.points) for c in only.checks] == \
        [("p.two", pytest.approx(only.scheme.points(part) / 2, abs=5e-5))]
    everything = _load(tmp_path, source)
    assert [c.timeout for c in everything.checks] == [3.0, 30]  # the manifest's default


def test_duplicate_check_ids_are_refused(tmp_path) -> None:
    part = AUTO[0]
    with pytest.raises(ValueError, match=r"duplicate check ids: \['p.one'\]"):
        _load(tmp_path, f"check('p.one', {part!r}, 'one')(_noop)\n" * 2)


def test_checks_of_an_unknown_or_manual_part_are_refused(tmp_path) -> None:
    manual = [p.id for p in parts.load() if p.kind == "manual"]
    for part in ["no_such_part", *manual[:1]]:
        with pytest.raises(ValueError, match=f"parts missing from the manifest: \\['{part}'\\]"):
            _load(tmp_path, f"check('p.one', {part!r}, 'one')(_noop)\n")


def test_the_bank_is_reloaded_not_accumulated(tmp_path) -> None:
    source = f"check('p.one', {AUTO[0]!r}, 'one')(_noop)\n"
    assert len(_load(tmp_path, source).checks) == len(_load(tmp_path, source).checks) == 1


def test_optional_parts_get_their_points_too(tmp_path) -> None:
    if not OPTIONAL:
        pytest.skip("the registry declares no optional part")
    bank = _load(tmp_path, f"check('o.one', {OPTIONAL[0]!r}, 'one')(_noop)\n")
    assert bank.checks[0].points == bank.scheme.optional[OPTIONAL[0]]
    assert isinstance(bank.checks[0], Check)


def _noop_n(student, n: int) -> None:
    pass
