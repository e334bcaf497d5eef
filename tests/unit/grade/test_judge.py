"""``autograder.grade.judge`` (and the verdict on a reply, ``grade.student._verdict``): exact
types, one property per check, tolerances from the shared table, and messages that never show
an expected value (only ``detail`` may)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.grade import judge
from autograder.grade.bank import CheckFailed
from autograder.grade.student import _verdict
from autograder.sandbox import codec
from tests.unit.grade.observations import failure, observe
from autograder.sandbox.protocol import Failure, Reply, Request
from autograder.tolerances import TOLERANCES

FLOATS = [torch.float64, torch.float32, torch.float16, torch.bfloat16]


# ---------------------------------------------------------------------------- as_tensor

def test_as_tensor_rebuilds_the_observed_tensor() -> None:
    t = torch.tensor([[1.5, -2.0]], dtype=torch.bfloat16)
    back = judge.as_tensor(observe(t), "Y")
    assert back.dtype == torch.bfloat16 and torch.equal(back, t)


@pytest.mark.parametrize("value, says", [
    ([1.0, 2.0], "a list of 2 items"), (3, "a value of type int"), (None, "a value of type"),
    (torch.nn.Parameter(torch.zeros(1)), "an object of type torch.nn.parameter.Parameter"),
])
def test_as_tensor_names_what_came_instead(value, says) -> None:
    assert says in failure(judge.as_tensor, observe(value), "Y").message


@pytest.mark.parametrize("tamper", [
    lambda o: o["value"].update(__array__="x"),
    lambda o: o.update(shape=[9]),
    lambda o: o.update(dtype="float16"),
    lambda o: o["value"]["__array__"].update(data="AAAA"),
    lambda o: o.pop("value"),
])
def test_a_forged_description_is_refused(tamper) -> None:
    obs = observe(torch.ones(2, 2))
    tamper(obs)
    assert failure(judge.as_tensor, obs, "Y").message.startswith("Y: ")


# ------------------------------------------------------------------------- expect_tensor

def test_expect_tensor_passes_equal_values_and_returns_them() -> None:
    expected = judge.array(1, 3, 4)
    assert torch.equal(judge.expect_tensor(observe(expected.clone()), expected, "Y"), expected)


def test_a_value_failure_counts_and_locates_but_hides_the_expected_values() -> None:
    expected = judge.array(2, 3, 3)
    got = expected.clone()
    got[1, 2] += 1.0
    caught = failure(judge.expect_tensor, observe(got), expected, "Y")
    assert caught.message.startswith("Y: 1 of 9 values are wrong; first at index (1, 2)")
    assert f"{expected[1, 2].item():.6g}" not in caught.message
    assert f"expected {expected[1, 2].item():.6g}" in caught.detail


def test_shape_and_type_fail_before_values() -> None:
    expected = judge.array(3, 2, 2)
    assert "shape (4,), expected (2, 2)" in failure(
        judge.expect_tensor, observe(torch.zeros(4, dtype=torch.float64)), expected, "Y").message
    assert "expected a torch.Tensor, got a list" in failure(
        judge.expect_tensor, observe([1.0]), expected, "Y").message


def test_dtype_and_device_are_judged_only_where_asked() -> None:
    expected = judge.array(4, 2, 2)
    as_float32 = observe(expected.float())
    judge.expect_tensor(as_float32, expected, "Y")  # values agree at float32's tolerance
    message = failure(judge.expect_tensor, as_float32, expected, "Y", layout=True).message
    assert "dtype float32, expected float64" in message
    wrong = observe(expected.float() + 1)
    assert "also the result is float32, not float64" in failure(
        judge.expect_tensor, wrong, expected, "Y").message


def test_on_meta_only_the_layout_is_judged() -> None:
    expected = torch.zeros(2, 3)
    obs = observe(torch.empty(2, 3, device="meta"))
    assert judge.expect_tensor(obs, expected, "Y", device="meta") is expected
    message = failure(judge.expect_tensor, observe(torch.zeros(2, 3)), expected, "Y",
                      device="meta").message
    assert "tensor on device cpu, but the input was on meta" in message


def test_the_runs_device_is_the_default() -> None:
    token = judge.DEVICE.set("meta")
    try:
        obs = observe(torch.empty(2, device="meta"))
        judge.expect_tensor(obs, torch.zeros(2), "Y")
    finally:
        judge.DEVICE.reset(token)


# ---------------------------------------------------------------------- compare_values

@given(st.sampled_from(FLOATS), st.integers(0, 2**16))
def test_a_tensor_agrees_with_itself_in_any_precision(dtype, seed) -> None:
    expected = judge.array(seed, 5, dtype=torch.float64)
    judge.compare_values(expected.to(dtype), expected, "Y")


@given(st.sampled_from(FLOATS), st.integers(0, 2**16))
def test_an_error_beyond_the_coarser_tolerance_fails(dtype, seed) -> None:
    expected = judge.array(seed, 5)
    rtol, atol = TOLERANCES[codec.dtype_name(dtype)]
    got = expected.clone()
    got[0] += 10 * (atol + rtol * abs(got[0].item())) + 1e-3
    message = failure(judge.compare_values, got.to(dtype), expected, "Y").message
    assert message.startswith("Y: 1 of 5 values are wrong; first at index (0,)")


def test_integers_compare_exactly_and_nan_never_matches() -> None:
    judge.compare_values(torch.tensor([1, 2]), torch.tensor([1, 2]), "Y")
    failure(judge.compare_values, torch.tensor([1, 3]), torch.tensor([1, 2]), "Y")
    message = failure(judge.compare_values, torch.tensor([math.nan]), torch.tensor([math.nan]),
                      "Y").message
    assert "NaN or inf" in message


def test_explicit_tolerances_win() -> None:
    judge.compare_values(torch.tensor([1.1]), torch.tensor([1.0]), "Y", rtol=0, atol=0.2)
    failure(judge.compare_values, torch.tensor([1.1]), torch.tensor([1.0]), "Y", rtol=0,
            atol=0.01)


# ------------------------------------------------------------- property checks: value first

def test_value_first_lets_a_right_value_through() -> None:
    expected = judge.array(11, 2, 3, dtype=torch.float32)
    with judge.value_first("Y in float32"):
        judge.expect_tensor(observe(expected.clone()), expected, "Y in float32")


@pytest.mark.parametrize("value", [
    torch.zeros(2, 3, dtype=torch.float32),          # a placeholder of the right shape and dtype
    torch.full((2, 3), 7.0, dtype=torch.float32),    # a constant
    [1.0, 2.0],                                      # not a tensor
])
def test_value_first_fails_a_property_check_as_not_judged(value) -> None:
    expected = judge.array(12, 2, 3, dtype=torch.float32)

    def check() -> None:
        with judge.value_first("Y in float32"):
            judge.expect_tensor(observe(value), expected, "Y in float32")
        judge.expect_dtype(observe(value), torch.float32, "Y in float32")  # never reached

    caught = failure(check)
    assert caught.message.startswith("Y in float32: not judged: the value is wrong (")
    assert "Y in float32: Y in float32" not in caught.message  # the what is said once
    assert "dtype" not in caught.message  # one mistake (the value), not two


def test_value_first_turns_a_crash_into_not_judged() -> None:
    reply = Reply(error=Failure("ValueError", "ValueError: oops (at cross_correlation.py:3)"))
    with pytest.raises(CheckFailed) as caught, judge.value_first("corr2d in float16"):
        _verdict(reply.to_wire(), None, ["cross_correlation.py"])
    assert caught.value.message == ("corr2d in float16: not judged: the value is wrong (your code "
                                    "raised ValueError (at cross_correlation.py:3))")


def test_tolerance_is_the_dtypes() -> None:
    assert judge.tolerance(torch.bfloat16) == TOLERANCES["bfloat16"]
    assert judge.tolerance(torch.int64) == (0.0, 0.0)


# ------------------------------------------------------------- what student text may show

@pytest.mark.parametrize("text, shown", [
    ("ValueError: [[0.1234, -1.5e-05]] (at cross_correlation.py:42)",
     "ValueError: [[#.#, -#.#e-#]] (at cross_correlation.py:#)"),
    ("expected float64, got float32 in conv2d and Corr2dFunction (im2col, conv1x1, mat1)",
     "expected float64, got float32 in conv2d and Corr2dFunction (im2col, conv1x1, mat1)"),
    ("tensor([[1., 2.]]) of shape (5, 6) on cuda:0, x12345", "tensor([[#., #.]]) of shape (#, #) "
     "on cuda:#, x#"),
])
def test_mask_numbers(text, shown) -> None:
    assert judge.mask_numbers(text) == shown


def test_mask_numbers_cuts_long_text() -> None:
    assert judge.mask_numbers("x" * 1000, 50) == "x" * 50 + " [...]"


def _hidden_input_values(X: torch.Tensor) -> list[str]:
    """A few of ``X``'s values as a student's code could print them."""
    values = X.reshape(-1)[:4].tolist()
    return [f for v in values for f in (repr(v), f"{v:.4f}", f"{v:.6g}", f"{v:.3e}", str(v)[:6])]


@pytest.mark.parametrize("kind, text", [
    ("ValueError", "ValueError: {values} (at cross_correlation.py:37)"),
    ("NotImplementedError", "NotImplementedError: corr2d: not yet {values} (at "
                            "cross_correlation.py:37)"),
    ("RuntimeError", "RuntimeError: {values}; expected all tensors on the same device, cuda:0 "
                     "and cpu (at cross_correlation.py:37)"),
])
def test_a_message_carries_no_value_the_code_derived_from_the_inputs(kind, text) -> None:
    X = judge.array(101, 7, 7)
    text = text.format(values=repr(X.tolist()))
    caught = failure(_verdict, Reply(error=Failure(kind, text)).to_wire(),
                     Request("call", {"name": "corr2d"}), ["cross_correlation.py"])
    assert not any(v in caught.message for v in _hidden_input_values(X)), caught.message
    assert "cross_correlation.py:37)" in caught.message  # where it happened: kept
    assert repr(X.tolist())[:200] in caught.detail      # the whole text: visible checks only


def test_forged_rule_violations_carry_no_values() -> None:
    X = judge.array(102, 3, 3)
    reply = Reply(ok={}, violations=(f"aten::convolution {X.tolist()}",))
    caught = failure(_verdict, reply.to_wire())
    assert caught.message == ("rule broken: your code used something the rules forbid (the "
                              "grader could not confirm what)")
    assert not any(v in caught.message for v in _hidden_input_values(X))


@pytest.mark.parametrize("text", [
    "E{}".format("abcdefgh"), "conv2d (values told in letters: abcdefgh)",
    "abcdefgh (torch's convolution, unfold, fold or as_strided)"])
def test_text_in_letters_is_not_quoted_either(text) -> None:
    """Masking digits is not enough: a class name, a violation or a file name chosen by the
    code could spell values in letters; only what the grader can vouch for is quoted."""
    caught = failure(_verdict, Reply(error=Failure(text, f"{text}: x (at abcdefgh.py:1)"))
                     .to_wire(), None, ["cross_correlation.py"])
    assert "abcdefgh" not in caught.message and "(at" not in caught.message
    caught = failure(_verdict, Reply(ok={}, violations=(text,)).to_wire())
    assert "abcdefgh" not in caught.message


def test_names_the_student_process_reports_are_masked_too() -> None:
    assert judge.describe({"kind": "object", "type": "mod.V0_12345"}) == (
        "an object of type mod.V0_#")
    assert "1234" not in judge.describe({"kind": "tensor", "dtype": "float1234", "shape": [2]})


# --------------------------------------------------------------------- the other checks

def test_expect_unchanged_is_bit_for_bit() -> None:
    original = judge.array(5, 3)
    judge.expect_unchanged(observe(original.clone()), original, "X")
    changed = original.clone()
    changed[0] = math.nextafter(changed[0].item(), math.inf)
    assert "was modified" in failure(judge.expect_unchanged, observe(changed), original,
                                     "X").message


def test_expect_value_wants_the_exact_type() -> None:
    assert judge.expect_value(observe(3), int, "n") == 3
    assert "expected a int, got a value of type bool" in failure(
        judge.expect_value, observe(True), int, "n").message
    assert "malformed" in failure(judge.expect_value, {"kind": "int", "value": "3"}, int,
                                  "n").message


def test_expect_dtype() -> None:
    judge.expect_dtype(observe(torch.zeros(1, dtype=torch.float16)), torch.float16, "Y")
    assert "dtype float32, expected float16" in failure(
        judge.expect_dtype, observe(torch.zeros(1)), torch.float16, "Y").message


def test_arrays_are_deterministic_per_seed() -> None:
    assert torch.equal(judge.array(7, 2, 3), judge.array(7, 2, 3))
    assert not torch.equal(judge.array(7, 2, 3), judge.array(8, 2, 3))
    assert judge.array(7, 4, kind="int").abs().max() <= 3
    with pytest.raises(ValueError):
        judge.array(7, 2, kind="uniform")


# ---------------------------------------------------------------- the verdict on a reply

def test_a_reply_gives_its_observations() -> None:
    assert _verdict(Reply(ok={"value": 1}, id="x").to_wire()) == {"value": 1}


@pytest.mark.parametrize("reply, says", [
    (Reply(ok={}, violations=("conv2d (torch's convolution, unfold, fold or as_strided)",)),
     "rule broken: your code used conv2d (torch's convolution, unfold, fold or as_strided)"),
    (Reply(ok={}, violations=("Tensor.tolist (tensor values taken out of torch (to Python or "
                              "numpy))",)),
     "rule broken: your code used Tensor.tolist (tensor values taken out of torch"),
    (Reply(ok={}, violations=("tampering with the grader's rule guard",)),
     "rule broken: your code used tampering with the grader's rule guard"),
    (Reply(error=Failure("NotImplementedError", "NotImplementedError: write corr2d")),
     "not implemented yet"),
    (Reply(error=Failure("SystemExit", "SystemExit: 0")), "your code called sys.exit()"),
    (Reply(error=Failure("ValueError", "ValueError: bad")), "your code raised ValueError"),
])
def test_a_failed_reply_says_why(reply: Reply, says: str) -> None:
    assert failure(_verdict, reply.to_wire()).message.startswith(says)


def test_a_device_error_gets_a_hint_in_terms_of_the_call() -> None:
    reply = Reply(error=Failure("RuntimeError", "RuntimeError: Expected all tensors to be on "
                                "the same device, but found cuda:0 and cpu"))
    plain = failure(_verdict, reply.to_wire(), Request("call", {"name": "f"})).message
    assert "device=X.device" in plain
    with_kwarg = failure(_verdict, reply.to_wire(),
                         Request("call", {"name": "f", "kwargs": {"device": "cuda"}})).message
    assert "pass device=device" in with_kwarg


@pytest.mark.parametrize("message", [None, [], {"ok": []}, {"ok": {}, "violations": "x"},
                                     {"error": "boom"}, {"ok": {}, "forged": 1}])
def test_a_malformed_reply_is_reported_as_such(message) -> None:
    assert failure(_verdict, message).message == (
        "the grader received a malformed reply from your code")
