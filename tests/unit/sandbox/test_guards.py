"""``autograder.sandbox.guards``: rules come as data, are validated, and an operator rule
refuses, records and counts as the assignment's rules need (the rules themselves are tested
end to end by tests/repo/test_public_suite.py and the adversarial corpus)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from autograder import rules
from autograder.sandbox import guards


@pytest.fixture()
def registered(monkeypatch: pytest.MonkeyPatch):
    """The assignment's operator rule, registered in a fresh registry and lifted afterwards."""
    monkeypatch.setattr(guards, "RULES", {})
    guards.register({rules.NO_CONVOLUTION: rules.RULES[rules.NO_CONVOLUTION]})
    yield guards.RULES
    guards.lift_unneeded([])


def test_a_forbidden_operator_is_refused_and_recorded_even_if_caught(registered) -> None:
    violations = guards.Violations()
    x, k = torch.randn(1, 1, 4, 4), torch.randn(1, 1, 2, 2)
    with guards.guard([rules.NO_CONVOLUTION], violations)[0] as guard:
        try:
            F.conv2d(x, k)
        except guards.RuleViolation:
            pass
        (x * 2).sum()
        guard.check_intact()
    assert violations.items == ["conv2d (torch's convolution, unfold, fold or as_strided)"]
    assert guard.ops >= 2
    guards.lift_unneeded([])
    assert F.conv2d(x, k).shape == (1, 1, 3, 3)  # lifted: torch's own again


def test_the_overrides_hold_without_the_counting_mode(registered) -> None:
    violations = guards.Violations()
    with guards.guard([rules.NO_CONVOLUTION], violations, watch=False)[0]:
        with pytest.raises(guards.RuleViolation):
            torch.zeros(4).unfold(0, 2, 1)
    assert len(violations.items) == 1 and violations.items[0].startswith("unfold")


def test_removed_overrides_are_noticed(registered) -> None:
    violations = guards.Violations()
    with guards.guard([rules.NO_CONVOLUTION], violations)[0] as guard:
        for library in registered[rules.NO_CONVOLUTION].overrides.libraries:
            library._destroy()  # what a student who found our handles (gc) could do
        guard.check_intact()
    registered[rules.NO_CONVOLUTION].overrides.libraries = []
    assert violations.items == ["tampering with the grader's rule guard"]


def test_an_operator_rule_table_is_what_its_spec_says(registered) -> None:
    rule = registered[rules.NO_CONVOLUTION]
    assert rule.forbids("aten::conv2d.padding") and rule.forbids("aten::im2col")
    assert rule.forbids("aten::set_.source_Storage_storage_offset")
    assert not rule.forbids("aten::set_.source_Tensor") and not rule.forbids("aten::add.Tensor")
    keys = {(name, key) for _, name, key in rule.overrides.operators}
    assert ("as_strided", "Autograd") in keys and ("as_strided", "CPU") not in keys
    assert ("convolution", "CPU") in keys


@pytest.mark.parametrize("spec, match", [
    ({"kind": "magic"}, "kind must be one of"),
    ({"kind": "autograd", "where": "f", "typo": 1}, "unknown keys"),
    ({"kind": "operators", "family": "x", "says": "x", "canaries": [], "overload": []},
     "unknown keys"),
])
def test_bad_specs_are_refused(monkeypatch, spec, match) -> None:
    monkeypatch.setattr(guards, "RULES", {})
    with pytest.raises(ValueError, match=match):
        guards.register({"bad": spec})


def test_unknown_rule_names_are_refused(monkeypatch) -> None:
    monkeypatch.setattr(guards, "RULES", {})
    with pytest.raises(ValueError, match="unknown rules"):
        guards.guard(["no_such_rule"], guards.Violations())


def test_a_name_registered_twice_keeps_its_rule(registered) -> None:
    rule = registered[rules.NO_CONVOLUTION]
    guards.register({rules.NO_CONVOLUTION: rules.RULES[rules.NO_CONVOLUTION]})
    assert registered[rules.NO_CONVOLUTION] is rule
