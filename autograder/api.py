"""The pinned student API (issue 2's table): parts, the names of each part, their signatures.

Signatures are written without annotations. The grader resolves names through this table, the
repository tests check both packages against it, and the front-ends list parts from it.
"""

from __future__ import annotations

# part id -> {name: signature}; the module of a part is ``convolutions.<part id>``.
API: dict[str, dict[str, str]] = {
    "cross_correlation": {
        "corr2d": "(X, K, padding=0, stride=1)",
    },
    "conv2d_backward": {
        "Corr2dFunction.forward": "(ctx, X, K)",
        "Corr2dFunction.backward": "(ctx, dY)",
        "Conv2D": "(kernel_size)",
        "learn_kernel": "(X, Y, kernel_size=(1, 2))",
    },
    "conv_as_matmul": {
        "im2col": "(X, kernel_size, padding=0, stride=1)",
        "corr2d_matmul": "(X, K, padding=0, stride=1)",
        "kernel_matrix": "(K, input_shape)",
    },
    "conv1x1_fc": {
        "linear_to_conv1x1": "(linear)",
        "conv1x1_to_linear": "(conv)",
    },
    "derivative_kernels": {
        "finite_difference_kernel": "(order, *, dtype=None, device=None)",
        "second_derivative_kernel": "(*, dtype=None, device=None)",
        "integral_kernel": "(width, *, dtype=None, device=None)",
        "min_kernel_size": "(order)",
    },
    "audio_conv1d": {
        "corr1d": "(x, k)",
        "corr1d_multi_in": "(X, K)",
        "corr1d_multi_in_out": "(X, K)",
        "AudioConvNet": "(n_mfcc, n_classes)",
    },
    "text_conv": {
        "TextCNN": "(vocab_size, embed_size, kernel_sizes, num_channels, num_classes, padding_idx=0)",
    },
}

# Base classes the classes must derive from.
BASES = {
    "Corr2dFunction": "torch.autograd.function.Function",
    "Conv2D": "torch.nn.modules.module.Module",
    "AudioConvNet": "torch.nn.modules.module.Module",
    "TextCNN": "torch.nn.modules.module.Module",
}

# Parts without code in the API table: manually graded answers and optional short answers.
WRITTEN = "written"
CONCEPTS = "concepts"
PARTS = [*API, WRITTEN, CONCEPTS]

# Top-level name -> the module that defines it, for loading a package whose __init__ is broken.
MODULE_OF = {name.split(".")[0]: part for part, names in API.items() for name in names}

# Short column headings for score tables.
SHORT = {"cross_correlation": "xcorr", "conv2d_backward": "backward", "conv_as_matmul": "matmul",
         "conv1x1_fc": "1x1", "derivative_kernels": "deriv", "audio_conv1d": "audio",
         "text_conv": "text", "concepts": "concepts*", "written": "written"}
