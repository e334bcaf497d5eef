"""Public tests for part ``conv2d_backward`` (hand-written backward, Conv2D, learning a kernel).

As in grading, your ``corr2d`` is replaced by a correct one while these tests run
(``own_corr2d_replaced``), so a mistake there fails part ``cross_correlation`` only.
"""

import contextlib

import pytest
import torch

from convolutions import Conv2D, Corr2dFunction, learn_kernel
from support import (BACKWARD, TRAINING, Rules, assert_layout, assert_on_device, assert_tensor,
                     assert_unchanged, assert_vectorised, own_corr2d_replaced,
                     randn, reference_corr2d, tolerances, value_first)

pytestmark = pytest.mark.conv2d_backward


@contextlib.contextmanager
def _graded(what: str, rules=BACKWARD, watch: bool = True):
    """The rules of what the block calls (Corr2dFunction's by default), corr2d replaced; the
    work inside a backward pass is counted (operators and lines of Python)."""
    with own_corr2d_replaced(), Rules(rules, what, watch, count_lines=watch) as guard:
        yield guard


def _backward(X, K, dY, needs=(True, True)):
    """Y, dX, dK and the operators run inside backward, from Corr2dFunction under the rules."""
    Xg, Kg = X.clone().requires_grad_(needs[0]), K.clone().requires_grad_(needs[1])
    with _graded(f"Corr2dFunction on X {tuple(X.shape)}, K {tuple(K.shape)}") as guard:
        Y = Corr2dFunction.apply(Xg, Kg)
        wanted = [t for t in (Xg, Kg) if t.requires_grad]
        grads = dict(zip(map(id, wanted), torch.autograd.grad(Y, wanted, dY)))
    return Y, grads.get(id(Xg)), grads.get(id(Kg)), guard.backward_ops


def _reference_grads(X, K, dY):
    Xr, Kr = X.clone().requires_grad_(), K.clone().requires_grad_()
    return torch.autograd.grad(reference_corr2d(Xr, Kr), (Xr, Kr), dY)


SHAPES = [("rectangular", (6, 5), (3, 2)), ("1x1 kernel", (3, 4), (1, 1)),
          ("kernel as large as the input", (4, 3), (4, 3)), ("tall input", (10, 4), (3, 2)),
          ("wide kernel", (3, 9), (1, 5))]


@pytest.mark.parametrize("name, x_shape, k_shape", SHAPES, ids=[s[0] for s in SHAPES])
def test_backward_matches_autograd_of_conv2d(name, x_shape, k_shape) -> None:
    X, K = randn(*x_shape, seed=5), randn(*k_shape, seed=6)
    dY = randn(x_shape[0] - k_shape[0] + 1, x_shape[1] - k_shape[1] + 1, seed=7)
    X0, K0, dY0 = X.clone(), K.clone(), dY.clone()
    Y, dX, dK, _ = _backward(X, K, dY)
    dXr, dKr = _reference_grads(X0, K0, dY0)
    assert_tensor(Y.detach(), reference_corr2d(X0, K0), "Corr2dFunction forward", layout=False)
    assert_tensor(dX, dXr, f"dX (gradient with respect to X {x_shape})", layout=False)
    assert_tensor(dK, dKr, f"dK (gradient with respect to K {k_shape})", layout=False)
    for after, before, what in ((X, X0, "X"), (K, K0, "K"), (dY, dY0, "dY")):
        assert_unchanged(after, before, what)


def test_float32_kept_in_forward_and_backward() -> None:
    X, K = randn(5, 7, seed=8, dtype=torch.float32), randn(2, 2, seed=9, dtype=torch.float32)
    dY = randn(4, 6, seed=10, dtype=torch.float32)
    Y, dX, dK, _ = _backward(X, K, dY)
    dXr, dKr = _reference_grads(X, K, dY)
    assert_tensor(Y.detach(), reference_corr2d(X, K), "Corr2dFunction forward in float32")
    assert_tensor(dX, dXr, "dX in float32")
    assert_tensor(dK, dKr, "dK in float32")


@pytest.mark.parametrize("x_shape, k_shape", [((4, 5), (2, 2)), ((3, 6), (3, 1))])
def test_gradcheck(x_shape, k_shape) -> None:
    X = randn(*x_shape, seed=11).requires_grad_()
    K = randn(*k_shape, seed=12).requires_grad_()
    rtol, atol = tolerances.GRADCHECK
    with _graded("gradcheck of Corr2dFunction"):
        ok = torch.autograd.gradcheck(Corr2dFunction.apply, (X, K), rtol=rtol, atol=atol,
                                      raise_exception=False)
    assert ok, (f"gradcheck failed (X {x_shape}, K {k_shape}): the Jacobians of your backward "
                "(for X or K) disagree with finite differences of your forward")


@pytest.mark.parametrize("only", ["X", "K"])
def test_backward_honours_needs_input_grad(only) -> None:
    X, K, dY = randn(6, 4, seed=13), randn(3, 2, seed=14), randn(4, 3, seed=15)
    returned = []
    original = Corr2dFunction.__dict__["backward"]
    assert isinstance(original, staticmethod), "Corr2dFunction.backward must be a @staticmethod"

    def recording(ctx, *grads):
        out = original.__func__(ctx, *grads)
        returned.append(out)
        return out

    type.__setattr__(Corr2dFunction, "backward", staticmethod(recording))
    try:
        _, dX, dK, _ = _backward(X, K, dY, needs=(only == "X", only == "K"))
    finally:
        type.__setattr__(Corr2dFunction, "backward", original)
    assert returned and isinstance(returned[0], tuple) and len(returned[0]) == 2, (
        f"Corr2dFunction.backward must return a pair (dX, dK), got {returned[:1]}")
    skipped = "dK" if only == "X" else "dX"
    assert returned[0][0 if skipped == "dX" else 1] is None, (
        f"backward returned a tensor for {skipped}, but {skipped[1:]} does not require a "
        "gradient: return None for it when ctx.needs_input_grad says so")
    dXr, dKr = _reference_grads(X, K, dY)
    if only == "X":
        assert_tensor(dX, dXr, "dX (only X requires a gradient)", layout=False)
    else:
        assert_tensor(dK, dKr, "dK (only K requires a gradient)", layout=False)


def test_conv2d_layer() -> None:
    torch.manual_seed(0)
    X = randn(7, 5, seed=16, dtype=torch.float32)
    with _graded("Conv2D((3, 2)) forward and backward"):
        layer = Conv2D((3, 2))
        params = dict(layer.named_parameters())
        Y = layer(X)
        nodes = _graph_nodes(Y)
        Y.sum().backward()
    assert set(params) == {"weight", "bias"}, f"parameters {sorted(params)}, expected bias, weight"
    assert tuple(layer.weight.shape) == (3, 2), f"weight shape {tuple(layer.weight.shape)}"
    assert tuple(layer.bias.shape) == (1,), f"bias shape {tuple(layer.bias.shape)}"
    assert "Corr2dFunctionBackward" in nodes, "Conv2D.forward must go through Corr2dFunction.apply"
    expected = reference_corr2d(X, layer.weight.detach()) + layer.bias.detach()
    assert_tensor(Y.detach(), expected, "Conv2D forward", layout=False)
    W = layer.weight.detach().clone().requires_grad_()
    reference_corr2d(X, W).sum().backward()
    assert_tensor(layer.weight.grad, W.grad, "gradient of Y.sum() with respect to weight",
                  layout=False)
    assert_tensor(layer.bias.grad, torch.tensor([float(Y.numel())]),
                  "gradient of Y.sum() with respect to bias (one per output element)", layout=False)


def _layer_output(kernel_size, X, what: str):
    """Conv2D(kernel_size) and its output on X, which must be corr2d(X, weight) + bias."""
    torch.manual_seed(0)
    with _graded(what, TRAINING):
        layer = Conv2D(kernel_size)
        Y = layer(X)
    expected = reference_corr2d(X, layer.weight.detach()) + layer.bias.detach()
    assert_tensor(Y.detach(), expected, f"{what} output", layout=False)
    return layer


def test_conv2d_int_kernel_size_is_square() -> None:
    # X in the layer's dtype (torch's default: the weight is made like d2l's, torch.rand)
    X = randn(4, 5, seed=23, dtype=torch.get_default_dtype())
    with value_first("Conv2D(2)"):
        layer = _layer_output(2, X, "Conv2D(2)")
    assert tuple(layer.weight.shape) == (2, 2), (
        f"Conv2D(2) has a weight of shape {tuple(layer.weight.shape)}, expected (2, 2) like "
        "Conv2D((2, 2))")


def _graph_nodes(t: torch.Tensor) -> set[str]:
    """Names of the autograd nodes that produced ``t``."""
    seen, stack = set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and type(node).__name__ not in seen:
            seen.add(type(node).__name__)
            stack.extend(n for n, _ in node.next_functions)
    return seen


def _edge_image(dtype=torch.float32):
    X = torch.ones(6, 8, dtype=dtype)
    X[:, 2:6] = 0
    return X


def _random_kernel(seed, kh, kw, dtype):
    """Kernel entries uniform between -1.5 and 1.5, and a bias uniform between -1 and 1."""
    draws = torch.empty(kh * kw + 1, dtype=torch.float64)
    draws.uniform_(-1.5, 1.5, generator=torch.Generator().manual_seed(seed))
    return draws[:-1].reshape(kh, kw).to(dtype), (draws[-1:] / 1.5).to(dtype)


def _learned(X, Y, kernel_size, seed):
    torch.manual_seed(seed)
    # Training runs many operators: the rules hold, without counting them (as in grading).
    with _graded(f"learn_kernel(X {tuple(X.shape)}, Y, {kernel_size})", TRAINING, watch=False):
        conv = learn_kernel(X, Y, kernel_size)
    assert isinstance(conv, Conv2D), f"learn_kernel must return a Conv2D, got {type(conv).__name__}"
    return conv


def _assert_learned(conv, K, b, what):
    rtol, atol = tolerances.LEARNED
    assert_tensor(conv.weight.detach(), K, f"learned weight ({what})", rtol=rtol, atol=atol)
    assert_tensor(conv.bias.detach(), b, f"learned bias ({what})", rtol=rtol, atol=atol)


def test_learn_kernel_recovers_edge_detector() -> None:
    X = _edge_image()
    K = torch.tensor([[1.0, -1.0]])
    conv = _learned(X, reference_corr2d(X, K), (1, 2), seed=3)
    _assert_learned(conv, K, torch.zeros(1), "d2l's edge data")


def test_learn_kernel_recovers_a_random_kernel_on_the_edge_image() -> None:
    X = _edge_image(torch.float64)
    K, b = _random_kernel(40, 1, 2, torch.float64)
    conv = _learned(X, reference_corr2d(X, K) + b, (1, 2), seed=4)
    _assert_learned(conv, K, b, "a random 1x2 kernel and bias on the edge image")


@pytest.mark.parametrize("x_shape, k_shape, dtype", [((6, 9), (2, 2), torch.float64),
                                                     ((8, 7), (3, 2), torch.float32)], ids=str)
def test_learn_kernel_recovers_a_random_kernel(x_shape, k_shape, dtype) -> None:
    g = torch.Generator().manual_seed(33)
    X = (torch.randint(0, 2, x_shape, generator=g) * 2 - 1).to(dtype)  # an image of -1s and 1s
    K, b = _random_kernel(83, *k_shape, dtype)
    conv = _learned(X, reference_corr2d(X, K) + b, k_shape, seed=3)
    _assert_learned(conv, K, b, f"a random {k_shape} kernel on a random {x_shape} image")


def test_tensors_stay_on_the_input_device() -> None:
    """On the meta device (shapes, no values), after the same calls give the right values on
    the CPU: a placeholder of the right shapes and device earns nothing."""
    X, K, dY = randn(5, 4, seed=20), randn(2, 3, seed=21), randn(4, 2, seed=22)
    assert_on_device(lambda device: _backward(X.to(device), K.to(device), dY.to(device))[:3],
                     (reference_corr2d(X, K), *_reference_grads(X, K, dY)),
                     "Corr2dFunction's Y, dX and dK")
    X32 = randn(5, 6, seed=24, dtype=torch.get_default_dtype())  # the layer's dtype
    with value_first("Conv2D((2, 2)) on meta"):
        _layer_output((2, 2), X32, "Conv2D((2, 2)) on cpu")
    with _graded("Conv2D((2, 2)) on the meta device", TRAINING):
        layer = Conv2D((2, 2)).to("meta")
        Y = layer(X32.to("meta"))
    assert_layout(Y, (4, 5), None, "meta", "Conv2D output on meta")


def test_backward_vectorised_over_output_positions() -> None:
    K, counts = randn(3, 2, seed=17), []
    for shape in ((6, 4), (12, 9)):
        out = (shape[0] - 2, shape[1] - 1)
        _, _, _, ops = _backward(randn(*shape, seed=18), K, randn(*out, seed=19))
        counts.append((ops, out))
    assert_vectorised("Corr2dFunction.backward", *counts)
