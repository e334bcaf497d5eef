"""Part ``cross_correlation``'s mutants and honest variants. ``mutants.py`` and ``honest.py`` gather
every part's file and say what each must do."""

from variant_kinds import M, V

MUTANTS = [
    M("corr2d_assign_not_accumulate", "cross_correlation.py", "Y = Y + K[a, b] * window",
      "Y = K[a, b] * window", ("corr2d.d2l_example", "corr2d.oracle", "corr2d.exact_integers",
                               "corr2d.int_and_pair_arguments"), "= instead of +=",
      misconceptions=("overwrite_not_accumulate",)),
    M("corr2d_ignores_stride", "cross_correlation.py",
      "window = Xp[a : a + s_h * (out_h - 1) + 1 : s_h, b : b + s_w * (out_w - 1) + 1 : s_w]",
      "window = Xp[a : a + out_h, b : b + out_w]", ("corr2d.oracle", "corr2d.exact_integers",
                                                    "corr2d.int_and_pair_arguments"),
      "slides with stride 1 whatever the stride",
      misconceptions=("stride_ignored",)),
    M("corr2d_pads_one_side", "cross_correlation.py", "Xp[p_h : p_h + h, p_w : p_w + w] = X",
      "Xp[:h, :w] = X", ("corr2d.oracle", "corr2d.exact_integers"),
      "zeros only below and to the right",
      misconceptions=("padding_one_side",)),
    M("corr2d_flips_kernel", "cross_correlation.py", "Y = Y + K[a, b] * window",
      "Y = Y + K[kh - 1 - a, kw - 1 - b] * window",
      ("corr2d.d2l_example", "corr2d.oracle", "corr2d.exact_integers",
       "corr2d.int_and_pair_arguments"), "a true convolution: the kernel read back to front",
      misconceptions=("kernel_flipped",)),
    M("corr2d_same_ceiling", "cross_correlation.py",
      ('    out_h = output_size(h, kh, p_h, s_h, "height")\n'
       '    out_w = output_size(w, kw, p_w, s_w, "width")\n'
       "    Xp = X.new_zeros((h + 2 * p_h, w + 2 * p_w))\n",),
      ("    out_h = -(-(h + 2 * p_h - kh) // s_h) + 1  # partial windows count too\n"
       "    out_w = -(-(w + 2 * p_w - kw) // s_w) + 1\n"
       "    Xp = X.new_zeros((s_h * (out_h - 1) + kh, s_w * (out_w - 1) + kw))\n",),
      ("corr2d.oracle", "corr2d.exact_integers", "corr2d.int_and_pair_arguments"),
      "TensorFlow's 'SAME' habit: the output size rounded up, the last windows zero-filled",
      misconceptions=("output_size_ceiling",)),
    M("corr2d_d2l_zeros", "cross_correlation.py", "Y = X.new_zeros((out_h, out_w))",
      "Y = X.new_zeros((out_h, out_w), device=\"cpu\").float()",
      ("corr2d.half_precision", "device.cross_correlation"),
      "d2l's torch.zeros: float32 on the CPU whatever the input",
      misconceptions=("default_float32", "default_cpu")),
    M("corr2d_uses_conv2d", "cross_correlation.py", "    Y = X.new_zeros((out_h, out_w))\n",
      "    import torch.nn.functional as F\n    return F.conv2d(Xp[None, None], K[None, None], "
      "stride=(s_h, s_w))[0, 0]\n", ("corr2d.d2l_example", "corr2d.oracle"),
      "calls torch's convolution"),
    # vectorisation: the same values, computed by loops over output positions (issue 9)
    M("corr2d_pixel_loop", "cross_correlation.py",
      "    for a in range(kh):\n        for b in range(kw):\n            window = Xp[a : a + s_h * "
      "(out_h - 1) + 1 : s_h, b : b + s_w * (out_w - 1) + 1 : s_w]\n"
      "            Y = Y + K[a, b] * window\n",
      "    for i in range(out_h):\n        for j in range(out_w):\n"
      "            Y[i, j] = (Xp[i * s_h : i * s_h + kh, j * s_w : j * s_w + kw] * K).sum()\n",
      ("corr2d.vectorised",), "d2l's double loop over output pixels"),
    # contract clauses (issue 9)
    M("corr2d_always_float32", "cross_correlation.py", "    return Y\n    ### END SOLUTION",
      "    return Y.float()\n    ### END SOLUTION", ("corr2d.half_precision",),
      "right values, always float32 (costs the dtype checks only)",
      misconceptions=("default_float32",)),
    # dtypes: the right values in another dtype (each costs its dtype check only)
    M("corr2d_computes_in_float64", "cross_correlation.py",
      "    Xp = X.new_zeros((h + 2 * p_h, w + 2 * p_w))\n",
      "    Xp = X.new_zeros((h + 2 * p_h, w + 2 * p_w), dtype=__import__('torch').float64)\n",
      ("corr2d.float32", "corr2d.half_precision"), "pads into a float64 buffer"),
    # placeholders: the right shape, dtype and device, no computation (issue 19): each fails its
    # part's value checks and every dtype and device check ("not judged: the value is wrong")
    M("corr2d_placeholder", "cross_correlation.py", "    return Y\n    ### END SOLUTION",
      "    return X.new_zeros((out_h, out_w))\n    ### END SOLUTION",
      ("corr2d.d2l_example", "corr2d.oracle", "corr2d.exact_integers", "corr2d.float32",
       "corr2d.half_precision", "corr2d.int_and_pair_arguments", "device.cross_correlation"),
      "X.new_zeros(out_shape): right shape, dtype and device, nothing computed"),
]

VARIANTS = [
    V("corr2d_d2l_offsets_inplace", "cross_correlation", '''
import torch


def corr2d(X, K, padding=0, stride=1):
    """d2l's corr2d turned inside out: the loop runs over the kernel, not over Y."""
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    h, w = X.shape
    kh, kw = K.shape
    Xp = torch.zeros((h + 2 * p_h, w + 2 * p_w), dtype=X.dtype, device=X.device)
    Xp[p_h:p_h + h, p_w:p_w + w] = X
    out_h = (h + 2 * p_h - kh) // s_h + 1
    out_w = (w + 2 * p_w - kw) // s_w + 1
    Y = torch.zeros((out_h, out_w), dtype=X.dtype, device=X.device)
    for i in range(kh):
        for j in range(kw):
            Y += K[i, j] * Xp[i:i + s_h * out_h:s_h, j:j + s_w * out_w:s_w]
    return Y
''', "d2l 6.2's corr2d with the loops over kernel offsets, torch.zeros with dtype= and "
       "device=, in-place += on a fresh Y"),
    V("corr2d_stack_einsum", "cross_correlation", '''
import torch
import torch.nn.functional as F


def corr2d(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    kh, kw = K.shape
    Xp = F.pad(X, (p_w, p_w, p_h, p_h))
    out_h = (Xp.shape[0] - kh) // s_h + 1
    out_w = (Xp.shape[1] - kw) // s_w + 1
    shifted = torch.stack([
        Xp[a:a + s_h * (out_h - 1) + 1:s_h, b:b + s_w * (out_w - 1) + 1:s_w]
        for a in range(kh) for b in range(kw)
    ])  # (kh * kw, out_h, out_w)
    return torch.einsum("k,kij->ij", K.reshape(-1), shifted)
''', "F.pad, one shifted strided slice per kernel offset stacked, einsum with the kernel"),
    V("corr2d_cat_padding_tensordot", "cross_correlation", '''
import torch


def corr2d(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    (h, w), (kh, kw) = X.shape, K.shape
    rows = X.new_zeros((p_h, w))
    Xp = torch.cat([rows, X, rows], dim=0)
    cols = X.new_zeros((h + 2 * p_h, p_w))
    Xp = torch.cat([cols, Xp, cols], dim=1)
    out_h = output_size(h, kh, p_h, s_h, "height")
    out_w = output_size(w, kw, p_w, s_w, "width")
    windows = torch.stack(
        [Xp[a::s_h][:out_h, b::s_w][:, :out_w] for a in range(kh) for b in range(kw)], dim=-1
    ).reshape(out_h, out_w, kh, kw)
    return torch.tensordot(windows, K, dims=([2, 3], [0, 1]))
''', "padding by torch.cat of zero blocks, windows stacked on the last axis and reshaped to "
       "(out_h, out_w, kh, kw), torch.tensordot with K (numpy-ml's style)"),
    V("corr2d_float64_accumulate", "cross_correlation", '''
import torch
import torch.nn.functional as F


def corr2d(X, K, padding=0, stride=1):
    """Accumulates in float64 (no rounding build-up), returns X's dtype."""
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    kh, kw = K.shape
    Xp = F.pad(X.to(torch.float64), (p_w, p_w, p_h, p_h))
    K64 = K.to(torch.float64)
    out_h = (Xp.shape[0] - kh) // s_h + 1
    out_w = (Xp.shape[1] - kw) // s_w + 1
    acc = torch.zeros(out_h, out_w, dtype=torch.float64, device=X.device)
    for a in range(kh):
        for b in range(kw):
            acc = acc + K64[a, b] * Xp[a:a + s_h * (out_h - 1) + 1:s_h,
                                       b:b + s_w * (out_w - 1) + 1:s_w]
    return acc.to(X.dtype)
''', "float64 accumulation, cast back to the input's dtype (bfloat16 and float16 kept)"),
    V("corr2d_index_gather_matmul", "cross_correlation", '''
import torch
import torch.nn.functional as F


def corr2d(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    kh, kw = K.shape
    Xp = F.pad(X, (p_w, p_w, p_h, p_h))
    out_h = (Xp.shape[0] - kh) // s_h + 1
    out_w = (Xp.shape[1] - kw) // s_w + 1
    dev = X.device
    rows = (torch.arange(out_h, device=dev) * s_h)[:, None] + torch.arange(kh, device=dev)
    cols = (torch.arange(out_w, device=dev) * s_w)[:, None] + torch.arange(kw, device=dev)
    patches = Xp[rows[:, None, :, None], cols[None, :, None, :]]  # (out_h, out_w, kh, kw)
    return (patches.reshape(out_h * out_w, kh * kw) @ K.reshape(kh * kw)).reshape(out_h, out_w)
''', "im2col by index gather (torch.arange broadcasting, advanced indexing), then a "
       "matrix-vector product"),
    V("corr2d_leftover_print", "cross_correlation", '''
import torch


def corr2d(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    (h, w), (kh, kw) = X.shape, K.shape
    out_h = output_size(h, kh, p_h, s_h, "height")
    out_w = output_size(w, kw, p_w, s_w, "width")
    Xp = torch.zeros(h + 2 * p_h, w + 2 * p_w, dtype=X.dtype, device=X.device)
    Xp[p_h:p_h + h, p_w:p_w + w] = X
    print("corr2d: X", X.shape, "K", K.shape, "->", (out_h, out_w))  # left from debugging
    Y = 0
    for a in range(kh):
        for b in range(kw):
            Y = Y + K[a, b] * Xp[a:a + s_h * (out_h - 1) + 1:s_h, b:b + s_w * (out_w - 1) + 1:s_w]
    print(Y)
    return Y
''', "debugging prints left in (shapes, and the output tensor itself), Y starting from the "
       "int 0"),
]
