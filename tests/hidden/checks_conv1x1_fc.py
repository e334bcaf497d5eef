"""Checks of part ``conv1x1_fc``: a 1x1 convolution is a linear layer at every pixel."""

import re
from typing import Any

import torch
from torch import nn

from autograder.grade.bank import CheckFailed, check
from autograder.grade.judge import (array, as_tensor, compare_values, expect_dtype, expect_tensor,
                                    mask_numbers, tolerance, value_first)
from autograder.recognise import DEFAULT_DTYPE
from contracts import Problems, contract

PART = "conv1x1_fc"

CASES = [
    ("3-to-5-with-bias", dict(c_in=3, c_out=5, bias=True, dtype="float64")),
    ("4-to-2-no-bias", dict(c_in=4, c_out=2, bias=False, dtype="float64")),
    ("1-to-7-float32", dict(c_in=1, c_out=7, bias=True, dtype="float32")),
]


def _layer(seed, c_in, c_out, bias, dtype):
    dtype = getattr(torch, dtype)
    return (array(seed, c_out, c_in, dtype=dtype),
            array(seed + 1, c_out, dtype=dtype) if bias else None)


def _per_pixel(weight, bias, X):
    """The linear layer applied to every pixel's channel vector of X (B, c_in, h, w)."""
    Y = torch.einsum("oc,bchw->bohw", weight, X)
    return Y if bias is None else Y + bias[None, :, None, None]


# torch's errors for a layer whose parameters' dtype is not its input's (linear, conv2d)
DTYPE_MISMATCH = re.compile(r"same dtype|should be the same|expected scalar type", re.I)


def _probe(student, name: str, dtype: torch.dtype, **inputs) -> dict[str, Any]:
    """The probe of one conversion. Where the new layer cannot run on an input of ``dtype``
    (not float32) because its parameters are float32 (torch's dtype-mismatch error, naming
    float), the failure is the default-dtype misconception: a layer built without ``dtype=``."""
    try:
        return student.probe(name, **inputs)
    except CheckFailed as failure:
        text = failure.detail or ""
        if failure.misconception is None and dtype != torch.float32 and \
                DTYPE_MISMATCH.search(text) and re.search(r"\bfloat\b", text, re.I):
            failure.misconception = DEFAULT_DTYPE
        raise


@check("linear_to_conv1x1.per_pixel", PART, "linear_to_conv1x1 gives an nn.Conv2d equal to the "
       "linear layer at every pixel ({c_in} -> {c_out} channels, bias={bias}, {dtype})",
       weight=3, cases=CASES, public=["test_linear_to_conv1x1_is_per_pixel_linear"])
def linear_to_conv(student, c_in, c_out, bias, dtype) -> None:
    weight, b = _layer(401, c_in, c_out, bias, dtype)
    X = array(403, 2, c_in, 5, 4, dtype=weight.dtype)
    obs = _probe(student, "linear_to_conv1x1", weight.dtype, weight=weight, bias=b, X=X)
    if not obs["exact"]:
        raise CheckFailed(f"linear_to_conv1x1 returned {mask_numbers(obs['type'], 120)}, "
                          "expected torch.nn.Conv2d")
    wrong = [what for what, right in (
        ("kernel_size is not 1x1", obs["kernel_size"] == [1, 1]),
        ("stride is not 1", obs["stride"] == [1, 1]),
        ("it pads", obs["padding"] in ([0, 0], "valid"))) if not right]
    if wrong:  # (which setting, not its value: the conv is the student's, built on our input)
        raise CheckFailed(f"the conv's {', '.join(wrong)}: expected a 1x1 kernel, stride 1, "
                          "no padding", f"kernel_size {obs['kernel_size']}, stride "
                          f"{obs['stride']}, padding {obs['padding']}")
    expect_tensor(obs["weight"], weight.reshape(c_out, c_in, 1, 1), "conv weight")
    if b is None:
        if obs["bias"].get("kind") != "NoneType":
            raise CheckFailed("the linear layer has no bias, so the conv must have none")
    else:
        expect_tensor(obs["bias"], b, "conv bias")
    expect_tensor(obs["output"], _per_pixel(weight, b, X), "conv(X) at every pixel")
    if obs["shares_weight"]:
        raise CheckFailed("the conv shares the linear layer's weight storage; copy it")
    compare_values(as_tensor(obs["linear_weight"], "linear weight"), weight,
                   "the linear layer's weight after the call (it must not change)")


@check("conv1x1_to_linear.round_trip", PART, "conv1x1_to_linear gives the nn.Linear of a 1x1 "
       "convolution ({c_in} -> {c_out} channels, bias={bias}, {dtype})", weight=3, cases=CASES,
       public=["test_conv1x1_to_linear_round_trip"])
def conv_to_linear(student, c_in, c_out, bias, dtype) -> None:
    weight, b = _layer(404, c_in, c_out, bias, dtype)
    x = array(406, 6, c_in, dtype=weight.dtype)
    obs = _probe(student, "conv1x1_to_linear", weight.dtype,
                 weight=weight.reshape(c_out, c_in, 1, 1), bias=b, x=x)
    if not obs["exact"]:
        raise CheckFailed(f"conv1x1_to_linear returned {mask_numbers(obs['type'], 120)}, "
                          "expected torch.nn.Linear")
    expect_tensor(obs["weight"], weight, "linear weight")
    if b is not None:
        expect_tensor(obs["bias"], b, "linear bias")
    elif obs["bias"].get("kind") != "NoneType":
        raise CheckFailed("the conv has no bias, so the linear layer must have none")
    expected = x @ weight.T + (0 if b is None else b)
    expect_tensor(obs["output"], expected, "linear(x)")
    if obs["shares_weight"]:
        raise CheckFailed("the linear layer shares the conv's weight storage; copy it")


@check("conv1x1.dtype", PART, "linear_to_conv1x1 and conv1x1_to_linear keep the layer's dtype "
       "({dtype})", cases=[("float64", dict(dtype="float64")), ("float32", dict(dtype="float32"))],
       public=["test_linear_to_conv1x1_is_per_pixel_linear", "test_conv1x1_to_linear_round_trip"])
def keeps_dtype(student, dtype) -> None:
    weight, b = _layer(407, 3, 2, True, dtype)
    rtol, atol = tolerance(weight.dtype)
    X, x = array(408, 1, 3, 2, 2, dtype=weight.dtype), array(409, 4, 3, dtype=weight.dtype)
    conversions = [
        ("linear_to_conv1x1", "the conv's", dict(weight=weight, bias=b, X=X), "torch.nn.Conv2d",
         {"weight": weight.reshape(2, 3, 1, 1), "bias": b, "output": _per_pixel(weight, b, X)}),
        ("conv1x1_to_linear", "the linear layer's", dict(weight=weight.reshape(2, 3, 1, 1),
                                                         bias=b, x=x), "torch.nn.Linear",
         {"weight": weight, "bias": b, "output": x @ weight.T + b}),
    ]
    for name, whose, inputs, kind, expected in conversions:
        with value_first(f"{name} in {dtype}"):
            obs = _probe(student, name, weight.dtype, **inputs)
            if not obs["exact"]:
                raise CheckFailed(f"{name} returned {mask_numbers(obs['type'], 120)}, "
                                  f"expected {kind}")
            for part, value in expected.items():
                expect_tensor(obs[part], value, f"{name}: {whose} {part}", rtol=rtol, atol=atol)
        for part in expected:
            expect_dtype(obs[part], weight.dtype, f"{name}: {whose} {part}")


# ------------------------------------------------------------ the contracts of the part's names
# What each graded name promises to accept, from its docstring (tests/hidden/contracts.py).

@contract("linear_to_conv1x1")
def linear_to_conv1x1_contract(linear: Any) -> Problems:
    """conv1x1_fc.linear_to_conv1x1: "linear: nn.Linear(c_in, c_out)"."""
    return [] if isinstance(linear, nn.Linear) else [f"{type(linear).__name__}, not nn.Linear"]


@contract("conv1x1_to_linear")
def conv1x1_to_linear_contract(conv: Any) -> Problems:
    """conv1x1_fc.conv1x1_to_linear: "conv: nn.Conv2d(c_in, c_out, kernel_size=1) with stride
    1, no padding, dilation 1 and groups 1"."""
    if not isinstance(conv, nn.Conv2d):
        return [f"{type(conv).__name__}, not nn.Conv2d"]
    plain = (tuple(conv.kernel_size) == (1, 1) and tuple(conv.stride) == (1, 1)
             and conv.padding in ((0, 0), "valid") and tuple(conv.dilation) == (1, 1)
             and conv.groups == 1)
    return [] if plain else ["the conv is not a plain 1x1 convolution"]
