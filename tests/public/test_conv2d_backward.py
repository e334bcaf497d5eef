"""Public tests for part ``conv2d_backward`` (hand-written backward, Conv2D, learning a kernel)."""

import pytest
import torch
import torch.nn.functional as F

from convolutions import Conv2D, Corr2dFunction, learn_kernel
from support import assert_tensor, no_autograd, randn, reference_corr2d

pytestmark = pytest.mark.conv2d_backward


def _backward(X, K, dY):
    """dX, dK from Corr2dFunction, with autograd forbidden inside the student's backward."""
    X, K = X.clone().requires_grad_(), K.clone().requires_grad_()
    Y = Corr2dFunction.apply(X, K)
    grad = torch.autograd.grad  # taken before the guard replaces it
    with no_autograd():
        dX, dK = grad(Y, (X, K), dY)
    return Y, dX, dK


@pytest.mark.parametrize("x_shape, k_shape", [((5, 6), (2, 3)), ((4, 4), (1, 1)), ((3, 5), (3, 5))])
def test_backward_matches_autograd_of_conv2d(x_shape, k_shape) -> None:
    X, K = randn(*x_shape, seed=5), randn(*k_shape, seed=6)
    dY = randn(x_shape[0] - k_shape[0] + 1, x_shape[1] - k_shape[1] + 1, seed=7)
    Y, dX, dK = _backward(X, K, dY)
    Xr, Kr = X.clone().requires_grad_(), K.clone().requires_grad_()
    Yr = reference_corr2d(Xr, Kr)
    dXr, dKr = torch.autograd.grad(Yr, (Xr, Kr), dY)
    assert_tensor(Y.detach(), Yr.detach(), "Corr2dFunction forward")
    assert_tensor(dX, dXr, "dX (gradient with respect to X)")
    assert_tensor(dK, dKr, "dK (gradient with respect to K)")


def test_gradcheck() -> None:
    X = randn(4, 5, seed=8).requires_grad_()
    K = randn(2, 2, seed=9).requires_grad_()
    assert torch.autograd.gradcheck(Corr2dFunction.apply, (X, K), raise_exception=False), (
        "gradcheck failed: your backward disagrees with finite differences"
    )


def test_conv2d_layer() -> None:
    torch.manual_seed(0)
    layer = Conv2D((2, 3))
    params = dict(layer.named_parameters())
    assert set(params) == {"weight", "bias"}, f"parameters {sorted(params)}, expected bias, weight"
    assert tuple(layer.weight.shape) == (2, 3), f"weight shape {tuple(layer.weight.shape)}"
    assert tuple(layer.bias.shape) == (1,), f"bias shape {tuple(layer.bias.shape)}"
    X = randn(5, 6, seed=10, dtype=torch.float32)
    Y = layer(X)
    expected = reference_corr2d(X, layer.weight.detach()) + layer.bias.detach()
    assert_tensor(Y.detach(), expected, "Conv2D forward")
    assert _graph_nodes(Y) & {"Corr2dFunctionBackward"}, (
        "Conv2D.forward must go through Corr2dFunction.apply"
    )
    Y.sum().backward()
    assert_tensor(layer.weight.grad, _corr_weight_grad(X, (2, 3)), "Conv2D weight gradient")
    assert_tensor(layer.bias.grad, torch.tensor([float(Y.numel())]), "Conv2D bias gradient")


def _graph_nodes(t: torch.Tensor) -> set[str]:
    """Names of the autograd nodes that produced ``t``."""
    seen, stack = set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and type(node).__name__ not in seen:
            seen.add(type(node).__name__)
            stack.extend(n for n, _ in node.next_functions)
    return seen


def _corr_weight_grad(X: torch.Tensor, k_shape: tuple[int, int]) -> torch.Tensor:
    """dL/dK for L = corr2d(X, K).sum(), by autograd of torch's convolution."""
    K = torch.zeros(k_shape, requires_grad=True)
    reference_corr2d(X, K).sum().backward()
    return K.grad


def test_learn_kernel_recovers_edge_detector() -> None:
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    Y = F.conv2d(X[None, None], torch.tensor([[[[1.0, -1.0]]]]))[0, 0]
    torch.manual_seed(0)
    conv = learn_kernel(X, Y)
    assert isinstance(conv, Conv2D), f"learn_kernel must return a Conv2D, got {type(conv).__name__}"
    assert_tensor(conv.weight.detach(), torch.tensor([[1.0, -1.0]]), "learned weight", atol=1e-2, rtol=0)
    assert abs(conv.bias.item()) < 1e-2, f"learned bias {conv.bias.item():.4f}, expected about 0"
