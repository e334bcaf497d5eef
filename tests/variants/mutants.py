"""Buggy variants of the reference: plausible student mistakes the checks must catch.

Each mutant replaces one snippet (which must occur exactly once) in one reference module.
``kills`` lists the check ids (or id prefixes, before ``[``) that must fail on it; the
repository tests assert that, that the reference passes everything, and that every check of
the bank is killed by at least one mutant, i.e. that no check is unable to fail.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    old: str | tuple[str, ...]  # a tuple (with ``new`` a tuple too) for several edits
    new: str | tuple[str, ...]
    kills: tuple[str, ...]
    why: str

    def apply(self, source: str) -> str:
        olds = self.old if isinstance(self.old, tuple) else (self.old,)
        news = self.new if isinstance(self.new, tuple) else (self.new,)
        for old, new in zip(olds, news, strict=True):
            if source.count(old) != 1:
                raise ValueError(f"mutant {self.id}: {old!r} occurs {source.count(old)} times")
            source = source.replace(old, new)
        return source


M = Mutant
MUTANTS = [
    # cross_correlation
    M("corr2d_assign_not_accumulate", "cross_correlation.py", "Y = Y + K[a, b] * window",
      "Y = K[a, b] * window", ("corr2d.d2l_example", "corr2d.oracle", "corr2d.exact_integers",
                               "corr2d.int_and_pair_arguments"), "= instead of +="),
    M("corr2d_ignores_stride", "cross_correlation.py",
      "window = Xp[a : a + s_h * (out_h - 1) + 1 : s_h, b : b + s_w * (out_w - 1) + 1 : s_w]",
      "window = Xp[a : a + out_h, b : b + out_w]", ("corr2d.oracle", "corr2d.exact_integers",
                                                    "corr2d.int_and_pair_arguments"),
      "slides with stride 1 whatever the stride"),
    M("corr2d_pads_one_side", "cross_correlation.py", "Xp[p_h : p_h + h, p_w : p_w + w] = X",
      "Xp[:h, :w] = X", ("corr2d.oracle", "corr2d.exact_integers"),
      "zeros only below and to the right"),
    M("corr2d_d2l_zeros", "cross_correlation.py", "Y = X.new_zeros((out_h, out_w))",
      "Y = X.new_zeros((out_h, out_w), device=\"cpu\").float()",
      ("corr2d.half_precision", "device.cross_correlation"),
      "d2l's torch.zeros: float32 on the CPU whatever the input"),
    M("corr2d_uses_conv2d", "cross_correlation.py", "    Y = X.new_zeros((out_h, out_w))\n",
      "    import torch.nn.functional as F\n    return F.conv2d(Xp[None, None], K[None, None], "
      "stride=(s_h, s_w))[0, 0]\n", ("corr2d.d2l_example", "corr2d.oracle"),
      "calls torch's convolution"),
    # conv2d_backward
    M("backward_assigns_dX", "conv2d_backward.py",
      "dX[a : a + out_h, b : b + out_w] += K[a, b] * dY",
      "dX[a : a + out_h, b : b + out_w] = K[a, b] * dY",
      ("backward.vs_autograd", "backward.gradcheck"), "= instead of +="),
    M("backward_flips_kernel", "conv2d_backward.py",
      "dX[a : a + out_h, b : b + out_w] += K[a, b] * dY",
      "dX[a : a + out_h, b : b + out_w] += K[kh - 1 - a, kw - 1 - b] * dY",
      ("backward.vs_autograd", "backward.gradcheck"), "flips the kernel for dX"),
    M("backward_dK_wrong_window", "conv2d_backward.py",
      "dK[a, b] = (dY * X[a : a + out_h, b : b + out_w]).sum()",
      "dK[a, b] = (dY * X[:out_h, :out_w]).sum()", ("backward.vs_autograd",
                                                     "backward.gradcheck", "learn_kernel.edge"),
      "every dK entry uses the same window"),
    M("backward_calls_autograd", "conv2d_backward.py",
      "        X, K = ctx.saved_tensors  # type: ignore[attr-defined]\n",
      "        X, K = ctx.saved_tensors  # type: ignore[attr-defined]\n"
      "        with torch.enable_grad():\n"
      "            Xr, Kr = X.detach().requires_grad_(), K.detach().requires_grad_()\n"
      "            return torch.autograd.grad(corr2d(Xr, Kr), (Xr, Kr), dY)\n",
      ("backward.vs_autograd", "backward.gradcheck", "backward.float32", "conv2d.layer",
       "learn_kernel.edge"), "lets autograd do the backward"),
    M("backward_zeros_on_cpu", "conv2d_backward.py",
      "dX = X.new_zeros(X.shape) if need_dX else None",
      "dX = torch.zeros(X.shape, dtype=X.dtype) if need_dX else None",
      ("device.conv2d_backward",), "dX created on the CPU whatever the input's device"),
    M("conv2d_bypasses_function", "conv2d_backward.py",
      "return Corr2dFunction.apply(X, self.weight) + self.bias",
      "return corr2d(X, self.weight) + self.bias", ("conv2d.layer",),
      "Conv2D.forward does not use Corr2dFunction"),
    M("conv2d_bias_not_parameter", "conv2d_backward.py",
      "self.bias = nn.Parameter(torch.zeros(1))", "self.bias = torch.zeros(1)",
      ("conv2d.layer",), "bias is a plain tensor, so it is never learned"),
    M("learn_kernel_too_short", "conv2d_backward.py", "for _ in range(5000):",
      "for _ in range(10):", ("learn_kernel.edge", "learn_kernel.random_kernel"),
      "d2l's 10 epochs"),
    M("learn_kernel_hardcoded", "conv2d_backward.py", "    for _ in range(5000):\n",
      "    with torch.no_grad():\n        conv.weight.copy_(torch.tensor([[1.0, -1.0]]))\n"
      "    for _ in range(0):\n", ("learn_kernel.edge", "learn_kernel.random_kernel"),
      "returns d2l's answer [[1, -1]] without training"),
    # conv_as_matmul
    M("im2col_column_major", "conv_as_matmul.py", "        for a in range(kh)\n        for b in "
      "range(kw)\n", "        for b in range(kw)\n        for a in range(kh)\n",
      ("im2col.oracle", "corr2d_matmul.oracle"),
      "window elements in column-major order"),
    M("im2col_uses_unfold", "conv_as_matmul.py", "    return torch.stack(columns, dim=1)\n",
      "    return torch.nn.functional.unfold(Xp[None, None], (kh, kw), stride=(s_h, s_w))[0].T\n",
      ("im2col.oracle", "corr2d_matmul.oracle", "conv_as_matmul.float32"),
      "calls torch's unfold"),
    M("kernel_matrix_wrong_row_stride", "conv_as_matmul.py",
      "cols = ((i + a) * w + (j + b)).reshape(-1)",
      "cols = ((i + a) * out_w + (j + b)).reshape(-1)",
      ("kernel_matrix.exact", "kernel_matrix.transpose"),
      "row stride of the output instead of the input"),
    M("kernel_matrix_rows_column_major", "conv_as_matmul.py",
      "rows = (i * out_w + j).reshape(-1)", "rows = (j * out_h + i).reshape(-1)",
      ("kernel_matrix.exact", "kernel_matrix.transpose"), "output positions column by column"),
    M("kernel_matrix_transposed_kernel", "conv_as_matmul.py", "M[rows, cols] = K[a, b]",
      "M[rows, cols] = K.T.reshape(kh, kw)[a, b]", ("kernel_matrix.exact",
                                                     "kernel_matrix.transpose"),
      "kernel entries in the wrong order"),
    M("kernel_matrix_on_cpu", "conv_as_matmul.py",
      "M = K.new_zeros((out_h * out_w, h * w))",
      "M = torch.zeros((out_h * out_w, h * w), dtype=K.dtype)", ("device.conv_as_matmul",),
      "the matrix is created on the CPU"),
    M("corr2d_matmul_transposed_kernel", "conv_as_matmul.py",
      "return (cols @ K.reshape(-1)).reshape(out_h, out_w)",
      "return (cols @ K.T.reshape(-1)).reshape(out_h, out_w)", ("corr2d_matmul.oracle",),
      "flattens the kernel column-major"),
    # conv1x1_fc
    M("linear_to_conv_shares_weight", "conv1x1_fc.py",
      "        conv.weight.copy_(w.reshape(linear.out_features, linear.in_features, 1, 1))\n",
      "        conv.weight = nn.Parameter(w.view(linear.out_features, linear.in_features, 1, 1))\n",
      ("linear_to_conv1x1.per_pixel",), "the conv shares the linear layer's weight"),
    M("linear_to_conv_on_cpu", "conv1x1_fc.py",
      "        bias=linear.bias is not None,\n        device=w.device,\n",
      "        bias=linear.bias is not None,\n", ("device.conv1x1_fc",),
      "the conv is created on the default device"),
    M("linear_to_conv_drops_bias", "conv1x1_fc.py", "        bias=linear.bias is not None,\n"
      "        device=w.device,\n        dtype=w.dtype,\n    )\n    with torch.no_grad():\n"
      "        conv.weight", "        bias=False,\n        device=w.device,\n        dtype=w.dtype,"
      "\n    )\n    with torch.no_grad():\n        conv.weight", ("linear_to_conv1x1.per_pixel",),
      "forgets the bias"),
    M("conv_to_linear_drops_bias", "conv1x1_fc.py", "            linear.bias.copy_(conv.bias)\n",
      "            pass\n", ("conv1x1_to_linear.round_trip[3-to-5-with-bias]",
                            "conv1x1_to_linear.round_trip[1-to-7-float32]"),
      "leaves the linear layer's random bias"),
    M("conv_to_linear_wrong_dtype", "conv1x1_fc.py",
      "        bias=conv.bias is not None,\n        device=w.device,\n        dtype=w.dtype,\n",
      "        bias=conv.bias is not None,\n", ("conv1x1_to_linear.round_trip",),
      "nn.Linear in the default dtype"),
    # derivative_kernels
    M("difference_wrong_sign", "derivative_kernels.py", "(-1) ** (order - j)", "(-1) ** j",
      ("finite_difference.coefficients", "finite_difference.polynomials"),
      "first coefficient positive"),
    M("difference_one_tap_short", "derivative_kernels.py", "for j in range(order + 1)]",
      "for j in range(order)]", ("finite_difference.coefficients",
                                 "finite_difference.polynomials"), "a tap short"),
    M("second_derivative_negated", "derivative_kernels.py",
      "return finite_difference_kernel(2, dtype=dtype, device=device)",
      "return -finite_difference_kernel(2, dtype=dtype, device=device)",
      ("second_derivative.kernel",), "[-1, 2, -1]"),
    M("integral_kernel_short", "derivative_kernels.py",
      "return torch.ones((1, width), dtype=dtype, device=device)",
      "return torch.ones((1, max(1, width - 1)), dtype=dtype, device=device)",
      ("integral.cumsum",), "width - 1 taps"),
    M("integral_kernel_one_tap_too_many", "derivative_kernels.py",
      "return torch.ones((1, width), dtype=dtype, device=device)",
      "return torch.ones((1, width + 1), dtype=dtype, device=device)",
      ("integral.cumsum[w1]", "integral.cumsum[w5]"), "width + 1 taps"),
    M("kernels_default_float64", "derivative_kernels.py",
      "return torch.ones((1, width), dtype=dtype, device=device)",
      "return torch.ones((1, width), dtype=torch.float64, device=device)",
      ("kernels.dtype_device",), "hard-codes float64 (right values: costs the dtype check)"),
    M("kernels_ignore_dtype", "derivative_kernels.py",
      "return torch.ones((1, width), dtype=dtype, device=device)", "return torch.ones((1, width))",
      ("kernels.dtype_device", "device.derivative_kernels"), "ignores dtype= and device="),
    M("min_kernel_size_order", "derivative_kernels.py", "    return order + 1\n",
      "    return order\n", ("min_kernel_size.values",), "forgets a sample"),
    # audio_conv1d
    M("corr1d_aliases_input", "audio_conv1d.py", "    y = x.new_zeros(n)\n",
      "    y = x[:n].mul_(0)\n", ("corr1d.oracle",), "zeroes the start of x in place"),
    M("corr1d_zeros_on_cpu", "audio_conv1d.py", "    y = x.new_zeros(n)\n",
      "    y = torch.zeros(n, dtype=x.dtype)\n", ("device.audio_conv1d",),
      "the output is created on the CPU"),
    M("corr1d_drops_last", "audio_conv1d.py", "    n = x.shape[0] - k.shape[0] + 1\n",
      "    n = max(1, x.shape[0] - k.shape[0])\n", ("corr1d.oracle",),
      "one output too few"),
    M("multi_in_flips_kernel", "audio_conv1d.py", "y = y + K[:, a] @ X[:, a : a + n]",
      "y = y + K[:, -1 - a] @ X[:, a : a + n]", ("corr1d_multi_in.oracle",),
      "convolution instead of cross-correlation"),
    M("multi_in_out_skips_last_offset", "audio_conv1d.py", "    for a in range(K.shape[2]):\n",
      "    for a in range(K.shape[2] - 1):\n", ("corr1d_multi_in_out.oracle",),
      "range(kw - 1): the last tap is never used"),
    M("multi_in_out_one_channel", "audio_conv1d.py", "Y = Y + K[:, :, a] @ X[:, a : a + n]",
      "Y = Y + K[:, :1, a] @ X[:1, a : a + n]", ("corr1d_multi_in_out.oracle",),
      "only the first input channel"),
    M("audio_net_fixed_length", "audio_conv1d.py",
      ("self.head = nn.Linear(2 * width, n_classes)",
       "return self.head(self.dropout(H.amax(dim=2)))"),
      ("self.head = nn.Linear(2 * width * 20, n_classes)  # 40 frames, pooled to 20",
       "return self.head(self.dropout(H.flatten(1)))"),
      ("audio_net.shapes",), "a Linear layer over all frames only works for one length"),
    M("audio_net_last_frame", "audio_conv1d.py",
      "return self.head(self.dropout(H.amax(dim=2)))",
      "return self.head(self.dropout(H[:, :, -1]))", ("audio_net.accuracy",),
      "classifies from the last frame, which is mostly silence"),
    M("audio_net_conv2d", "audio_conv1d.py",
      "        self.dropout = nn.Dropout(0.2)\n        self.head",
      "        self.spectral = nn.Conv2d(1, 1, 3, padding=1)\n        self.dropout = "
      "nn.Dropout(0.2)\n        self.head", ("audio_net.shapes",), "a 2-D convolution"),
    M("audio_net_gru", "audio_conv1d.py",
      "        self.dropout = nn.Dropout(0.2)\n        self.head",
      "        self.memory = nn.GRU(2 * width, 2 * width, batch_first=True)\n"
      "        self.dropout = nn.Dropout(0.2)\n        self.head", ("audio_net.shapes",),
      "a recurrent layer, which the rules exclude"),
    M("audio_net_constant", "audio_conv1d.py", "return self.head(self.dropout(H.amax(dim=2)))",
      "return self.head.bias.expand(X.shape[0], -1)", ("audio_net.shapes", "audio_net.accuracy",
                                                        "device.audio_conv1d"),
      "hollow: a learned bias whatever the clip, so the logits ignore the input"),
    # text_conv
    M("textcnn_pools_padding", "text_conv.py",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), 0.0).amax(dim=2))",
      "pooled.append(H.amax(dim=2))", ("textcnn.shift_invariance", "textcnn.padding_length",
                                       "textcnn.short_sentences"), "padding windows pooled"),
    M("textcnn_mean_pool", "text_conv.py",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), 0.0).amax(dim=2))",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), 0.0).mean(dim=2))",
      ("textcnn.padding_length",), "mean over time counts the padding"),
    M("textcnn_unigrams", "text_conv.py",
      "self.kernel_sizes = tuple(int(k) for k in kernel_sizes)",
      "self.kernel_sizes = tuple(1 for k in kernel_sizes)", ("textcnn.accuracy",),
      "width-1 kernels see words, not n-grams, so negation is lost"),
    M("textcnn_cat_wrong_dim", "text_conv.py", "torch.cat(pooled, dim=1)",
      "torch.cat(pooled, dim=0)", ("textcnn.shapes", "textcnn.accuracy"),
      "concatenates the features along the batch"),
    M("textcnn_mask_on_cpu", "text_conv.py", "real = tokens != self.padding_idx  # (B, L)",
      "real = (tokens != self.padding_idx).cpu()  # (B, L)", ("device.text_conv",),
      "builds the padding mask on the CPU"),
    M("textcnn_drops_short", "text_conv.py",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), 0.0).amax(dim=2))",
      "pooled.append(H.masked_fill(~inside.unsqueeze(1), float('-inf')).amax(dim=2))",
      ("textcnn.short_sentences",), "-inf for sentences shorter than the kernel"),
    M("textcnn_constant", "text_conv.py",
      "return self.decoder(self.dropout(torch.cat(pooled, dim=1)))",
      "return self.decoder.bias.expand(tokens.shape[0], -1)",
      ("textcnn.shapes", "textcnn.shift_invariance", "textcnn.padding_length",
       "textcnn.short_sentences", "textcnn.accuracy", "device.text_conv"),
      "hollow: a learned bias whatever the sentence, so the logits ignore the input"),
    # concepts
    M("concepts_wrong", "concepts.py", '    return "b"\n', '    return "a"\n',
      ("concepts.answer[transposed_edge_response]",), "a wrong multiple-choice answer"),
    M("concepts_fc_unsquared", "concepts.py", "    return 10**12\n", "    return 10**6\n",
      ("concepts.answer[fc_parameter_count]",), "counts inputs, not input-output pairs"),
    M("concepts_receptive_field", "concepts.py", "    return 2 * num_layers + 1\n",
      "    return 3 * num_layers\n", ("concepts.answer[receptive_field]",),
      "adds kernel widths"),
    M("concepts_shape_no_plus_one", "concepts.py",
      "    return ((28 + 4 - 5) // 3 + 1, (31 + 2 - 4) // 2 + 1)\n",
      "    return ((28 + 4 - 5) // 3, (31 + 2 - 4) // 2)\n", ("concepts.answer[output_shape]",),
      "forgets the + 1"),
    M("concepts_wrong_type", "concepts.py", "    return 21 * 21\n", "    return 441.0\n",
      ("concepts.answer[conv_parameter_count]",), "a float where an int is asked"),
    # vectorisation: the same values, computed by loops over output positions (issue 9)
    M("corr2d_pixel_loop", "cross_correlation.py",
      "    for a in range(kh):\n        for b in range(kw):\n            window = Xp[a : a + s_h * "
      "(out_h - 1) + 1 : s_h, b : b + s_w * (out_w - 1) + 1 : s_w]\n"
      "            Y = Y + K[a, b] * window\n",
      "    for i in range(out_h):\n        for j in range(out_w):\n"
      "            Y[i, j] = (Xp[i * s_h : i * s_h + kh, j * s_w : j * s_w + kw] * K).sum()\n",
      ("corr2d.vectorised",), "d2l's double loop over output pixels"),
    M("im2col_pixel_loop", "conv_as_matmul.py", (
        "    columns = [\n", "        for a in range(kh)\n        for b in range(kw)\n    ]\n"
        "    return torch.stack(columns, dim=1)\n"), (
        "    columns = [\n", "        for a in range(kh)\n        for b in range(kw)\n    ]\n"
        "    rows = [Xp[i * s_h : i * s_h + kh, j * s_w : j * s_w + kw].reshape(-1)\n"
        "            for i in range(out_h) for j in range(out_w)]\n"
        "    return torch.stack(rows, dim=0)\n"),
      ("im2col.vectorised",), "one row of the matrix per output pixel"),
    M("kernel_matrix_pixel_loop", "conv_as_matmul.py", (
        "            cols = ((i + a) * w + (j + b)).reshape(-1)\n"
        "            M[rows, cols] = K[a, b]\n"), (
        "            for r in range(out_h):\n                for c in range(out_w):\n"
        "                    M[r * out_w + c, (r + a) * w + (c + b)] = K[a, b]\n"),
      ("kernel_matrix.vectorised",), "one entry per output pixel and kernel offset"),
    M("corr1d_position_loop", "audio_conv1d.py", (
        "    for a in range(k.shape[0]):\n        y = y + k[a] * x[a : a + n]\n"), (
        "    for t in range(n):\n        y[t] = (k * x[t : t + k.shape[0]]).sum()\n"),
      ("corr1d.vectorised[corr1d]",), "one output position at a time"),
    M("multi_in_position_loop", "audio_conv1d.py", (
        "    for a in range(K.shape[1]):\n        y = y + K[:, a] @ X[:, a : a + n]\n"), (
        "    for t in range(n):\n        y[t] = (K * X[:, t : t + K.shape[1]]).sum()\n"),
      ("corr1d.vectorised[multi-in]",), "one output position at a time"),
    M("multi_in_out_position_loop", "audio_conv1d.py", (
        "    for a in range(K.shape[2]):\n        Y = Y + K[:, :, a] @ X[:, a : a + n]\n"), (
        "    for t in range(n):\n"
        "        Y[:, t] = (K * X[None, :, t : t + K.shape[2]]).sum(dim=(1, 2))\n"),
      ("corr1d.vectorised[multi-in-out]",), "one output position at a time"),
    M("multi_in_channel_loop", "audio_conv1d.py", (
        "    for a in range(K.shape[1]):\n        y = y + K[:, a] @ X[:, a : a + n]\n"), (
        "    for c in range(X.shape[0]):\n        for a in range(K.shape[1]):\n"
        "            y = y + K[c, a] * X[c, a : a + n]\n"),
      ("corr1d.vectorised[multi-in-channels]",), "one input channel at a time"),
    M("multi_in_out_channel_loop", "audio_conv1d.py", (
        "    for a in range(K.shape[2]):\n        Y = Y + K[:, :, a] @ X[:, a : a + n]\n"), (
        "    for o in range(K.shape[0]):\n        Y[o] = corr1d_multi_in(X, K[o])\n"),
      ("corr1d.vectorised[multi-in-out-channels]",),
      "d2l's corr2d_multi_in_out: one output channel at a time"),
    M("backward_loops_over_dY", "conv2d_backward.py", (
        "        for a in range(kh):\n            for b in range(kw):\n"
        "                if dK is not None:\n"
        "                    dK[a, b] = (dY * X[a : a + out_h, b : b + out_w]).sum()\n"
        "                if dX is not None:\n"
        "                    dX[a : a + out_h, b : b + out_w] += K[a, b] * dY\n"), (
        "        for i in range(out_h):\n            for j in range(out_w):\n"
        "                if dK is not None:\n"
        "                    dK += dY[i, j] * X[i : i + kh, j : j + kw]\n"
        "                if dX is not None:\n"
        "                    dX[i : i + kh, j : j + kw] += dY[i, j] * K\n"),
      ("backward.vectorised",), "scatters each entry of dY on its own"),
    # contract clauses (issue 9)
    M("textcnn_no_internal_padding", "text_conv.py",
      "        if tokens.shape[1] < k_max:  # Conv1d needs at least k positions\n",
      "        if False:  # (forgets rows shorter than the widest kernel)\n",
      ("textcnn.rows_shorter_than_kernels",), "crashes on rows shorter than the widest kernel"),
    M("conv2d_int_kernel_one_dimensional", "conv2d_backward.py",
      "self.weight = nn.Parameter(torch.rand(kh, kw))",
      "self.weight = nn.Parameter(torch.rand(kernel_size))",
      ("conv2d.int_kernel_size",), "torch.rand(kernel_size): a 1-D weight for Conv2D(3)"),
    M("backward_ignores_needs_input_grad", "conv2d_backward.py",
      "need_dX, need_dK = ctx.needs_input_grad", "need_dX, need_dK = True, True",
      ("backward.needs_input_grad",), "computes and returns both gradients always"),
    M("corr2d_always_float32", "cross_correlation.py", "    return Y\n    ### END SOLUTION",
      "    return Y.float()\n    ### END SOLUTION", ("corr2d.half_precision",),
      "right values, always float32 (costs the dtype checks only)"),
    # dtypes: the right values in another dtype (each costs its dtype check only)
    M("corr2d_computes_in_float64", "cross_correlation.py",
      "    Xp = X.new_zeros((h + 2 * p_h, w + 2 * p_w))\n",
      "    Xp = X.new_zeros((h + 2 * p_h, w + 2 * p_w), dtype=__import__('torch').float64)\n",
      ("corr2d.float32", "corr2d.half_precision"), "pads into a float64 buffer"),
    M("forward_upcasts", "conv2d_backward.py", "        return corr2d(X, K)\n",
      "        return corr2d(X.double(), K.double())\n", ("backward.float32",),
      "Corr2dFunction.forward computes in float64"),
    M("im2col_float64", "conv_as_matmul.py", "    return torch.stack(columns, dim=1)\n",
      "    return torch.stack(columns, dim=1).double()\n", ("conv_as_matmul.float32",),
      "im2col returns float64"),
    M("corr1d_float64", "audio_conv1d.py", "    y = x.new_zeros(n)\n",
      "    y = x.new_zeros(n, dtype=torch.float64)\n", ("corr1d.float32",),
      "corr1d accumulates in float64 and returns it"),
    # placeholders: the right shape, dtype and device, no computation (issue 19): each fails its
    # part's value checks and every dtype and device check ("not judged: the value is wrong")
    M("corr2d_placeholder", "cross_correlation.py", "    return Y\n    ### END SOLUTION",
      "    return X.new_zeros((out_h, out_w))\n    ### END SOLUTION",
      ("corr2d.d2l_example", "corr2d.oracle", "corr2d.exact_integers", "corr2d.float32",
       "corr2d.half_precision", "corr2d.int_and_pair_arguments", "device.cross_correlation"),
      "X.new_zeros(out_shape): right shape, dtype and device, nothing computed"),
    M("backward_placeholder", "conv2d_backward.py",
      ("        return corr2d(X, K)\n", "        return dX, dK\n"),
      ("        return X.new_zeros((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))\n",
       "        return (None if dX is None else torch.zeros_like(dX),\n"
       "                None if dK is None else torch.zeros_like(dK))\n"),
      ("backward.vs_autograd", "backward.float32", "backward.gradcheck", "conv2d.layer",
       "conv2d.int_kernel_size", "backward.needs_input_grad", "learn_kernel.edge",
       "learn_kernel.random_kernel", "learn_kernel.layout", "device.conv2d_backward"),
      "zeros of the right shapes for Y, dX and dK"),
    M("conv_as_matmul_placeholders", "conv_as_matmul.py",
      ("    return torch.stack(columns, dim=1)\n", "    return M\n"),
      ("    return Xp.new_zeros((out_h * out_w, kh * kw))\n",
       "    return K.new_zeros((out_h * out_w, h * w))\n"),
      ("im2col.oracle", "corr2d_matmul.oracle", "kernel_matrix.exact", "kernel_matrix.transpose",
       "conv_as_matmul.float32", "device.conv_as_matmul"),
      "zero matrices of the right shapes"),
    M("conv1x1_placeholders", "conv1x1_fc.py", (
        "        conv.weight.copy_(w.reshape(linear.out_features, linear.in_features, 1, 1))\n"
        "        if linear.bias is not None:\n            conv.bias.copy_(linear.bias)\n",
        "        linear.weight.copy_(w.reshape(conv.out_channels, conv.in_channels))\n"
        "        if conv.bias is not None:\n            linear.bias.copy_(conv.bias)\n"),
      ("        pass\n", "        pass\n"),
      ("linear_to_conv1x1.per_pixel", "conv1x1_to_linear.round_trip", "conv1x1.dtype",
       "device.conv1x1_fc"),
      "layers of the right type, dtype and device that keep their random initialisation"),
    M("kernels_placeholders", "derivative_kernels.py", (
        "    return torch.tensor([coeffs], dtype=dtype, device=device)\n",
        "    return torch.ones((1, width), dtype=dtype, device=device)\n"), (
        "    return torch.zeros((1, len(coeffs)), dtype=dtype, device=device)\n",
        "    return torch.zeros((1, width), dtype=dtype, device=device)\n"),
      ("finite_difference.coefficients", "finite_difference.polynomials",
       "second_derivative.kernel", "integral.cumsum", "kernels.dtype_device",
       "device.derivative_kernels"), "zero kernels of the right shapes"),
    M("corr1d_placeholders", "audio_conv1d.py", (
        "    for a in range(k.shape[0]):\n        y = y + k[a] * x[a : a + n]\n",
        "    for a in range(K.shape[1]):\n        y = y + K[:, a] @ X[:, a : a + n]\n",
        "    for a in range(K.shape[2]):\n        Y = Y + K[:, :, a] @ X[:, a : a + n]\n"),
      ("", "", ""), ("corr1d.oracle", "corr1d_multi_in.oracle", "corr1d_multi_in_out.oracle",
                     "corr1d.float32", "device.audio_conv1d"),
      "the zeros each corr1d function starts from, returned as they are"),
    # taps off by a rounding step of float64 (issue 19): exact once rounded to float32
    M("difference_taps_from_a_solve", "derivative_kernels.py",
      "    coeffs = [(-1) ** (order - j) * math.comb(order, j) for j in range(order + 1)]\n"
      "    return torch.tensor([coeffs], dtype=dtype, device=device)\n",
      "    n = order + 1  # the conditions on x**0 .. x**order, solved in float64\n"
      "    V = torch.tensor([[float(t) ** p for t in range(n)] for p in range(n)],\n"
      "                     dtype=torch.float64)\n"
      "    rhs = torch.zeros(n, dtype=torch.float64)\n"
      "    rhs[order] = math.factorial(order)\n"
      "    return torch.linalg.solve(V, rhs).reshape(1, n).to(dtype=dtype, device=device)\n",
      ("finite_difference.coefficients",),
      "taps from a float64 linear solve: off by ~1e-15 in float64, exact in float32"),
    # found by mutation testing (scripts/mutation.py)
    M("learn_kernel_stays_float32", "conv2d_backward.py",
      "conv = Conv2D(kernel_size).to(device=X.device, dtype=X.dtype)",
      "conv = Conv2D(kernel_size).to(device=X.device)", ("learn_kernel.layout",),
      "the layer stays float32 whatever X's dtype (it still learns the kernel)"),
    M("textcnn_pads_with_zero", "text_conv.py",
      "tokens = F.pad(tokens, (0, k_max - tokens.shape[1]), value=self.padding_idx)",
      "tokens = F.pad(tokens, (0, k_max - tokens.shape[1]))", ("textcnn.padding_idx",),
      "pads short rows with 0 (F.pad's default), a word when padding_idx is not 0"),
    M("textcnn_padding_is_zero", "text_conv.py", "real = tokens != self.padding_idx  # (B, L)",
      "real = tokens != 0  # (B, L)", ("textcnn.padding_idx",),
      "takes token 0 for padding whatever padding_idx says"),
]
