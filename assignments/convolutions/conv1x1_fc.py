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
    # TODO: Return the 1x1 convolution described above.
    raise NotImplementedError("linear_to_conv1x1: not implemented yet (see the TODO)")


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
    # TODO: Return the linear layer described above.
    raise NotImplementedError("conv1x1_to_linear: not implemented yet (see the TODO)")
