"""Public tests for part ``cross_correlation`` (d2l 6.2, corr2d with padding and stride)."""

import pytest
import torch

from convolutions import corr2d
from support import (NO_CONV, Rules, assert_layout, assert_on_device, assert_tensor,
                     assert_unchanged, assert_vectorised, count_ops, randn, reference_corr2d,
                     small_ints, suspects, value_first)

pytestmark = pytest.mark.cross_correlation

# id, X shape, K shape, padding, stride: each row is one case compared with F.conv2d.
CASES = [
    ("square", (6, 6), (3, 3), 0, 1),
    ("stride 2", (8, 9), (2, 2), 0, 2),
    ("padding and stride pairs", (8, 7), (2, 3), (2, 1), (3, 2)),
    ("non-square kernel", (7, 10), (3, 4), 0, 1),
    ("kernel as large as the input", (4, 6), (4, 6), 0, 1),
    ("1x1 kernel", (5, 3), (1, 1), 0, 1),
    ("tall input", (15, 4), (3, 2), (1, 0), (2, 1)),
    ("wide input", (4, 16), (2, 3), (0, 2), (1, 2)),
    ("padding wider than the kernel", (5, 4), (1, 3), (2, 4), 1),
    ("stride larger than the kernel", (12, 9), (2, 3), 1, (5, 4)),
]


def _corr2d(X, K, **kwargs):
    what = f"corr2d(X {tuple(X.shape)}, K {tuple(K.shape)}, {kwargs})"
    with Rules(NO_CONV, what):
        return corr2d(X, K, **kwargs)


def test_d2l_example() -> None:
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    Y = _corr2d(X, K)
    assert_tensor(Y, torch.tensor([[19.0, 25.0], [37.0, 43.0]]), "corr2d(X, K) for d2l's example",
                  suspects=suspects("corr2d", X, K))


@pytest.mark.parametrize("name, x_shape, k_shape, padding, stride", CASES,
                         ids=[c[0] for c in CASES])
def test_matches_torch_and_keeps_inputs(name, x_shape, k_shape, padding, stride) -> None:
    X, K = randn(*x_shape, seed=1), randn(*k_shape, seed=2)
    X0, K0 = X.clone(), K.clone()
    Y = _corr2d(X, K, padding=padding, stride=stride)
    assert_tensor(Y, reference_corr2d(X0, K0, padding, stride),
                  f"corr2d(X {x_shape}, K {k_shape}, padding={padding}, stride={stride})",
                  layout=False, suspects=suspects("corr2d", X0, K0, padding, stride))
    assert_unchanged(X, X0, "X")
    assert_unchanged(K, K0, "K")


def test_exact_on_small_integers() -> None:
    X, K = small_ints(9, 6, seed=3), small_ints(2, 3, seed=4)
    Y = _corr2d(X, K, padding=(2, 1), stride=(1, 2))
    assert_tensor(Y, reference_corr2d(X, K, (2, 1), (1, 2)),
                  "corr2d on small integers (every index counts)", rtol=0, atol=0, layout=False,
                  suspects=suspects("corr2d", X, K, (2, 1), (1, 2)))


def _keeps_dtype(X, K, padding, stride, what: str) -> None:
    """As the grader judges a dtype: the value first (at that dtype's tolerance), then the
    dtype, so a wrong value is named for what it is, with the known mistake it equals."""
    expected = reference_corr2d(X.double(), K.double(), padding, stride).to(X.dtype)
    with value_first(what):
        Y = _corr2d(X, K, padding=padding, stride=stride)
        assert_tensor(Y, expected, what, layout=False,
                      suspects=suspects("corr2d", X.double(), K.double(), padding, stride))
    assert_layout(Y, tuple(expected.shape), X.dtype, "cpu", what)


def test_float32_in_float32_out() -> None:
    X, K = randn(7, 9, seed=5, dtype=torch.float32), randn(3, 2, seed=6, dtype=torch.float32)
    _keeps_dtype(X, K, (1, 0), (1, 2), "corr2d in float32")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_half_precision_kept(dtype) -> None:
    X, K = small_ints(5, 7, seed=7, dtype=dtype), small_ints(3, 2, seed=8, dtype=dtype)
    _keeps_dtype(X, K, 0, 1, f"corr2d in {dtype}")


def test_int_arguments_mean_pairs() -> None:
    X, K = randn(8, 10, seed=9), randn(2, 2, seed=10)
    expected = reference_corr2d(X, K, 1, 2)
    for padding, stride in ((1, 2), ((1, 1), (2, 2))):
        Y = _corr2d(X, K, padding=padding, stride=stride)
        assert_tensor(Y, expected, f"corr2d(padding={padding}, stride={stride})", layout=False,
                      suspects=suspects("corr2d", X, K, padding, stride))


def test_output_on_the_input_device() -> None:
    """On the meta device (shapes, no values), after the same call gives the right value on the
    CPU: a placeholder of the right shape and device earns nothing."""
    X, K = randn(6, 7, seed=13), randn(2, 3, seed=14)
    assert_on_device(lambda device: _corr2d(X.to(device), K.to(device), padding=(1, 0),
                                            stride=(1, 2)),
                     reference_corr2d(X, K, (1, 0), (1, 2)), "corr2d")


def test_vectorised_over_output_positions() -> None:
    K, counts = randn(3, 3, seed=11), []
    for shape in ((7, 5), (13, 11)):
        X = randn(*shape, seed=12)
        ops = count_ops(NO_CONV, corr2d, X, K, what=f"corr2d(X {shape}, K (3, 3))")
        counts.append((ops, (shape[0] - 2, shape[1] - 2)))
    assert_vectorised("corr2d", *counts)
