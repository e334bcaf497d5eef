"""Checks of part ``conv_as_matmul``: im2col, corr2d_matmul and the kernel matrix."""

from typing import Any

import torch
import torch.nn.functional as F
from torch.autograd.functional import jacobian

from autograder import wrong_answers
from autograder.grade.bank import CheckFailed, check
from autograder.grade.judge import (array, as_tensor, compare_values, expect_dtype, expect_tensor,
                                    expect_unchanged, tolerance, value_first)
from autograder.recognise import suspects
from contracts import CONTRACTS, Problems, contract, fits, pair, shape_of, tensor
from oracles import NO_CONV, oracle_corr2d

PART = "conv_as_matmul"


def _suspects(target: str, *args) -> list:
    """The known wrong answers of ``target`` on these inputs (autograder/misconceptions.toml)."""
    return suspects([wrong_answers.public()], target, *args)

GRID = [
    ("square", dict(x=(6, 6), k=(3, 3), padding=0, stride=1)),
    ("non-square", dict(x=(5, 8), k=(2, 3), padding=0, stride=1)),
    ("padding-stride", dict(x=(7, 9), k=(3, 2), padding=(1, 2), stride=(2, 3))),
    ("kernel-as-large-as-input", dict(x=(4, 5), k=(4, 5), padding=0, stride=1)),
    ("kernel-1x1-stride", dict(x=(5, 7), k=(1, 1), padding=0, stride=(2, 2))),
    ("tall", dict(x=(13, 3), k=(3, 3), padding=(0, 1), stride=(2, 1))),
]
KM_SHAPES = [
    ("small", dict(x=(4, 5), k=(2, 3))),
    ("kernel-1x1", dict(x=(3, 4), k=(1, 1))),
    ("kernel-as-large-as-input", dict(x=(3, 4), k=(3, 4))),
    ("tall-kernel", dict(x=(7, 3), k=(4, 1))),
]


@check("im2col.oracle", PART, "im2col matches F.unfold ({x} input, {k} kernel, padding "
       "{padding}, stride {stride})", weight=4, cases=GRID,
       public=["test_im2col_small_example", "test_im2col_matches_torch"])
def im2col_oracle(student, x, k, padding, stride) -> None:
    X = array(301, *x)
    obs = student.probe("call", name="im2col", args=[X, list(k)],
                        kwargs={"padding": padding, "stride": stride}, rules=NO_CONV)
    expected = F.unfold(X[None, None], k, padding=padding, stride=stride)[0].T
    expect_tensor(obs["value"], expected, "im2col output",
                  suspects=_suspects("im2col", X, k, padding, stride))
    expect_unchanged(obs["inputs"][0], X, "X")


@check("corr2d_matmul.oracle", PART, "corr2d_matmul matches torch ({x} input, {k} kernel, "
       "padding {padding}, stride {stride})", weight=3, cases=GRID,
       public=["test_corr2d_matmul_matches_torch"])
def corr2d_matmul_oracle(student, x, k, padding, stride) -> None:
    X, K = array(302, *x), array(303, *k)
    obs = student.probe("call", name="corr2d_matmul", args=[X, K],
                        kwargs={"padding": padding, "stride": stride}, rules=NO_CONV)
    expect_tensor(obs["value"], oracle_corr2d(X, K, padding, stride), "corr2d_matmul output",
                  suspects=_suspects("corr2d_matmul", X, K, padding, stride))


def _kernel_matrix(student, X, K):
    obs = student.probe("call", name="kernel_matrix", args=[K, list(X.shape)], rules=NO_CONV)
    expected = jacobian(lambda x: oracle_corr2d(x, K).reshape(-1), X).reshape(-1, X.numel())
    return expect_tensor(obs["value"], expected, "kernel_matrix",
                         suspects=_suspects("kernel_matrix", K, list(X.shape))), obs


@check("kernel_matrix.exact", PART, "kernel_matrix is exactly the matrix of X -> corr2d(X, K) "
       "({x} input, {k} kernel)", weight=3, cases=KM_SHAPES,
       public=["test_kernel_matrix_is_the_matrix_of_corr2d"])
def kernel_matrix_exact(student, x, k) -> None:
    X, K = array(304, *x), array(305, *k)
    M, obs = _kernel_matrix(student, X, K)
    compare_values(M @ X.reshape(-1), oracle_corr2d(X, K).reshape(-1), "kernel_matrix @ vec(X)")
    expect_unchanged(obs["inputs"][0], K, "K")


@check("kernel_matrix.transpose", PART, "kernel_matrix transposed maps dY to dX", weight=2,
       public=["test_kernel_matrix_transpose_gives_input_gradient"])
def kernel_matrix_transpose(student) -> None:
    X, K, dY = array(306, 6, 5), array(307, 3, 2), array(308, 4, 4)
    obs = student.probe("call", name="kernel_matrix", args=[K, [6, 5]], rules=NO_CONV)
    M = as_tensor(obs["value"], "kernel_matrix")
    if tuple(M.shape) != (16, 30):
        raise CheckFailed(f"kernel_matrix shape {tuple(M.shape)}, expected (16, 30)")
    Xr = X.clone().requires_grad_()
    (dX,) = torch.autograd.grad(oracle_corr2d(Xr, K), Xr, dY)
    compare_values((M.T @ dY.reshape(-1)).reshape(6, 5), dX, "kernel_matrix.T @ vec(dY)")


@check("conv_as_matmul.float32", PART, "im2col, corr2d_matmul and kernel_matrix keep float32",
       public=["test_float32_kept"])
def float32(student) -> None:
    X, K = array(309, 5, 6, dtype=torch.float32), array(310, 2, 2, dtype=torch.float32)
    X64, K64 = X.double(), K.double()
    expected = {
        "im2col": ([X, [2, 2]], F.unfold(X64[None, None], (2, 2))[0].T),
        "corr2d_matmul": ([X, K], oracle_corr2d(X64, K64)),
        "kernel_matrix": ([K, list(X.shape)], jacobian(
            lambda x: oracle_corr2d(x, K64).reshape(-1), X64).reshape(-1, X.numel())),
    }
    rtol, atol = tolerance(torch.float32)
    for name, (args, value) in expected.items():
        with value_first(f"{name} in float32"):
            obs = student.probe("call", name=name, args=args, rules=NO_CONV)
            expect_tensor(obs["value"], value.float(), f"{name} in float32", rtol=rtol,
                          atol=atol, suspects=_suspects(name, *args))
        expect_dtype(obs["value"], torch.float32, f"{name} in float32")


# ------------------------------------------------------------ the contracts of the part's names
# What each graded name promises to accept, from its docstring (tests/hidden/contracts.py).

@contract("im2col")
def im2col_contract(X: Any, kernel_size: Any, padding: Any = 0, stride: Any = 1) -> Problems:
    """conv_as_matmul.im2col: "X: input, shape (h, w). kernel_size: k or (kh, kw). padding: p
    or (p_h, p_w). stride: s or (s_h, s_w)." (floating: ``check_matrix``; sizes as corr2d's)."""
    kernel_problems, kernel = pair(kernel_size, "kernel_size", 1)
    pad_problems, pad = pair(padding, "padding", 0)
    stride_problems, _ = pair(stride, "stride", 1)
    return [*tensor(X, "X", 2), *kernel_problems, *pad_problems, *stride_problems,
            *fits(kernel, shape_of(X), pad, "input")]


@contract("corr2d_matmul")
def corr2d_matmul_contract(X: Any, K: Any, padding: Any = 0, stride: Any = 1) -> Problems:
    """conv_as_matmul.corr2d_matmul: "X: input, shape (h, w). K: kernel, shape (kh, kw).
    padding, stride: as in corr2d" (and so K like X, as corr2d's contract says)."""
    return CONTRACTS["corr2d"](X, K, padding, stride)


@contract("kernel_matrix")
def kernel_matrix_contract(K: Any, input_shape: Any) -> Problems:
    """conv_as_matmul.kernel_matrix: "K: kernel, shape (kh, kw). input_shape: (h, w)", with
    out_h = h - kh + 1 and out_w = w - kw + 1 (so the kernel fits in the input)."""
    shape_problems, shape = pair(input_shape, "input_shape", 1)
    return [*tensor(K, "K", 2), *shape_problems, *fits(shape_of(K), shape, (0, 0), "input")]
