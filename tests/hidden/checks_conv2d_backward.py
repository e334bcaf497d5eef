"""Checks of part ``conv2d_backward``: the hand-written backward, Conv2D and learn_kernel."""

from typing import Any

import torch
from torch.autograd.functional import jacobian

from autograder.grade.bank import CheckFailed, check
from autograder.recognise import suspects
from autograder.grade.judge import (array, as_tensor, compare_values, expect_dtype, expect_tensor,
                                    expect_unchanged, mask_numbers, tolerance, value_first)
from autograder.tolerances import GRADCHECK, LEARNED
from contracts import CONTRACTS, Problems, contract, fits, like, pair, shape_of, tensor
from oracles import oracle_corr2d

PART = "conv2d_backward"

SHAPES = [
    ("rectangular", dict(x=(5, 6), k=(2, 3))),
    ("kernel-1x1", dict(x=(4, 4), k=(1, 1))),
    ("kernel-as-large-as-input", dict(x=(3, 5), k=(3, 5))),
    ("tall-input", dict(x=(9, 3), k=(2, 2))),
    ("wide-kernel", dict(x=(4, 8), k=(1, 6))),
]


def _oracle_grads(X, K, dY):
    with torch.enable_grad():  # (also where it computes a wrong answer, under no_grad)
        Xr, Kr = X.clone().requires_grad_(), K.clone().requires_grad_()
        return torch.autograd.grad(oracle_corr2d(Xr, Kr), (Xr, Kr), dY)


# ----------------------------------------------------- known wrong answers (misconceptions.toml)
# Hidden: each is the right gradient with one slip, so its code would give the formula away.

def _dX_kernel_not_flipped(X, K, dY):
    """dX with the kernel entries met in the wrong order (the right dX of the kernel flipped)."""
    return _oracle_grads(X, K.flip(0, 1), dY)[0]


def _dX_overwritten(X, K, dY):
    """dX where each kernel offset's contribution replaced the earlier ones (last one wins)."""
    kh, kw = K.shape
    out_h, out_w = dY.shape
    dX = torch.zeros_like(X)
    for a in range(kh):
        for b in range(kw):
            dX[a : a + out_h, b : b + out_w] = K[a, b] * dY
    return dX


def _dK_transposed(X, K, dY):
    """dK with rows and columns swapped: what the right formula gives on the transposed input
    and output gradient, not transposed back."""
    return _oracle_grads(X, K, dY)[1].T


WRONG_ANSWERS = {
    "Corr2dFunction.dX": [("dX_kernel_not_flipped", _dX_kernel_not_flipped),
                          ("dX_overwritten", _dX_overwritten)],
    "Corr2dFunction.dK": [("dK_from_transposed_input", _dK_transposed)],
}


def _suspects(target: str, X, K, dY) -> list:
    return suspects([WRONG_ANSWERS], target, X, K, dY)


@check("backward.vs_autograd", PART, "Corr2dFunction's dX and dK equal autograd of F.conv2d "
       "({x} input, {k} kernel)", weight=6, cases=SHAPES,
       public=["test_backward_matches_autograd_of_conv2d"])
def vs_autograd(student, x, k) -> None:
    X, K = array(201, *x), array(202, *k)
    dY = array(203, x[0] - k[0] + 1, x[1] - k[1] + 1)
    obs = student.probe("corr2d_function", X=X, K=K, dY=dY)
    dX, dK = _oracle_grads(X, K, dY)
    expect_tensor(obs["Y"], oracle_corr2d(X, K), "forward output Y")
    expect_tensor(obs["dX"], dX, "dX (gradient with respect to X)",
                  suspects=_suspects("Corr2dFunction.dX", X, K, dY))
    expect_tensor(obs["dK"], dK, "dK (gradient with respect to K)",
                  suspects=_suspects("Corr2dFunction.dK", X, K, dY))
    for i, (name, original) in enumerate((("X", X), ("K", K), ("dY", dY))):
        expect_unchanged(obs["inputs"][i], original, name)


@check("backward.float32", PART, "Corr2dFunction keeps float32 in forward and backward",
       public=["test_float32_kept_in_forward_and_backward"])
def float32(student) -> None:
    X, K = array(204, 6, 5, dtype=torch.float32), array(205, 3, 2, dtype=torch.float32)
    dY = array(206, 4, 4, dtype=torch.float32)
    rtol, atol = tolerance(torch.float32)
    with value_first("Corr2dFunction in float32"):
        obs = student.probe("corr2d_function", X=X, K=K, dY=dY)
        dX, dK = _oracle_grads(X.double(), K.double(), dY.double())
        expected = {"Y": oracle_corr2d(X.double(), K.double()), "dX": dX, "dK": dK}
        for name, value in expected.items():
            expect_tensor(obs[name], value.float(), name, rtol=rtol, atol=atol,
                          suspects=_suspects(f"Corr2dFunction.{name}", X, K, dY))
    for name in ("Y", "dX", "dK"):
        expect_dtype(obs[name], torch.float32, name)


@check("backward.gradcheck", PART, "gradcheck in float64: the backward's Jacobians agree with "
       "finite differences of the forward, for X and for K ({x} input, {k} kernel)",
       weight=4, cases=SHAPES[:3], public=["test_gradcheck"])
def gradcheck(student, x, k) -> None:
    X, K = array(207, *x), array(208, *k)
    obs = student.probe("corr2d_jacobians", X=X, K=K)
    for arg in ("X", "K"):
        analytic = as_tensor(obs[f"analytic_{arg}"], f"Jacobian with respect to {arg}")
        numeric = as_tensor(obs[f"numeric_{arg}"], f"numerical Jacobian with respect to {arg}")
        # gradcheck's own tolerances
        compare_values(analytic, numeric, f"backward vs finite differences for {arg}",
                       rtol=GRADCHECK[0], atol=GRADCHECK[1])
        exact = jacobian(lambda a, b: oracle_corr2d(a, b).reshape(-1), (X, K))
        compare_values(analytic, exact[0 if arg == "X" else 1].reshape(analytic.shape),
                       f"Jacobian with respect to {arg}")


@check("conv2d.layer", PART, "Conv2D: parameters weight (kh, kw) and bias (1,), forward through "
       "Corr2dFunction, correct gradients", weight=4, public=["test_conv2d_layer"])
def layer(student) -> None:
    X = array(209, 6, 7, dtype=torch.float32)
    obs = student.probe("conv2d_layer", kernel_size=[2, 3], seed=0, X=X)
    if not obs["is_module"]:
        raise CheckFailed("Conv2D must be an nn.Module")
    if sorted(obs["params"]) != ["bias", "weight"]:
        raise CheckFailed(f"Conv2D's parameters are {mask_numbers(sorted(obs['params']), 200)}; "
                          "expected exactly 'weight' and 'bias'")
    weight = as_tensor(obs["params"]["weight"], "weight")
    bias = as_tensor(obs["params"]["bias"], "bias")
    if tuple(weight.shape) != (2, 3) or tuple(bias.shape) != (1,):
        raise CheckFailed(f"weight shape {tuple(weight.shape)} and bias shape "
                          f"{tuple(bias.shape)}; expected (2, 3) and (1,)")
    if "Corr2dFunctionBackward" not in obs["nodes"]:
        raise CheckFailed("Conv2D.forward does not go through Corr2dFunction.apply")
    expect_tensor(obs["Y"], oracle_corr2d(X, weight) + bias, "Conv2D output")
    W = weight.clone().requires_grad_()
    oracle_corr2d(X, W).sum().backward()
    expect_tensor(obs["grads"]["weight"], W.grad, "gradient of Y.sum() with respect to weight",
                  suspects=_suspects("Corr2dFunction.dK", X, weight,
                                     torch.ones_like(oracle_corr2d(X, weight))))
    expect_tensor(obs["grads"]["bias"], torch.tensor([25.0]),
                  "gradient with respect to bias (one per output element)")


def _edge_data(dtype=torch.float32):
    X = torch.ones(6, 8, dtype=dtype)
    X[:, 2:6] = 0
    return X, oracle_corr2d(X, torch.tensor([[1.0, -1.0]], dtype=dtype))


def _random_kernel(seed: int, kh: int, kw: int, dtype: torch.dtype):
    """A kernel with entries in [-1.5, 1.5] and a bias in [-1, 1], drawn from ``seed``: targets
    no submission can know in advance, so only a learn_kernel that really trains recovers them."""
    g = torch.Generator().manual_seed(seed)
    K = torch.rand(kh, kw, generator=g, dtype=torch.float64) * 3 - 1.5
    b = torch.rand(1, generator=g, dtype=torch.float64) * 2 - 1
    return K.to(dtype), b.to(dtype)


def _learned(student, X, Y, K, b, seed: int, what: str, device: str | None = None) -> dict:
    """learn_kernel's layer on (X, Y) (on ``device``): a Conv2D whose weight and bias are K and
    b to within LEARNED; its observations."""
    obs = student.probe("learn_kernel", device=device, X=X, Y=Y, kernel_size=list(K.shape),
                        seed=seed)
    if not obs["is_conv2d"]:
        raise CheckFailed(f"learn_kernel returned {mask_numbers(obs['type'], 120)}, expected "
                          "your Conv2D")
    expect_tensor(obs["weight"], K, f"learned weight ({what})", device=device,
                  rtol=LEARNED[0], atol=LEARNED[1])
    expect_tensor(obs["bias"], b, f"learned bias ({what})", device=device,
                  rtol=LEARNED[0], atol=LEARNED[1])
    return obs


@check("learn_kernel.edge", PART, "learn_kernel recovers [[1, -1]] from d2l's edge data, and a "
       "1x2 kernel drawn at random from targets on the same image (seed {seed}, {dtype})",
       weight=2, cases=[("seed0", dict(seed=0, dtype="float32", draw=210)),
                        ("seed7-float64", dict(seed=7, dtype="float64", draw=211))],
       public=["test_learn_kernel_recovers_edge_detector",
               "test_learn_kernel_recovers_a_random_kernel_on_the_edge_image"])
def learn_edge(student, seed, dtype, draw) -> None:
    X, Y = _edge_data(getattr(torch, dtype))
    _learned(student, X, Y, torch.tensor([[1.0, -1.0]], dtype=X.dtype),
             torch.zeros(1, dtype=X.dtype), seed, "d2l's edge data")
    K, b = _random_kernel(draw, 1, 2, X.dtype)
    _learned(student, X, oracle_corr2d(X, K) + b, K, b, seed, "a random kernel on the edge image")


def _random_image(seed: int, shape: tuple[int, int], dtype: torch.dtype) -> torch.Tensor:
    """A black-and-white image of -1s and 1s (entries as large as the 0/1 edge image's)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, 2, shape, generator=g) * 2 - 1).to(dtype)


# Images drawn so that the least-squares problem is no harder than d2l's edge data for plain
# gradient descent: the largest curvature (of the mean and of the summed squared error) is at
# most the edge data's, so every step size stable there is stable here, and the smallest is 3-5
# times larger, so it converges faster. The reference needs 50-200 steps on each.
RANDOM_KERNELS = [
    ("2x2-float32", dict(x=(7, 8), k=(2, 2), dtype="float32", draw=212)),
    ("2x3-float64", dict(x=(7, 9), k=(2, 3), dtype="float64", draw=219)),
    ("3x3-float64", dict(x=(8, 8), k=(3, 3), dtype="float64", draw=206)),
]


@check("learn_kernel.random_kernel", PART, "learn_kernel recovers a {k[0]}x{k[1]} kernel and a "
       "bias drawn at random from their output on a random {x[0]}x{x[1]} image of -1s and 1s "
       "({dtype})",
       weight=2, cases=RANDOM_KERNELS, timeout=10,
       public=["test_learn_kernel_recovers_a_random_kernel"])
def learn_random(student, x, k, dtype, draw) -> None:
    X = _random_image(draw, x, getattr(torch, dtype))
    K, b = _random_kernel(draw + 100, *k, X.dtype)
    _learned(student, X, oracle_corr2d(X, K) + b, K, b, draw % 7, "a random kernel")


def _expect_layer_output(obs, X: torch.Tensor, what: str) -> torch.Tensor:
    """The layer's output is corr2d(X, weight) + bias for the parameters it reported (at X's
    dtype's tolerance); returns its weight."""
    if not obs["is_module"]:
        raise CheckFailed("Conv2D must be an nn.Module")
    weight = as_tensor(obs["params"].get("weight"), f"{what}: weight")
    bias = as_tensor(obs["params"].get("bias"), f"{what}: bias")
    if weight.dim() != 2 or bias.numel() != 1:
        raise CheckFailed(f"{what}: weight shape {tuple(weight.shape)} and bias shape "
                          f"{tuple(bias.shape)}; expected a (kh, kw) weight and a (1,) bias")
    rtol, atol = tolerance(X.dtype)
    expected = oracle_corr2d(X.double(), weight.double()) + bias.double()
    expect_tensor(obs["Y"], expected.to(X.dtype), f"{what}: output", rtol=rtol, atol=atol)
    return weight


@check("conv2d.int_kernel_size", PART, "Conv2D(k) with an int k makes a (k, k) weight, like "
       "Conv2D((k, k))", public=["test_conv2d_int_kernel_size_is_square"])
def int_kernel_size(student) -> None:
    # X in the layer's dtype (the default dtype: Conv2D's parameters are made like d2l's,
    # torch.rand), as Corr2dFunction's contract says: K has X's dtype.
    X = array(213, 5, 6, dtype=torch.get_default_dtype())
    with value_first("Conv2D(3)"):
        obs = student.probe("conv2d_layer", kernel_size=3, seed=0, X=X)
        weight = _expect_layer_output(obs, X, "Conv2D(3)")
    if tuple(weight.shape) != (3, 3):
        raise CheckFailed(f"Conv2D(3) must have a weight of shape (3, 3), got "
                          f"{tuple(weight.shape)}")


@check("backward.needs_input_grad", PART, "Corr2dFunction.backward returns None for an input "
       "that does not need a gradient (ctx.needs_input_grad), and the other gradient right "
       "({which} only)", cases=[("dX", dict(which="X")), ("dK", dict(which="K"))],
       public=["test_backward_honours_needs_input_grad"])
def needs_input_grad(student, which) -> None:
    X, K = array(214, 5, 6), array(215, 2, 3)
    dY = array(216, 4, 4)
    other, skipped = ("dX", "dK") if which == "X" else ("dK", "dX")
    with value_first(f"Corr2dFunction with only {which} requiring a gradient"):
        obs = student.probe("corr2d_function", X=X, K=K, dY=dY,
                            requires=[which == "X", which == "K"])
        dX, dK = _oracle_grads(X, K, dY)
        expect_tensor(obs[other], dX if which == "X" else dK, other)
    returned = obs.get("returned")
    if not isinstance(returned, list) or len(returned) != 2:
        raise CheckFailed("could not see what Corr2dFunction.backward returned: define it as a "
                          "@staticmethod returning (dX, dK)")
    if returned[1 if which == "X" else 0] is not None:
        raise CheckFailed(f"backward returned a tensor for {skipped[1:]}, which does not require "
                          f"a gradient: return None for it when ctx.needs_input_grad says so")


@check("learn_kernel.layout", PART, "learn_kernel returns a Conv2D with X's dtype (float64) on "
       "X's device (also checked on CUDA when available)",
       public=["test_learn_kernel_recovers_a_random_kernel"])
def learn_layout(student) -> None:
    from autograder.grade.devices import extra_devices
    from autograder.grade.judge import DEVICE, expect_layout

    X, Y = _edge_data(torch.float64)
    K, b = torch.tensor([[1.0, -1.0]], dtype=X.dtype), torch.zeros(1, dtype=X.dtype)
    main = DEVICE.get()
    with value_first("learn_kernel on d2l's edge data in float64"):
        obs = _learned(student, X, Y, K, b, 3, "d2l's edge data in float64", main)
    for device in [main, *(d for d in extra_devices() if d not in ("meta", main))]:
        if device != main:  # (meta has no values: training there cannot work)
            obs = _learned(student, X, Y, K, b, 3, f"d2l's edge data on {device}", device)
        for name, shape in (("weight", (1, 2)), ("bias", (1,))):
            expect_layout(obs[name], shape, torch.float64, device,
                          f"the learned {name} (float64 input on {device})")


# ------------------------------------------------------------ the contracts of the part's names
# What each graded name promises to accept, from its docstring (tests/hidden/contracts.py).

@contract("Corr2dFunction.forward")
def corr2d_function_forward_contract(X: Any, K: Any) -> Problems:
    """conv2d_backward.Corr2dFunction: "Y = corr2d(X, K) (no padding, stride 1). Shapes: X
    (h, w), K (kh, kw)" (and corr2d's contract: K has X's dtype and device)."""
    return CONTRACTS["corr2d"](X, K)


@contract("Corr2dFunction.backward")
def corr2d_function_backward_contract(dY: Any, X: Any, K: Any) -> Problems:
    """Corr2dFunction.backward: "Given dL/dY (out_h, out_w)": dY has Y's shape (and, as Y,
    X's dtype and device)."""
    problems = tensor(dY, "dY", 2) + like(dY, X, "dY", "X")
    x, k, dy = shape_of(X), shape_of(K), shape_of(dY)
    if x and k and dy and dy != (x[0] - k[0] + 1, x[1] - k[1] + 1):
        problems.append(f"dY has shape {dy}, not Y's {(x[0] - k[0] + 1, x[1] - k[1] + 1)}")
    return problems


@contract("Conv2D")
def conv2d_init_contract(kernel_size: Any) -> Problems:
    """conv2d_backward.Conv2D: "an int kernel_size k means (k, k)"."""
    return pair(kernel_size, "kernel_size", 1)[0]


@contract("Conv2D.forward")
def conv2d_forward_contract(layer: Any, X: Any) -> Problems:
    """Conv2D.forward: "X (h, w) -> Y (h - kh + 1, w - kw + 1)", through Corr2dFunction with
    K = the weight, so X has the weight's dtype and device (Corr2dFunction: K has X's dtype; the
    weight is made like d2l's, ``torch.rand``: torch's default dtype, unless the layer was
    converted with ``.to``)."""
    weight = getattr(layer, "weight", None)
    return [*tensor(X, "X", 2), *like(X, weight, "X", "the layer's weight"),
            *fits(shape_of(weight), shape_of(X), (0, 0), "input")]


@contract("learn_kernel")
def learn_kernel_contract(X: Any, Y: Any, kernel_size: Any = (1, 2)) -> Problems:
    """conv2d_backward.learn_kernel: "X: input image, shape (h, w), floating. Y: target, shape
    (h - kh + 1, w - kw + 1), same dtype as X. kernel_size: k or (kh, kw)"."""
    kernel_problems, kernel = pair(kernel_size, "kernel_size", 1)
    problems = [*tensor(X, "X", 2), *tensor(Y, "Y", 2), *like(Y, X, "Y", "X"),
                *kernel_problems, *fits(kernel, shape_of(X), (0, 0), "input")]
    x, y = shape_of(X), shape_of(Y)
    if kernel and x and y and y != (x[0] - kernel[0] + 1, x[1] - kernel[1] + 1):
        problems.append(f"Y has shape {y}, not (h - kh + 1, w - kw + 1) for X {x}")
    return problems
