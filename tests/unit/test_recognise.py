"""``autograder.recognise`` (a failing result compared with the known wrong answers of its call)
and how the grader's judge uses it: a wrong value that equals a suspect's carries the
misconception on its ``CheckFailed``; a right value never computes a suspect."""

from __future__ import annotations

import pytest
import torch

from autograder.grade import judge
from autograder.grade.bank import CheckFailed
from autograder.recognise import (DEFAULT_DEVICE, DEFAULT_DTYPE, Suspect, recognise,
                                  recognise_layout, suspects)
from tests.unit.grade.observations import failure, observe

RIGHT = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
FLIPPED = RIGHT.flip(0, 1)
TOL = (1e-7, 1e-9)


def const(value) -> Suspect:
    return Suspect("?", lambda: value)


def named(mid: str, value) -> Suspect:
    return Suspect(mid, lambda: value)


def raises() -> torch.Tensor:
    raise IndexError("undefined on this input")


# ----------------------------------------------------------------------------- suspects


def test_suspects_bind_the_inputs_and_compute_nothing_yet() -> None:
    calls = []

    def wrong(x, k, padding=0):
        calls.append((x, k, padding))
        return x + k + padding

    table = {"f": [("a", wrong)], "g": [("b", wrong)]}
    other = {"f": [("c", wrong)]}
    found = suspects([table, other], "f", 1, 2, padding=3)
    assert [s.misconception for s in found] == ["a", "c"] and calls == []
    assert found[0].output() == 6 and calls == [(1, 2, 3)]
    assert suspects([table], "h", 1, 2) == []


# ---------------------------------------------------------------------------- recognise


def test_a_value_that_equals_a_suspect_is_recognised() -> None:
    got = FLIPPED.clone()
    assert recognise(got, got.shape, RIGHT, [named("kernel_flipped", FLIPPED)], *TOL) == \
        "kernel_flipped"


def test_a_value_that_equals_no_suspect_is_not() -> None:
    got = FLIPPED + 1
    assert recognise(got, got.shape, RIGHT, [named("kernel_flipped", FLIPPED)], *TOL) is None


def test_the_first_suspect_that_matches_wins() -> None:
    candidates = [named("other", RIGHT * 3), named("first", FLIPPED), named("second", FLIPPED)]
    assert recognise(FLIPPED, FLIPPED.shape, RIGHT, candidates, *TOL) == "first"


def test_a_suspect_equal_to_the_right_answer_on_this_input_is_skipped() -> None:
    """A symmetric kernel flipped is the kernel: no result can be recognised as flipping it."""
    got = RIGHT * 2  # wrong, but not what the skipped suspect gives either
    candidates = [named("no_op_here", RIGHT.clone()), named("doubled", RIGHT * 2)]
    assert recognise(got, got.shape, RIGHT, candidates, *TOL) == "doubled"
    # even a (wrong) result equal to the right answer within tolerance is never named by it
    assert recognise(RIGHT + 1e-12, RIGHT.shape, RIGHT, [named("no_op_here", RIGHT)],
                     *TOL) is None


def test_a_suspect_that_raises_is_skipped() -> None:
    candidates = [Suspect("crashes", raises), named("next", FLIPPED)]
    assert recognise(FLIPPED, FLIPPED.shape, RIGHT, candidates, *TOL) == "next"
    assert recognise(FLIPPED, FLIPPED.shape, RIGHT, [Suspect("crashes", raises)], *TOL) is None


def test_a_suspect_of_another_shape_is_not_recognised() -> None:
    got = torch.zeros(3, 2, dtype=torch.float64)
    assert recognise(got, got.shape, RIGHT, [named("wide", torch.zeros(2, 3))], *TOL) is None


def test_a_suspect_that_returns_something_else_is_skipped() -> None:
    candidates = [named("a_list", [[4.0, 3.0], [2.0, 1.0]]), named("none", None),
                  named("flipped", FLIPPED)]
    assert recognise(FLIPPED, FLIPPED.shape, RIGHT, candidates, *TOL) == "flipped"


def test_tolerance_is_respected() -> None:
    got = FLIPPED + 1e-4
    candidate = [named("kernel_flipped", FLIPPED)]
    assert recognise(got, got.shape, RIGHT, candidate, rtol=0, atol=1e-6) is None
    assert recognise(got, got.shape, RIGHT, candidate, rtol=0, atol=1e-3) == "kernel_flipped"


def test_values_are_compared_whatever_the_dtype() -> None:
    got = FLIPPED.to(torch.float32)
    assert recognise(got, got.shape, RIGHT, [named("kernel_flipped", FLIPPED)],
                     rtol=1.3e-6, atol=1e-5) == "kernel_flipped"


def test_a_shape_only_suspect_matches_a_result_of_its_shape_that_is_wrong() -> None:
    ceiling = named("output_size_ceiling", torch.Size((3, 3)))
    wrong_shape = torch.zeros(3, 3, dtype=torch.float64)
    assert recognise(wrong_shape, (3, 3), RIGHT, [ceiling], *TOL) == "output_size_ceiling"
    # the values may be unknown (a result whose shape alone came back)
    assert recognise(None, (3, 3), RIGHT, [ceiling], *TOL) == "output_size_ceiling"
    # another wrong shape is not this mistake
    assert recognise(torch.zeros(4, 3), (4, 3), RIGHT, [ceiling], *TOL) is None


def test_a_shape_only_suspect_never_matches_when_its_shape_is_the_right_one() -> None:
    """Where rounding up gives the same size as the right formula, a result of that shape with
    wrong values is some other mistake."""
    same = named("output_size_ceiling", torch.Size((2, 2)))
    assert recognise(RIGHT + 1, (2, 2), RIGHT, [same], *TOL) is None
    assert recognise(None, (2, 2), RIGHT, [same], *TOL) is None


def test_without_values_only_shape_suspects_can_match() -> None:
    assert recognise(None, (2, 2), RIGHT, [named("kernel_flipped", FLIPPED)], *TOL) is None


def test_a_suspect_is_computed_without_autograd() -> None:
    seen = []

    def wrong():
        seen.append(torch.is_grad_enabled())
        return FLIPPED

    recognise(FLIPPED, FLIPPED.shape, RIGHT, [Suspect("x", wrong)], *TOL)
    assert seen == [False]


# --------------------------------------------------------------------- recognise_layout


@pytest.mark.parametrize("got, want, recognised", [
    ("float32", "float64", DEFAULT_DTYPE),
    ("float32", "bfloat16", DEFAULT_DTYPE),
    ("float32", "float16", DEFAULT_DTYPE),
    (torch.float32, torch.float64, DEFAULT_DTYPE),
    ("torch.float32", "torch.bfloat16", DEFAULT_DTYPE),
    ("float64", "float32", None),          # wider than asked: not d2l's default
    ("float32", "float32", None),
    ("float32", "int64", None),            # the contract asks for integers: another mistake
    ("bfloat16", "float64", None),
    (None, None, None),
])
def test_a_float32_result_where_another_float_was_asked_is_the_default_dtype(
        got, want, recognised) -> None:
    assert recognise_layout(got, want, None, None) == recognised


@pytest.mark.parametrize("got, want, recognised", [
    ("cpu", "meta", DEFAULT_DEVICE),
    ("cpu", "cuda", DEFAULT_DEVICE),
    ("cpu", "cuda:0", DEFAULT_DEVICE),
    (torch.device("cpu"), torch.device("meta"), DEFAULT_DEVICE),
    ("cuda", "cpu", None),
    ("meta", "cuda", None),
    ("cpu", "cpu", None),
    ("cpu", None, None),
    ("cpu", "not a device", None),
    ("an unknown device", "meta", None),
])
def test_a_cpu_result_where_another_device_was_asked_is_the_default_device(
        got, want, recognised) -> None:
    assert recognise_layout(None, None, got, want) == recognised


def test_the_dtype_is_named_before_the_device() -> None:
    assert recognise_layout("float32", "float64", "cpu", "meta") == DEFAULT_DTYPE


# ----------------------------------------------------------------- the judge recognises


class Recorder:
    """A suspect's function that counts its calls."""

    def __init__(self, value) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> torch.Tensor:
        self.calls += 1
        return self.value


def test_expect_tensor_names_the_suspect_a_wrong_value_equals() -> None:
    caught = failure(judge.expect_tensor, observe(FLIPPED), RIGHT, "Y",
                     suspects=[named("other", RIGHT * 3), named("kernel_flipped", FLIPPED)])
    assert caught.misconception == "kernel_flipped"
    assert "values are wrong" in caught.message and "kernel" not in caught.message


def test_expect_tensor_names_nothing_when_no_suspect_matches() -> None:
    caught = failure(judge.expect_tensor, observe(FLIPPED + 1), RIGHT, "Y",
                     suspects=[named("kernel_flipped", FLIPPED)])
    assert caught.misconception is None
    assert failure(judge.expect_tensor, observe(FLIPPED), RIGHT, "Y").misconception is None


def test_expect_tensor_recognises_a_wrong_shape() -> None:
    got = torch.zeros(3, 3, dtype=torch.float64)
    caught = failure(judge.expect_tensor, observe(got), RIGHT, "Y",
                     suspects=[named("output_size_ceiling", torch.Size((3, 3)))])
    assert caught.message.startswith("Y: shape (3, 3), expected (2, 2)")
    assert caught.misconception == "output_size_ceiling"


def test_expect_tensor_recognises_within_the_tolerance_of_the_coarser_dtype() -> None:
    got = FLIPPED.to(torch.float32)
    caught = failure(judge.expect_tensor, observe(got), RIGHT, "Y",
                     suspects=[named("kernel_flipped", FLIPPED)])
    assert caught.misconception == "kernel_flipped"
    strict = failure(judge.expect_tensor, observe(FLIPPED + 1e-3), RIGHT, "Y", rtol=0,
                     atol=1e-6, suspects=[named("kernel_flipped", FLIPPED)])
    assert strict.misconception is None


@pytest.mark.parametrize("obs", [
    observe([1.0, 2.0]), observe(3), None, {"kind": "tensor", "shape": "(2, 2)"},
    {"kind": "tensor", "shape": [2, 2], "dtype": "float64", "value": {"__array__": "x"}},
])
def test_expect_tensor_recognises_nothing_in_what_is_no_tensor(obs) -> None:
    calls = Recorder(FLIPPED)
    caught = failure(judge.expect_tensor, obs, RIGHT, "Y", suspects=[Suspect("x", calls)])
    assert caught.misconception is None


def test_a_passing_value_never_computes_its_suspects() -> None:
    recorder = Recorder(FLIPPED)
    judge.expect_tensor(observe(RIGHT.clone()), RIGHT, "Y", suspects=[Suspect("x", recorder)])
    assert recorder.calls == 0
    failure(judge.expect_tensor, observe(FLIPPED), RIGHT, "Y", suspects=[Suspect("x", recorder)])
    assert recorder.calls == 1


def test_value_first_keeps_the_misconception() -> None:
    def property_check() -> None:
        with judge.value_first("Y's dtype"):
            judge.expect_tensor(observe(FLIPPED), RIGHT, "Y",
                                suspects=[named("kernel_flipped", FLIPPED)])

    caught = failure(property_check)
    assert "not judged" in caught.message
    assert caught.misconception == "kernel_flipped"


def test_expect_dtype_recognises_the_default_float32() -> None:
    caught = failure(judge.expect_dtype, observe(RIGHT.float()), torch.float64, "Y")
    assert caught.misconception == DEFAULT_DTYPE
    caught = failure(judge.expect_dtype, observe(RIGHT.float()), torch.bfloat16, "Y")
    assert caught.misconception == DEFAULT_DTYPE
    assert failure(judge.expect_dtype, observe(RIGHT), torch.float32, "Y").misconception is None


def test_expect_layout_recognises_the_default_dtype_and_device() -> None:
    caught = failure(judge.expect_layout, observe(RIGHT.float()), (2, 2), torch.float64, "cpu",
                     "Y")
    assert caught.misconception == DEFAULT_DTYPE
    caught = failure(judge.expect_layout, observe(RIGHT), (2, 2), torch.float64, "meta", "Y")
    assert caught.misconception == DEFAULT_DEVICE
    caught = failure(judge.expect_layout, observe(RIGHT), (3, 2), torch.float64, "cpu", "Y")
    assert caught.misconception is None


def test_a_layout_check_through_expect_tensor_recognises_the_device() -> None:
    caught = failure(judge.expect_tensor, observe(RIGHT), RIGHT, "Y", device="meta",
                     suspects=[named("kernel_flipped", FLIPPED)])
    assert caught.misconception == DEFAULT_DEVICE


def test_on_meta_a_shape_only_suspect_is_recognised_from_the_shape_alone() -> None:
    obs = observe(torch.zeros(3, 3, dtype=torch.float64, device="meta"))
    assert "value" not in obs
    caught = failure(judge.expect_tensor, obs, RIGHT.to("meta"), "Y", device="meta",
                     suspects=[named("output_size_ceiling", torch.Size((3, 3))),
                               named("kernel_flipped", FLIPPED)])
    assert caught.misconception == "output_size_ceiling"


# --------------------------------------------- a device error in the student's process


def _error(text: str) -> CheckFailed:
    from autograder.grade.student import _verdict
    from autograder.sandbox.protocol import Failure, Reply, Request

    reply = Reply(error=Failure("RuntimeError", f"RuntimeError: {text}"))
    return failure(_verdict, reply.to_wire(), Request("call", {"name": "corr2d"}))


@pytest.mark.parametrize("text", [
    "Tensor on device meta is not on the expected device cpu!",
    "Expected all tensors to be on the same device, but found at least two devices, cuda:0 "
    "and cpu!",
])
def test_a_cpu_tensor_beside_the_inputs_device_is_the_default_device(text) -> None:
    assert _error(text).misconception == DEFAULT_DEVICE


@pytest.mark.parametrize("text", [
    "shape '[3, 3]' is invalid for input of size 8",
    "Tensor.item() cannot be called on meta tensors",
    "Cannot copy out of meta tensor; no data!",
])
def test_other_errors_are_no_misconception(text) -> None:
    assert _error(text).misconception is None


def test_a_device_error_without_the_cpu_is_not_the_default_device() -> None:
    text = ("Expected all tensors to be on the same device, but found at least two devices, "
            "cuda:0 and meta!")
    assert _error(text).misconception is None
