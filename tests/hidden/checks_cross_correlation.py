"""Checks of part ``cross_correlation``: corr2d against F.conv2d on a grid of shapes."""

from typing import Any

import torch

from autograder import wrong_answers
from autograder.grade.bank import check
from autograder.grade.judge import (array, expect_dtype, expect_tensor, expect_unchanged,
                                    tolerance, value_first)
from contracts import Problems, contract, fits, like, pair, shape_of, tensor
from autograder.recognise import suspects
from oracles import NO_CONV, oracle_corr2d

PART = "cross_correlation"


def corr2d_suspects(X, K, padding=0, stride=1) -> list:
    """The known wrong answers of ``corr2d`` on these inputs (autograder/misconceptions.toml)."""
    return suspects([wrong_answers.public()], "corr2d", X, K, padding, stride)

# case id -> X shape, K shape, padding, stride
GRID = [
    ("square", dict(x=(7, 7), k=(3, 3), padding=0, stride=1)),
    ("stride-2", dict(x=(9, 8), k=(3, 3), padding=0, stride=2)),
    ("asymmetric-padding-stride", dict(x=(7, 8), k=(3, 2), padding=(1, 2), stride=(2, 3))),
    ("non-square-kernel", dict(x=(6, 9), k=(2, 5), padding=0, stride=1)),
    ("kernel-as-large-as-input", dict(x=(5, 4), k=(5, 4), padding=0, stride=1)),
    ("kernel-1x1", dict(x=(4, 6), k=(1, 1), padding=0, stride=1)),
    ("tall-input", dict(x=(17, 3), k=(4, 2), padding=(2, 0), stride=(3, 1))),
    ("wide-input", dict(x=(3, 19), k=(2, 4), padding=(0, 1), stride=(1, 3))),
    ("padding-wider-than-kernel", dict(x=(4, 5), k=(2, 2), padding=3, stride=1)),
    ("stride-larger-than-kernel", dict(x=(11, 10), k=(2, 2), padding=1, stride=4)),
]


@check("corr2d.d2l_example", PART, "corr2d on d2l's 3x3 example", visibility="visible",
       public=["test_d2l_example"])
def d2l_example(student) -> None:
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.arange(4.0).reshape(2, 2)
    obs = student.probe("call", name="corr2d", args=[X, K], rules=NO_CONV)
    expect_tensor(obs["value"], oracle_corr2d(X, K), "corr2d(X, K)",
                  suspects=corr2d_suspects(X, K))


@check("corr2d.oracle", PART, "corr2d matches torch (float64, {x} input, {k} kernel, "
       "padding {padding}, stride {stride})", weight=5, cases=GRID,
       public=["test_matches_torch_and_keeps_inputs"])
def oracle(student, x, k, padding, stride) -> None:
    X, K = array(101, *x), array(102, *k)
    obs = student.probe("call", name="corr2d", args=[X, K],
                        kwargs={"padding": padding, "stride": stride}, rules=NO_CONV)
    expect_tensor(obs["value"], oracle_corr2d(X, K, padding, stride), "corr2d output",
                  suspects=corr2d_suspects(X, K, padding, stride))
    expect_unchanged(obs["inputs"][0], X, "X")
    expect_unchanged(obs["inputs"][1], K, "K")


@check("corr2d.exact_integers", PART, "corr2d is exact on small integers (every index counts)",
       weight=2, public=["test_exact_on_small_integers"])
def exact_integers(student) -> None:
    X, K = array(103, 8, 7, kind="int"), array(104, 3, 2, kind="int")
    obs = student.probe("call", name="corr2d", args=[X, K], kwargs={"padding": (1, 2),
                        "stride": (2, 1)}, rules=NO_CONV)
    expect_tensor(obs["value"], oracle_corr2d(X, K, (1, 2), (2, 1)), "corr2d output",
                  rtol=0, atol=0, suspects=corr2d_suspects(X, K, (1, 2), (2, 1)))


def _keeps_dtype(student, X, K, padding, stride, what: str) -> None:
    """corr2d in ``X``'s dtype: the value (at that dtype's tolerance) first, then the dtype."""
    with value_first(what):
        obs = student.probe("call", name="corr2d", args=[X, K],
                            kwargs={"padding": padding, "stride": stride}, rules=NO_CONV)
        expected = oracle_corr2d(X.double(), K.double(), padding, stride).to(X.dtype)
        rtol, atol = tolerance(X.dtype)
        expect_tensor(obs["value"], expected, what, rtol=rtol, atol=atol,
                      suspects=corr2d_suspects(X, K, padding, stride))
    expect_dtype(obs["value"], X.dtype, what)


@check("corr2d.float32", PART, "corr2d keeps float32", weight=1,
       public=["test_float32_in_float32_out"])
def float32(student) -> None:
    X, K = array(105, 12, 10, dtype=torch.float32), array(106, 3, 4, dtype=torch.float32)
    _keeps_dtype(student, X, K, 1, 2, "corr2d output in float32")


@check("corr2d.half_precision", PART, "corr2d keeps bfloat16 and float16 dtypes", weight=1,
       public=["test_half_precision_kept"])
def half_precision(student) -> None:
    for dtype in (torch.bfloat16, torch.float16):
        X, K = array(107, 6, 6, dtype=dtype, kind="int"), array(108, 2, 2, dtype=dtype, kind="int")
        _keeps_dtype(student, X, K, 0, 1, f"corr2d output in {dtype}")


@check("corr2d.int_and_pair_arguments", PART,
       "corr2d treats padding=p and stride=s like (p, p) and (s, s)", weight=1,
       public=["test_int_arguments_mean_pairs"])
def int_and_pair(student) -> None:
    X, K = array(109, 9, 9), array(110, 3, 3)
    for padding, stride in ((2, 3), ((2, 2), (3, 3))):
        obs = student.probe("call", name="corr2d", args=[X, K],
                            kwargs={"padding": padding, "stride": stride}, rules=NO_CONV)
        expect_tensor(obs["value"], oracle_corr2d(X, K, 2, 3),
                      f"corr2d(padding={padding}, stride={stride})",
                      suspects=corr2d_suspects(X, K, padding, stride))


# ------------------------------------------------------------ the contracts of the part's names
# What each graded name promises to accept, from its docstring (tests/hidden/contracts.py).

@contract("corr2d")
def corr2d_contract(X: Any, K: Any, padding: Any = 0, stride: Any = 1) -> Problems:
    """cross_correlation.corr2d: "X: input, shape (h, w), any floating dtype, any device. K:
    kernel, shape (kh, kw), same dtype and device as X. padding: p or (p_h, p_w) >= 0. stride:
    s or (s_h, s_w) >= 1." The output shape formula needs the kernel to fit in the padded
    input (the given ``output_size`` raises otherwise)."""
    pad_problems, pad = pair(padding, "padding", 0)
    stride_problems, _ = pair(stride, "stride", 1)
    return [*tensor(X, "X", 2), *tensor(K, "K", 2), *like(K, X, "K", "X"), *pad_problems,
            *stride_problems, *fits(shape_of(K), shape_of(X), pad, "input")]
