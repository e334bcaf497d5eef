"""Part ``conv2d_backward``'s mutants and honest variants. ``mutants.py`` and ``honest.py`` gather
every part's file and say what each must do."""

from variant_kinds import M, V

MUTANTS = [
    M("backward_assigns_dX", "conv2d_backward.py",
      "dX[a : a + out_h, b : b + out_w] += K[a, b] * dY",
      "dX[a : a + out_h, b : b + out_w] = K[a, b] * dY",
      ("backward.vs_autograd", "backward.gradcheck"), "= instead of +=",
      misconceptions=("dX_overwritten",)),
    M("backward_flips_kernel", "conv2d_backward.py",
      "dX[a : a + out_h, b : b + out_w] += K[a, b] * dY",
      "dX[a : a + out_h, b : b + out_w] += K[kh - 1 - a, kw - 1 - b] * dY",
      ("backward.vs_autograd", "backward.gradcheck"), "flips the kernel for dX",
      misconceptions=("dX_kernel_not_flipped",)),
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
      ("device.conv2d_backward",), "dX created on the CPU whatever the input's device",
      misconceptions=("default_cpu",)),
    M("backward_dK_transposed", "conv2d_backward.py",
      ("dK = K.new_zeros(K.shape) if need_dK else None",
       "dK[a, b] = (dY * X[a : a + out_h, b : b + out_w]).sum()"),
      ("dK = K.new_zeros(K.shape[::-1]) if need_dK else None  # works on X.T",
       "dK[b, a] = (dY.T * X.T[b : b + out_w, a : a + out_h]).sum()"),
      ("backward.vs_autograd", "backward.gradcheck"),
      "dK worked out on the transposed input and output gradient, never transposed back",
      misconceptions=("dK_from_transposed_input",)),
    M("backward_full_conv_unflipped", "conv2d_backward.py",
      ("                if dX is not None:\n"
       "                    dX[a : a + out_h, b : b + out_w] += K[a, b] * dY\n",
       "        return dX, dK\n"),
      ("",
       "        if dX is not None:  # dY padded all round, correlated with K as it is\n"
       "            dX = corr2d(torch.nn.functional.pad(dY, (kw - 1, kw - 1, kh - 1, kh - 1)), K)\n"
       "        return dX, dK\n"),
      ("backward.vs_autograd", "backward.gradcheck"),
      "dX from the padded dY and the kernel unflipped (the other way to meet the kernel in the "
      "wrong order)", misconceptions=("dX_kernel_not_flipped",)),
    M("conv2d_bypasses_function", "conv2d_backward.py",
      "return Corr2dFunction.apply(X, self.weight) + self.bias",
      "return corr2d(X, self.weight) + self.bias", ("conv2d.layer",),
      "Conv2D.forward does not use Corr2dFunction"),
    M("conv2d_bias_not_parameter", "conv2d_backward.py",
      "self.bias = nn.Parameter(torch.zeros(1))", "self.bias = torch.zeros(1)",
      ("conv2d.layer",), "bias is a plain tensor, so it is never learned (nor converted: "
      "it stays float32)", misconceptions=("default_float32",)),
    M("learn_kernel_too_short", "conv2d_backward.py", "for _ in range(5000):",
      "for _ in range(10):", ("learn_kernel.edge", "learn_kernel.random_kernel"),
      "d2l's 10 epochs"),
    M("learn_kernel_hardcoded", "conv2d_backward.py", "    for _ in range(5000):\n",
      "    with torch.no_grad():\n        conv.weight.copy_(torch.tensor([[1.0, -1.0]]))\n"
      "    for _ in range(0):\n", ("learn_kernel.edge", "learn_kernel.random_kernel"),
      "returns d2l's answer [[1, -1]] without training"),
    # vectorisation: the same values, computed by loops over output positions (issue 9)
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
    M("conv2d_int_kernel_one_dimensional", "conv2d_backward.py",
      "self.weight = nn.Parameter(torch.rand(kh, kw))",
      "self.weight = nn.Parameter(torch.rand(kernel_size))",
      ("conv2d.int_kernel_size",), "torch.rand(kernel_size): a 1-D weight for Conv2D(3)"),
    M("backward_ignores_needs_input_grad", "conv2d_backward.py",
      "need_dX, need_dK = ctx.needs_input_grad", "need_dX, need_dK = True, True",
      ("backward.needs_input_grad",), "computes and returns both gradients always"),
    # dtypes: the right values in another dtype (each costs its dtype check only)
    M("forward_upcasts", "conv2d_backward.py", "        return corr2d(X, K)\n",
      "        return corr2d(X.double(), K.double())\n", ("backward.float32",),
      "Corr2dFunction.forward computes in float64"),
    # placeholders: the right shape, dtype and device, no computation (issue 19): each fails its
    # part's value checks and every dtype and device check ("not judged: the value is wrong")
    M("backward_placeholder", "conv2d_backward.py",
      ("        return corr2d(X, K)\n", "        return dX, dK\n"),
      ("        return X.new_zeros((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))\n",
       "        return (None if dX is None else torch.zeros_like(dX),\n"
       "                None if dK is None else torch.zeros_like(dK))\n"),
      ("backward.vs_autograd", "backward.float32", "backward.gradcheck", "conv2d.layer",
       "conv2d.int_kernel_size", "backward.needs_input_grad", "learn_kernel.edge",
       "learn_kernel.random_kernel", "learn_kernel.layout", "device.conv2d_backward"),
      "zeros of the right shapes for Y, dX and dK"),
    # found by mutation testing (scripts/mutation.py)
    M("learn_kernel_stays_float32", "conv2d_backward.py",
      "conv = Conv2D(kernel_size).to(device=X.device, dtype=X.dtype)",
      "conv = Conv2D(kernel_size).to(device=X.device)", ("learn_kernel.layout",),
      "the layer stays float32 whatever X's dtype (it still learns the kernel)",
      misconceptions=("default_float32",)),
]

VARIANTS = [
    V("backward_full_conv_flipped_kernel", "conv2d_backward", '''
import torch.nn.functional as F


class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.save_for_backward(X, K)
        return corr2d(X, K)

    @staticmethod
    def backward(ctx, dY):
        X, K = ctx.saved_tensors
        kh, kw = K.shape
        dX = dK = None
        if ctx.needs_input_grad[0]:
            # the "full" convolution: dY padded by the kernel size minus one, correlated with
            # the kernel rotated by 180 degrees
            dX = corr2d(F.pad(dY, (kw - 1, kw - 1, kh - 1, kh - 1)), K.flip(0, 1))
        if ctx.needs_input_grad[1]:
            dK = corr2d(X, dY)
        return dX, dK
''', "the textbook formulas: dK = corr2d(X, dY), dX = corr2d(pad(dY), K.flip(0, 1)); no "
       "@once_differentiable (d2l never uses it)"),
    V("backward_im2col_index_add", "conv2d_backward", '''
def _window_index(h, w, kh, kw, device):
    """Flat indices into X.reshape(-1) of every window, (out_h * out_w, kh * kw)."""
    out_h, out_w = h - kh + 1, w - kw + 1
    r = (torch.arange(out_h, device=device)[:, None, None, None]
         + torch.arange(kh, device=device)[None, None, :, None])
    c = (torch.arange(out_w, device=device)[None, :, None, None]
         + torch.arange(kw, device=device)[None, None, None, :])
    return (r * w + c).reshape(out_h * out_w, kh * kw)


class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.X, ctx.K = X, K  # kept on ctx, as many tutorials do
        return corr2d(X, K)

    @staticmethod
    @once_differentiable
    def backward(ctx, dY):
        X, K = ctx.X, ctx.K
        (h, w), (kh, kw) = X.shape, K.shape
        idx = _window_index(h, w, kh, kw, X.device)
        dy = dY.reshape(-1)
        dX = dK = None
        if ctx.needs_input_grad[1]:
            cols = X.reshape(-1)[idx]  # im2col
            dK = (cols.T @ dy).reshape(kh, kw)
        if ctx.needs_input_grad[0]:
            dcols = torch.outer(dy, K.reshape(-1))  # gradient of every window
            dX = X.new_zeros(h * w).index_add_(0, idx.reshape(-1), dcols.reshape(-1))
            dX = dX.reshape(h, w)  # col2im: overlapping windows add up
        return dX, dK
''', "CS231n's im2col backward: dK = cols^T dY, dX by scattering dY outer K back with "
       "index_add_ (col2im, np.add.at); the inputs kept as ctx attributes"),
    V("conv2d_d2l_rand_matmul_backward", "conv2d_backward", '''
class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.save_for_backward(X, K)
        return corr2d(X, K)

    @staticmethod
    @once_differentiable
    def backward(ctx, dY):
        X, K = ctx.saved_tensors
        kh, kw = K.shape
        oh, ow = dY.shape
        dX = dK = None
        if ctx.needs_input_grad[1]:
            windows = torch.stack([X[a:a + oh, b:b + ow].reshape(-1)
                                   for a in range(kh) for b in range(kw)])  # (kh * kw, oh * ow)
            dK = torch.matmul(windows, dY.reshape(-1)).reshape(kh, kw)
        if ctx.needs_input_grad[0]:
            contrib = torch.matmul(K.reshape(-1, 1), dY.reshape(1, -1)).reshape(kh * kw, oh, ow)
            dX = torch.zeros_like(X)
            for a in range(kh):
                for b in range(kw):
                    dX[a:a + oh, b:b + ow] += contrib[a * kw + b]
        return dX, dK


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        kernel_size = as_pair(kernel_size, "kernel_size", 1)
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return Corr2dFunction.apply(x, self.weight) + self.bias
''', "d2l's Conv2D verbatim (torch.rand in float32) and a backward written with torch.matmul"),
    V("learn_kernel_sgd_mse", "conv2d_backward", '''
def learn_kernel(X, Y, kernel_size=(1, 2)):
    check_matrix(X, "X")
    check_matrix(Y, "Y")
    conv2d = Conv2D(kernel_size).to(X)
    kh, kw = conv2d.weight.shape
    optimizer = torch.optim.SGD(conv2d.parameters(), lr=0.8 / (kh * kw + 1))
    loss_fn = nn.MSELoss()
    for _ in range(5000):
        optimizer.zero_grad()
        loss = loss_fn(conv2d(X), Y)
        loss.backward()
        optimizer.step()
        if loss.item() < 1e-12:
            break
    return conv2d
''', "learn_kernel with torch.optim.SGD and nn.MSELoss instead of a manual update; the layer "
       "moved with .to(X)"),
    V("learn_kernel_permute_reshape_im2col", "conv2d_backward", '''
def _im2col(X, kh, kw):
    """(out_h * out_w, kh * kw): the kh * kw shifted views, stacked, permuted and reshaped."""
    out_h, out_w = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    shifted = torch.stack([X[a:a + out_h, b:b + out_w] for a in range(kh) for b in range(kw)])
    return shifted.permute(1, 2, 0).reshape(out_h * out_w, kh * kw)


class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        kh, kw = K.shape
        ctx.save_for_backward(X, K)
        Y = _im2col(X, kh, kw) @ K.flatten()
        return Y.view(X.shape[0] - kh + 1, X.shape[1] - kw + 1)

    @staticmethod
    @once_differentiable
    def backward(ctx, dY):
        X, K = ctx.saved_tensors
        kh, kw = K.shape
        out_h, out_w = dY.shape
        dX = dK = None
        if ctx.needs_input_grad[1]:
            dK = (_im2col(X, kh, kw).T @ dY.flatten()).reshape(kh, kw)
        if ctx.needs_input_grad[0]:
            dX = torch.zeros_like(X)
            for a in range(kh):
                for b in range(kw):
                    dX[a:a + out_h, b:b + out_w] += K[a, b] * dY
        return dX, dK
''', "forward and dK through an im2col that ends in permute(...).reshape(...), trained by the "
       "reference's learn_kernel (the case the guard refused with _reshape_alias)"),
    V("backward_einsum_pad_sum", "conv2d_backward", '''
import torch.nn.functional as F


class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.save_for_backward(X, K)
        return corr2d(X, K)

    @staticmethod
    def backward(ctx, grad_output):
        X, K = ctx.saved_tensors
        (h, w), (kh, kw) = X.shape, K.shape
        oh, ow = grad_output.shape
        grad_X = grad_K = None
        with torch.no_grad():
            if ctx.needs_input_grad[1]:
                windows = torch.stack([X[a:a + oh, b:b + ow]
                                       for a in range(kh) for b in range(kw)])
                grad_K = torch.einsum("kij,ij->k", windows, grad_output).reshape(kh, kw)
            if ctx.needs_input_grad[0]:
                grad_X = sum(F.pad(K[a, b] * grad_output, (b, w - ow - b, a, h - oh - a))
                             for a in range(kh) for b in range(kw))
        return grad_X, grad_K
''', "dK by einsum over stacked windows, dX as a Python sum of F.pad-ded shifted copies, "
       "inside torch.no_grad(), no @once_differentiable"),
    V("learn_kernel_lbfgs", "conv2d_backward", '''
def learn_kernel(X, Y, kernel_size=(1, 2)):
    check_matrix(X, "X")
    check_matrix(Y, "Y")
    net = Conv2D(kernel_size).to(device=X.device, dtype=X.dtype)
    opt = torch.optim.LBFGS(net.parameters(), lr=1, max_iter=100, tolerance_grad=1e-12,
                            tolerance_change=1e-15, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((net(X) - Y) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    return net
''', "least squares the scipy way: torch.optim.LBFGS with a closure and a strong-Wolfe line "
       "search"),
    V("conv2d_via_conv_as_matmul", "conv2d_backward", '''
from .conv_as_matmul import im2col, kernel_matrix


class Corr2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, K):
        ctx.save_for_backward(X, K)
        kh, kw = K.shape
        Y = im2col(X, (kh, kw)) @ K.reshape(-1)
        return Y.reshape(X.shape[0] - kh + 1, X.shape[1] - kw + 1)

    @staticmethod
    @once_differentiable
    def backward(ctx, dY):
        X, K = ctx.saved_tensors
        kh, kw = K.shape
        dX = dK = None
        if ctx.needs_input_grad[1]:
            dK = (im2col(X, (kh, kw)).T @ dY.reshape(-1)).reshape(kh, kw)
        if ctx.needs_input_grad[0]:
            # conv_as_matmul's docstring: M.T maps dY.reshape(-1) to the gradient for X
            dX = (kernel_matrix(K, tuple(X.shape)).T @ dY.reshape(-1)).reshape(X.shape)
        return dX, dK
''', "forward and backward through the part conv_as_matmul's (correct) im2col and "
       "kernel_matrix: dX = M.T @ vec(dY), as that module's docstring says"),
]
