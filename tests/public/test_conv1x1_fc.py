"""Public tests for part ``conv1x1_fc`` (a 1x1 convolution is a per-pixel linear layer)."""

import pytest
import torch
from torch import nn

from convolutions import conv1x1_to_linear, linear_to_conv1x1
from support import assert_tensor, randn

pytestmark = pytest.mark.conv1x1_fc


@pytest.mark.parametrize("bias", [True, False])
def test_linear_to_conv1x1_is_per_pixel_linear(bias: bool) -> None:
    torch.manual_seed(0)
    linear = nn.Linear(3, 5, bias=bias).double()
    conv = linear_to_conv1x1(linear)
    assert type(conv) is nn.Conv2d, f"expected nn.Conv2d, got {type(conv).__name__}"
    assert tuple(conv.kernel_size) == (1, 1), f"kernel_size {conv.kernel_size}, expected (1, 1)"
    X = randn(2, 3, 4, 6, seed=18)
    expected = linear(X.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    assert_tensor(conv(X).detach(), expected.detach(), "conv(X) vs linear at every pixel")


def test_conv1x1_to_linear_round_trip() -> None:
    torch.manual_seed(1)
    conv = nn.Conv2d(4, 2, kernel_size=1)
    linear = conv1x1_to_linear(conv)
    assert type(linear) is nn.Linear, f"expected nn.Linear, got {type(linear).__name__}"
    x = randn(7, 4, seed=19, dtype=torch.float32)
    expected = conv(x[:, :, None, None])[:, :, 0, 0]
    assert_tensor(linear(x).detach(), expected.detach(), "linear(x) vs the 1x1 conv on one pixel")
    assert linear.weight.data_ptr() != conv.weight.data_ptr(), "weights must be copied, not shared"
