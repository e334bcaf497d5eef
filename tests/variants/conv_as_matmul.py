"""Part ``conv_as_matmul``'s mutants and honest variants. ``mutants.py`` and ``honest.py`` gather
every part's file and say what each must do."""

from variant_kinds import M, V

MUTANTS = [
    M("im2col_column_major", "conv_as_matmul.py", "        for a in range(kh)\n        for b in "
      "range(kw)\n", "        for b in range(kw)\n        for a in range(kh)\n",
      ("im2col.oracle", "corr2d_matmul.oracle"),
      "window elements in column-major order",
      misconceptions=("im2col_column_major", "kernel_order_mismatch")),
    M("im2col_transposed", "conv_as_matmul.py", "    return torch.stack(columns, dim=1)\n",
      "    return torch.stack(columns, dim=0)\n", ("im2col.oracle", "corr2d_matmul.oracle"),
      "one column per window instead of one row", misconceptions=("im2col_transposed",)),
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
      ("kernel_matrix.exact", "kernel_matrix.transpose"), "output positions column by column",
      misconceptions=("outputs_column_major",)),
    M("kernel_matrix_transposed_kernel", "conv_as_matmul.py", "M[rows, cols] = K[a, b]",
      "M[rows, cols] = K.T.reshape(kh, kw)[a, b]", ("kernel_matrix.exact",
                                                     "kernel_matrix.transpose"),
      "kernel entries in the wrong order", misconceptions=("kernel_order_mismatch",)),
    M("kernel_matrix_on_cpu", "conv_as_matmul.py",
      "M = K.new_zeros((out_h * out_w, h * w))",
      "M = torch.zeros((out_h * out_w, h * w), dtype=K.dtype)", ("device.conv_as_matmul",),
      "the matrix is created on the CPU", misconceptions=("default_cpu",)),
    M("corr2d_matmul_transposed_kernel", "conv_as_matmul.py",
      "return (cols @ K.reshape(-1)).reshape(out_h, out_w)",
      "return (cols @ K.T.reshape(-1)).reshape(out_h, out_w)", ("corr2d_matmul.oracle",),
      "flattens the kernel column-major", misconceptions=("kernel_order_mismatch",)),
    # vectorisation: the same values, computed by loops over output positions (issue 9)
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
    # dtypes: the right values in another dtype (each costs its dtype check only)
    M("im2col_float64", "conv_as_matmul.py", "    return torch.stack(columns, dim=1)\n",
      "    return torch.stack(columns, dim=1).double()\n", ("conv_as_matmul.float32",),
      "im2col returns float64"),
    # placeholders: the right shape, dtype and device, no computation (issue 19): each fails its
    # part's value checks and every dtype and device check ("not judged: the value is wrong")
    M("conv_as_matmul_placeholders", "conv_as_matmul.py",
      ("    return torch.stack(columns, dim=1)\n", "    return M\n"),
      ("    return Xp.new_zeros((out_h * out_w, kh * kw))\n",
       "    return K.new_zeros((out_h * out_w, h * w))\n"),
      ("im2col.oracle", "corr2d_matmul.oracle", "kernel_matrix.exact", "kernel_matrix.transpose",
       "conv_as_matmul.float32", "device.conv_as_matmul"),
      "zero matrices of the right shapes"),
]

VARIANTS = [
    V("im2col_permute_reshape", "conv_as_matmul", '''
import torch.nn.functional as F


def im2col(X, kernel_size, padding=0, stride=1):
    check_matrix(X, "X")
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    Xp = F.pad(X, (p_w, p_w, p_h, p_h))
    out_h = (Xp.shape[0] - kh) // s_h + 1
    out_w = (Xp.shape[1] - kw) // s_w + 1
    shifted = torch.stack([
        Xp[a:a + s_h * (out_h - 1) + 1:s_h, b:b + s_w * (out_w - 1) + 1:s_w]
        for a in range(kh) for b in range(kw)
    ])  # (kh * kw, out_h, out_w)
    return shifted.permute(1, 2, 0).reshape(out_h * out_w, kh * kw)


def corr2d_matmul(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    (h, w), (kh, kw) = X.shape, K.shape
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    out_h = (h + 2 * p_h - kh) // s_h + 1
    out_w = (w + 2 * p_w - kw) // s_w + 1
    return (im2col(X, (kh, kw), padding, stride) @ K.flatten()).view(out_h, out_w)
''', "im2col as stacked shifted slices, permute(1, 2, 0).reshape(...); the product viewed "
       "back with .view"),
    V("im2col_index_tensor_einsum", "conv_as_matmul", '''
def im2col(X, kernel_size, padding=0, stride=1):
    check_matrix(X, "X")
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    h, w = X.shape
    out_h = output_size(h, kh, p_h, s_h, "height")
    out_w = output_size(w, kw, p_w, s_w, "width")
    Xp = X.new_zeros((h + 2 * p_h, w + 2 * p_w))
    Xp[p_h:p_h + h, p_w:p_w + w] = X
    d = X.device
    i = (torch.arange(out_h, device=d)[:, None, None, None] * s_h
         + torch.arange(kh, device=d)[None, None, :, None])
    j = (torch.arange(out_w, device=d)[None, :, None, None] * s_w
         + torch.arange(kw, device=d)[None, None, None, :])
    return Xp[i, j].reshape(out_h * out_w, kh * kw)


def corr2d_matmul(X, K, padding=0, stride=1):
    check_matrix(X, "X")
    check_matrix(K, "K")
    cols = im2col(X, K.shape, padding, stride)
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    out_h = (X.shape[0] + 2 * p_h - K.shape[0]) // s_h + 1
    return torch.einsum("pk,k->p", cols, K.reshape(-1)).reshape(out_h, -1)
''', "im2col by advanced indexing with broadcast index tensors; corr2d_matmul with einsum"),
    V("im2col_cs231n_repeat_indices", "conv_as_matmul", '''
def im2col(X, kernel_size, padding=0, stride=1):
    """CS231n's get_im2col_indices (np.repeat / np.tile) in torch, one channel."""
    check_matrix(X, "X")
    kh, kw = as_pair(kernel_size, "kernel_size", 1)
    p_h, p_w = as_pair(padding, "padding", 0)
    s_h, s_w = as_pair(stride, "stride", 1)
    h, w = X.shape
    out_h = (h + 2 * p_h - kh) // s_h + 1
    out_w = (w + 2 * p_w - kw) // s_w + 1
    x_padded = torch.nn.functional.pad(X, (p_w, p_w, p_h, p_h), mode="constant")
    d = X.device
    i0 = torch.arange(kh, device=d).repeat_interleave(kw)
    i1 = s_h * torch.arange(out_h, device=d).repeat_interleave(out_w)
    j0 = torch.arange(kw, device=d).repeat(kh)
    j1 = s_w * torch.arange(out_w, device=d).repeat(out_h)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    cols = x_padded[i, j]  # (kh * kw, out_h * out_w), CS231n's layout
    return cols.T
''', "CS231n's get_im2col_indices ported (repeat_interleave for np.repeat, .repeat for "
       "np.tile), returned as a transposed view"),
    V("kernel_matrix_scatter", "conv_as_matmul", '''
def kernel_matrix(K, input_shape):
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    kh, kw = K.shape
    out_h, out_w = h - kh + 1, w - kw + 1
    M = torch.zeros(out_h * out_w, h * w, dtype=K.dtype, device=K.device)
    d = K.device
    top_left = (torch.arange(out_h, device=d)[:, None] * w
                + torch.arange(out_w, device=d)).reshape(-1, 1)  # (out_h * out_w, 1)
    for a in range(kh):
        for b in range(kw):
            M.scatter_(1, top_left + (a * w + b), K[a, b].expand(out_h * out_w, 1))
    return M
''', "kernel_matrix with scatter_ along the rows, one call per kernel offset"),
    V("kernel_matrix_index_put", "conv_as_matmul", '''
def kernel_matrix(K, input_shape):
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    kh, kw = K.shape
    out_h, out_w = h - kh + 1, w - kw + 1
    rows = torch.arange(out_h * out_w, device=K.device)
    oi, oj = rows // out_w, rows % out_w
    M = K.new_zeros(out_h * out_w, h * w)
    for a in range(kh):
        for b in range(kw):
            M.index_put_((rows, (oi + a) * w + (oj + b)), K[a, b].expand(out_h * out_w),
                         accumulate=True)
    return M
''', "kernel_matrix with index_put_(accumulate=True), output positions from // and %"),
    V("kernel_matrix_basis_images", "conv_as_matmul", '''
def _corr2d_batch(Xs, K):
    """corr2d of every image of Xs (n, h, w) at once: one slice per kernel offset."""
    kh, kw = K.shape
    out_h, out_w = Xs.shape[1] - kh + 1, Xs.shape[2] - kw + 1
    Y = Xs.new_zeros((Xs.shape[0], out_h, out_w))
    for a in range(kh):
        for b in range(kw):
            Y = Y + K[a, b] * Xs[:, a:a + out_h, b:b + out_w]
    return Y


def kernel_matrix(K, input_shape):
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    # column c of M is corr2d(e_c, K), e_c the c-th basis image: all of them in one call
    basis = torch.eye(h * w, dtype=K.dtype, device=K.device).reshape(h * w, h, w)
    return _corr2d_batch(basis, K).reshape(h * w, -1).T
''', "the matrix of a linear map from its images of the basis: corr2d of every basis image "
       "in one batched call, transposed"),
    V("kernel_matrix_doubly_block_toeplitz", "conv_as_matmul", '''
def kernel_matrix(K, input_shape):
    """The doubly block Toeplitz matrix: block (i, i + a) is the Toeplitz matrix of K's row a."""
    check_matrix(K, "K")
    h, w = as_pair(tuple(input_shape), "input_shape", 1)
    kh, kw = K.shape
    out_h, out_w = h - kh + 1, w - kw + 1
    eye_h = torch.eye(h, dtype=K.dtype, device=K.device)
    eye_w = torch.eye(w, dtype=K.dtype, device=K.device)
    M = K.new_zeros((out_h * out_w, h * w))
    for a in range(kh):
        T = sum(K[a, b] * eye_w[b:b + out_w] for b in range(kw))  # (out_w, w), Toeplitz
        M = M + torch.kron(eye_h[a:a + out_h], T)
    return M
''', "the textbook doubly block Toeplitz construction: one Toeplitz block per kernel row, "
       "placed with torch.kron"),
]
