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


def _convolution_canary() -> None:
    x = torch.zeros(1, 1, 1, 1)
    torch.ops.aten.convolution.default(x, x, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)


def _as_strided_canary() -> None:
    torch.zeros(1).as_strided((1,), (1,))


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
        "top_level_only": ["as_strided", "as_strided_", "unfold", "_reshape_alias"],
        # Refused on the autograd keys too: their autograd implementation does the work itself.
        "everywhere": ["_nested_view_from_buffer", "_nested_view_from_jagged"],
        "says": "torch's convolution, unfold, fold or as_strided",
        "canaries": [_convolution_canary, _as_strided_canary],
    },
    # Corr2dFunction.backward computes its gradients itself: no autograd inside it.
    NO_AUTOGRAD_IN_BACKWARD: {"kind": "autograd", "where": "Corr2dFunction.backward"},
}
