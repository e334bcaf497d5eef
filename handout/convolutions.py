# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Convolutions: from fully connected layers to `corr2d`
#
# This assignment follows *Dive into Deep Learning* (d2l) **§6.1 "From Fully Connected Layers
# to Convolutions"** and **§6.2 "Convolutions for Images"**, and works through their
# exercises. (Exercise numbers differ between d2l editions; every question is quoted in full
# below, so you can find it in yours.)
#
# **What you do**
#
# 1. Fill in every `TODO` in the package `convolutions/` (next to this notebook). Each part
#    below says what to implement (the contract: inputs, outputs, rules) and then uses your
#    code, so you can see what you built. *How* to do it is yours to work out.
# 2. Answer the six **written questions** in this notebook, in the cells marked
#    **✍️ YOUR ANSWER HERE**.
# 3. Optional: the bonus questions in `convolutions/concepts.py`.
#
# Stuck? Your course may ship hints in `hints/<part id>.md` (`hints/written.md` for the written
# questions). Open them one at a time: each gives more away.
#
# <!-- parts-table: handout -->
# | part id | module in `convolutions/` | you implement | points |
# | --- | --- | --- | ---: |
# | `cross_correlation` | `cross_correlation.py` | `corr2d` (with padding and stride) | 15 |
# | `conv2d_backward` | `conv2d_backward.py` | `Corr2dFunction`, `Conv2D`, `learn_kernel` | 20 |
# | `conv_as_matmul` | `conv_as_matmul.py` | `im2col`, `corr2d_matmul`, `kernel_matrix` | 15 |
# | `conv1x1_fc` | `conv1x1_fc.py` | `linear_to_conv1x1`, `conv1x1_to_linear` | 10 |
# | `derivative_kernels` | `derivative_kernels.py` | `finite_difference_kernel`, `second_derivative_kernel`, `integral_kernel`, `min_kernel_size` | 10 |
# | `audio_conv1d` | `audio_conv1d.py` | `corr1d`, `corr1d_multi_in`, `corr1d_multi_in_out`, `AudioConvNet` | 10 |
# | `text_conv` | `text_conv.py` | `TextCNN` | 10 |
# | `written` | this notebook | six written questions in the notebook (graded by hand) | 10 |
# | `concepts` (optional) | `concepts.py` | short answers in `concepts.py` | 0 (up to 5 bonus) |
#
# Total: 100 points, plus up to 5 bonus points.
# <!-- end parts-table -->
#
# ## ⚠️ Rules (the grader enforces them when it runs your code)
#
# * `corr2d`, `im2col`, `kernel_matrix` and the `corr1d*` functions may **not** use torch's
#   convolution functions (`torch.conv*`, `torch.nn.functional.conv*`, `conv_transpose*`),
#   `unfold`, `fold` or `as_strided` (functions or tensor methods), nor `nn.Conv*` modules.
#   The rest of torch (indexing, arithmetic, matrix products, ...) is allowed.
# * `Corr2dFunction.backward` may **not** call autograd (`torch.autograd.grad`,
#   `.backward()`, ...): you derive the gradient and write it down yourself.
# * In all of these functions (and in `Corr2dFunction.backward`), loop over the **kernel
#   offsets** at most (`kh * kw` iterations in 2-D, `kw` in 1-D), **never over output
#   positions** (pixels, rows or time steps). d2l's `corr2d` loops over output pixels; yours
#   must not. The grader counts the work your function does, torch operations and lines of
#   your Python, for a small and a large input with the same kernel: it must not grow.
# * Inside these functions (and `Corr2dFunction`), tensor **values stay in torch**: no Python
#   numbers or lists made from them (`.item()`, `.tolist()`, `float(t)`), no numpy (`.numpy()`,
#   `np.asarray(t)`), and nothing made back from numpy arrays or buffers (`torch.from_numpy`,
#   `torch.tensor(array)`). Shapes are plain ints: use them freely. Printing a tensor there shows
#   its shape, dtype and device, not its values.
# * `AudioConvNet` and `TextCNN` are ordinary models and may use `torch.nn`, except that
#   `AudioConvNet`'s only convolutions are `nn.Conv1d` and it has no recurrent (`nn.RNN`,
#   `nn.LSTM`, `nn.GRU`, their cells) or attention layers (`nn.MultiheadAttention`,
#   `nn.Transformer*`), nor their functions (`F.scaled_dot_product_attention`, ...).
# * Your code runs in the grader's sandbox, where it cannot start processes (`subprocess`,
#   `multiprocessing`, `os.fork`, DataLoader workers) or reach the network.
#
# A check that catches a broken rule fails, even when the result is right.
#
# ## Testing
#
# From the root of your repository (the folder holding this notebook):
#
# ```bash
# pytest tests/public                        # every part
# pytest tests/public -m cross_correlation   # one part: the marker is the part id
# ```
#
# The public tests are a sample. The grader runs **hidden checks** as well (more shapes,
# dtypes, edge cases and the rules above), so passing the public tests does not
# guarantee full marks; test your own edge cases too.
#
# ## How this notebook uses your code
#
# The cells below import your package with `import convolutions`, from the `convolutions/`
# folder next to this notebook. `autoreload` picks up your edits; if something still looks
# stale, restart the kernel. Until you implement a part, its cells stop with
# `NotImplementedError`: that is expected. The whole notebook runs in well under a minute on
# a laptop.

# %%
# %matplotlib inline
# %load_ext autoreload
# %autoreload 2

import math
import sys
import time
import traceback

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.nn import functional as F

import convolutions
from convolutions import (
    AudioConvNet, Conv2D, Corr2dFunction, TextCNN, conv1x1_to_linear, corr1d,
    corr1d_multi_in, corr1d_multi_in_out, corr2d, corr2d_matmul, finite_difference_kernel,
    im2col, integral_kernel, kernel_matrix, learn_kernel, linear_to_conv1x1,
    min_kernel_size, second_derivative_kernel,
)
from convolutions.data import PAD, edge_detection_data, load_audio, load_text
from convolutions.training import (
    AUDIO_TRAINING, TEXT_MODEL, TEXT_TRAINING, accuracy, train_classifier,
)

torch.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "font.size": 9})
print("using", convolutions.__file__)


def heatmaps(panels, width=2.3):
    """Show 2-D tensors side by side. panels: (tensor, title, style) triples, with style
    "image" (grayscale: 0 black, 1 white), "signed" (blue < 0 < red, zero white; one shared
    colour scale) or "count" (each entry written in its cell)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(width * len(panels), 2.3), squeeze=False)
    signed = [p[0].abs().max().item() for p in panels if p[2] == "signed"]
    scale = max(signed + [1e-12])
    signed_axes, im_signed = [], None
    for ax, (image, title, style) in zip(axes[0], panels):
        image = image.detach().cpu().float()
        if style == "image":
            ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        elif style == "signed":
            im_signed = ax.imshow(image, cmap="RdBu_r", vmin=-scale, vmax=scale)
            signed_axes.append(ax)
        else:
            ax.imshow(image, cmap="viridis", vmin=0)
            top = image.max().item()
            for r in range(image.shape[0]):
                for c in range(image.shape[1]):
                    v = image[r, c].item()
                    ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=7,
                            color="k" if v > 0.6 * top else "w")
        ax.set_title(title)
        ax.set_xticks(range(image.shape[1]))
        ax.set_yticks(range(image.shape[0]))
        ax.tick_params(labelsize=6)
    if signed_axes:
        fig.colorbar(im_signed, ax=signed_axes, shrink=0.8)
    plt.show()



# %% [markdown]
# ## Warm-up: why convolutions? (d2l §6.1)
#
# d2l §6.1 starts from a fully connected layer on a megapixel image and imposes two
# principles: **translation invariance** (the same weights at every location,
# $[\mathbf{V}]_{i,j,a,b} = [\mathbf{V}]_{a,b}$) and **locality** (only offsets
# $|a|, |b| \le \Delta$ matter). What is left is a convolution (more precisely, a
# cross-correlation) with a small kernel.

# %% [markdown]
# ### ✍️ Written question 6.1-2 (2 points)
#
# *d2l 6.1, exercise 2:* "Why might translation invariance not be a good idea after all?"
#
# Give at least one concrete example of data or a task where the *same* weights at every
# location are the wrong assumption, and say what you could do instead.

# %% [markdown] tags=["answer"] question="6.1-2"
# **✍️ YOUR ANSWER HERE** (replace this line; a few sentences are enough)

# %% [markdown]
# ## Part `cross_correlation` (15 points): `corr2d` (d2l §6.2.1, with §6.3's padding and stride)
#
# Implement `corr2d(X, K, padding=0, stride=1)` in `convolutions/cross_correlation.py`:
#
# $$Y[i, j] = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} X_p[i s_h + a,\ j s_w + b]\, K[a, b],$$
#
# where $X_p$ is $X$ with $p_h$ rows of zeros above and below and $p_w$ columns left and
# right. The output has shape
# $\big(\lfloor (h + 2p_h - k_h)/s_h \rfloor + 1,\ \lfloor (w + 2p_w - k_w)/s_w \rfloor + 1\big)$
# and `X`'s dtype and device; neither input is modified. The rules above apply: no torch
# convolution, and no loop over output pixels.
#
# *To think about:* d2l's `corr2d` spends one loop iteration per output pixel. The rules
# allow one iteration per kernel entry instead. What could a single iteration compute, for
# all output pixels at once?
#
# Tests: `pytest tests/public -m cross_correlation`.
#
# Stuck? Your course may ship hints in `hints/cross_correlation.md`.

# %%
# d2l 6.2.1: the example of Fig. 6.2.1. Expected: tensor([[19., 25.], [37., 43.]])
X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
corr2d(X, K)

# %%
# Output shapes with padding and stride (d2l 6.3): compare with the formula above.
X = torch.rand(8, 8)
for padding, stride in [(0, 1), (1, 1), (1, 2), ((2, 1), (3, 2))]:
    Y = corr2d(X, torch.ones(3, 3), padding=padding, stride=stride)
    print(f"padding={padding!s:7} stride={stride!s:7} -> output shape {tuple(Y.shape)}")

# %% [markdown]
# ### Edge detection (d2l §6.2.3)
#
# d2l's white image with a black vertical stripe, and its kernel `K = [[1, -1]]`. Your result
# should match d2l's. Where is the response $+1$, where $-1$, where $0$?

# %%
X, Y_expected = edge_detection_data()
K = torch.tensor([[1.0, -1.0]])
Y = corr2d(X, K)
print("matches d2l:", torch.equal(Y, Y_expected))
heatmaps([(X, "image X (white = 1)", "image"), (Y, "corr2d(X, K)", "signed")])

# %% [markdown]
# ### What happens at the boundary?
#
# The maps below count, for a $3 \times 3$ kernel on an $8 \times 8$ image, **in how many
# output windows each input pixel appears**, without padding and with padding 1. They are
# computed with your `corr2d` itself (why does each line count windows?), and the last line
# prints the output shapes. Compare a corner, an edge and a centre pixel.

# %%
h = w = 8
ones_k = torch.ones(3, 3)
# padding 0: the output is 6 x 6; for each input pixel, count the 6 x 6 windows that contain it.
count_valid = corr2d(torch.ones(h - 2, w - 2), ones_k, padding=2)
# padding 1: the windows are those of the zero-padded image.
count_same = corr2d(torch.ones(h, w), ones_k, padding=1)
heatmaps([(count_valid, "windows per pixel, padding 0", "count"),
          (count_same, "windows per pixel, padding 1", "count")], width=3)
print("output shape with padding 0:", tuple(corr2d(torch.ones(h, w), ones_k).shape),
      "| with padding 1:", tuple(corr2d(torch.ones(h, w), ones_k, padding=1).shape))

# %% [markdown]
# ### ✍️ Written question 6.1-3 (2 points)
#
# *d2l 6.1, exercise 3:* "What problems must we deal with when deciding how to treat hidden
# representations corresponding to pixel locations at the boundary of an image?"
#
# Say what happens to boundary pixels (and to an object at the edge of the image) without
# padding, and how zero padding changes that, including what padding does *not* fix.

# %% [markdown] tags=["answer"] question="6.1-3"
# **✍️ YOUR ANSWER HERE** (replace this line; a few sentences are enough)

# %% [markdown]
# ### Diagonal edges (d2l §6.2, exercise 1)
#
# An image with one **diagonal** edge (ones on and above the diagonal, zeros below). Look at
# the response to `K = [[1, -1]]`, the response of the transposed image, and the response to
# the transposed kernel `K.T = [[1], [-1]]`. (Blue is negative, red positive.)

# %%
X_diag = torch.triu(torch.ones(8, 8))  # 1 on and above the diagonal: one diagonal edge
K = torch.tensor([[1.0, -1.0]])
heatmaps([
    (X_diag, "image X", "image"),
    (corr2d(X_diag, K), "corr2d(X, K)", "signed"),
    (corr2d(X_diag.T, K), "corr2d(X.T, K)", "signed"),
    (corr2d(X_diag, K.T), "corr2d(X, K.T)", "signed"),
])

# %% [markdown]
# ### ✍️ Written question 6.2-1 (2 points)
#
# *d2l 6.2, exercise 1:* "Construct an image `X` with diagonal edges.
# 1. What happens if you apply the kernel `K` in this section to it?
# 2. What happens if you transpose `X`?
# 3. What happens if you transpose `K`?"
#
# Use the heat maps above (you may build other images too). For each case say where the
# response is non-zero and with which sign, and explain why in terms of what `K = [[1, -1]]`
# measures.

# %% [markdown] tags=["answer"] question="6.2-1"
# **✍️ YOUR ANSWER HERE** (replace this line; a few sentences are enough)

# %% [markdown]
# ## Part `conv2d_backward` (20 points): a convolutional layer with a hand-written backward pass
#
# Implement, in `convolutions/conv2d_backward.py`:
#
# * `Corr2dFunction`, a `torch.autograd.Function`. Its `forward(ctx, X, K)` returns your
#   `corr2d(X, K)` (no padding, stride 1; `X` of shape `(h, w)`, `K` of shape `(kh, kw)`) and
#   saves what the backward pass needs. Its `backward(ctx, dY)` receives
#   $\partial L/\partial Y$ (the shape of `Y`) and returns
#   $\big(\partial L/\partial X,\ \partial L/\partial K\big)$, with the shapes of `X` and `K`,
#   or `None` for an input whose gradient is not needed (`ctx.needs_input_grad`). You derive
#   the gradients yourself: `backward` may not call autograd, and the loop rule above applies
#   to it too.
# * `Conv2D(kernel_size)`, d2l's layer: a `weight` parameter of shape `kernel_size` drawn with
#   `torch.rand`, a `bias` parameter of shape `(1,)` starting at zero, and
#   `forward(X) = Corr2dFunction.apply(X, weight) + bias` for a 2-D `X`. An `int` kernel size
#   `k` means `(k, k)`.
# * `learn_kernel(X, Y, kernel_size)`, which builds a `Conv2D` from scratch (random start, with
#   `X`'s dtype and device) and trains it by gradient descent until `conv(X)` matches `Y`
#   (d2l §6.2.4). The checks want the learned weight and bias within `0.01` of the kernel and
#   bias that produced `Y`: on d2l's edge data, and on other images and kernels (up to
#   $3 \times 3$, with a non-zero bias), from any random start, within a few seconds.
#
# *To think about:* from $Y[i,j] = \sum_{a,b} X[i+a, j+b]\,K[a,b]$, which entries of `Y` does
# one kernel entry $K[a, b]$ touch, and through which entries of `X`? Which entries of `Y` does
# one pixel $X[r, c]$ touch?
#
# Tests: `pytest tests/public -m conv2d_backward`.
#
# Stuck? Your course may ship hints in `hints/conv2d_backward.md`.

# %%
# gradcheck compares your backward with finite differences of your forward (needs float64).
g = torch.Generator().manual_seed(0)
X = torch.randn(6, 7, dtype=torch.float64, generator=g, requires_grad=True)
K = torch.randn(3, 2, dtype=torch.float64, generator=g, requires_grad=True)
print("gradcheck passed:", torch.autograd.gradcheck(Corr2dFunction.apply, (X, K)))

# %% [markdown]
# ### Learning a kernel (d2l §6.2.4)
#
# d2l learns the edge kernel with 10 epochs of gradient descent on the summed squared error,
# learning rate `3e-2`, for `nn.Conv2d` without a bias. The cell below runs that recipe on
# **your** `Conv2D` (2-D input, your backward), updating all of its parameters, and plots them
# and the loss. Look at the plot before you write `learn_kernel`: what happens, and why? What
# would you change, and how will your `learn_kernel` know when to stop?

# %%
X, Y = edge_detection_data()
torch.manual_seed(0)
conv = Conv2D((1, 2))
lr = 3e-2  # d2l's learning rate
history = []  # (w0, w1, bias, loss) per epoch, before the update
for epoch in range(10):
    l = (conv(X) - Y) ** 2  # d2l's loss, summed below
    history.append([*conv.weight.detach().reshape(-1).tolist(), conv.bias.item(),
                    l.sum().item()])
    conv.zero_grad()
    l.sum().backward()
    # d2l's update of the kernel, and the same for the bias that d2l's layer lacked
    conv.weight.data[:] -= lr * conv.weight.grad
    conv.bias.data[:] -= lr * conv.bias.grad
history = torch.tensor(history)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 2.6))
for col, label in enumerate(["weight[0, 0]", "weight[0, 1]", "bias"]):
    ax1.plot(history[:, col], marker=".", label=label)
ax1.set_xlabel("epoch"); ax1.set_title("parameters"); ax1.legend(loc="best", fontsize=7)
ax2.semilogy(history[:, 3], marker="."); ax2.set_xlabel("epoch"); ax2.set_title("summed squared error")
plt.tight_layout(); plt.show()
print("after 10 epochs: weight", conv.weight.data.tolist(), "bias", conv.bias.item())

# %%
# Your learn_kernel: on d2l's edge data, and on a kernel and bias it cannot know in advance.
torch.manual_seed(1)
learned = learn_kernel(X, Y, kernel_size=(1, 2))
print("edge data:     weight", [[round(v, 4) for v in r] for r in learned.weight.data.tolist()],
      "bias", round(learned.bias.item(), 4), "(d2l's kernel: [[1, -1]], bias 0)")

g = torch.Generator().manual_seed(2)
X_random = (torch.randint(0, 2, (7, 8), generator=g) * 2 - 1).float()  # an image of -1s and 1s
K_true, b_true = torch.rand(2, 2, generator=g) * 3 - 1.5, torch.rand(1, generator=g) * 2 - 1
start = time.perf_counter()
learned = learn_kernel(X_random, corr2d(X_random, K_true) + b_true, kernel_size=(2, 2))
error = max((learned.weight.data - K_true).abs().max().item(),
            (learned.bias.data - b_true).abs().max().item())
print(f"random kernel: largest error {error:.1e} (must be below 0.01), "
      f"{time.perf_counter() - start:.2f} s")

# %% [markdown]
# ### d2l's `Conv2D` and autograd (d2l §6.2, exercise 2)
#
# d2l's exercise asks what happens when autograd meets the `Conv2D` class of §6.2.2. The next
# cell defines d2l's loop-based `corr2d` and that `Conv2D`, **verbatim**. (They replace your
# `corr2d` and `Conv2D` in this notebook until the cell after next puts yours back.) The cell
# after it trains d2l's `Conv2D` with d2l's own training loop of §6.2.4, which d2l wrote for
# `nn.Conv2d`: the only change is the line that builds the layer. Any exception is caught and
# printed, so that the notebook runs on.

# %%
def corr2d(X, K):  #@save
    """Compute 2D cross-correlation."""
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


# %%
X, Y = edge_detection_data()
torch.manual_seed(0)
try:
    # Construct a two-dimensional convolutional layer with 1 output channel and a
    # kernel of shape (1, 2). For the sake of simplicity, we ignore the bias here
    conv2d = Conv2D(kernel_size=(1, 2))  # d2l: nn.LazyConv2d(1, kernel_size=(1, 2), bias=False)

    # The two-dimensional convolutional layer uses four-dimensional input and
    # output in the format of (example, channel, height, width), where the batch
    # size (number of examples in the batch) and the number of channels are both 1
    X = X.reshape((1, 1, 6, 8))
    Y = Y.reshape((1, 1, 6, 7))
    lr = 3e-2  # Learning rate

    for i in range(10):
        Y_hat = conv2d(X)
        l = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        l.sum().backward()
        # Update the kernel
        conv2d.weight.data[:] -= lr * conv2d.weight.grad
        if (i + 1) % 2 == 0:
            print(f'epoch {i + 1}, loss {l.sum():.3f}')
except Exception:  # printed, not raised, so that the notebook runs on
    traceback.print_exc(limit=-1, file=sys.stdout)

# %%
corr2d_d2l = corr2d  # keep d2l's loop-based corr2d for the comparison below
from convolutions import Conv2D, corr2d  # your corr2d and Conv2D again

print("corr2d is yours again:", corr2d.__module__, "| Conv2D:", Conv2D.__module__)

# %% [markdown]
# ### How much work is autograd's graph?
#
# Autograd records every operation that touches a tensor requiring a gradient. The cell below
# runs d2l's loop-based `corr2d` and your `Corr2dFunction` on the same $48 \times 48$ image,
# counts the nodes of the graph each leaves behind, and times forward plus backward.

# %%
def graph_size(t):
    """Number of autograd nodes behind tensor t."""
    seen, stack = set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(next_fn for next_fn, _ in node.next_functions)
    return len(seen)


X = torch.randn(48, 48)
for name, fn in [("d2l loop + autograd", corr2d_d2l), ("Corr2dFunction", Corr2dFunction.apply)]:
    K = torch.randn(3, 3, requires_grad=True)
    start = time.perf_counter()
    Y = fn(X, K)
    nodes = graph_size(Y)
    Y.sum().backward()
    elapsed = time.perf_counter() - start
    print(f"{name:20}: {nodes:6d} graph nodes, forward+backward {1e3 * elapsed:7.1f} ms, "
          f"dK[0, 0] = {K.grad[0, 0].item():+.4f}")

# %% [markdown]
# ### ✍️ Written question 6.2-2 (2 points)
#
# *d2l 6.2, exercise 2:* "When you try to automatically find the gradient for the `Conv2D`
# class we created, what kind of error message do you see?"
#
# The cells above do just that: d2l's `corr2d` and `Conv2D`, trained by d2l's loop of §6.2.4
# with its inputs `X` of shape `(1, 1, 6, 8)` and `Y` of shape `(1, 1, 6, 7)`.
#
# 1. What does the error message say, and which line of the loop raises it?
# 2. Why does it happen? Trace the shapes through d2l's `corr2d` and `Conv2D.forward`, from
#    `X` of shape `(1, 1, 6, 8)` to the line that fails.
# 3. How do this assignment's `Conv2D` and `Corr2dFunction` differ from d2l's (the input they
#    take; how the gradient is computed), and what does each difference change? The graph
#    comparison above may help; add cells to experiment if you like.

# %% [markdown] tags=["answer"] question="6.2-2"
# **✍️ YOUR ANSWER HERE** (replace this line; a few sentences are enough)

# %% [markdown]
# ## Part `conv_as_matmul` (15 points): cross-correlation as a matrix product (d2l §6.2, exercise 3)
#
# *"How do you represent a cross-correlation operation as a matrix multiplication by changing
# the input and kernel tensors?"* You implement both changes in
# `convolutions/conv_as_matmul.py`:
#
# * **Change the input**: `im2col(X, kernel_size, padding=0, stride=1)` returns a matrix of
#   shape `(out_h * out_w, kh * kw)` such that, for every kernel `K` of that size,
#   `corr2d(X, K, padding, stride) == (im2col(X, K.shape, padding, stride) @ K.reshape(-1)).reshape(out_h, out_w)`.
#   `corr2d_matmul(X, K, padding=0, stride=1)` computes `corr2d` as exactly that product.
# * **Change the kernel**: `kernel_matrix(K, (h, w))` returns the matrix `M` of shape
#   `(out_h * out_w, h * w)` (no padding, stride 1) such that
#   `M @ X.reshape(-1) == corr2d(X, K).reshape(-1)` for every `X` of shape `(h, w)`.
#
# Same rules as `corr2d`: no torch convolution / unfold / fold / as_strided, and loop over
# kernel offsets only, never over output positions (this holds for `kernel_matrix` too).
#
# *To think about:* what is row `r` of `im2col(X, K.shape)`? Which entries of `M` can be
# non-zero?
#
# Tests: `pytest tests/public -m conv_as_matmul`.
#
# Stuck? Your course may ship hints in `hints/conv_as_matmul.md`.

# %%
X = torch.arange(12.0).reshape(3, 4)
K = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
print("im2col(X, (2, 2)):\n", im2col(X, (2, 2)))
print("corr2d_matmul == corr2d:", torch.allclose(corr2d_matmul(X, K), corr2d(X, K)))

# %%
h, w = 4, 5
M = kernel_matrix(K, (h, w))
fig, ax = plt.subplots(figsize=(6, 3.6))
im = ax.imshow(M, cmap="Blues")
for c in range(w, h * w, w):  # a line between consecutive rows of the input image
    ax.axvline(c - 0.5, color="gray", lw=0.5)
for r in range(w - 1, M.shape[0], w - 1):  # a line between consecutive rows of the output (out_w = w - 1 here)
    ax.axhline(r - 0.5, color="gray", lw=0.5)
ax.set_xticks(range(0, h * w, w)); ax.set_yticks(range(0, M.shape[0], w - 1))
ax.set_xlabel("input pixel  r * w + c"); ax.set_ylabel("output pixel  i * out_w + j")
ax.set_title(f"kernel_matrix(K, ({h}, {w})): shape {tuple(M.shape)}")
fig.colorbar(im, ax=ax, shrink=0.8)
plt.show()

X = torch.randn(h, w)
print("M @ x == corr2d(X, K):", torch.allclose(M @ X.reshape(-1), corr2d(X, K).reshape(-1), atol=1e-6))
print(f"non-zero entries: {int((M != 0).sum())} of {M.numel()}")

# %% [markdown]
# **Look at the picture** (and print `M` if you like). Not graded, but worth a few minutes:
#
# * What does one row of `M` hold, and where do its non-zero entries sit?
# * How does a row differ from the next one, and what happens where a new output row begins?
# * How many weights does `M` have, how many of them can be non-zero, and how does that compare
#   with a fully connected layer from `X` to `Y`?
#
# `M` maps an image to the output of the cross-correlation. The cell below applies the
# **transpose** `M.T` to a gradient `dY` of the output, next to the `dX` that your
# `Corr2dFunction.backward` returns for the same `dY`. Compare the two maps, and explain what
# you see.

# %%
X = torch.randn(h, w, requires_grad=True)
dY = torch.randn(h - 1, w - 1)
Corr2dFunction.apply(X, K).backward(dY)
heatmaps([(dY, "dY", "signed"), ((M.T @ dY.reshape(-1)).reshape(h, w), "M.T @ dY", "signed"),
          (X.grad, "dX from your backward", "signed")], width=2.8)

# %% [markdown]
# ## Part `conv1x1_fc` (10 points): $1 \times 1$ convolutions and fully connected layers
#
# *d2l 6.1, exercise 1:* "Assume that the size of the convolution kernel is $\Delta = 0$. Show
# that in this case the convolution kernel implements an MLP independently for each set of
# channels. This leads to the Network in Network architectures." You show it in code, by
# converting one into the other, in `convolutions/conv1x1_fc.py`:
#
# * `linear_to_conv1x1(linear)`: the `nn.Conv2d(c_in, c_out, kernel_size=1)` whose output at
#   every pixel is `linear` applied to that pixel's channels, for inputs
#   `(batch, c_in, height, width)` (its own copy of the weights, not shared with `linear`; same
#   dtype and device; a bias only if `linear` has one);
# * `conv1x1_to_linear(conv)`: the way back, an `nn.Linear(c_in, c_out)` (the same rules).
#
# *To think about:* write d2l's convolution with channels (§6.1.4) for $\Delta = 0$. Which
# entries of the input does output $[i, j, d]$ depend on?
#
# Tests: `pytest tests/public -m conv1x1_fc`.
#
# Stuck? Your course may ship hints in `hints/conv1x1_fc.md`.

# %%
torch.manual_seed(0)
linear = nn.Linear(3, 4)
conv = linear_to_conv1x1(linear)
X = torch.randn(2, 3, 5, 6)  # (batch, channels, height, width)
per_pixel = linear(X.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # the MLP layer at every pixel
print("conv(X) == linear at every pixel:", torch.allclose(conv(X), per_pixel, atol=1e-6))
back = conv1x1_to_linear(conv)
print("round trip gives the same layer:", torch.equal(back.weight, linear.weight),
      torch.equal(back.bias, linear.bias))

# %% [markdown]
# ## Part `derivative_kernels` (10 points): kernels that differentiate and integrate
#
# *d2l 6.2, exercise 4:* "What is the form of a kernel for the second derivative? What is the
# kernel for an integral? What is the minimum size of a kernel to obtain a derivative of
# degree $d$?"
#
# Your kernels have shape `(1, n)` and are used with `corr2d` along the width of a row `x` of
# shape `(1, n)` holding samples $x[0, m] = f(m h)$ of a function $f$ at spacing $h$.
# Implement in `convolutions/derivative_kernels.py` (each takes keyword arguments `dtype` and
# `device`):
#
# * `finite_difference_kernel(d)`, for $d \ge 0$: the kernel `k` **with the fewest taps** such
#   that `corr2d(x, k) / h**d` is **exactly** the $d$-th derivative $f^{(d)}$ whenever $f$ is a
#   polynomial of degree at most $d$ (for any $h$). For other $f$ it is an approximation.
# * `second_derivative_kernel()`: the kernel for the second derivative (the same contract,
#   $d = 2$).
# * `integral_kernel(width)`: a kernel of shape `(1, width)` for the integral. Take samples at
#   the midpoints, $x[0, m] = f((m + \tfrac12) h)$, and pad `x` with `width - 1` zeros on the
#   left: then `h * corr2d(x_padded, k)[0, j]` must be the composite midpoint-rule integral of
#   $f$ from $\max(0, j - \mathit{width} + 1)\, h$ to $(j + 1)\, h$, i.e. from $0$ when
#   `width` is the length of `x`.
# * `min_kernel_size(d)`: the smallest number of taps of a kernel that yields a derivative of
#   order $d$ in this sense.
#
# *To think about:* why can no kernel with fewer taps compute the $d$-th derivative exactly?
# (Try polynomials of degree $d$.)
#
# Tests: `pytest tests/public -m derivative_kernels`.
#
# Stuck? Your course may ship hints in `hints/derivative_kernels.md`.

# %%
for d in range(5):
    print(f"order {d}: kernel {finite_difference_kernel(d).tolist()[0]}, "
          f"min_kernel_size = {min_kernel_size(d)}")
print("second_derivative_kernel:", second_derivative_kernel().tolist()[0])

# A cubic sampled at spacing h: its third derivative is 6 * 2 = 12 everywhere, its fourth 0.
h = 0.5
x = torch.arange(10, dtype=torch.float64) * h
p = (2 * x**3 - x**2 + 3).reshape(1, -1)
for d in (1, 2, 3, 4):
    k = finite_difference_kernel(d, dtype=torch.float64)
    print(f"corr2d(p, finite_difference_kernel({d})) / h^{d}:", (corr2d(p, k) / h**d)[0, :5].tolist())

# %%
# Derivatives and the integral of sin, sampled at spacing h.
n = 60
h = 2 * math.pi / n
t = torch.arange(n, dtype=torch.float64) * h
f = torch.sin(t).reshape(1, -1)
d1 = corr2d(f, finite_difference_kernel(1, dtype=torch.float64))[0] / h      # ~ f'(t + h/2)
d2 = corr2d(f, second_derivative_kernel(dtype=torch.float64))[0] / h**2      # ~ f''(t + h)
# Integral: samples at the midpoints (m + 1/2) h, n - 1 zeros padded on the left, times h
g = torch.sin(t + h / 2).reshape(1, -1)
padded = torch.cat([g.new_zeros(1, n - 1), g], dim=1)
integral = corr2d(padded, integral_kernel(n, dtype=torch.float64))[0] * h    # ~ 1 - cos(t + h)

fig, axes = plt.subplots(1, 3, figsize=(9, 2.3), sharex=True)
panels = [
    ("first derivative", t[:-1] + h / 2, d1, "finite_difference_kernel(1)", torch.cos, "cos t"),
    ("second derivative", t[:-2] + h, d2, "second_derivative_kernel()", lambda u: -torch.sin(u), "-sin t"),
    ("integral from 0", t + h, integral, "integral_kernel(n)", lambda u: 1 - torch.cos(u), "1 - cos t"),
]
for ax, (title, where, estimate, label, exact, exact_label) in zip(axes, panels):
    ax.plot(t, f[0], color="lightgray", lw=1, label="sin t")
    ax.plot(t, exact(t), lw=1, label=exact_label)
    ax.plot(where, estimate, ".", ms=3, label=label)
    ax.set_title(title); ax.set_xlabel("t"); ax.legend(fontsize=6)
plt.tight_layout(); plt.show()
print(f"max errors: first derivative {(d1 - torch.cos(t[:-1] + h / 2)).abs().max():.1e}, "
      f"second {(d2 + torch.sin(t[:-2] + h)).abs().max():.1e}, "
      f"integral {(integral - (1 - torch.cos(t + h))).abs().max():.1e}")

# %% [markdown]
# ## Part `audio_conv1d` (10 points): 1-D convolutions for audio (d2l §6.1, exercise 4)
#
# Speech is a sequence in time. The data set here holds one-second clips of ten spoken
# command words ("yes", "no", "up", ...), each turned into **MFCCs** (mel-frequency cepstral
# coefficients, a compact description of the spectrum in a 32 ms window): one column of 20
# coefficients every 25 ms, 40 columns in all. Each clip is an array of shape
# `(n_mfcc, T) = (20, 40)`. The word starts at a random time. No speaker occurs in two
# splits: the validation and test clips come from speakers that never occur in training.
#
# Implement in `convolutions/audio_conv1d.py`:
#
# * `corr1d(x, k)`: 1-D cross-correlation, `y[t] = sum_a x[t + a] k[a]`, for `x` of shape
#   `(T,)` and `k` of shape `(kw,)`, giving `(T - kw + 1,)`;
# * `corr1d_multi_in(X, K)`: with input channels, summed over them (`X` `(c_in, T)`, `K`
#   `(c_in, kw)`, result `(T - kw + 1,)`);
# * `corr1d_multi_in_out(X, K)`: with output channels too (`K` `(c_out, c_in, kw)`, result
#   `(c_out, T - kw + 1)`), which is what `nn.Conv1d` computes for one example;
# * `AudioConvNet(n_mfcc, n_classes)`: a classifier from MFCCs `(B, n_mfcc, T)` to logits
#   `(B, n_classes)` for clips of any length `T >= 16`, made of `torch.nn` layers whose
#   convolutions are `nn.Conv1d` (no recurrent or attention layers either). Trained with the
#   assignment's settings (below), it must classify clips of **unseen speakers**: see "What is
#   graded" below.
#
# The three `corr1d*` functions follow the `corr2d` rules: no torch convolution, unfold or
# as_strided, and loop over the `kw` kernel offsets only. `AudioConvNet` may use `nn.Conv1d`.
#
# Tests: `pytest tests/public -m audio_conv1d`.
#
# Stuck? Your course may ship hints in `hints/audio_conv1d.md`.

# %%
print("corr1d([0, 1, ..., 6], [1, 2]):", corr1d(torch.arange(7.0), torch.tensor([1.0, 2.0])))
torch.manual_seed(0)
X = torch.randn(20, 40)   # one clip: 20 MFCC coefficients, 40 frames
Kw = torch.randn(8, 20, 5)  # 8 output channels, kernels 5 frames wide
reference = F.conv1d(X[None], Kw)[0]  # (the notebook may use torch's convolution as a check)
print("corr1d_multi_in_out == F.conv1d:", torch.allclose(corr1d_multi_in_out(X, Kw), reference, atol=1e-5))
print("corr1d_multi_in == output channel 0:", torch.allclose(corr1d_multi_in(X, Kw[0]), reference[0], atol=1e-5))

# %%
audio = load_audio()
print(f"train {tuple(audio.X_train.shape)}, validation {tuple(audio.X_val.shape)}, "
      f"test {tuple(audio.X_test.shape)}, classes {audio.classes}")
# Two utterances of the same word by different speakers (the word starts at a random time).
word = audio.y_train[0].item()
first, second = (audio.y_train == word).nonzero()[:2, 0].tolist()
ms_per_frame = 1000 * audio.hop_length / audio.sample_rate
fig, axes = plt.subplots(1, 2, figsize=(8, 2.4), sharey=True)
for ax, i in zip(axes, (first, second)):
    im = ax.imshow(audio.X_train[i], origin="lower", aspect="auto", cmap="magma")
    ax.set_title(f"train example {i}: '{audio.classes[word]}'")
    ax.set_xlabel(f"frame ({ms_per_frame:.0f} ms each)")
axes[0].set_ylabel("MFCC coefficient")
fig.colorbar(im, ax=list(axes), shrink=0.8)
plt.show()

# %%
# Training with the assignment's settings (training.AUDIO_TRAINING: Adam, 10 epochs).
# train_audio(model) in convolutions/training.py does the same and returns the validation accuracy.
torch.manual_seed(0)
audio_model = AudioConvNet(audio.n_mfcc, len(audio.classes))
start = time.perf_counter()
audio_losses = train_classifier(audio_model, audio.X_train, audio.y_train, **AUDIO_TRAINING)
print(f"{len(audio_losses)} epochs in {time.perf_counter() - start:.1f} s; "
      f"training loss {audio_losses[0]:.3f} -> {audio_losses[-1]:.4f}")
print(f"accuracy: train {accuracy(audio_model, audio.X_train, audio.y_train):.3f}, "
      f"validation {accuracy(audio_model, audio.X_val, audio.y_val):.3f}, "
      f"test {accuracy(audio_model, audio.X_test, audio.y_test):.3f} "
      f"(chance is {1 / len(audio.classes):.2f})")

# %% [markdown]
# **What is graded.** The grader retrains your `AudioConvNet` with exactly these settings and
# needs **90 %** accuracy on clips of speakers that occur in **none** of your splits. The
# validation speakers are drawn the same way as the grader's, so the **validation accuracy**
# is the number to aim clearly above 90 % with. Do not judge a design by the test split: its
# speakers are closer to the training speakers', and it overrates some designs by several
# points. The reference `AudioConvNet` reaches at least 92 % validation accuracy (seeds 0–2)
# in seconds of training on one CPU core.

# %% [markdown]
# ### ✍️ Written question 6.1-4 (1 point)
#
# *d2l 6.1, exercise 4:* "Describe an analogous convolutional layer for audio."
#
# Describe the layer your `AudioConvNet` uses and explain why this design works: why convolve
# along **time** (and not along the MFCC coefficients), what locality and translation
# invariance mean for speech, and what the layer computes in terms of channels and kernel width.

# %% [markdown] tags=["answer"] question="6.1-4"
# **✍️ YOUR ANSWER HERE** (replace this line; a few sentences are enough)

# %% [markdown]
# ## Part `text_conv` (10 points): a convolutional text classifier (d2l §6.1, exercise 5)
#
# Text is a sequence of tokens. d2l's "Sentiment Analysis: Using Convolutional Neural
# Networks" section builds **textCNN** (Kim, 2014), a convolutional classifier of sentences:
# read it before you start.
#
# **The data.** Short synthetic reviews labelled negative or positive. The adjective decides
# the label, and a negation right before it flips it ("was not good", "wasn't great",
# "was not very good"); clauses that carry no sentiment, some with a "not" of their own, are
# inserted at random positions. Sentences are right-padded with `<pad>` (id 0) to 32 tokens.
# The validation and test sentences never occur in training.
#
# **What to implement.** `TextCNN(vocab_size, embed_size, kernel_sizes, num_channels,
# num_classes, padding_idx=0)` in `convolutions/text_conv.py`: a textCNN like d2l's, with one
# convolution of width `kernel_sizes[i]` and `num_channels[i]` output channels for each `i`,
# mapping int64 tokens `(B, L)` (any `L >= 1`) to logits `(B, num_classes)`.
#
# **The twist: padding must not matter.** A sentence must get the same logits wherever it sits
# in its padded row (start, middle, end) and whatever the row's length `L`, also when `L` or
# the sentence is shorter than the widest kernel (the logits must stay finite and depend on the
# sentence), and for a `padding_idx` other than 0 (then id 0 is an ordinary word). d2l's
# textCNN does not have this property.
#
# *To think about:* in d2l's textCNN, which numbers change when you add one more `<pad>` at
# the end of a row?
#
# Tests: `pytest tests/public -m text_conv`.
#
# Stuck? Your course may ship hints in `hints/text_conv.md`.

# %%
text = load_text()
print(f"train {tuple(text.X_train.shape)}, validation {tuple(text.X_val.shape)}, "
      f"test {tuple(text.X_test.shape)}, vocabulary {len(text.vocab)} words, "
      f"classes {text.classes}")
for i in range(4):
    print(f"  {text.classes[text.y_train[i]]:>8}: {text.decode(text.X_train[i])}")
print("row 0 as token ids:", text.X_train[0].tolist())

# %%
# Training with the assignment's settings (training.TEXT_TRAINING / TEXT_MODEL);
# train_text(model) in convolutions/training.py does the same and returns the validation accuracy.
torch.manual_seed(0)
text_model = TextCNN(len(text.vocab), **TEXT_MODEL, num_classes=len(text.classes))
start = time.perf_counter()
text_losses = train_classifier(text_model, text.X_train, text.y_train, **TEXT_TRAINING)
print(f"{len(text_losses)} epochs in {time.perf_counter() - start:.1f} s; "
      f"training loss {text_losses[0]:.3f} -> {text_losses[-1]:.4f}")
print(f"accuracy: train {accuracy(text_model, text.X_train, text.y_train):.3f}, "
      f"validation {accuracy(text_model, text.X_val, text.y_val):.3f}, "
      f"test {accuracy(text_model, text.X_test, text.y_test):.3f}")

# %% [markdown]
# **What is graded.** The grader retrains your `TextCNN` with these settings and needs
# **90 %** accuracy on sentences that occur in **none** of your splits. The validation
# sentences are drawn the same way as the grader's, so the **validation accuracy** is the
# number to aim clearly above 90 % with. The reference `TextCNN` reaches at least 99 %
# validation accuracy in seconds of training on one CPU core.
#
# *To think about:* could a bag of words (a linear model on word counts) get there on this
# data? Why, or why not?

# %% [markdown]
# **The padding-shift property.** The same sentence at the start, in the middle and at the end
# of a padded row, in a longer row, and with no padding at all: the logits must not change.

# %%
sentence = text.encode("i was not alone , the movie was not very good")
n, L = len(sentence), text.X_train.shape[1]
placements = {"start of a 32-token row": (0, L), "middle": ((L - n) // 2, L),
              "end": (L - n, L), "middle of a 60-token row": (20, 60), "no padding": (0, n)}
with torch.no_grad():
    logits = {}
    for name, (offset, length) in placements.items():
        row = torch.full((1, length), PAD, dtype=torch.int64)
        row[0, offset:offset + n] = sentence
        logits[name] = text_model(row)[0]
for name, value in logits.items():
    print(f"{name:>26}: logits {[round(v, 5) for v in value.tolist()]}")
spread = max((v - logits["no padding"]).abs().max().item() for v in logits.values())
print(f"largest difference: {spread:.1e}")

# %%
# What did it learn? P(positive) for a few sentences.
examples = ["the movie was good", "the movie was not good", "the movie wasn't good",
            "the movie was not very good", "i was not alone , the movie was good",
            "the movie was bad", "the movie was never bad"]
with torch.no_grad():
    for s in examples:
        p = torch.softmax(text_model(text.encode(s)[None]), dim=1)[0, 1].item()
        print(f"P(positive) = {p:.3f}  {s}")

# %% [markdown]
# ### ✍️ Written question 6.1-5 (1 point)
#
# *d2l 6.1, exercise 5:* "Do you think that convolutional layers might also be applicable for
# text data? Why or why not?"
#
# Explain how text has to be represented so that a convolution applies (what plays the role
# of pixels and of channels), why a convolution over word positions works for this data set,
# and what problems language poses for it.

# %% [markdown] tags=["answer"] question="6.1-5"
# **✍️ YOUR ANSWER HERE** (replace this line; a few sentences are enough)

# %% [markdown]
# ## Optional part `concepts` (0 points, up to 5 bonus points)
#
# `convolutions/concepts.py` holds five short questions on §6.1–6.3 (parameter counts, the
# transposed edge image, receptive fields, output shapes). Each function returns one value
# (a number, a tuple or a letter): replace its `raise NotImplementedError` with
# `return <your answer>`. Work the answers out yourself; you can try things in the cell
# below. Tests: `pytest tests/public -m concepts`.
#
# Stuck? Your course may ship hints in `hints/concepts.md`.

# %%
# Scratch space for the concepts questions.

# %% [markdown]
# ## Before you submit
#
# * `pytest tests/public` passes (and you tried a few cases of your own: other shapes,
#   `float64`, padding larger than the kernel, ...).
# * Every **✍️ YOUR ANSWER HERE** cell above is replaced by your answer.
# * The notebook runs top to bottom (*Kernel → Restart & Run All*).
# * Commit and push to your assignment repository on GitHub; the last commit pushed before the
#   deadline is graded, unless your course says otherwise (see the README's "Submitting").
