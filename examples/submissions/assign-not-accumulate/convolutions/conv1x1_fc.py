"""Part ``conv1x1_fc``: a 1x1 convolution is a fully connected layer applied at every pixel.

d2l 6.1 exercise 1 (a convolution kernel with Delta = 0: each output pixel depends only on the
same pixel's channels) and 7.4's 1x1 convolution. For input (B, c_in, h, w):
``conv(X)[n, :, i, j] == linear(X[n, :, i, j])`` for every n, i, j.
"""

from __future__ import annotations

import torch
from torch import nn


def linear_to_conv1x1(linear: nn.Linear) -> nn.Conv2d:
    """Build the 1x1 ``nn.Conv2d`` that applies ``linear`` to every pixel's channel vector.

    Args:
        linear: ``nn.Linear(c_in, c_out)``, weight (c_out, c_in), bias (c_out,) or None.

    Returns:
        ``nn.Conv2d(c_in, c_out, kernel_size=1)`` with weight (c_out, c_in, 1, 1) and bias
        (c_out,) (or no bias) copied from ``linear`` (not shared), with its dtype and device.
        ``linear`` is not modified.
    """
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"expected nn.Linear, got {type(linear).__name__}")
    ### BEGIN SOLUTION
    ### TASK: Return the 1x1 convolution described above.
    ### HINT nudge: Compare the shapes of `nn.Linear`'s weight, (c_out, c_in), and `nn.Conv2d`'s,
    ### HINT nudge: (c_out, c_in, kh, kw). What is left of a convolution's sum when kh = kw = 1?
    ### HINT nudge:
    ### HINT nudge: "Copied, not shared": the new layer must own its tensors, and filling in its
    ### HINT nudge: parameters must not be recorded by autograd. Where does a new layer put its
    ### HINT nudge: parameters unless told otherwise?
    ### HINT method: Construct `nn.Conv2d(c_in, c_out, kernel_size=1, bias=..., device=...,
    ### HINT method: dtype=...)` from `linear`'s sizes, device and dtype, then, under
    ### HINT method: `torch.no_grad()`, `copy_` the reshaped weight and the bias into its
    ### HINT method: parameters.
    ### HINT full: `conv.weight.copy_(linear.weight.reshape(c_out, c_in, 1, 1))` and
    ### HINT full: `conv.bias.copy_(linear.bias)` when there is a bias.
    ### ANSWER: copy_(linear.weight.reshape(
    ### ANSWER: reshape(linear.out_features, linear.in_features, 1, 1)
    w = linear.weight
    conv = nn.Conv2d(
        linear.in_features,
        linear.out_features,
        kernel_size=1,
        bias=linear.bias is not None,
        device=w.device,
        dtype=w.dtype,
    )
    with torch.no_grad():
        conv.weight.copy_(w.reshape(linear.out_features, linear.in_features, 1, 1))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv
    ### END SOLUTION


def conv1x1_to_linear(conv: nn.Conv2d) -> nn.Linear:
    """Build the ``nn.Linear`` equivalent to a 1x1 ``nn.Conv2d`` applied to one pixel.

    Args:
        conv: ``nn.Conv2d(c_in, c_out, kernel_size=1)`` with stride 1, no padding, dilation 1
            and groups 1; weight (c_out, c_in, 1, 1), bias (c_out,) or None.

    Returns:
        ``nn.Linear(c_in, c_out)`` with weight (c_out, c_in) and bias copied from ``conv`` (not
        shared), with its dtype and device. ``conv`` is not modified.

    Raises:
        ValueError: if ``conv`` is not a plain 1x1 convolution.
    """
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"expected nn.Conv2d, got {type(conv).__name__}")
    plain = (
        tuple(conv.kernel_size) == (1, 1)
        and tuple(conv.stride) == (1, 1)
        and tuple(conv.dilation) == (1, 1)
        and conv.groups == 1
        and (conv.padding in ("valid", (0, 0)))
    )
    if not plain:
        raise ValueError(
            "only a 1x1 convolution with stride 1, no padding, dilation 1 and groups 1 is a "
            "per-pixel linear layer"
        )
    ### BEGIN SOLUTION
    ### TASK: Return the linear layer described above.
    ### HINT nudge: The same correspondence as in `linear_to_conv1x1`, the other way round.
    ### HINT method: Construct `nn.Linear(c_in, c_out, bias=..., device=..., dtype=...)` from
    ### HINT method: `conv`'s sizes, device and dtype, then, under `torch.no_grad()`, `copy_` the
    ### HINT method: reshaped weight and the bias into its parameters.
    ### HINT full: `linear.weight.copy_(conv.weight.reshape(c_out, c_in))` and
    ### HINT full: `linear.bias.copy_(conv.bias)` when there is a bias.
    ### ANSWER: copy_(conv.weight.reshape(
    ### ANSWER: reshape(conv.out_channels, conv.in_channels)
    w = conv.weight
    linear = nn.Linear(
        conv.in_channels,
        conv.out_channels,
        bias=conv.bias is not None,
        device=w.device,
        dtype=w.dtype,
    )
    with torch.no_grad():
        linear.weight.copy_(w.reshape(conv.out_channels, conv.in_channels))
        if conv.bias is not None:
            linear.bias.copy_(conv.bias)
    return linear
    ### END SOLUTION
