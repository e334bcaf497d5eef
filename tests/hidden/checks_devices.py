"""Device checks: every part keeps its tensors on the input's device.

They run on each extra device this machine offers: ``meta`` always (tensors with shapes but no
data, so a CPU-only grader still catches ``torch.zeros(shape)`` without ``device=``, the bug in
d2l's own ``corr2d``), and CUDA when available, where values are compared too. Which devices
were checked is reported with every result (autograder/grade/devices.py).
"""

import torch

from autograder.grade.bank import check
from autograder.grade.devices import extra_devices
from autograder.grade.judge import array, as_tensor, expect_layout, expect_tensor
from oracles import expect_input_dependent, oracle_corr1d, oracle_corr2d

NAME = "{part} {verb} tensors on the input's device (checked on: meta, and CUDA if available)"


def _expect(obs, expected: torch.Tensor, what: str, device: str) -> None:
    """The device (and the shape; the dtype is the dtype checks' property); on a real device
    the values too."""
    expect_layout(obs, tuple(expected.shape), None, device, what)
    if device != "meta":
        expect_tensor(obs, expected, what, device=device)


def _expect_model(student, device, name: str, init: dict, x: torch.Tensor,
                  shape: tuple[int, ...]) -> None:
    """``name(**init)`` on ``device``: the output's layout, and logits that depend on the input
    (a constant model keeps nothing on any device); meta has no values, so those are looked at
    on the run's own device."""
    obs = student.probe("module_forward", device=device, name=name, init=init, seed=0,
                        inputs=[x])
    expect_layout(obs["outputs"][0], shape, None, device, f"{name} output on {device}")
    if device == "meta":
        obs = student.probe("module_forward", name=name, init=init, seed=0, inputs=[x])
    expect_input_dependent(as_tensor(obs["outputs"][0], f"{name} output"),
                           f"{name} on a batch of {x.shape[0]} different inputs")


def _each_device(fn):
    def run(student) -> None:
        for device in extra_devices():
            fn(student, device)
    return run


@check("device.cross_correlation", "cross_correlation", NAME.format(part="corr2d", verb="keeps"))
@_each_device
def corr2d_device(student, device) -> None:
    X, K = array(801, 7, 8), array(802, 3, 2)
    obs = student.probe("call", device=device, name="corr2d", args=[X, K],
                        kwargs={"padding": (1, 2), "stride": (2, 1)})
    _expect(obs["value"], oracle_corr2d(X, K, (1, 2), (2, 1)), f"corr2d on {device}", device)


@check("device.conv2d_backward", "conv2d_backward",
       NAME.format(part="Corr2dFunction and Conv2D", verb="keep"))
@_each_device
def backward_device(student, device) -> None:
    X, K, dY = array(803, 5, 6), array(804, 2, 3), array(805, 4, 4)
    obs = student.probe("corr2d_function", device=device, X=X, K=K, dY=dY)
    Xr, Kr = X.clone().requires_grad_(), K.clone().requires_grad_()
    dX, dK = torch.autograd.grad(oracle_corr2d(Xr, Kr), (Xr, Kr), dY)
    _expect(obs["Y"], oracle_corr2d(X, K), f"Corr2dFunction output on {device}", device)
    _expect(obs["dX"], dX, f"dX on {device}", device)
    _expect(obs["dK"], dK, f"dK on {device}", device)
    X32 = array(806, 5, 6, dtype=torch.float32)
    obs = student.probe("conv2d_layer", device=device, kernel_size=[2, 2], seed=0, X=X32)
    expect_layout(obs["Y"], (4, 5), None, device, f"Conv2D output on {device}")


@check("device.conv_as_matmul", "conv_as_matmul",
       NAME.format(part="im2col, corr2d_matmul and kernel_matrix", verb="keep"))
@_each_device
def matmul_device(student, device) -> None:
    X, K = array(807, 6, 5), array(808, 2, 3)
    obs = student.probe("call", device=device, name="im2col", args=[X, [2, 3]],
                        kwargs={"padding": 1, "stride": 2})
    expected = torch.nn.functional.unfold(X[None, None], (2, 3), padding=1, stride=2)[0].T
    _expect(obs["value"], expected, f"im2col on {device}", device)
    obs = student.probe("call", device=device, name="corr2d_matmul", args=[X, K])
    _expect(obs["value"], oracle_corr2d(X, K), f"corr2d_matmul on {device}", device)
    obs = student.probe("call", device=device, name="kernel_matrix", args=[K, [6, 5]])
    M = torch.autograd.functional.jacobian(lambda x: oracle_corr2d(x, K).reshape(-1), X)
    _expect(obs["value"], M.reshape(-1, 30), f"kernel_matrix on {device}", device)


@check("device.conv1x1_fc", "conv1x1_fc",
       NAME.format(part="linear_to_conv1x1 and conv1x1_to_linear", verb="keep"))
@_each_device
def conv1x1_device(student, device) -> None:
    W, b, X = array(809, 4, 3), array(810, 4), array(811, 2, 3, 5, 5)
    obs = student.probe("linear_to_conv1x1", device=device, weight=W, bias=b, X=X)
    expected = torch.einsum("oc,bchw->bohw", W, X) + b[None, :, None, None]
    _expect(obs.get("output"), expected, f"1x1 conv output on {device}", device)
    x = array(812, 6, 3)
    obs = student.probe("conv1x1_to_linear", device=device, weight=W.reshape(4, 3, 1, 1), bias=b,
                        x=x)
    _expect(obs.get("output"), x @ W.T + b, f"linear output on {device}", device)


@check("device.derivative_kernels", "derivative_kernels",
       NAME.format(part="the kernels (their device= argument)", verb="put"))
@_each_device
def kernels_device(student, device) -> None:
    for name, args, expected in (("finite_difference_kernel", [3], [[-1.0, 3.0, -3.0, 1.0]]),
                                 ("second_derivative_kernel", [], [[1.0, -2.0, 1.0]]),
                                 ("integral_kernel", [4], [[1.0, 1.0, 1.0, 1.0]])):
        obs = student.probe("call", name=name, args=args, kwargs={"device": device})
        _expect(obs["value"], torch.tensor(expected), f"{name}(..., device={device!r})", device)


@check("device.audio_conv1d", "audio_conv1d",
       NAME.format(part="corr1d, corr1d_multi_in(_out) and AudioConvNet", verb="keep"))
@_each_device
def audio_device(student, device) -> None:
    X, K = array(813, 3, 17), array(814, 2, 3, 4)
    obs = student.probe("call", device=device, name="corr1d", args=[X[0], K[0, 0]])
    _expect(obs["value"], oracle_corr1d(X[:1], K[:1, :1])[0], f"corr1d on {device}", device)
    obs = student.probe("call", device=device, name="corr1d_multi_in", args=[X, K[0]])
    _expect(obs["value"], oracle_corr1d(X, K[:1])[0], f"corr1d_multi_in on {device}", device)
    obs = student.probe("call", device=device, name="corr1d_multi_in_out", args=[X, K])
    _expect(obs["value"], oracle_corr1d(X, K), f"corr1d_multi_in_out on {device}", device)
    x = array(815, 2, 20, 24, dtype=torch.float32)
    _expect_model(student, device, "AudioConvNet", {"n_mfcc": 20, "n_classes": 10}, x, (2, 10))


@check("device.text_conv", "text_conv", NAME.format(part="TextCNN", verb="keeps"))
@_each_device
def text_device(student, device) -> None:
    tokens = torch.tensor([[4, 9, 2, 0, 0, 0], [7, 7, 3, 5, 1, 0]])
    _expect_model(student, device, "TextCNN", {"vocab_size": 12, "embed_size": 4,
                                               "kernel_sizes": [2, 3], "num_channels": [3, 2],
                                               "num_classes": 3}, tokens, (2, 3))
