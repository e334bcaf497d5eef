"""Public tests for part ``audio_conv1d`` (1-D cross-correlation and a network for MFCC frames)."""

import pytest
import torch
import torch.nn.functional as F

from convolutions import AudioConvNet, corr1d, corr1d_multi_in, corr1d_multi_in_out
from support import assert_tensor, no_torch_convolution, randn

pytestmark = pytest.mark.audio_conv1d


def test_corr1d_example() -> None:
    x, k = torch.tensor([0.0, 1, 2, 3, 4, 5, 6]), torch.tensor([1.0, 2.0])
    with no_torch_convolution():
        y = corr1d(x, k)
    assert_tensor(y, torch.tensor([2.0, 5, 8, 11, 14, 17]), "corr1d([0..6], [1, 2])")


def test_multi_channel_versions_match_conv1d() -> None:
    X, K = randn(3, 11, seed=20), randn(4, 3, 5, seed=21)
    with no_torch_convolution():
        y = corr1d_multi_in(X, K[0])
        Y = corr1d_multi_in_out(X, K)
    assert_tensor(y, F.conv1d(X[None], K[:1])[0, 0], "corr1d_multi_in(X (3, 11), K (3, 5))")
    assert_tensor(Y, F.conv1d(X[None], K)[0], "corr1d_multi_in_out(X (3, 11), K (4, 3, 5))")


@pytest.mark.parametrize("T", [16, 45])
def test_audio_conv_net_shapes(T: int) -> None:
    torch.manual_seed(0)
    net = AudioConvNet(n_mfcc=13, n_classes=5).eval()
    logits = net(randn(2, 13, T, seed=22, dtype=torch.float32))
    assert type(logits) is torch.Tensor and tuple(logits.shape) == (2, 5), (
        f"AudioConvNet(13, 5) on (2, 13, {T}) gave {getattr(logits, 'shape', logits)}, expected (2, 5)"
    )
