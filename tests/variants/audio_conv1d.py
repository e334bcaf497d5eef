"""Part ``audio_conv1d``'s mutants and honest variants. ``mutants.py`` and ``honest.py`` gather
every part's file and say what each must do."""

from variant_kinds import M, V

MUTANTS = [
    M("corr1d_aliases_input", "audio_conv1d.py", "    y = x.new_zeros(n)\n",
      "    y = x[:n].mul_(0)\n", ("corr1d.oracle",), "zeroes the start of x in place"),
    M("corr1d_zeros_on_cpu", "audio_conv1d.py", "    y = x.new_zeros(n)\n",
      "    y = torch.zeros(n, dtype=x.dtype)\n", ("device.audio_conv1d",),
      "the output is created on the CPU", misconceptions=("default_cpu",)),
    M("corr1d_drops_last", "audio_conv1d.py", "    n = x.shape[0] - k.shape[0] + 1\n",
      "    n = max(1, x.shape[0] - k.shape[0])\n", ("corr1d.oracle",),
      "one output too few"),
    M("corr1d_overwrites", "audio_conv1d.py", "        y = y + k[a] * x[a : a + n]\n",
      "        y = k[a] * x[a : a + n]\n", ("corr1d.oracle",),
      "y = instead of y +=: only the last offset's term is kept",
      misconceptions=("overwrite_not_accumulate",)),
    M("corr1d_flips_kernel", "audio_conv1d.py", "        y = y + k[a] * x[a : a + n]\n",
      "        y = y + k[-1 - a] * x[a : a + n]\n", ("corr1d.oracle",),
      "a true convolution: the kernel read backwards", misconceptions=("kernel_flipped",)),
    M("multi_in_flips_kernel", "audio_conv1d.py", "y = y + K[:, a] @ X[:, a : a + n]",
      "y = y + K[:, -1 - a] @ X[:, a : a + n]", ("corr1d_multi_in.oracle",),
      "convolution instead of cross-correlation", misconceptions=("kernel_flipped",)),
    M("multi_in_out_skips_last_offset", "audio_conv1d.py", "    for a in range(K.shape[2]):\n",
      "    for a in range(K.shape[2] - 1):\n", ("corr1d_multi_in_out.oracle",),
      "range(kw - 1): the last tap is never used", misconceptions=("last_tap_skipped",)),
    M("multi_in_out_one_channel", "audio_conv1d.py", "Y = Y + K[:, :, a] @ X[:, a : a + n]",
      "Y = Y + K[:, :1, a] @ X[:1, a : a + n]", ("corr1d_multi_in_out.oracle",),
      "only the first input channel", misconceptions=("channels_not_summed",)),
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
    # vectorisation: the same values, computed by loops over output positions (issue 9)
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
    # dtypes: the right values in another dtype (each costs its dtype check only)
    M("corr1d_float64", "audio_conv1d.py", "    y = x.new_zeros(n)\n",
      "    y = x.new_zeros(n, dtype=torch.float64)\n", ("corr1d.float32",),
      "corr1d accumulates in float64 and returns it"),
    # placeholders: the right shape, dtype and device, no computation (issue 19): each fails its
    # part's value checks and every dtype and device check ("not judged: the value is wrong")
    M("corr1d_placeholders", "audio_conv1d.py", (
        "    for a in range(k.shape[0]):\n        y = y + k[a] * x[a : a + n]\n",
        "    for a in range(K.shape[1]):\n        y = y + K[:, a] @ X[:, a : a + n]\n",
        "    for a in range(K.shape[2]):\n        Y = Y + K[:, :, a] @ X[:, a : a + n]\n"),
      ("", "", ""), ("corr1d.oracle", "corr1d_multi_in.oracle", "corr1d_multi_in_out.oracle",
                     "corr1d.float32", "device.audio_conv1d"),
      "the zeros each corr1d function starts from, returned as they are"),
]

VARIANTS = [
    V("audio_einsum_batchnorm_maxpool", "audio_conv1d", '''
def corr1d(x, k):
    _check(x, "x", 1)
    _check(k, "k", 1)
    if k.shape[0] > x.shape[0]:
        raise ValueError(f"kernel width {k.shape[0]} exceeds signal length {x.shape[0]}")
    n = x.shape[0] - k.shape[0] + 1
    shifted = torch.stack([x[a:a + n] for a in range(k.shape[0])])  # (kw, n)
    return torch.einsum("a,an->n", k, shifted)


def corr1d_multi_in(X, K):
    _check(X, "X", 2)
    _check(K, "K", 2)
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} channels but K has {K.shape[0]}")
    if K.shape[1] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[1]} exceeds signal length {X.shape[1]}")
    n = X.shape[1] - K.shape[1] + 1
    shifted = torch.stack([X[:, a:a + n] for a in range(K.shape[1])])  # (kw, c_in, n)
    return torch.einsum("ca,acn->n", K, shifted)


def corr1d_multi_in_out(X, K):
    _check(X, "X", 2)
    _check(K, "K", 3)
    if X.shape[0] != K.shape[1]:
        raise ValueError(f"X has {X.shape[0]} channels but K expects {K.shape[1]}")
    if K.shape[2] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[2]} exceeds signal length {X.shape[1]}")
    n = X.shape[1] - K.shape[2] + 1
    shifted = torch.stack([X[:, a:a + n] for a in range(K.shape[2])], dim=1)  # (c_in, kw, n)
    return torch.einsum("oca,can->on", K, shifted)


class AudioConvNet(nn.Module):
    def __init__(self, n_mfcc, n_classes):
        super().__init__()
        self.n_mfcc, self.n_classes = n_mfcc, n_classes
        self.net = nn.Sequential(
            nn.Conv1d(n_mfcc, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(64, 128, 3, padding=1), nn.BatchNorm1d(128), nn.ReLU(),
            nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, n_classes),
        )

    def forward(self, X):
        _check(X, "X", 3)
        if X.shape[1] != self.n_mfcc:
            raise ValueError(f"X must have {self.n_mfcc} MFCC channels, got shape {tuple(X.shape)}")
        return self.net(X)
''', "corr1d* as stacked shifted slices + einsum; a conv net with BatchNorm1d, MaxPool1d, "
       "AdaptiveMaxPool1d, Flatten and Dropout in one nn.Sequential"),
    V("audio_tensordot_avgpool", "audio_conv1d", '''
def corr1d_multi_in_out(X, K):
    _check(X, "X", 2)
    _check(K, "K", 3)
    if X.shape[0] != K.shape[1]:
        raise ValueError(f"X has {X.shape[0]} channels but K expects {K.shape[1]}")
    if K.shape[2] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[2]} exceeds signal length {X.shape[1]}")
    c_out, c_in, kw = K.shape
    n = X.shape[1] - kw + 1
    windows = torch.stack([X[:, a:a + n] for a in range(kw)], dim=1)  # (c_in, kw, n)
    return torch.tensordot(K, windows, dims=([1, 2], [0, 1]))


def corr1d_multi_in(X, K):
    _check(X, "X", 2)
    _check(K, "K", 2)
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} channels but K has {K.shape[0]}")
    if K.shape[1] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[1]} exceeds signal length {X.shape[1]}")
    return corr1d_multi_in_out(X, K.unsqueeze(0))[0]


def corr1d(x, k):
    _check(x, "x", 1)
    _check(k, "k", 1)
    if k.shape[0] > x.shape[0]:
        raise ValueError(f"kernel width {k.shape[0]} exceeds signal length {x.shape[0]}")
    return corr1d_multi_in(x[None], k[None])


class AudioConvNet(nn.Module):
    def __init__(self, n_mfcc, n_classes):
        super().__init__()
        self.n_mfcc, self.n_classes = n_mfcc, n_classes
        self.conv1 = nn.Conv1d(n_mfcc, 64, kernel_size=5, padding=2)
        self.conv2 = nn.Conv1d(64, 64, kernel_size=5, padding=2)
        self.pool = nn.AvgPool1d(2)
        self.conv3 = nn.Conv1d(64, 128, kernel_size=3, padding=1)
        self.global_pool = nn.AdaptiveMaxPool1d(1)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(128, n_classes)

    def forward(self, X):
        _check(X, "X", 3)
        if X.shape[1] != self.n_mfcc:
            raise ValueError(f"X must have {self.n_mfcc} MFCC channels, got shape {tuple(X.shape)}")
        if not torch.isfinite(X).all():
            raise ValueError("X holds NaN or inf")
        h = torch.relu(self.conv1(X))
        h = self.pool(torch.relu(self.conv2(h)))
        h = torch.relu(self.conv3(h))
        return self.fc(self.drop(self.global_pool(h).squeeze(-1)))
''', "corr1d_multi_in_out by tensordot over stacked windows, the other two as its special "
       "cases; a net with AvgPool1d and AdaptiveMaxPool1d, layers as attributes, that "
       "refuses non-finite input (`if not torch.isfinite(X).all(): raise`)"),
    V("audio_fft_depthwise_separable", "audio_conv1d", '''
def corr1d_multi_in_out(X, K):
    _check(X, "X", 2)
    _check(K, "K", 3)
    if X.shape[0] != K.shape[1]:
        raise ValueError(f"X has {X.shape[0]} channels but K expects {K.shape[1]}")
    if K.shape[2] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[2]} exceeds signal length {X.shape[1]}")
    T, kw = X.shape[1], K.shape[2]
    # cross-correlation theorem: circular correlation = irfft(rfft(x) * conj(rfft(k))); the
    # first T - kw + 1 outputs never wrap around
    Yf = (torch.fft.rfft(X, n=T)[None] * torch.fft.rfft(K, n=T).conj()).sum(dim=1)
    return torch.fft.irfft(Yf, n=T)[:, :T - kw + 1]


def corr1d_multi_in(X, K):
    _check(X, "X", 2)
    _check(K, "K", 2)
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} channels but K has {K.shape[0]}")
    if K.shape[1] > X.shape[1]:
        raise ValueError(f"kernel width {K.shape[1]} exceeds signal length {X.shape[1]}")
    return corr1d_multi_in_out(X, K[None])[0]


def corr1d(x, k):
    _check(x, "x", 1)
    _check(k, "k", 1)
    if k.shape[0] > x.shape[0]:
        raise ValueError(f"kernel width {k.shape[0]} exceeds signal length {x.shape[0]}")
    return corr1d_multi_in_out(x[None], k[None, None])[0]


def _separable(c_in, c_out, k):
    """MobileNet's block in 1-D: a depthwise Conv1d, then a pointwise one."""
    return nn.Sequential(nn.Conv1d(c_in, c_in, k, padding=k // 2, groups=c_in),
                         nn.Conv1d(c_in, c_out, 1), nn.BatchNorm1d(c_out), nn.ReLU())


class AudioConvNet(nn.Module):
    def __init__(self, n_mfcc, n_classes):
        super().__init__()
        self.n_mfcc, self.n_classes = n_mfcc, n_classes
        self.body = nn.Sequential(nn.Conv1d(n_mfcc, 64, 5, padding=2), nn.ReLU(),
                                  _separable(64, 96, 5), nn.MaxPool1d(2), _separable(96, 128, 3))
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(128, n_classes))

    def forward(self, X):
        _check(X, "X", 3)
        if X.shape[1] != self.n_mfcc:
            raise ValueError(f"X must have {self.n_mfcc} MFCC channels, got shape {tuple(X.shape)}")
        return self.head(self.body(X).max(dim=-1).values)
''', "corr1d* by the FFT (the cross-correlation theorem; allowed by the letter of the rules: "
       "no torch convolution, no loop at all); a depthwise-separable net (Conv1d groups=C)"),
]
