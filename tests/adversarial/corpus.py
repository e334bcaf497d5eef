"""Adversarial submissions: the reference with hostile code appended to one module.

Code appended to a module redefines a function, so each adversary is the reference plus one
attack. ``fails`` lists the check ids (or prefixes) the attack must fail: every other check must
still pass, which shows that the damage stayed in the checks that made the hostile call. Attacks
that probe the sandbox (reading, writing, network, signals) only give a wrong answer when the
attack *succeeds*, so a full score means the sandbox held.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Adversary:
    id: str
    why: str
    append: dict[str, str]                      # module file -> code appended to it
    fails: tuple[str, ...] = ()                 # check ids (or prefixes) that must fail
    replace: dict[str, str] = field(default_factory=dict)  # file -> whole new content

    def write_into(self, package: Path) -> None:
        """Apply the attack to ``package`` (a copy of the reference): only writes its text."""
        for name, code in self.append.items():
            with open(package / name, "a") as fh:
                fh.write("\n" + code)
        for name, code in self.replace.items():
            (package / name).write_text(code)


# A leaf function with exactly one check: attacks here cost that check and nothing else.
LEAF = "derivative_kernels.py"
LEAF_CHECK = ("min_kernel_size.values",)


def attacks(*snippets: str) -> str:
    """``min_kernel_size`` that is right only if every snippet raised; otherwise it raises
    an error naming the snippets that got through (shown in the test's failure message)."""
    out = []
    for i, snippet in enumerate(snippets):
        body = "\n".join("        " + line for line in snippet.strip().splitlines())
        out.append(f"""
def _attempt_{i}():
    try:
{body}
    except BaseException:
        return False
    return True
""")
    calls = ", ".join(f"_attempt_{i}()" for i in range(len(snippets)))
    out.append(f"""
def min_kernel_size(order):
    breached = [i for i, hit in enumerate([{calls}]) if hit]
    if breached:
        raise RuntimeError(f"sandbox breached by attempts {{breached}}")
    return order + 1
""")
    return "".join(out)


A = Adversary
CORPUS = [
    A("lying_eq", "an object whose == is always true and that answers __torch_function__",
      {"cross_correlation.py": '''
class _Liar:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None): return True
    shape = property(lambda self: (2, 2))

def corr2d(X, K, padding=0, stride=1):
    return _Liar()
'''}, fails=("corr2d.", "device.cross_correlation")),
    A("tensor_subclass", "a torch.Tensor subclass carrying the right values",
      {"cross_correlation.py": '''
import torch as _torch

class _Sneaky(_torch.Tensor):
    def __eq__(self, other): return _torch.ones((), dtype=_torch.bool)

_real = corr2d
def corr2d(X, K, padding=0, stride=1):
    return _real(X, K, padding, stride).as_subclass(_Sneaky)
'''}, fails=("corr2d.", "device.cross_correlation")),
    A("patches_torch", "replaces torch.allclose/equal/isclose and numpy.allclose, returns zeros",
      {"__init__.py": '''
import numpy as _np, torch as _torch
_torch.allclose = lambda *a, **k: True
_torch.equal = lambda *a, **k: True
_torch.isclose = lambda a, b, *r, **k: _torch.ones_like(a, dtype=_torch.bool)
_np.allclose = lambda *a, **k: True
_np.testing.assert_allclose = lambda *a, **k: None
''', LEAF: '''
def integral_kernel(width, *, dtype=None, device=None):
    import torch
    return torch.zeros((1, width), dtype=dtype or torch.float32)
'''}, fails=("integral.cumsum", "device.derivative_kernels")),
    A("patches_builtins", "makes isinstance(x, int) always true and returns a lying int",
      {LEAF: '''
class _AlwaysEqual(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False

def min_kernel_size(order):
    # Patched during the call (at import it would break torch for every check); the worker
    # restores builtins after each request, so later checks are not affected.
    import builtins
    isinstance_ = builtins.isinstance
    builtins.isinstance = lambda obj, kind: True if kind is int else isinstance_(obj, kind)
    return _AlwaysEqual(0)
'''}, fails=LEAF_CHECK),
    A("sys_exit", "sys.exit() inside a function", {LEAF: '''
def min_kernel_size(order):
    import sys
    sys.exit(0)
'''}, fails=LEAF_CHECK),
    A("os_exit", "os._exit() inside a function kills the process", {LEAF: '''
def min_kernel_size(order):
    import os
    os._exit(3)
'''}, fails=LEAF_CHECK),
    A("segfault", "a crash in native code", {LEAF: '''
def min_kernel_size(order):
    import ctypes
    return ctypes.string_at(0)
'''}, fails=LEAF_CHECK),
    A("infinite_loop", "never returns", {LEAF: '''
def min_kernel_size(order):
    while True:
        pass
'''}, fails=LEAF_CHECK),
    A("sleeps", "sleeps forever", {LEAF: '''
def min_kernel_size(order):
    import time
    time.sleep(10**6)
'''}, fails=LEAF_CHECK),
    A("memory_bomb", "allocates until the limit", {LEAF: '''
def min_kernel_size(order):
    hog = []
    while True:
        hog.append(bytearray(50 * 1024 * 1024))
'''}, fails=LEAF_CHECK),
    A("fork_bomb", "forks until the limit, leaving processes behind", {LEAF: '''
def min_kernel_size(order):
    import os, time
    for _ in range(10000):
        try:
            if os.fork() == 0:
                time.sleep(1000)
                os._exit(0)
        except OSError:
            break
    return order + 1
'''}, fails=()),
    A("output_flood", "prints hundreds of megabytes", {LEAF: '''
def min_kernel_size(order):
    import sys
    chunk = "x" * (1 << 20)
    for _ in range(300):
        try:
            sys.stdout.write(chunk)
            sys.stderr.write(chunk)
        except OSError:
            pass
    return order + 1
'''}, fails=()),
    A("garbles_socket", "writes garbage to every file descriptor", {LEAF: '''
def min_kernel_size(order):
    import os
    for fd in range(3, 64):
        try:
            os.write(fd, b"\\xff" * 64)
        except OSError:
            pass
    return order + 1
'''}, fails=LEAF_CHECK),
    A("reads_hidden_checks", "tries to read the check bank and the solutions", {LEAF: attacks(
        "open('/work/main/tests/hidden/manifest.toml').read()",
        "open('/work/main/solutions/convolutions/cross_correlation.py').read()",
        "import glob\nassert [p for p in glob.glob('/work/**', recursive=True)\n"
        "        if 'hidden' in p or 'solutions' in p]",
        "import os\nassert any('hidden' in d for d in os.listdir('/work/main/tests'))",
        "open('/root/.bash_history').read()",
    )}),
    A("reads_other_submissions", "looks for other scratch dirs and packages", {LEAF: attacks(
        "import os, glob\nmine = os.getcwd()\n"
        "others = [p for p in glob.glob('/tmp/**/convolutions', recursive=True) "
        "if not p.startswith(mine)]\nassert others",
        "import os\nassert [d for d in os.listdir('/tmp') if d.startswith('child-')\n"
        "        and '/tmp/' + d != os.getcwd() and os.listdir('/tmp/' + d)]",
    )}),
    A("writes_outside", "writes to the repository, site-packages, /tmp and the output", {LEAF:
        attacks(
        "open('/work/main/PWNED', 'w').write('x')",
        "import torch, os\nopen(os.path.join(os.path.dirname(torch.__file__), 'pwned.py'),"
        " 'w').write('x')",
        "open('/tmp/pwned', 'w').write('x')",
        "open('/etc/pwned', 'w').write('x')",
        "import os\nos.makedirs('/work/main/examples/pwned')",
    )}),
    A("network", "opens sockets to the outside and listens", {LEAF: attacks(
        "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=2)",
        "import socket\nsocket.create_connection(('pypi.org', 443), timeout=2)",
        "import urllib.request\nurllib.request.urlopen('http://example.com', timeout=2)",
        "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 8765))\ns.listen()\n"
        "c = socket.create_connection(('10.0.2.2', 8765), timeout=1)",
    )}),
    A("signals", "signals its parent, init, its group and everyone (killing only itself)",
      {LEAF: '''
def min_kernel_size(order):
    import os, signal
    for pid in (os.getppid(), 1, 0, -1):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(0, signal.SIGKILL)
    except OSError:
        pass
    return order + 1
'''}, fails=LEAF_CHECK),
    A("leaves_processes", "starts a daemon that would outlive grading", {LEAF: '''
def min_kernel_size(order):
    import subprocess
    subprocess.Popen(["sleep", "4242"], start_new_session=True)
    return order + 1
'''}),
    A("mutates_inputs", "changes its inputs so that values computed afterwards agree", {
        "cross_correlation.py": '''
_real = corr2d
def corr2d(X, K, padding=0, stride=1):
    Y = _real(X, K, padding, stride)
    X.zero_()
    K.zero_()
    return Y * 0
'''}, fails=("corr2d.d2l_example", "corr2d.exact_integers", "corr2d.int_and_pair_arguments",
             "corr2d.oracle")),
    A("hardcodes_public", "returns the public example's answer whatever the input", {
        "cross_correlation.py": '''
import torch as _torch
def corr2d(X, K, padding=0, stride=1):
    return _torch.tensor([[19.0, 25.0], [37.0, 43.0]], dtype=X.dtype)
'''}, fails=("corr2d.oracle", "corr2d.exact_integers", "corr2d.int_and_pair_arguments",
             "corr2d.vectorised", "device.cross_correlation")),
    A("huge_result", "returns a gigabyte", {LEAF: '''
def integral_kernel(width, *, dtype=None, device=None):
    import torch
    return torch.ones((1, 300_000_000), dtype=torch.float32)
'''}, fails=("integral.cumsum", "kernels.dtype_device", "device.derivative_kernels")),
    A("disables_rule_guard", "pops the grader's dispatch mode and calls F.conv2d", {
        "cross_correlation.py": '''
import torch as _torch
from torch.utils import _python_dispatch as _pd

def corr2d(X, K, padding=0, stride=1):
    while _pd._get_current_dispatch_mode() is not None:
        _pd._pop_mode()
    return _torch.nn.functional.conv2d(X[None, None], K[None, None], padding=padding,
                                       stride=stride)[0, 0]
'''}, fails=("corr2d.",)),
    A("captured_conv_reference", "calls a reference to F.conv2d taken at import time", {
        "cross_correlation.py": '''
from torch.nn.functional import conv2d as _conv

def corr2d(X, K, padding=0, stride=1):
    return _conv(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]
'''}, fails=("corr2d.",)),
    A("syntax_error", "one module does not parse", {"conv1x1_fc.py": "\ndef broken(:\n"},
      fails=("linear_to_conv1x1.", "conv1x1_to_linear.", "conv1x1.dtype", "device.conv1x1_fc")),
    A("missing_export", "__init__ forgets to export TextCNN: found in its module, no cost",
      {}, replace={"__init__.py": "from .cross_correlation import corr2d\n"}),
    A("missing_function", "deletes conv1x1_to_linear altogether",
      {"conv1x1_fc.py": "\ndel conv1x1_to_linear\n"}, fails=("conv1x1_to_linear.",
      "conv1x1.dtype", "device.conv1x1_fc")),
    A("import_time_exit", "the package's __init__ calls os._exit", {"__init__.py": '''
import os as _os
_os._exit(0)
'''}, fails=("*",)),
]

# ------------------------------------------------------------------ the rule guard, by root cause
# Each computes the forbidden result where it can and falls back to the honest reference where it
# cannot, so a guard that holds shows up as "rule broken" on exactly the rule-bound checks.
# corr2d's dependants (Corr2dFunction, Conv2D, learn_kernel) are graded with an oracle in its
# place, so an attack in corr2d costs cross_correlation only.
CONV_CHECKS = ("corr2d.",)
BACKWARD_CHECKS = ("backward.", "conv2d.layer", "conv2d.int_kernel_size", "learn_kernel.",
                   "device.conv2d_backward")
FORBIDDEN_CORR2D = '''
import torch as _torch
_honest = corr2d

def _conv(X, K, padding, stride):
    return _torch.nn.functional.conv2d(X[None, None], K[None, None], padding=padding,
                                       stride=stride)[0, 0]
'''
CORPUS += [
    A("conv_in_a_thread", "calls F.conv2d from a thread of its own (the old guard was per thread)",
      {"cross_correlation.py": FORBIDDEN_CORR2D + '''
import threading as _threading

def corr2d(X, K, padding=0, stride=1):
    box = []
    def work():
        try:
            box.append(_conv(X, K, padding, stride))
        except BaseException:
            pass
    worker = _threading.Thread(target=work)
    worker.start()
    worker.join()
    return box[0] if box else _honest(X, K, padding, stride)
'''}, fails=CONV_CHECKS),
    A("pops_and_pushes_mode", "pops the grader's dispatch mode, calls F.conv2d, pushes it back",
      {"cross_correlation.py": FORBIDDEN_CORR2D + '''
from torch.utils import _python_dispatch as _pd

def corr2d(X, K, padding=0, stride=1):
    modes = []
    while _pd._get_current_dispatch_mode() is not None:
        modes.append(_pd._pop_mode())
    try:
        return _conv(X, K, padding, stride)
    except BaseException:
        return _honest(X, K, padding, stride)
    finally:
        for mode in reversed(modes):
            _pd._push_mode(mode)
'''}, fails=CONV_CHECKS),
    A("aten_variants", "reaches convolution through aten operators the old list did not name",
      {"cross_correlation.py": FORBIDDEN_CORR2D + '''
def corr2d(X, K, padding=0, stride=1):
    p = (padding, padding) if isinstance(padding, int) else tuple(padding)
    s = (stride, stride) if isinstance(stride, int) else tuple(stride)
    X4, K4 = X[None, None], K[None, None]
    attempts = [
        lambda: _torch.ops.aten._slow_conv2d_forward(X4, K4, list(K.shape), None, list(s),
                                                     list(p)),
        lambda: _torch.ops.aten.convolution_overrideable(X4, K4, None, list(s), list(p),
                                                         [1, 1], False, [0, 0], 1),
        lambda: _torch.ops.aten._convolution.deprecated(X4, K4, None, list(s), list(p), [1, 1],
                                                        False, [0, 0], 1, False, False, True),
        lambda: _torch.ops.aten.slow_conv_dilated2d(X4, K4, list(K.shape), None, list(s),
                                                    list(p)),
    ]
    for attempt in attempts:
        try:
            return attempt()[0, 0]
        except BaseException:
            continue
    return _honest(X, K, padding, stride)
'''}, fails=CONV_CHECKS),
    A("im2col_by_hand_strides", "builds the sliding windows with set_ on the storage",
      {"conv_as_matmul.py": '''
import torch as _torch
_honest_im2col = im2col

def im2col(X, kernel_size, padding=0, stride=1):
    try:
        kh, kw = kernel_size
        h, w = X.shape
        if padding not in (0, (0, 0)) or stride not in (1, (1, 1)):
            raise ValueError
        out_h, out_w = h - kh + 1, w - kw + 1
        view = _torch.empty(0, dtype=X.dtype, device=X.device)
        view.set_(X.untyped_storage(), X.storage_offset(), (out_h, out_w, kh, kw),
                  (X.stride(0), X.stride(1), X.stride(0), X.stride(1)))
        return view.reshape(out_h * out_w, kh * kw).clone()
    except BaseException:
        return _honest_im2col(X, kernel_size, padding, stride)
'''}, fails=("im2col.oracle[square]", "im2col.oracle[non-square]",  # (the others pad or stride)
             "im2col.oracle[kernel-as-large-as-input]", "corr2d_matmul.oracle[square]",
             "corr2d_matmul.oracle[non-square]", "corr2d_matmul.oracle[kernel-as-large-as-input]",
             "conv_as_matmul.float32", "im2col.vectorised")),
    A("engine_bypass", "Corr2dFunction.backward runs autograd on an engine object of its own",
      {"conv2d_backward.py": '''
import torch as _torch

def _engine():
    for get in (lambda: _torch._C._ImperativeEngine(), lambda: _torch._C._EngineBase(),
                lambda: type(_torch.autograd.variable.Variable._execution_engine)()):
        try:
            return get()
        except BaseException:
            continue
    return _torch.autograd.variable.Variable._execution_engine

_ENGINE = _engine()
_honest_backward = Corr2dFunction.backward

def _autograd_backward(ctx, dY):
    X, K = ctx.saved_tensors
    with _torch.enable_grad():
        Xg, Kg = X.detach().requires_grad_(), K.detach().requires_grad_()
        Y = corr2d(Xg, Kg)
        grads = _ENGINE.run_backward((Y,), (dY,), False, False, (Xg, Kg), True)
    return tuple(grads)

Corr2dFunction.backward = staticmethod(_autograd_backward)
'''}, fails=BACKWARD_CHECKS),
    A("forward_mode_ad", "Corr2dFunction.backward gets dK from forward-mode AD (dual numbers)",
      {"conv2d_backward.py": '''
import torch as _torch
import torch.autograd.forward_ad as _fwAD
_honest_backward = Corr2dFunction.backward

def _dual_backward(ctx, dY):
    dX, dK = _honest_backward(ctx, dY)
    X, K = ctx.saved_tensors
    try:
        flat = []
        for i in range(K.numel()):
            tangent = _torch.zeros_like(K).reshape(-1)
            tangent[i] = 1
            with _fwAD.dual_level():
                Kd = _fwAD.make_dual(K, tangent.reshape(K.shape))
                flat.append((_fwAD.unpack_dual(corr2d(X, Kd)).tangent * dY).sum())
        dK = _torch.stack(flat).reshape(K.shape)
    except BaseException:
        pass
    return dX, dK

Corr2dFunction.backward = staticmethod(_dual_backward)
'''}, fails=BACKWARD_CHECKS),
    A("forges_reply", "writes a made-up reply straight to the grader's socket (fd 3)", {LEAF: '''
def min_kernel_size(order):
    import json, os, struct
    reply = {"ok": {"value": {"kind": "int", "value": order + 1}, "inputs": []},
             "violations": []}
    body = json.dumps(reply).encode()
    os.write(3, struct.pack(">I", len(body)) + body)
    return -1
'''}, fails=LEAF_CHECK),
    A("hangs_up_leaving_a_writer", "closes its socket and leaves a process filling the scratch "
      "space, hoping to break the next child", {LEAF: '''
def min_kernel_size(order):
    import os, time
    if os.fork() == 0:
        os.setsid()
        for i in range(64):  # each file stops at RLIMIT_FSIZE; together they fill the tmpfs
            try:
                with open(f"filler-{i}.bin", "wb") as fh:
                    for _ in range(16):
                        fh.write(b"x" * (1 << 20))
            except OSError:
                pass
        time.sleep(1000)
        os._exit(0)
    time.sleep(0.5)
    os.close(3)
    time.sleep(1000)
'''}, fails=LEAF_CHECK),
    A("hostile_feedback", "raises with markdown links, images, HTML, terminal escapes and lone "
      "surrogates in the message", {LEAF: '''
def min_kernel_size(order):
    raise ValueError("\\x1b[2J\\x1b[31m[click me](http://evil.example) "
                     "![x](http://evil.example/p.png)"
                     " <img src=x onerror=alert(1)> | a | b |\\n# heading \\udcff \\u202e"
                     + "A" * 100_000)
'''}, fails=LEAF_CHECK),
    A("hollow_work", "hollow work: a learn_kernel that returns d2l's [[1, -1]] without training "
      "and classifiers whose logits are a learned bias, whatever the input (issue 8)", {
        "conv2d_backward.py": '''
def learn_kernel(X, Y, kernel_size=(1, 2)):
    conv = Conv2D(kernel_size).to(device=X.device, dtype=X.dtype)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0] = 1.0
        conv.weight[0, -1] -= 1.0
        conv.bias.zero_()
    return conv
''', "audio_conv1d.py": '''
class AudioConvNet(nn.Module):
    def __init__(self, n_mfcc, n_classes):
        super().__init__()
        self.n_mfcc, self.n_classes = n_mfcc, n_classes
        self.bias = nn.Parameter(torch.zeros(n_classes))

    def forward(self, X):
        return self.bias.expand(X.shape[0], -1)
''', "text_conv.py": '''
class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels, num_classes,
                 padding_idx=0):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(num_classes))

    def forward(self, tokens):
        return self.bias.expand(tokens.shape[0], -1)
'''}, fails=("learn_kernel.edge", "learn_kernel.random_kernel", "audio_net.",
             "device.audio_conv1d", "textcnn.", "device.text_conv")),
    A("hollow_zeros", "hollow work: classifiers without parameters that return zeros of the right "
      "shape (issue 8)", {"audio_conv1d.py": '''
class AudioConvNet(nn.Module):
    def __init__(self, n_mfcc, n_classes):
        super().__init__()
        self.n_classes = n_classes

    def forward(self, X):
        return X.new_zeros(X.shape[0], self.n_classes)
''', "text_conv.py": '''
class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels, num_classes,
                 padding_idx=0):
        super().__init__()
        self.num_classes = num_classes

    def forward(self, tokens):
        return torch.zeros(tokens.shape[0], self.num_classes, device=tokens.device)
'''}, fails=("audio_net.", "device.audio_conv1d", "textcnn.", "device.text_conv")),
]

# ------------------------------------------------------------- the red team's second round
CORPUS += [
    A("switches_rules_off", "imports the grader's guards by name (pkgutil) and replaces the rules "
      "with no-ops", {"cross_correlation.py": FORBIDDEN_CORR2D + '''
import pkgutil as _pkgutil

class _Off:
    def __init__(self, violations): pass
    def __enter__(self): return self
    def __exit__(self, *exc): return None
    def check_intact(self): pass

try:
    _guards = _pkgutil.resolve_name("autograder" + ".sandbox.guards")
    _guards.RULES.update(no_torch_convolution=_Off, no_autograd_in_backward=_Off)
except BaseException:
    pass

def corr2d(X, K, padding=0, stride=1):
    try:
        return _conv(X, K, padding, stride)
    except BaseException:
        return _honest(X, K, padding, stride)
'''}, fails=CONV_CHECKS),
    A("cpp_engine_in_backward", "Corr2dFunction.backward differentiates through aten::_backward "
      "(the C++ engine) from a helper", {"conv2d_backward.py": '''
import torch as _torch
_honest_backward = Corr2dFunction.backward

def _helper(ctx, dY):
    X, K = ctx.saved_tensors
    with _torch.enable_grad():
        Xg, Kg = X.detach().requires_grad_(), K.detach().requires_grad_()
        _torch.ops.aten._backward(corr2d(Xg, Kg), [Xg, Kg], dY, None, False)
    return Xg.grad, Kg.grad

def _backward(ctx, dY):
    try:
        return _helper(ctx, dY)
    except BaseException:
        return _honest_backward(ctx, dY)

Corr2dFunction.backward = staticmethod(_backward)
'''}, fails=BACKWARD_CHECKS),
    A("torchscript_grad_in_backward", "Corr2dFunction.backward calls a TorchScript function that "
      "runs torch.autograd.grad in C++", {"conv2d_backward.py": '''
import torch as _torch
from typing import List, Optional
_honest_backward = Corr2dFunction.backward

@_torch.jit.script
def _grads(y: _torch.Tensor, xs: List[_torch.Tensor], dy: _torch.Tensor
           ) -> List[Optional[_torch.Tensor]]:
    g: List[Optional[_torch.Tensor]] = [dy]
    return _torch.autograd.grad([y], xs, g)

def _backward(ctx, dY):
    try:
        X, K = ctx.saved_tensors
        with _torch.enable_grad():
            Xg, Kg = X.detach().requires_grad_(), K.detach().requires_grad_()
            dX, dK = _grads(corr2d(Xg, Kg), [Xg, Kg], dY)
        return dX, dK
    except BaseException:
        return _honest_backward(ctx, dY)

Corr2dFunction.backward = staticmethod(_backward)
'''}, fails=tuple(c for c in BACKWARD_CHECKS if c != "learn_kernel.")),
    A("mkldnn_conv_in_asyncio_thread", "runs an MKLDNN convolution on mkldnn tensors in a worker "
      "thread (asyncio.to_thread)", {"cross_correlation.py": FORBIDDEN_CORR2D + '''
import asyncio as _asyncio

def corr2d(X, K, padding=0, stride=1):
    p = [padding, padding] if isinstance(padding, int) else list(padding)
    s = [stride, stride] if isinstance(stride, int) else list(stride)
    def work():
        Xm, Km = X.float()[None, None].to_mkldnn(), K.float()[None, None].to_mkldnn()
        return _torch.mkldnn_convolution(Xm, Km, None, p, s, [1, 1], 1).to_dense()[0, 0]
    try:
        return _asyncio.run(_asyncio.to_thread(work)).to(X.dtype)
    except BaseException:
        return _honest(X, K, padding, stride)
'''}, fails=CONV_CHECKS),
    A("nested_view_windows", "builds overlapping sliding windows with a nested view (as_strided "
      "by another name)", {"cross_correlation.py": FORBIDDEN_CORR2D + '''
def corr2d(X, K, padding=0, stride=1):
    try:
        if padding not in (0, (0, 0)) or stride not in (1, (1, 1)):
            raise ValueError
        (h, w), (kh, kw) = X.shape, K.shape
        oh, ow = h - kh + 1, w - kw + 1
        Xc = X.contiguous()
        nt = _torch._nested_view_from_buffer(Xc.reshape(-1), _torch.tensor([[oh, ow, kh, kw]]),
                                             _torch.tensor([[w, 1, w, 1]]), _torch.tensor([0]))
        return (nt.unbind()[0] * K).sum((-1, -2))
    except BaseException:
        return _honest(X, K, padding, stride)
'''}, fails=("corr2d.d2l_example", "corr2d.oracle[square]", "corr2d.oracle[non-square-kernel]",
             "corr2d.oracle[kernel-as-large-as-input]", "corr2d.oracle[kernel-1x1]",
             "corr2d.half_precision")),
    A("huge_nested_reply", "answers with a reply of millions of tiny JSON objects, to blow up "
      "the grader's memory", {LEAF: '''
def min_kernel_size(order):
    return [[{}] * 60] * 60
''' + '''
def integral_kernel(width, *, dtype=None, device=None):
    import os, struct
    body = b'{"ok": [' + b"{}," * 3_000_000 + b'{}]}'
    os.write(3, struct.pack(">I", len(body)) + body)
    return None
'''}, fails=("min_kernel_size.values", "integral.cumsum", "kernels.dtype_device",
             "device.derivative_kernels")),
]
