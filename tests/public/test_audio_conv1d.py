"""Public tests for part ``audio_conv1d`` (1-D cross-correlation and a network for MFCC frames)."""

import pytest
import torch

from convolutions import AudioConvNet, corr1d, corr1d_multi_in, corr1d_multi_in_out
from support import (AUDIO_NET, NO_CONV, Rules, assert_input_dependent, assert_layout,
                     assert_on_device, assert_tensor, assert_trained_accuracy, assert_unchanged,
                     assert_vectorised, count_ops, load_data, on_device, randn, reference_corr1d,
                     suspects, tolerances, value_first)

pytestmark = pytest.mark.audio_conv1d


def _call(fn, *args):
    shapes = ", ".join(str(tuple(a.shape)) for a in args)
    with Rules(NO_CONV, f"{fn.__name__}({shapes})"):
        return fn(*args)


def test_corr1d_example() -> None:
    x, k = torch.tensor([0.0, 1, 2, 3, 4, 5, 6]), torch.tensor([1.0, 2.0])
    wrong = suspects("corr1d", x.clone(), k.clone())  # (on the inputs as given)
    assert_tensor(_call(corr1d, x, k), torch.tensor([2.0, 5, 8, 11, 14, 17]),
                  "corr1d([0..6], [1, 2])", suspects=wrong)


@pytest.mark.parametrize("T, kw", [(10, 4), (6, 1), (5, 5), (150, 6)], ids=str)
def test_corr1d_matches_conv1d(T, kw) -> None:
    x, k = randn(T, seed=20), randn(kw, seed=21)
    x0 = x.clone()
    y = _call(corr1d, x, k)
    assert_tensor(y, reference_corr1d(x0[None], k[None, None])[0],
                  f"corr1d(x ({T},), k ({kw},))", layout=False,
                  suspects=suspects("corr1d", x0, k))
    assert_unchanged(x, x0, "x")


# c_in, c_out, T, kw
CHANNELS = [(3, 4, 11, 5), (1, 2, 7, 7), (13, 5, 30, 3)]


@pytest.mark.parametrize("c_in, c_out, T, kw", CHANNELS, ids=str)
def test_multi_channel_versions_match_conv1d(c_in, c_out, T, kw) -> None:
    X, K = randn(c_in, T, seed=22), randn(c_out, c_in, kw, seed=23)
    X0, K0 = X.clone(), K.clone()
    y = _call(corr1d_multi_in, X, K[0])
    assert_tensor(y, reference_corr1d(X0, K0[:1])[0],
                  f"corr1d_multi_in(X ({c_in}, {T}), K ({c_in}, {kw}))", layout=False,
                  suspects=suspects("corr1d_multi_in", X0, K0[0]))
    Y = _call(corr1d_multi_in_out, X, K)
    assert_tensor(Y, reference_corr1d(X0, K0),
                  f"corr1d_multi_in_out(X ({c_in}, {T}), K ({c_out}, {c_in}, {kw}))", layout=False,
                  suspects=suspects("corr1d_multi_in_out", X0, K0))
    assert_unchanged(X, X0, "X")
    assert_unchanged(K, K0, "K")


def test_float32_kept() -> None:
    X, K = randn(2, 15, seed=24, dtype=torch.float32), randn(3, 2, 4, seed=25, dtype=torch.float32)
    X0, K0 = X.clone(), K.clone()  # (the known wrong answers on the inputs as given)
    assert_tensor(_call(corr1d, X[0], K[0, 0]), reference_corr1d(X[:1], K[:1, :1])[0],
                  "corr1d in float32", suspects=suspects("corr1d", X0[0], K0[0, 0]))
    assert_tensor(_call(corr1d_multi_in, X, K[0]), reference_corr1d(X, K[:1])[0],
                  "corr1d_multi_in in float32", suspects=suspects("corr1d_multi_in", X0, K0[0]))
    assert_tensor(_call(corr1d_multi_in_out, X, K), reference_corr1d(X, K),
                  "corr1d_multi_in_out in float32",
                  suspects=suspects("corr1d_multi_in_out", X0, K0))


def test_outputs_on_the_input_device() -> None:
    """On the meta device (shapes, no values), after the same calls give the right values on
    the CPU (for the network: logits that depend on the clip): a placeholder of the right shape
    and device earns nothing."""
    X, K = randn(4, 19, seed=40), randn(3, 4, 5, seed=41)
    for fn, args, expected in (
            (corr1d, (X[0], K[0, 0]), reference_corr1d(X[:1], K[:1, :1])[0]),
            (corr1d_multi_in, (X, K[0]), reference_corr1d(X, K[:1])[0]),
            (corr1d_multi_in_out, (X, K), reference_corr1d(X, K))):
        assert_on_device(lambda device, fn=fn, args=args: _call(fn, *(a.to(device) for a in args)),
                         expected, fn.__name__)

    def logits(device):
        torch.manual_seed(0)
        with Rules(AUDIO_NET, f"AudioConvNet(6, 4) on {device}", watch=False):
            net = AudioConvNet(n_mfcc=6, n_classes=4).to(device).eval()
            with torch.no_grad():
                return net(randn(3, 6, 20, seed=42, dtype=torch.float32).to(device))

    with value_first("AudioConvNet(6, 4) on meta"):
        assert_input_dependent(logits("cpu"), "AudioConvNet(6, 4) on 3 random clips, on cpu")
    on_meta = on_device(logits, "meta")
    if on_meta is not None:
        assert_layout(on_meta, (3, 4), None, "meta", "AudioConvNet(6, 4) output on meta")


# name, x shape as a function of T, k shape
VECTORISED = [("corr1d", corr1d, lambda T: (T,), (4,)),
              ("corr1d_multi_in", corr1d_multi_in, lambda T: (3, T), (3, 4)),
              ("corr1d_multi_in_out", corr1d_multi_in_out, lambda T: (3, T), (2, 3, 4))]


@pytest.mark.parametrize("name, fn, x_shape, k_shape", VECTORISED, ids=[v[0] for v in VECTORISED])
def test_vectorised_over_output_positions(name, fn, x_shape, k_shape) -> None:
    K, counts = randn(*k_shape, seed=26), []
    for T in (9, 39):
        X = randn(*x_shape(T), seed=27)
        ops = count_ops(NO_CONV, fn, X, K, what=f"{name}(X {x_shape(T)}, K {k_shape})")
        counts.append((ops, (T - 3,)))
    assert_vectorised(name, *counts)



# The rule "never over channels": with T and the kernel width fixed and four times as many
# channels, vectorised code does the same work (torch operators and lines of its Python); a loop
# over channels does more for every added channel.
# name, function, (X shape, K shape) for c input channels
CHANNELS = [("corr1d_multi_in", corr1d_multi_in, lambda c: ((c, 10), (c, 4))),
            ("corr1d_multi_in_out", corr1d_multi_in_out, lambda c: ((c, 10), (2 * c, c, 4)))]


@pytest.mark.parametrize("name, fn, shapes", CHANNELS, ids=[c[0] for c in CHANNELS])
def test_vectorised_over_channels(name, fn, shapes) -> None:
    counts = []
    for c in (3, 12):
        x_shape, k_shape = shapes(c)
        X, K = randn(*x_shape, seed=28), randn(*k_shape, seed=29)
        call = f"{name}(X {x_shape}, K {k_shape})"
        counts.append((count_ops(NO_CONV, fn, X, K, what=call), call))
    (few, small_call), (many, large_call) = counts
    if tolerances.loops_over_outputs(few, many):
        raise AssertionError(
            f"{small_call} did {few} operations (torch operators and lines of your Python) and "
            f"{large_call} {many}: its work grows with the number of channels, so it loops "
            "over them. Loop over the kernel offsets only, and let each operation cover every "
            "channel at once.")

@pytest.mark.parametrize("n_mfcc, n_classes, B, T", [(13, 5, 2, 16), (13, 5, 3, 45),
                                                     (8, 3, 4, 70)], ids=str)
def test_audio_conv_net_shapes_and_input_dependence(n_mfcc, n_classes, B, T) -> None:
    torch.manual_seed(0)
    what = f"AudioConvNet({n_mfcc}, {n_classes}) on {B} random clips of {T} frames"
    # Its rules (no recurrent or attention operators), as the grader applies them.
    with Rules(AUDIO_NET, what, watch=False):
        net = AudioConvNet(n_mfcc=n_mfcc, n_classes=n_classes).eval()
        with torch.no_grad():
            logits = net(randn(B, n_mfcc, T, seed=28, dtype=torch.float32))
    assert_layout(logits, (B, n_classes), torch.float32, "cpu", what)
    assert_input_dependent(logits, what)
    kinds = {k.__name__ for m in net.modules() for k in type(m).__mro__
             if k.__module__.startswith("torch.nn.")}
    other = sorted(kinds & tolerances.OTHER_CONVOLUTIONS)
    assert not other, (f"AudioConvNet uses {other}: the rules allow nn.Conv1d as its only "
                       "convolution")
    sequence = sorted(kinds & tolerances.NOT_CONVOLUTIONS)
    assert not sequence, (f"AudioConvNet uses {sequence}: the rules allow no recurrent or "
                          "attention layers")


def test_audio_conv_net_accuracy_after_the_given_training() -> None:
    from convolutions.training import AUDIO_TRAINING

    data = load_data("audio_mfcc")
    torch.manual_seed(0)
    net = AudioConvNet(n_mfcc=data["X_train"].shape[1], n_classes=len(data["classes"]))
    assert_trained_accuracy(net, data, AUDIO_TRAINING, "AudioConvNet", "clips", "speakers",
                            AUDIO_NET)
