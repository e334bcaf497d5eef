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


# ------------------------------------------------------------------ views torch itself emits

def test_reshape_of_a_permuted_tensor_is_allowed_under_training_rules(registered) -> None:
    """Outside a dispatch mode torch's reshape emits _reshape_alias: an honest im2col ending
    in permute().reshape() used inside a training loop (watch=False) was refused."""
    X = torch.randn(5, 6, requires_grad=True)
    violations = guards.Violations()
    with guards.guard([rules.NO_CONVOLUTION], violations, watch=False)[0]:
        cols = torch.stack([X[a:a + 3, b:b + 4] for a in range(3) for b in range(3)])
        cols.permute(1, 2, 0).reshape(12, 9).sum().backward()
        X.detach().t().reshape(30).flatten()
    assert violations.items == []
    assert X.grad is not None and X.grad.shape == (5, 6)


def test_reshape_alias_with_strides_of_ones_own_is_refused(registered) -> None:
    violations = guards.Violations()
    with guards.guard([rules.NO_CONVOLUTION], violations, watch=False)[0]:
        plain = torch.ops.aten._reshape_alias(torch.arange(10.0), (2, 5), (5, 1))
        with pytest.raises(guards.RuleViolation):  # overlapping windows: as_strided by hand
            torch.ops.aten._reshape_alias(torch.arange(10.0), (8, 3), (1, 1))
    assert plain.tolist() == [[0.0, 1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0, 9.0]]
    assert violations.items and violations.items[0].startswith("reshape_alias")


# ------------------------------------------------------------------------- values in torch

@pytest.fixture()
def values_rule(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(guards, "RULES", {})
    guards.register({rules.VALUES_STAY_IN_TORCH: rules.RULES[rules.VALUES_STAY_IN_TORCH]})
    yield guards.RULES[rules.VALUES_STAY_IN_TORCH]
    guards.lift_unneeded([])


@pytest.mark.parametrize("escape", [
    lambda X: X.tolist(), lambda X: X[0, 0].item(), lambda X: X.numpy(),
    lambda X: float(X[0, 0]), lambda X: __import__("numpy").asarray(X),
    lambda X: X.untyped_storage(), lambda X: X.data_ptr(),
    lambda X: __import__("pickle").dumps(X),
    lambda X: torch.save(X, __import__("io").BytesIO()),
    lambda X: torch.utils.dlpack.to_dlpack(X),
    lambda X: torch.from_numpy(__import__("numpy").ones(3)),
    lambda X: torch.tensor(__import__("numpy").ones(3)),
    lambda X: torch.as_tensor(__import__("numpy").ones(3)),
    lambda X: X.new_tensor(__import__("numpy").ones(3)),
    lambda X: torch.frombuffer(bytearray(8), dtype=torch.float64),
], ids=["tolist", "item", "numpy", "float", "np.asarray", "storage", "data_ptr", "pickle",
        "save", "dlpack", "from_numpy", "tensor(ndarray)", "as_tensor(ndarray)",
        "new_tensor(ndarray)", "frombuffer"])
def test_values_may_not_leave_torch_inside_the_rule(values_rule, escape) -> None:
    X = torch.arange(6.0).reshape(2, 3)
    violations = guards.Violations()
    with values_rule.guard(violations):
        try:
            escape(X)
        except guards.RuleViolation:
            pass
    assert len(violations.items) == 1, violations.items
    escape(X)  # outside the rule: allowed


def test_inside_the_rule_tensors_print_as_their_shape_and_numbers_stay_allowed(values_rule):
    X = torch.arange(6.0).reshape(2, 3)
    violations = guards.Violations()
    with values_rule.guard(violations) as guard:
        shown = f"{X} {X!r} {X[0, 0]:}"
        made = torch.tensor([1.0, 2.0, 3.0]) + torch.as_tensor(X) + X.shape[0]
        guard.check_intact()
    assert "0., 1." not in shown and "shape (2, 3)" in shown
    assert made[1].tolist() == [6.0, 8.0, 10.0]
    assert violations.items == []
    assert "0., 1." in repr(X)  # outside: torch's own printing


def test_restoring_torchs_own_methods_is_noticed(values_rule) -> None:
    violations = guards.Violations()
    original = torch.Tensor.tolist
    with values_rule.guard(violations) as guard:
        torch.Tensor.tolist = torch._C.TensorBase.tolist
        try:
            guard.check_intact()
        finally:
            torch.Tensor.tolist = original
    assert violations.items == ["tampering with the grader's rule guard"]


# ------------------------------------------------------------------ recurrent and attention

def test_attention_and_recurrent_operators_are_refused_even_where_they_decompose(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guards, "RULES", {})
    name = rules.NO_RECURRENT_OR_ATTENTION
    guards.register({name: rules.RULES[name]})
    q = torch.randn(1, 3, 4, requires_grad=True)
    try:
        for attempt in (lambda: F.scaled_dot_product_attention(q, q, q),
                        lambda: torch.nn.LSTM(4, 2)(q),
                        lambda: torch.nn.GRU(4, 2)(q.detach())):
            violations = guards.Violations()
            with guards.guard([name], violations, watch=False)[0]:
                with pytest.raises(guards.RuleViolation):
                    attempt()
            assert len(violations.items) == 1
        violations = guards.Violations()
        with guards.guard([name], violations, watch=False)[0]:  # a convolutional net is fine
            net = torch.nn.Sequential(torch.nn.Conv1d(3, 2, 3), torch.nn.AdaptiveMaxPool1d(1))
            net(torch.randn(2, 3, 8)).sum().backward()
        assert violations.items == []
    finally:
        guards.lift_unneeded([])


# --------------------------------------------------------------------------- line counter

def test_the_line_counter_counts_a_python_loop_whatever_file_it_claims(tmp_path) -> None:
    # Code compiled under torch's own file name is counted like any other.
    namespace: dict = {}
    exec(compile("def work(n):\n    total = 0\n    for i in range(n):\n        total += i\n"
                 "    return total\n", torch.__file__, "exec"), namespace)
    counts = []
    for n in (3, 30):
        with guards.LineCounter() as lines:
            namespace["work"](n)
        counts.append(lines.lines)
    assert counts[1] - counts[0] == 2 * 27


def test_a_removed_line_counter_is_noticed() -> None:
    import sys

    violations = guards.Violations()
    with guards.LineCounter() as lines:
        sys.settrace(None)
        lines.check_intact(violations)
    assert violations.items == ["tampering with the grader's rule guard (its line counter)"]


def test_no_thread_may_start_inside_the_rule(values_rule) -> None:
    import threading

    violations = guards.Violations()
    with values_rule.guard(violations):
        with pytest.raises(guards.RuleViolation):
            threading.Thread(target=lambda: None).start()
    assert len(violations.items) == 1
    thread = threading.Thread(target=lambda: None)  # outside: threads as usual
    thread.start()
    thread.join()


def test_torch_code_called_by_the_submission_inherits_its_restrictions(values_rule) -> None:
    """A call into torch's own Python (here, code compiled under torch's file name, as a
    submission could) that takes values out is refused when the submission made it."""
    namespace: dict = {}
    exec(compile("def leak(t):\n    return t.tolist()\n", torch.__file__, "exec"), namespace)
    violations = guards.Violations()
    with values_rule.guard(violations):
        with pytest.raises(guards.RuleViolation):
            namespace["leak"](torch.ones(2))
    assert len(violations.items) == 1


def test_torchs_python_versions_of_the_family_are_refused_to_the_submission(registered) -> None:
    import torch._decomp.decompositions as decompositions

    X = torch.randn(1, 1, 4, 4)
    violations = guards.Violations()
    with guards.guard([rules.NO_CONVOLUTION], violations)[0]:
        with pytest.raises(guards.RuleViolation):
            decompositions.im2col(X, [2, 2], [1, 1], [0, 0], [1, 1])
    assert violations.items and violations.items[0].startswith("im2col")
    guards.lift_unneeded([])
    assert decompositions.im2col(X, [2, 2], [1, 1], [0, 0], [1, 1]).shape == (1, 4, 9)
