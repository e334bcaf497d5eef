"""Device checks: every part keeps its tensors on the input's device.

They run on each extra device this machine offers: ``meta`` always (tensors with shapes but no
data, so a CPU-only grader still catches ``torch.zeros(shape)`` without ``device=``, the bug in
d2l's own ``corr2d``), and CUDA when available, where values are compared too. Which devices
were checked is reported with every result (autograder/grade/devices.py).

A device check credits only a function that works: the same call on the run's own device must
give the right value first (``judge.value_first``), or the check fails as not judged.
"""

from collections.abc import Callable

import torch

from autograder.grade.bank import CheckFailed, check
from autograder.grade.devices import extra_devices
from autograder.tolerances import meta_cannot
from autograder.grade.judge import (DEVICE, array, as_tensor, expect_layout, expect_tensor,
                                    tolerance, value_first)
from oracles import expect_input_dependent, oracle_corr1d, oracle_corr2d

NAME = "{part} {verb} tensors on the input's device (checked on: meta, and CUDA if available)"

Expected = Callable[[dict], dict[str, torch.Tensor]]


def _expect_on(device: str, what: str, call: Callable[[str], dict], expected: Expected,
               rtol: float | None = None, atol: float | None = None) -> None:
    """``call(device)`` keeps its outputs on ``device``: judged only where ``call`` on the run's
    own device gives the right values (``expected(observations)``: key -> value), then the
    layout of each output on ``device`` (the dtype is the dtype checks' property), and on a
    device with values (not meta) the values too."""
    def label(key: str, on: str) -> str:
        return f"{what}{'' if key == 'value' else ' ' + key} on {on}"

    main = DEVICE.get()
    with value_first(f"{what} on {device}"):
        obs = call(main)
        want = expected(obs)
        for key, value in want.items():
            expect_tensor(obs.get(key), value, label(key, main), device=main, rtol=rtol,
                          atol=atol)
    obs = _on(device, call)
    if obs is None:
        return
    for key, value in want.items():
        expect_layout(obs.get(key), tuple(value.shape), None, device, label(key, device))
        if device != "meta":
            expect_tensor(obs.get(key), value, label(key, device), device=device, rtol=rtol,
                          atol=atol)


def _on(device: str, call: Callable[[str], dict]) -> dict | None:
    """``call(device)``; None where the device is meta and the code cannot run there for want
    of values (``tolerances.meta_cannot``): its value was right on the run's own device, so
    meta does not judge it (a real device would)."""
    try:
        return call(device)
    except CheckFailed as failure:
        if device == "meta" and meta_cannot(failure.detail or failure.message):
            return None
        raise


def _fixed(**values: torch.Tensor) -> Expected:
    return lambda obs: values


def _call(student, name: str, args: list, **kwargs) -> Callable[[str], dict]:
    """``name(*args, **kwargs)`` with the tensors on the device it is given."""
    return lambda device: student.probe("call", device=device, name=name, args=args,
                                        kwargs=kwargs)


def _expect_model(student, device, name: str, init: dict, x: torch.Tensor,
                  shape: tuple[int, ...]) -> None:
    """``name(**init)`` on ``device``: logits that depend on the input (a constant model keeps
    nothing on any device), judged on the run's own device first; then the output's layout on
    ``device``, and on a device with values its input dependence there too."""
    def forward(on: str) -> dict:
        return student.probe("module_forward", device=on, name=name, init=init, seed=0,
                             inputs=[x])

    batch = f"{name} on a batch of {x.shape[0]} different inputs"
    with value_first(f"{name} on {device}"):
        logits = as_tensor(forward(DEVICE.get())["outputs"][0], f"{name} output")
        if tuple(logits.shape) != shape:
            raise CheckFailed(f"{name} output: shape {tuple(logits.shape)}, expected {shape}")
        expect_input_dependent(logits, batch)
    obs = _on(device, forward)
    if obs is None:
        return
    expect_layout(obs["outputs"][0], shape, None, device, f"{name} output on {device}")
    if device != "meta":
        expect_input_dependent(as_tensor(obs["outputs"][0], f"{name} output on {device}"),
                               f"{batch}, on {device}")


def _each_device(fn):
    def run(student) -> None:
        for device in extra_devices():
            fn(student, device)
    return run


@check("device.cross_correlation", "cross_correlation", NAME.format(part="corr2d", verb="keeps"),
       public=["test_output_on_the_input_device"])
@_each_device
def corr2d_device(student, device) -> None:
    X, K = array(801, 7, 8), array(802, 3, 2)
    _expect_on(device, "corr2d", _call(student, "corr2d", [X, K], padding=(1, 2), stride=(2, 1)),
               _fixed(value=oracle_corr2d(X, K, (1, 2), (2, 1))))


@check("device.conv2d_backward", "conv2d_backward",
       NAME.format(part="Corr2dFunction and Conv2D", verb="keep"),
       public=["test_tensors_stay_on_the_input_device"])
@_each_device
def backward_device(student, device) -> None:
    X, K, dY = array(803, 5, 6), array(804, 2, 3), array(805, 4, 4)
    Xr, Kr = X.clone().requires_grad_(), K.clone().requires_grad_()
    dX, dK = torch.autograd.grad(oracle_corr2d(Xr, Kr), (Xr, Kr), dY)
    _expect_on(device, "Corr2dFunction",
               lambda on: student.probe("corr2d_function", device=on, X=X, K=K, dY=dY),
               _fixed(Y=oracle_corr2d(X, K), dX=dX, dK=dK))
    X32 = array(806, 5, 6, dtype=torch.float32)  # in the layer's (default) dtype

    def layer_output(obs: dict) -> dict[str, torch.Tensor]:
        params = obs.get("params") or {}
        weight = as_tensor(params.get("weight"), "Conv2D's weight").double()
        bias = as_tensor(params.get("bias"), "Conv2D's bias").double()
        if tuple(weight.shape) != (2, 2) or tuple(bias.shape) != (1,):
            raise CheckFailed(f"Conv2D((2, 2)) has a weight of shape {tuple(weight.shape)} and "
                              f"a bias of shape {tuple(bias.shape)}, expected (2, 2) and (1,)")
        return {"Y": (oracle_corr2d(X32.double(), weight) + bias).float()}

    rtol, atol = tolerance(torch.float32)
    _expect_on(device, "Conv2D((2, 2))",
               lambda on: student.probe("conv2d_layer", device=on, kernel_size=[2, 2], seed=0,
                                        X=X32),
               layer_output, rtol=rtol, atol=atol)


@check("device.conv_as_matmul", "conv_as_matmul",
       NAME.format(part="im2col, corr2d_matmul and kernel_matrix", verb="keep"),
       public=["test_outputs_on_the_input_device"])
@_each_device
def matmul_device(student, device) -> None:
    X, K = array(807, 6, 5), array(808, 2, 3)
    expected = torch.nn.functional.unfold(X[None, None], (2, 3), padding=1, stride=2)[0].T
    _expect_on(device, "im2col", _call(student, "im2col", [X, [2, 3]], padding=1, stride=2),
               _fixed(value=expected))
    _expect_on(device, "corr2d_matmul", _call(student, "corr2d_matmul", [X, K]),
               _fixed(value=oracle_corr2d(X, K)))
    M = torch.autograd.functional.jacobian(lambda x: oracle_corr2d(x, K).reshape(-1), X)
    _expect_on(device, "kernel_matrix", _call(student, "kernel_matrix", [K, [6, 5]]),
               _fixed(value=M.reshape(-1, 30)))


@check("device.conv1x1_fc", "conv1x1_fc",
       NAME.format(part="linear_to_conv1x1 and conv1x1_to_linear", verb="keep"),
       public=["test_layers_stay_on_the_input_device"])
@_each_device
def conv1x1_device(student, device) -> None:
    W, b, X = array(809, 4, 3), array(810, 4), array(811, 2, 3, 5, 5)
    expected = torch.einsum("oc,bchw->bohw", W, X) + b[None, :, None, None]
    _expect_on(device, "1x1 conv", lambda on: student.probe(
        "linear_to_conv1x1", device=on, weight=W, bias=b, X=X), _fixed(output=expected))
    x = array(812, 6, 3)
    _expect_on(device, "linear", lambda on: student.probe(
        "conv1x1_to_linear", device=on, weight=W.reshape(4, 3, 1, 1), bias=b, x=x),
        _fixed(output=x @ W.T + b))


@check("device.derivative_kernels", "derivative_kernels",
       NAME.format(part="the kernels (their device= argument)", verb="put"),
       public=["test_device_argument"])
@_each_device
def kernels_device(student, device) -> None:
    for name, args, expected in (("finite_difference_kernel", [3], [[-1.0, 3.0, -3.0, 1.0]]),
                                 ("second_derivative_kernel", [], [[1.0, -2.0, 1.0]]),
                                 ("integral_kernel", [4], [[1.0, 1.0, 1.0, 1.0]])):
        _expect_on(device, f"{name}(..., device=...)",
                   lambda on, name=name, args=args: student.probe(
                       "call", name=name, args=args, kwargs={"device": on}),
                   _fixed(value=torch.tensor(expected)), rtol=0, atol=0)


@check("device.audio_conv1d", "audio_conv1d",
       NAME.format(part="corr1d, corr1d_multi_in(_out) and AudioConvNet", verb="keep"),
       public=["test_outputs_on_the_input_device"])
@_each_device
def audio_device(student, device) -> None:
    X, K = array(813, 3, 17), array(814, 2, 3, 4)
    _expect_on(device, "corr1d", _call(student, "corr1d", [X[0], K[0, 0]]),
               _fixed(value=oracle_corr1d(X[:1], K[:1, :1])[0]))
    _expect_on(device, "corr1d_multi_in", _call(student, "corr1d_multi_in", [X, K[0]]),
               _fixed(value=oracle_corr1d(X, K[:1])[0]))
    _expect_on(device, "corr1d_multi_in_out", _call(student, "corr1d_multi_in_out", [X, K]),
               _fixed(value=oracle_corr1d(X, K)))
    x = array(815, 2, 20, 24, dtype=torch.float32)
    _expect_model(student, device, "AudioConvNet", {"n_mfcc": 20, "n_classes": 10}, x, (2, 10))


@check("device.text_conv", "text_conv", NAME.format(part="TextCNN", verb="keeps"),
       public=["test_logits_on_the_input_device"])
@_each_device
def text_device(student, device) -> None:
    tokens = torch.tensor([[4, 9, 2, 0, 0, 0], [7, 7, 3, 5, 1, 0]])
    _expect_model(student, device, "TextCNN", {"vocab_size": 12, "embed_size": 4,
                                               "kernel_sizes": [2, 3], "num_channels": [3, 2],
                                               "num_classes": 3}, tokens, (2, 3))
