"""Checks of part ``conv2d_backward``: the hand-written backward, Conv2D and learn_kernel."""

import torch
from torch.autograd.functional import jacobian

from autograder.grade.bank import CheckFailed, check
from autograder.grade.judge import array, as_tensor, compare_values, expect_tensor, expect_unchanged
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
    Xr, Kr = X.clone().requires_grad_(), K.clone().requires_grad_()
    return torch.autograd.grad(oracle_corr2d(Xr, Kr), (Xr, Kr), dY)


@check("backward.vs_autograd", PART, "Corr2dFunction's dX and dK equal autograd of F.conv2d "
       "({x} input, {k} kernel)", weight=6, cases=SHAPES)
def vs_autograd(student, x, k) -> None:
    X, K = array(201, *x), array(202, *k)
    dY = array(203, x[0] - k[0] + 1, x[1] - k[1] + 1)
    obs = student.probe("corr2d_function", X=X, K=K, dY=dY)
    dX, dK = _oracle_grads(X, K, dY)
    expect_tensor(obs["Y"], oracle_corr2d(X, K), "forward output Y")
    expect_tensor(obs["dX"], dX, "dX (gradient with respect to X)")
    expect_tensor(obs["dK"], dK, "dK (gradient with respect to K)")
    for i, (name, original) in enumerate((("X", X), ("K", K), ("dY", dY))):
        expect_unchanged(obs["inputs"][i], original, name)


@check("backward.float32", PART, "Corr2dFunction keeps float32 in forward and backward")
def float32(student) -> None:
    X, K = array(204, 6, 5, dtype=torch.float32), array(205, 3, 2, dtype=torch.float32)
    dY = array(206, 4, 4, dtype=torch.float32)
    obs = student.probe("corr2d_function", X=X, K=K, dY=dY)
    dX, dK = _oracle_grads(X, K, dY)
    expect_tensor(obs["dX"], dX, "dX")
    expect_tensor(obs["dK"], dK, "dK")


@check("backward.gradcheck", PART, "gradcheck in float64: the backward's Jacobians agree with "
       "finite differences of the forward, for X and for K ({x} input, {k} kernel)",
       weight=4, cases=SHAPES[:3])
def gradcheck(student, x, k) -> None:
    X, K = array(207, *x), array(208, *k)
    obs = student.probe("corr2d_jacobians", X=X, K=K)
    for arg in ("X", "K"):
        analytic = as_tensor(obs[f"analytic_{arg}"], f"Jacobian with respect to {arg}")
        numeric = as_tensor(obs[f"numeric_{arg}"], f"numerical Jacobian with respect to {arg}")
        # gradcheck's own tolerances
        compare_values(analytic, numeric, f"backward vs finite differences for {arg}",
                       rtol=1e-3, atol=1e-5)
        exact = jacobian(lambda a, b: oracle_corr2d(a, b).reshape(-1), (X, K))
        compare_values(analytic, exact[0 if arg == "X" else 1].reshape(analytic.shape),
                       f"Jacobian with respect to {arg}")


@check("conv2d.layer", PART, "Conv2D: parameters weight (kh, kw) and bias (1,), forward through "
       "Corr2dFunction, correct gradients", weight=4)
def layer(student) -> None:
    X = array(209, 6, 7, dtype=torch.float32)
    obs = student.probe("conv2d_layer", kernel_size=[2, 3], seed=0, X=X)
    if not obs["is_module"]:
        raise CheckFailed("Conv2D must be an nn.Module")
    if sorted(obs["params"]) != ["bias", "weight"]:
        raise CheckFailed(f"Conv2D's parameters are {sorted(obs['params'])}; expected exactly "
                          "'weight' and 'bias'")
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
    expect_tensor(obs["grads"]["weight"], W.grad, "gradient of Y.sum() with respect to weight")
    expect_tensor(obs["grads"]["bias"], torch.tensor([25.0]),
                  "gradient with respect to bias (one per output element)")


def _edge_data(dtype=torch.float32):
    X = torch.ones(6, 8, dtype=dtype)
    X[:, 2:6] = 0
    return X, oracle_corr2d(X, torch.tensor([[1.0, -1.0]], dtype=dtype))


@check("learn_kernel.edge", PART, "learn_kernel recovers [[1, -1]] from d2l's edge data "
       "(seed {seed}, {dtype})", weight=4,
       cases=[("seed0", dict(seed=0, dtype="float32")), ("seed7-float64", dict(seed=7,
                                                                                 dtype="float64"))])
def learn_edge(student, seed, dtype) -> None:
    X, Y = _edge_data(getattr(torch, dtype))
    obs = student.probe("learn_kernel", X=X, Y=Y, kernel_size=[1, 2], seed=seed)
    if not obs["is_conv2d"]:
        raise CheckFailed(f"learn_kernel returned {obs['type']}, expected your Conv2D")
    expect_tensor(obs["weight"], torch.tensor([[1.0, -1.0]], dtype=X.dtype), "learned weight",
                  rtol=0, atol=1e-2)
    expect_tensor(obs["bias"], torch.zeros(1, dtype=X.dtype), "learned bias", rtol=0, atol=1e-2)
