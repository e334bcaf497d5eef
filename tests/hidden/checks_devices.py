"""Device checks: every part keeps its tensors on the input's device.

They run on each extra device this machine offers: ``meta`` always (tensors with shapes but no
data, so a CPU-only grader still catches ``torch.zeros(shape)`` without ``device=``, the bug in
d2l's own ``corr2d``), and CUDA when available, where values are compared too. Which devices
were checked is reported with every result (autograder/grade/devices.py).

The device checks of the first parts live here, in this order, so that the bank's order (and
every result file) stays as it was; a new part writes its device check in its own checks file,
with the helpers of ``on_devices.py``.
"""

import torch

from autograder.grade.bank import CheckFailed, check
from autograder.grade.judge import array, as_tensor, tolerance
from on_devices import NAME, call_of, each_device, expect_model, expect_on, fixed
from oracles import oracle_corr1d, oracle_corr2d


@check("device.cross_correlation", "cross_correlation", NAME.format(part="corr2d", verb="keeps"),
       public=["test_output_on_the_input_device"])
@each_device
def corr2d_device(student, device) -> None:
    X, K = array(801, 7, 8), array(802, 3, 2)
    expect_on(device, "corr2d", call_of(student, "corr2d", [X, K], padding=(1, 2), stride=(2, 1)),
              fixed(value=oracle_corr2d(X, K, (1, 2), (2, 1))))


@check("device.conv2d_backward", "conv2d_backward",
       NAME.format(part="Corr2dFunction and Conv2D", verb="keep"),
       public=["test_tensors_stay_on_the_input_device"])
@each_device
def backward_device(student, device) -> None:
    X, K, dY = array(803, 5, 6), array(804, 2, 3), array(805, 4, 4)
    Xr, Kr = X.clone().requires_grad_(), K.clone().requires_grad_()
    dX, dK = torch.autograd.grad(oracle_corr2d(Xr, Kr), (Xr, Kr), dY)
    expect_on(device, "Corr2dFunction",
              lambda on: student.probe("corr2d_function", device=on, X=X, K=K, dY=dY),
              fixed(Y=oracle_corr2d(X, K), dX=dX, dK=dK))
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
    expect_on(device, "Conv2D((2, 2))",
              lambda on: student.probe("conv2d_layer", device=on, kernel_size=[2, 2], seed=0,
                                       X=X32),
              layer_output, rtol=rtol, atol=atol)


@check("device.conv_as_matmul", "conv_as_matmul",
       NAME.format(part="im2col, corr2d_matmul and kernel_matrix", verb="keep"),
       public=["test_outputs_on_the_input_device"])
@each_device
def matmul_device(student, device) -> None:
    X, K = array(807, 6, 5), array(808, 2, 3)
    expected = torch.nn.functional.unfold(X[None, None], (2, 3), padding=1, stride=2)[0].T
    expect_on(device, "im2col", call_of(student, "im2col", [X, [2, 3]], padding=1, stride=2),
              fixed(value=expected))
    expect_on(device, "corr2d_matmul", call_of(student, "corr2d_matmul", [X, K]),
              fixed(value=oracle_corr2d(X, K)))
    M = torch.autograd.functional.jacobian(lambda x: oracle_corr2d(x, K).reshape(-1), X)
    expect_on(device, "kernel_matrix", call_of(student, "kernel_matrix", [K, [6, 5]]),
              fixed(value=M.reshape(-1, 30)))


@check("device.conv1x1_fc", "conv1x1_fc",
       NAME.format(part="linear_to_conv1x1 and conv1x1_to_linear", verb="keep"),
       public=["test_layers_stay_on_the_input_device"])
@each_device
def conv1x1_device(student, device) -> None:
    W, b, X = array(809, 4, 3), array(810, 4), array(811, 2, 3, 5, 5)
    expected = torch.einsum("oc,bchw->bohw", W, X) + b[None, :, None, None]
    expect_on(device, "1x1 conv", lambda on: student.probe(
        "linear_to_conv1x1", device=on, weight=W, bias=b, X=X), fixed(output=expected))
    x = array(812, 6, 3)
    expect_on(device, "linear", lambda on: student.probe(
        "conv1x1_to_linear", device=on, weight=W.reshape(4, 3, 1, 1), bias=b, x=x),
        fixed(output=x @ W.T + b))


@check("device.derivative_kernels", "derivative_kernels",
       NAME.format(part="the kernels (their device= argument)", verb="put"),
       public=["test_device_argument"])
@each_device
def kernels_device(student, device) -> None:
    for name, args, expected in (("finite_difference_kernel", [3], [[-1.0, 3.0, -3.0, 1.0]]),
                                 ("second_derivative_kernel", [], [[1.0, -2.0, 1.0]]),
                                 ("integral_kernel", [4], [[1.0, 1.0, 1.0, 1.0]])):
        expect_on(device, f"{name}(..., device=...)",
                  lambda on, name=name, args=args: student.probe(
                      "call", name=name, args=args, kwargs={"device": on}),
                  fixed(value=torch.tensor(expected)), rtol=0, atol=0)


@check("device.audio_conv1d", "audio_conv1d",
       NAME.format(part="corr1d, corr1d_multi_in(_out) and AudioConvNet", verb="keep"),
       public=["test_outputs_on_the_input_device"])
@each_device
def audio_device(student, device) -> None:
    X, K = array(813, 3, 17), array(814, 2, 3, 4)
    expect_on(device, "corr1d", call_of(student, "corr1d", [X[0], K[0, 0]]),
              fixed(value=oracle_corr1d(X[:1], K[:1, :1])[0]))
    expect_on(device, "corr1d_multi_in", call_of(student, "corr1d_multi_in", [X, K[0]]),
              fixed(value=oracle_corr1d(X, K[:1])[0]))
    expect_on(device, "corr1d_multi_in_out", call_of(student, "corr1d_multi_in_out", [X, K]),
              fixed(value=oracle_corr1d(X, K)))
    x = array(815, 2, 20, 24, dtype=torch.float32)
    expect_model(student, device, "AudioConvNet", {"n_mfcc": 20, "n_classes": 10}, x, (2, 10))


@check("device.text_conv", "text_conv", NAME.format(part="TextCNN", verb="keeps"),
       public=["test_logits_on_the_input_device"])
@each_device
def text_device(student, device) -> None:
    tokens = torch.tensor([[4, 9, 2, 0, 0, 0], [7, 7, 3, 5, 1, 0]])
    expect_model(student, device, "TextCNN", {"vocab_size": 12, "embed_size": 4,
                                              "kernel_sizes": [2, 3], "num_channels": [3, 2],
                                              "num_classes": 3}, tokens, (2, 3))
