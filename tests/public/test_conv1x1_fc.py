"""Public tests for part ``conv1x1_fc`` (a 1x1 convolution is a per-pixel linear layer)."""

import pytest
import torch
from torch import nn

from convolutions import conv1x1_to_linear, linear_to_conv1x1
from support import assert_on_device, assert_tensor, assert_unchanged, randn

pytestmark = pytest.mark.conv1x1_fc

# id, in channels, out channels, bias, dtype
CASES = [("2-to-6 with bias", 2, 6, True, torch.float64),
         ("5-to-3 without bias", 5, 3, False, torch.float64),
         ("3-to-1 float32", 3, 1, True, torch.float32)]


def _linear(c_in, c_out, bias, dtype, seed, device="cpu"):
    torch.manual_seed(seed)
    return nn.Linear(c_in, c_out, bias=bias, dtype=dtype, device=device)


def _conv(c_in, c_out, bias, dtype, seed, device="cpu"):
    torch.manual_seed(seed)
    return nn.Conv2d(c_in, c_out, kernel_size=1, bias=bias, dtype=dtype, device=device)


@pytest.mark.parametrize("name, c_in, c_out, bias, dtype", CASES, ids=[c[0] for c in CASES])
def test_linear_to_conv1x1_is_per_pixel_linear(name, c_in, c_out, bias, dtype) -> None:
    linear = _linear(c_in, c_out, bias, dtype, seed=1)
    weight0 = linear.weight.detach().clone()
    conv = linear_to_conv1x1(linear)
    assert type(conv) is nn.Conv2d, f"expected exactly nn.Conv2d, got {type(conv).__name__}"
    assert tuple(conv.kernel_size) == (1, 1) and tuple(conv.stride) == (1, 1), (
        f"kernel_size {conv.kernel_size}, stride {conv.stride}: expected (1, 1) and (1, 1)")
    assert conv.padding in ((0, 0), "valid"), f"padding {conv.padding}, expected none"
    assert_tensor(conv.weight.detach(), weight0.reshape(c_out, c_in, 1, 1), "the conv's weight")
    if bias:
        assert conv.bias is not None, "the linear layer has a bias, so the conv needs one"
        assert_tensor(conv.bias.detach(), linear.bias.detach(), "the conv's bias")
    else:
        assert conv.bias is None, "the linear layer has no bias, so the conv must have none"
    X = randn(2, c_in, 4, 3, seed=18, dtype=dtype)
    expected = linear(X.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    assert_tensor(conv(X).detach(), expected.detach(), "conv(X) vs the linear layer at every pixel")
    assert conv.weight.data_ptr() != linear.weight.data_ptr(), (
        "the conv shares the linear layer's weight storage: copy the values (e.g. with .clone())")
    assert_unchanged(linear.weight.detach(), weight0, "the linear layer's weight")


@pytest.mark.parametrize("name, c_in, c_out, bias, dtype", CASES, ids=[c[0] for c in CASES])
def test_conv1x1_to_linear_round_trip(name, c_in, c_out, bias, dtype) -> None:
    conv = _conv(c_in, c_out, bias, dtype, seed=2)
    linear = conv1x1_to_linear(conv)
    assert type(linear) is nn.Linear, f"expected exactly nn.Linear, got {type(linear).__name__}"
    assert_tensor(linear.weight.detach(), conv.weight.detach().reshape(c_out, c_in),
                  "the linear layer's weight")
    if bias:
        assert linear.bias is not None, "the conv has a bias, so the linear layer needs one"
        assert_tensor(linear.bias.detach(), conv.bias.detach(), "the linear layer's bias")
    else:
        assert linear.bias is None, "the conv has no bias, so the linear layer must have none"
    x = randn(7, c_in, seed=19, dtype=dtype)
    expected = conv(x[:, :, None, None])[:, :, 0, 0]
    assert_tensor(linear(x).detach(), expected.detach(), "linear(x) vs the 1x1 conv on one pixel")
    assert linear.weight.data_ptr() != conv.weight.data_ptr(), (
        "the linear layer shares the conv's weight storage: copy the values (e.g. with .clone())")


def test_layers_stay_on_the_input_device() -> None:
    """On the meta device (shapes, no values), after the same conversions give the right layers
    on the CPU: a layer of the right type and device that computes something else earns
    nothing."""
    X, x = randn(2, 3, 5, 5, seed=20, dtype=torch.float32), randn(6, 3, seed=21,
                                                                  dtype=torch.float32)

    def to_conv(device):
        linear = _linear(3, 4, True, torch.float32, seed=3, device=device)
        conv = linear_to_conv1x1(linear)
        assert type(conv) is nn.Conv2d, f"expected exactly nn.Conv2d, got {type(conv).__name__}"
        return conv.weight.detach(), conv(X.to(device)).detach()

    linear = _linear(3, 4, True, torch.float32, seed=3)
    assert_on_device(to_conv, (linear.weight.detach().reshape(4, 3, 1, 1),
                               linear(X.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).detach()),
                     "linear_to_conv1x1's weight and output")

    def to_linear(device):
        conv = _conv(3, 4, True, torch.float32, seed=4, device=device)
        linear = conv1x1_to_linear(conv)
        assert type(linear) is nn.Linear, f"expected exactly nn.Linear, got {type(linear).__name__}"
        return linear(x.to(device)).detach()

    conv = _conv(3, 4, True, torch.float32, seed=4)
    assert_on_device(to_linear, conv(x[:, :, None, None])[:, :, 0, 0].detach(),
                     "conv1x1_to_linear's output")
