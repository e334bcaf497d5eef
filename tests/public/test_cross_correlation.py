"""Public tests for part ``cross_correlation`` (d2l 6.2, corr2d with padding and stride)."""

import pytest
import torch

from convolutions import corr2d
from support import assert_tensor, no_torch_convolution, randn, reference_corr2d

pytestmark = pytest.mark.cross_correlation

# id, X shape, K shape, padding, stride: each row is one case compared with F.conv2d.
CASES = [
    ("square", (5, 5), (3, 3), 0, 1),
    ("non-square kernel, tall input", (9, 4), (2, 3), 0, 1),
    ("padding and stride pairs", (7, 8), (3, 2), (1, 2), (2, 3)),
    ("kernel as large as the input", (4, 6), (4, 6), 0, 1),
]


def test_d2l_example() -> None:
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    with no_torch_convolution():
        Y = corr2d(X, K)
    assert_tensor(Y, torch.tensor([[19.0, 25.0], [37.0, 43.0]]), "corr2d(X, K) for d2l's example")


@pytest.mark.parametrize("name, x_shape, k_shape, padding, stride", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, x_shape, k_shape, padding, stride) -> None:
    X, K = randn(*x_shape, seed=1), randn(*k_shape, seed=2)
    with no_torch_convolution():
        Y = corr2d(X, K, padding=padding, stride=stride)
    assert_tensor(Y, reference_corr2d(X, K, padding, stride),
                  f"corr2d(X {x_shape}, K {k_shape}, padding={padding}, stride={stride})")


def test_float32_in_float32_out_and_inputs_untouched() -> None:
    X, K = randn(6, 5, seed=3, dtype=torch.float32), randn(2, 2, seed=4, dtype=torch.float32)
    X0, K0 = X.clone(), K.clone()
    with no_torch_convolution():
        Y = corr2d(X, K, padding=1)
    assert_tensor(Y, reference_corr2d(X0, K0, 1), "corr2d in float32")
    assert torch.equal(X, X0) and torch.equal(K, K0), "corr2d modified its inputs"
