"""``autograder.sandbox.probes``: the registry plugins add to, the rules a probe runs under,
stand-ins for a submission's own functions, and loading plugin files."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from autograder import paths
from autograder.sandbox import guards, probes


@pytest.fixture()
def registry(monkeypatch: pytest.MonkeyPatch) -> dict:
    """Fresh registries of probes, plugins and rules for the test."""
    monkeypatch.setattr(probes, "PROBES", dict(probes.PROBES))
    monkeypatch.setattr(probes, "_PLUGINS", {})
    monkeypatch.setattr(guards, "RULES", {})
    return probes.PROBES


def test_probes_register_under_their_name_with_their_rules(registry) -> None:
    @probes.probe(["a", "b"])
    def fixed(student, violations):
        return {}

    @probes.probe(probes.FROM_REQUEST)
    def chosen(student, violations, rules=None):
        return {}

    assert registry["fixed"] is fixed and registry["chosen"] is chosen
    assert probes.rules_of("fixed", {"rules": ["c"]}) == ["a", "b"]
    assert probes.rules_of("chosen", {"rules": ["c"]}) == ["c"]  # (no name: nothing bound)
    assert probes.rules_of("chosen", {}) == [] == probes.rules_of("hello", {})
    with pytest.raises(ValueError, match="registered twice"):
        probes.probe()(types.FunctionType(fixed.__code__, {}, "fixed"))


def test_stand_ins_replace_every_reference_and_are_undone() -> None:
    def own(x):
        return "own"

    def correct(x):
        return "correct"

    package = types.ModuleType("pkg")
    user = types.ModuleType("pkg.user")
    package.own, user.own, user.alias = own, own, own

    class Student:
        def get(self, name):
            if name == "absent":
                raise ImportError(name)
            return own

        def modules(self):
            return [package, user]

    with probes.stand_ins(Student(), {"own": correct, "absent": correct}):
        assert package.own is user.own is user.alias is not own
        kept = user.alias  # what a submission could keep a reference to
        assert kept(1) == "correct" and kept.__name__ == "own"
    assert package.own is user.own is user.alias is own
    with pytest.raises(RuntimeError, match="lent for one check"):
        kept(1)  # a stand-in dies with the request that lent it


def test_a_called_name_runs_under_its_bound_rules(registry, monkeypatch) -> None:
    monkeypatch.setattr(probes, "BOUND", {"corr2d": ["no_conv", "values"]})
    assert probes.rules_of("call", {"name": "corr2d"}) == ["no_conv", "values"]
    assert probes.rules_of("call", {"name": "corr2d", "rules": ["values", "x"]}) == \
        ["no_conv", "values", "x"]
    assert probes.rules_of("call", {"name": "free"}) == []


def test_type_name_is_the_exact_type() -> None:
    class Sub(int):
        pass

    assert probes.type_name(Sub(1)).endswith("test_type_name_is_the_exact_type.<locals>.Sub")
    assert probes.type_name(1) == "builtins.int"


def test_a_plugin_file_registers_its_probes_and_rules(registry, tmp_path: Path) -> None:
    plugin = tmp_path / "toy_plugin.py"
    plugin.write_text(
        "from autograder.sandbox.probes import probe\n"
        "RULES = {'toy_rule': {'kind': 'operators', 'family': '^no_such_operator_xyz$',\n"
        "                      'says': 'nothing', 'canaries': []}}\n"
        "LOADS = []\n"
        "LOADS.append(1)\n"
        "@probe(['toy_rule'])\n"
        "def toy(student, violations):\n"
        "    return {'toy': True}\n")
    try:
        (module,) = probes.load_plugins([plugin])
        assert probes.load_plugins([str(plugin)]) == [module]  # loaded once
        assert module.LOADS == [1] and module.__name__ == "sandbox_plugin_toy_plugin"
        assert registry["toy"] is module.toy and probes.rules_of("toy", {}) == ["toy_rule"]
        assert isinstance(guards.RULES["toy_rule"], guards.OperatorRule)
    finally:
        sys.modules.pop("sandbox_plugin_toy_plugin", None)


def test_a_plugin_in_the_graders_package_keeps_its_module_name(registry) -> None:
    (module,) = probes.load_plugins([paths.REPO / "autograder" / "tolerances.py"])
    assert module is sys.modules["autograder.tolerances"]


def test_missing_or_broken_plugins_fail_loudly(registry, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        probes.load_plugins([tmp_path / "absent.py"])
    broken = tmp_path / "broken_plugin.py"
    broken.write_text("raise RuntimeError('no')\n")
    with pytest.raises(RuntimeError, match="no"):
        probes.load_plugins([broken])
    assert "sandbox_plugin_broken_plugin" not in sys.modules
