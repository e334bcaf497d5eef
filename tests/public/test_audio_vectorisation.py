"""Public tests for part ``audio_conv1d``: the rule "never over channels" of the corr1d functions.

With T and the kernel width fixed and four times as many channels, vectorised code runs as many
operators; a loop over channels runs about four times as many (the grader's slack, the same as
for output positions, allows a few more).
"""

import pytest

from convolutions import corr1d_multi_in, corr1d_multi_in_out
from support import NO_CONV, count_ops, randn, tolerances

pytestmark = pytest.mark.audio_conv1d

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
            f"{small_call} issued {few} operations and {large_call} {many} "
            f"({many / max(few, 1):.1f} times as many for 4 times the channels): it loops over "
            "channels. Loop over the kernel offsets only, and let each operation cover every "
            "channel at once.")
