"""How close is close enough, and the layer rules: the one table the grader and the public tests
share.

The grader's checks (``autograder/grade/judge.py`` and ``tests/hidden/``) and the public tests
(``tests/public/support.py``) read these values from here, so the public tests judge with the
grader's tolerances and thresholds. Standard library only: ``make release`` copies this file
into the student template, beside the rule guard (``autograder/sandbox/guards.py``).
"""

from __future__ import annotations

# (rtol, atol) per dtype name, documented in the README: float64 agrees to rounding of a short
# sum, float32 to a few ulps of it, half precisions to their resolution. A dtype not listed
# (integers, bool) is compared exactly. Values are compared at the coarser of the two dtypes'
# tolerances (the result's and the expected one's); whether the dtype is right is judged apart.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-9, 1e-10),
    "float32": (1e-4, 1e-5),
    "bfloat16": (2e-2, 2e-2),
    "float16": (5e-3, 5e-3),
}

# learn_kernel: how close (rtol, atol) the learned weight and bias must be to the kernel that
# made the targets.
LEARNED = (0.0, 1e-2)

# Jacobians from the backward pass against central finite differences (gradcheck's own).
GRADCHECK = (1e-3, 1e-5)

# TextCNN in float64: logits of one sentence wherever it sits in its padded row.
INVARIANCE = (1e-9, 1e-9)

# Held-out accuracy AudioConvNet and TextCNN must reach after the given training.
ACCURACY = 0.90

# Vectorisation: the work a call does -- the torch operators it runs plus the lines of the
# student's own Python it runs -- at a small and a large size with the kernel fixed. Vectorised
# code does the same work at both sizes, give or take a branch on the shape (this many); a loop
# over output rows (or pixels, time steps, channels) does at least one operator or line more per
# iteration, and the large size has many more of them. Judged by the difference, not the ratio,
# so that constant work added on purpose cannot hide a loop.
WORK_SLACK = 8


def loops_over_outputs(small: int, large: int) -> bool:
    """Whether ``large`` (the work at many output positions) against ``small`` (at few) means a
    loop over output positions."""
    return large - small > WORK_SLACK


# What only the meta device refuses (it has shapes but no values): code that reads a value
# (``if (x < 0).any():``, ``.item()``) or swaps a parameter's ``.data`` cannot run there, yet
# runs on every real device. A device check that meets one of these on meta, for code whose
# value was right on the run's own device, does not judge the device there (CUDA, when
# present, still does).
# (Not "Cannot copy out of meta tensor": copying a meta tensor into one made on the default
# device is the device bug itself.)
META_ONLY = ("cannot be called on meta tensors", "on meta tensors is not supported",
             "have incompatible tensor type")


def meta_cannot(message: str) -> bool:
    """Whether ``message`` (an error's text) is one only the meta device gives."""
    return any(text in message for text in META_ONLY)


# AudioConvNet's layer rules, by torch.nn class name (found anywhere in a module's MRO): its
# only convolutions are Conv1d, and it has no recurrent or attention layers.
OTHER_CONVOLUTIONS = frozenset(f"{lazy}Conv{kind}{d}d" for lazy in ("", "Lazy")
                               for kind in ("", "Transpose") for d in (1, 2, 3)
                               ) - {"Conv1d", "LazyConv1d"}
NOT_CONVOLUTIONS = frozenset({"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
                              "MultiheadAttention", "Transformer", "TransformerEncoder",
                              "TransformerDecoder", "TransformerEncoderLayer",
                              "TransformerDecoderLayer"})
