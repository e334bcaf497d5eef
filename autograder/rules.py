"""The assignment's rules, as the rule guard (``autograder/sandbox/guards.py``) enforces them.

The guard is the machinery and knows no assignment; this table says what each rule forbids. The
sandbox's worker registers it before a submission is imported (it is one of the sandbox's
plugins, ``paths.SANDBOX_PLUGINS``), and the public tests register it in their own process
(``tests/public/support.py``), so a rule holds alike in grading and in the students' tests. It
ships to students beside the guard: it holds nothing secret, and imports only torch and the
standard library.
"""

from __future__ import annotations

import torch

NO_CONVOLUTION = "no_torch_convolution"
NO_AUTOGRAD_IN_BACKWARD = "no_autograd_in_backward"
VALUES_STAY_IN_TORCH = "values_stay_in_torch"
NO_RECURRENT_OR_ATTENTION = "no_recurrent_or_attention"


def _convolution_canary() -> None:
    x = torch.zeros(1, 1, 1, 1)
    torch.ops.aten.convolution.default(x, x, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)


def _as_strided_canary() -> None:
    torch.zeros(1).as_strided((1,), (1,))


def _attention_canary() -> None:
    q = torch.zeros(1, 1, 1)
    torch.ops.aten.scaled_dot_product_attention.default(q, q, q)


RULES = {
    # No convolution of torch's, nor the operators one is built from by hand.
    NO_CONVOLUTION: {
        "kind": "operators",
        # Operator names (without namespace and overload) of the forbidden families: torch's
        # convolutions, unfold / im2col / col2im, as_strided and its aliases.
        "family": r"(^|_)conv(olution|[123]d|_transpose|_tbc|_depthwise|_pointwise|_prepack"
                  r"|_unpack)|convolution|im2col|col2im|unfold|as_strided|_reshape_alias"
                  r"|slow_conv|thnn_conv"
                  r"|_nested_view_from",  # (nested views take arbitrary sizes and strides)
        # Overloads of set_ that rebuild a tensor with arbitrary sizes and strides (as_strided
        # by hand).
        "overloads": ["aten::set_.source_Storage_storage_offset",
                      "aten::set_.source_Tensor_storage_offset"],
        # Views torch's own operators build other views from (slicing calls as_strided, repeat
        # calls unfold): refused where only calls from outside torch arrive, the autograd keys.
        "top_level_only": ["as_strided", "as_strided_", "unfold"],
        # ... and this one, which torch's own reshape and flatten emit, only when its strides
        # are not those of a plain view (a view of one's own strides is as_strided by hand).
        "plain_views": ["_reshape_alias"],
        # torch's Python versions of them, built from allowed operators (im2col by indexing).
        "python_modules": ["torch._decomp.decompositions", "torch._refs", "torch._prims"],
        # Refused on the autograd keys too: their autograd implementation does the work itself.
        "everywhere": ["_nested_view_from_buffer", "_nested_view_from_jagged"],
        "says": "torch's convolution, unfold, fold or as_strided",
        "canaries": [_convolution_canary, _as_strided_canary],
    },
    # Corr2dFunction.backward computes its gradients itself: no autograd inside it.
    NO_AUTOGRAD_IN_BACKWARD: {"kind": "autograd", "where": "Corr2dFunction.backward"},
    # The work is done by torch operators, where the vectorisation checks count it: tensor
    # values do not leave torch (no Python numbers or lists, no numpy arrays) and do not come
    # back from numpy or raw buffers. Printing a tensor shows its shape, not its values.
    VALUES_STAY_IN_TORCH: {"kind": "values",
                           "says": "tensor values taken out of torch (to Python or numpy)"},
    # AudioConvNet is a convolutional network: no recurrent or attention operators.
    NO_RECURRENT_OR_ATTENTION: {
        "kind": "operators",
        "family": r"attention|^_?(rnn|lstm|gru)(_|$)|_lstm|_gru|_rnn|lstm_cell|gru_cell"
                  r"|_transformer_encoder|_transformer_decoder|multi_head",
        # scaled_dot_product_attention and lstm decompose into matmul, softmax and sigmoid on
        # the autograd keys: refuse them there.
        "composites": True,
        "says": "recurrent or attention operators",
        "canaries": [_attention_canary],
    },
}

# The rules of each rule-bound name of the package: in force whenever the grader (or a public
# test) calls that name or anything built on it, in every check. A name not listed is free.
_ARITHMETIC = [NO_CONVOLUTION, VALUES_STAY_IN_TORCH]
BOUND = {
    "corr2d": _ARITHMETIC,
    "im2col": _ARITHMETIC,
    "corr2d_matmul": _ARITHMETIC,
    "kernel_matrix": _ARITHMETIC,
    "corr1d": _ARITHMETIC,
    "corr1d_multi_in": _ARITHMETIC,
    "corr1d_multi_in_out": _ARITHMETIC,
    "Corr2dFunction": [*_ARITHMETIC, NO_AUTOGRAD_IN_BACKWARD],
    # Training loops read the loss (``loss.item()``): their values may leave torch.
    "Conv2D": [NO_CONVOLUTION, NO_AUTOGRAD_IN_BACKWARD],
    "learn_kernel": [NO_CONVOLUTION, NO_AUTOGRAD_IN_BACKWARD],
    "AudioConvNet": [NO_RECURRENT_OR_ATTENTION],
}


def bound(name: str) -> list[str]:
    """The rules in force while ``name`` runs (an empty list for a free name)."""
    return list(BOUND.get(name, ()))
