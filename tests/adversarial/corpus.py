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
    # An attack that still gets through: why, and the checks of ``fails`` it still wins (empty
    # for a leak of hidden inputs into feedback). The test expects exactly that for now, and
    # fails once the gap closes, so that the marker is removed.
    known_gap: str = ""
    gains: tuple[str, ...] = ()
    # Hidden inputs, as ``judge.array(seed, *shape)``, whose values must not reach feedback.md.
    hidden_inputs: tuple[tuple[int, ...], ...] = ()

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
'''}, fails=("integral.cumsum", "kernels.dtype_device", "device.derivative_kernels")),
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
'''}, fails=LEAF_CHECK),  # (the graded process cannot start programs: Popen raises)
    A("mutates_inputs", "changes its inputs so that values computed afterwards agree", {
        "cross_correlation.py": '''
_real = corr2d
def corr2d(X, K, padding=0, stride=1):
    Y = _real(X, K, padding, stride)
    X.zero_()
    K.zero_()
    return Y * 0
'''}, fails=("corr2d.d2l_example", "corr2d.exact_integers", "corr2d.int_and_pair_arguments",
             "corr2d.oracle", "corr2d.float32", "corr2d.half_precision", "corr2d.vectorised",
             "device.cross_correlation")),
    A("hardcodes_public", "returns the public example's answer whatever the input", {
        "cross_correlation.py": '''
import torch as _torch
def corr2d(X, K, padding=0, stride=1):
    return _torch.tensor([[19.0, 25.0], [37.0, 43.0]], dtype=X.dtype)
'''}, fails=("corr2d.oracle", "corr2d.exact_integers", "corr2d.int_and_pair_arguments",
             "corr2d.vectorised", "corr2d.float32", "corr2d.half_precision",
             "device.cross_correlation")),
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
'''}, fails=("corr2d.", "device.cross_correlation")),
    A("captured_conv_reference", "calls a reference to F.conv2d taken at import time", {
        "cross_correlation.py": '''
from torch.nn.functional import conv2d as _conv

def corr2d(X, K, padding=0, stride=1):
    return _conv(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]
'''}, fails=("corr2d.", "device.cross_correlation")),
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
# place, so an attack in corr2d costs cross_correlation only; its device check runs it under its
# rules too.
CONV_CHECKS = ("corr2d.", "device.cross_correlation")
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
             "conv_as_matmul.float32", "im2col.vectorised", "device.conv_as_matmul")),
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

# ---------------------------------------------------------------- issue 19: the third round
# Every attack class of issue 19, and attacks on its defences (rules bound to names, each part
# in its own process, stand-ins that die with their request, the values rule, line counting,
# no processes), written with the grader's source at hand. The stopped ones must cost exactly
# their checks; those that still get through carry ``known_gap`` and ``gains``.
CORR2D_ALL = CONV_CHECKS
AUDIO_NET = ("audio_net.", "device.audio_conv1d")
HELPERS = '''
import torch as _torch
_honest = corr2d

def _pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))

def _padded(X, padding):
    ph, pw = _pair(padding)
    Xp = X.new_zeros((X.shape[0] + 2 * ph, X.shape[1] + 2 * pw))
    Xp[ph:ph + X.shape[0], pw:pw + X.shape[1]] = X
    return Xp

def _out_shape(X, K, padding, stride):
    (ph, pw), (sh, sw) = _pair(padding), _pair(stride)
    return ((X.shape[0] + 2 * ph - K.shape[0]) // sh + 1,
            (X.shape[1] + 2 * pw - K.shape[1]) // sw + 1)

def _pixel_loop(X, K, padding, stride):
    """A correct corr2d that loops over output pixels (in torch operators)."""
    sh, sw = _pair(stride)
    oh, ow = _out_shape(X, K, padding, stride)
    Xp = _padded(X, padding)
    kh, kw = K.shape
    Y = X.new_zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            Y[i, j] = (Xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * K).sum()
    return Y
'''


def values_taken_out(get: str) -> str:
    """corr2d done in numpy (vectorised: sliding windows) on values that ``get`` (the body of
    ``_values(T)``, returning a nested list or an array) takes out of torch, and brought back
    as a list of numbers. A meta tensor has no values: it gets a tensor of the right shape."""
    body = "\n".join("    " + line for line in get.strip().splitlines())
    return HELPERS + f'''
import numpy as _np

def _values(T):
{body}

def corr2d(X, K, padding=0, stride=1):
    if X.device.type == "meta":
        return X.new_zeros(_out_shape(X, K, padding, stride))
    (ph, pw), (sh, sw) = _pair(padding), _pair(stride)
    x = _np.pad(_np.array(_values(X), dtype=_np.float64), ((ph, ph), (pw, pw)))
    k = _np.array(_values(K), dtype=_np.float64)
    windows = _np.lib.stride_tricks.sliding_window_view(x, k.shape)[::sh, ::sw]
    Y = _np.einsum("ijab,ab->ij", windows, k)
    return _torch.tensor(Y.tolist(), dtype=X.dtype, device=X.device)
'''


def audio_net_with(what: str, init: str, forward: str) -> str:
    """The reference AudioConvNet with ``what`` over time added to its features: ``init`` adds
    to ``__init__`` (``c``: the channels), ``forward`` computes ``A`` (B, T, c) from ``Q``."""
    def indent(code: str) -> str:
        return "\n".join("        " + line for line in code.strip().splitlines()) or "        pass"
    return f'''
import math as _math
import torch.nn.functional as _F
_Reference = AudioConvNet

class AudioConvNet(_Reference):
    """The reference's convolutions, then {what} over time, added to them."""

    def __init__(self, n_mfcc, n_classes):
        super().__init__(n_mfcc, n_classes)
        c = self.head.in_features
{indent(init)}

    def forward(self, X):
        _check(X, "X", 3)
        H = self.features(X)
        Q = H.transpose(1, 2)
{indent(forward)}
        H = H + A.transpose(1, 2)
        return self.head(self.dropout(H.amax(dim=2)))
'''


KERNEL_MATRIX_ROWS = '''
def kernel_matrix(K, input_shape):
    h, w = input_shape
    kh, kw = K.shape
    oh, ow = h - kh + 1, w - kw + 1
    M = K.new_zeros((oh * ow, h * w))
    j = torch.arange(ow, device=K.device)[:, None, None]
    a = torch.arange(kh, device=K.device)[None, :, None]
    b = torch.arange(kw, device=K.device)[None, None, :]
    for i in {rows}:
        {row}
        M[(r * ow + j).expand(ow, kh, kw), ((r + a) * w + j + b)] = K.expand(ow, kh, kw)
{after}    return M
'''

# Helper processes made at import: each way of making one, the error caught so that the import
# works. One that ran would convolve with F.conv2d outside the rules (its inputs passed through
# shared memory, so no value leaves torch in the graded process); one that ran a program would
# be as good (shown by answering with the reference).
SPAWNS = HELPERS + '''
import os as _os, sys as _sys
import ctypes as _ctypes, multiprocessing as _mp, pty as _pty, subprocess as _sp
import torch.multiprocessing as _tmp
_HELPERS = {}
_IN = _torch.zeros(8192, dtype=_torch.float64)
_OUT = _torch.zeros(8192, dtype=_torch.float64)
try:
    _IN.share_memory_()
    _OUT.share_memory_()
except BaseException:
    pass

def _serve(r, w):
    import torch.nn.functional as F
    for line in iter(r.readline, ""):
        h, w_, kh, kw, ph, pw, sh, sw = map(int, line.split())
        X = _IN[:h * w_].reshape(h, w_)
        K = _IN[h * w_:h * w_ + kh * kw].reshape(kh, kw)
        Y = F.conv2d(X[None, None], K[None, None], padding=(ph, pw), stride=(sh, sw))[0, 0]
        _OUT[:Y.numel()] = Y.reshape(-1)
        w.write(f"{Y.shape[0]} {Y.shape[1]}\\n")
        w.flush()

def _forked(fork):
    a_r, a_w = _os.pipe()
    b_r, b_w = _os.pipe()
    pid = fork()
    if pid < 0:
        raise OSError("fork failed")
    if pid == 0:
        try:
            _serve(_os.fdopen(a_r), _os.fdopen(b_w, "w"))
        finally:
            _os._exit(0)
    return _os.fdopen(a_w, "w"), _os.fdopen(b_r)

def _process(mp):
    a_r, a_w = _os.pipe()
    b_r, b_w = _os.pipe()
    mp.get_context("fork").Process(
        target=lambda: _serve(_os.fdopen(a_r), _os.fdopen(b_w, "w")), daemon=True).start()
    return _os.fdopen(a_w, "w"), _os.fdopen(b_r)

_SLEEP = [_sys.executable, "-c", "import time; time.sleep(30)"]
_WAYS = {
    "torch.multiprocessing": lambda: _process(_tmp),
    "multiprocessing": lambda: _process(_mp),
    "os.fork": lambda: _forked(_os.fork),
    "pty.fork": lambda: _forked(lambda: _pty.fork()[0]),
    "libc fork": lambda: _forked(_ctypes.CDLL(None).fork),
    "raw fork syscall": lambda: _forked(lambda: _ctypes.CDLL(None).syscall(57)),
    "DataLoader worker": lambda: next(iter(_torch.utils.data.DataLoader(
        [0], num_workers=1, multiprocessing_context="fork"))) is not None and "program",
    "subprocess": lambda: _sp.Popen(_SLEEP) and "program",
    "os.posix_spawn": lambda: _os.posix_spawn(_sys.executable, _SLEEP, dict(_os.environ))
    and "program",
    "os.system": lambda: _os.system("true") == 0 and "program",
    "spawn context": lambda: _mp.get_context("spawn").Process(target=print).start() or "program",
}
for _name, _way in _WAYS.items():
    try:
        _HELPERS[_name] = _way()
    except BaseException:
        pass

def corr2d(X, K, padding=0, stride=1):
    (ph, pw), (sh, sw) = _pair(padding), _pair(stride)
    for helper in _HELPERS.values():
        if isinstance(helper, tuple):
            w, r = helper
            _IN[:X.numel()] = X.reshape(-1)
            _IN[X.numel():X.numel() + K.numel()] = K.reshape(-1)
            w.write(f"{X.shape[0]} {X.shape[1]} {K.shape[0]} {K.shape[1]} {ph} {pw} {sh} {sw}\\n")
            w.flush()
            oh, ow = map(int, r.readline().split())
            return _OUT[:oh * ow].reshape(oh, ow).to(X.dtype).clone()
    if "program" in _HELPERS.values():
        return _honest(X, K, padding, stride)
    raise NotImplementedError("corr2d: not implemented")
'''

CORPUS += [
    # ---- the attack classes of issue 19, now stopped
    A("saves_lent_corr2d", "Corr2dFunction.forward keeps the corr2d the grader lends while "
      "conv2d_backward is graded (and what its closure holds: the oracle, the 'lent' flag, set "
      "back to True); corr2d answers with them later (stopped: each part has its own process, "
      "and a stand-in dies with its request)", {"cross_correlation.py": '''
_SAVED = []

def corr2d(X, K, padding=0, stride=1):
    for fn in reversed(_SAVED):
        try:
            return fn(X, K, padding, stride)
        except BaseException:
            continue
    raise NotImplementedError("corr2d: not implemented")
''', "conv2d_backward.py": '''
from . import cross_correlation as _xc
_honest_forward = Corr2dFunction.forward

def _keep(ctx, X, K):
    lent = corr2d  # looked up in this module at call time: the grader's stand-in
    _xc._SAVED.append(lent)
    for cell in lent.__closure__ or ():
        try:
            content = cell.cell_contents
        except ValueError:
            continue
        if isinstance(content, list) and content and content[0] in (True, False):
            content[0] = True
        elif callable(content):
            _xc._SAVED.append(content)
    return _honest_forward(ctx, X, K)

Corr2dFunction.forward = staticmethod(_keep)
'''}, fails=CORR2D_ALL),
    A("spawns_helper_at_import", "makes a helper process at import (torch.multiprocessing, "
      "multiprocessing, os.fork, pty.fork, ctypes fork and the raw syscall, DataLoader workers, "
      "subprocess, posix_spawn, os.system, a spawn context) to convolve with F.conv2d outside "
      "the rules, catching the errors so the import works (stopped: the graded process cannot "
      "create processes)", {"cross_correlation.py": SPAWNS}, fails=CORR2D_ALL),
    A("persist_across_parts", "leaves files (/tmp, ~, /dev/shm, /var/tmp, its folder) and an "
      "environment variable while conv1x1_fc is graded; corr2d answers only if one is there "
      "when cross_correlation is (stopped: each part starts from a fresh process and scratch)",
      {"cross_correlation.py": HELPERS + '''
import os as _os
_PLACES = ("/tmp/_shared_corr2d", _os.path.expanduser("~/_shared_corr2d"), "_shared_corr2d",
           "/dev/shm/_shared_corr2d", "/var/tmp/_shared_corr2d",
           _os.path.join(_os.path.dirname(__file__), "_shared_corr2d"))

def corr2d(X, K, padding=0, stride=1):
    for place in _PLACES:
        try:
            open(place).read()
            return _honest(X, K, padding, stride)
        except OSError:
            pass
    if _os.environ.get("_SHARED_CORR2D"):
        return _honest(X, K, padding, stride)
    raise NotImplementedError("corr2d: not implemented")
''', "conv1x1_fc.py": '''
_honest_linear_to_conv1x1 = linear_to_conv1x1

def linear_to_conv1x1(linear):
    import os
    from .cross_correlation import _PLACES
    for place in _PLACES:
        try:
            open(place, "w").write("x")
        except OSError:
            pass
    os.environ["_SHARED_CORR2D"] = "1"
    return _honest_linear_to_conv1x1(linear)
'''}, fails=CORR2D_ALL),
    A("python_pixel_loop", "corr2d as a pixel loop in plain Python on X.tolist(), back through "
      "torch.tensor (stopped: the values rule refuses tolist in every corr2d check)",
      {"cross_correlation.py": HELPERS + '''
def corr2d(X, K, padding=0, stride=1):
    sh, sw = _pair(stride)
    oh, ow = _out_shape(X, K, padding, stride)
    xp, k = _padded(X, padding).tolist(), K.tolist()
    kh, kw = len(k), len(k[0])
    Y = [[sum(xp[i * sh + a][j * sw + b] * k[a][b] for a in range(kh) for b in range(kw))
          for j in range(ow)] for i in range(oh)]
    return _torch.tensor(Y, dtype=X.dtype, device=X.device)
'''}, fails=CORR2D_ALL),
    A("numpy_buffer_windows", "overlapping windows with np.ndarray(buffer=, strides=) on "
      "X.numpy(), back with torch.from_numpy (stopped: the values rule)",
      {"cross_correlation.py": HELPERS + '''
import numpy as _np

def corr2d(X, K, padding=0, stride=1):
    sh, sw = _pair(stride)
    oh, ow = _out_shape(X, K, padding, stride)
    xp = _np.ascontiguousarray(_padded(X, padding).numpy())
    s0, s1 = xp.strides
    windows = _np.ndarray((oh, ow, *K.shape), dtype=xp.dtype, buffer=xp,
                          strides=(s0 * sh, s1 * sw, s0, s1))
    return _torch.from_numpy(_np.einsum("ijab,ab->ij", windows, K.numpy()).copy())
'''}, fails=CORR2D_ALL),
    A("numpy_as_strided", "np.lib.stride_tricks.as_strided on np.asarray(X) (X.__array__), back "
      "with torch.as_tensor (stopped: the values rule)", {"cross_correlation.py": HELPERS + '''
import numpy as _np

def corr2d(X, K, padding=0, stride=1):
    sh, sw = _pair(stride)
    oh, ow = _out_shape(X, K, padding, stride)
    xp = _np.ascontiguousarray(_np.asarray(_padded(X, padding)))
    s0, s1 = xp.strides
    windows = _np.lib.stride_tricks.as_strided(xp, (oh, ow, *K.shape),
                                               (s0 * sh, s1 * sw, s0, s1))
    return _torch.as_tensor(_np.einsum("ijab,ab->ij", windows, _np.asarray(K)))
'''}, fails=CORR2D_ALL),
    A("parses_printed_values", "reads X's values back from str(X), repr, format and an f-string "
      "(stopped: inside a rule-bound call a tensor prints as its shape)",
      {"cross_correlation.py": values_taken_out('''
import re
text = str(T) + repr(T) + format(T) + f"{T}"
numbers = [float(v) for v in re.findall(r"-?\\d+\\.\\d*(?:e[-+]?\\d+)?", text)]
return _np.array(numbers[:T.numel()]).reshape(tuple(T.shape))
''')}, fails=CORR2D_ALL),
    A("values_out_listed_routes", "takes values out through torch.save, pickle, "
      "untyped_storage, storage().tolist, data_ptr + ctypes, numpy's from_dlpack, item and "
      "float() (stopped: the values rule refuses each)",
      {"cross_correlation.py": values_taken_out('''
import ctypes, io, pickle
T = T.double().contiguous()
n = T.numel()

def saved():
    buffer = io.BytesIO()
    _torch.save(T, buffer)
    return _np.frombuffer(buffer.getvalue()[-8 * n - 400:], dtype=_np.uint8)

for route in (saved, lambda: _np.frombuffer(pickle.dumps(T), dtype=_np.uint8),
              lambda: _np.frombuffer(bytes(T.untyped_storage()), dtype=_np.float64),
              lambda: _np.array(T.storage().tolist()),
              lambda: _np.ctypeslib.as_array((ctypes.c_double * n).from_address(T.data_ptr())),
              lambda: _np.from_dlpack(T),
              lambda: _np.array([T.reshape(-1)[i].item() for i in range(n)]),
              lambda: _np.array([float(T.reshape(-1)[i]) for i in range(n)])):
    try:
        return route().copy()[:n].reshape(tuple(T.shape))
    except Exception:
        continue
raise NotImplementedError("corr2d: not implemented")
''')}, fails=CORR2D_ALL),
    A("typed_storage_iter", "iterates X._typed_storage() (torch's own Python takes the storage "
      "for it) into numpy (stopped: iterating a storage rebuilds tensors with set_, which the "
      "operator rule refuses)", {"cross_correlation.py": values_taken_out(
          "return _np.array(list(T.double().contiguous()._typed_storage()))"
          ".reshape(tuple(T.shape))")}, fails=CORR2D_ALL),
    A("exfil_repr", "corr2d raises with repr(X), str(K) and f-strings of both, hoping to read "
      "the hidden inputs in its feedback (stopped: inside a rule-bound call a tensor prints as "
      "its shape)", {"cross_correlation.py": '''
def corr2d(X, K, padding=0, stride=1):
    raise ValueError(repr(X) + str(K) + f"{X}{K!r}")
'''}, fails=CORR2D_ALL, hidden_inputs=((101, 7, 7), (102, 3, 3), (105, 12, 10))),
    A("settrace_off", "a pixel loop in a helper after sys.settrace(None), left off (stopped: "
      "the line counter sees it was removed)", {"cross_correlation.py": HELPERS + '''
import sys as _sys

def corr2d(X, K, padding=0, stride=1):
    _sys.settrace(None)
    return _pixel_loop(X, K, padding, stride)
'''}, fails=("corr2d.vectorised",)),
    A("map_pixel_loop", "a pixel loop as C-level iteration (map, itertools, operator: no line "
      "of Python per pixel) on the calling thread (stopped: each pixel's operators are counted)",
      {"cross_correlation.py": HELPERS + '''
import itertools as _it, operator as _op

def corr2d(X, K, padding=0, stride=1):
    sh, sw = _pair(stride)
    oh, ow = _out_shape(X, K, padding, stride)
    Xp = _padded(X, padding)
    kh, kw = K.shape
    ri = list(map(_op.mul, _it.chain.from_iterable(map(_it.repeat, range(oh), _it.repeat(ow, oh))),
                  _it.repeat(sh)))
    ci = list(map(_op.mul, _it.chain.from_iterable(_it.repeat(range(ow), oh)), _it.repeat(sw)))
    rows = map(slice, ri, map(_op.add, ri, _it.repeat(kh)))
    cols = map(slice, ci, map(_op.add, ci, _it.repeat(kw)))
    sums = map(_torch.sum, map(K.mul, map(Xp.__getitem__, zip(rows, cols))))
    return _torch.stack(list(sums)).reshape(oh, ow)
'''}, fails=("corr2d.vectorised",)),
    A("unfold_in_thread", "Tensor.unfold windows made on a thread of its own (stopped: the "
      "override on the autograd key holds on every thread)", {"cross_correlation.py": HELPERS + '''
import threading as _threading

def corr2d(X, K, padding=0, stride=1):
    sh, sw = _pair(stride)
    Xp = _padded(X, padding)
    kh, kw = K.shape
    box = []
    def work():
        try:
            box.append(Xp.unfold(0, kh, sh).unfold(1, kw, sw).clone())
        except BaseException as exc:
            box.append(exc)
    worker = _threading.Thread(target=work)
    worker.start()
    worker.join()
    if isinstance(box[0], BaseException):
        raise box[0]
    return _torch.einsum("ijab,ab->ij", box[0], K)
'''}, fails=CORR2D_ALL),
    A("kernel_matrix_row_loop", "kernel_matrix loops over output rows, vectorised within a row "
      "(passed the ratio test at 65 vs 89; stopped: the difference of the work is judged)",
      {"conv_as_matmul.py": KERNEL_MATRIX_ROWS.format(rows="range(oh)", row="r = i", after="")},
      fails=("kernel_matrix.vectorised",)),
    A("kernel_matrix_constant_padding", "kernel_matrix loops over output rows and adds 300 "
      "operations of constant dummy work, so that the ratio of the counts is near 1 (stopped: "
      "the difference is judged)", {"conv_as_matmul.py": KERNEL_MATRIX_ROWS.format(
          rows="range(oh)", row="r = i", after='''    dummy = K.new_zeros(())
    for _ in range(300):
        dummy = dummy + 0
    M = M + dummy
''')}, fails=("kernel_matrix.vectorised",)),
    A("audio_sdpa", "AudioConvNet.forward adds F.scaled_dot_product_attention over time "
      "(stopped: the attention operators are refused inside AudioConvNet)",
      {"audio_conv1d.py": audio_net_with("self-attention", "",
                                         "A = _F.scaled_dot_product_attention(Q, Q, Q)")},
      fails=AUDIO_NET),
    A("audio_lstm_hidden", "AudioConvNet.forward runs an nn.LSTM kept outside its registered "
      "modules, so the module check does not see it (stopped: the lstm operator is refused)",
      {"audio_conv1d.py": audio_net_with("an LSTM", '''
object.__setattr__(self, "_rnn", (nn.LSTM(c, c, batch_first=True),))
''', '''
A = self._rnn[0].to(device=X.device, dtype=X.dtype)(Q)[0]
''')}, fails=AUDIO_NET),
    A("audio_lstm_functional", "AudioConvNet.forward calls torch.lstm on weights of its own "
      "(stopped: the lstm operator is refused)",
      {"audio_conv1d.py": audio_net_with("torch.lstm", '''
self.w_ih = nn.Parameter(torch.randn(4 * c, c) * 0.05)
self.w_hh = nn.Parameter(torch.randn(4 * c, c) * 0.05)
''', '''
h0 = Q.new_zeros(1, Q.shape[0], Q.shape[2])
A = torch.lstm(Q, (h0, h0), [self.w_ih, self.w_hh], False, 1, 0.0, self.training, False,
               True)[0]
''')}, fails=AUDIO_NET),
]

# ---- what still gets through (issue 19's fixes were not built against these)
GAP_IN_PROCESS = ("the guard lives in the student's process: its state and the originals it "
                  "wraps are reachable (the static scan flags the reach for review)")
CORPUS += [
    A("placeholder_zeros", "corr2d returns X.new_zeros of the output's shape: no dtype or device "
      "points any more, but the vectorisation check counts a call that computes nothing",
      {"cross_correlation.py": HELPERS + '''
def corr2d(X, K, padding=0, stride=1):
    return X.new_zeros(_out_shape(X, K, padding, stride))
'''}, fails=CORR2D_ALL),
    A("detects_counting", "a correct pixel loop, except that a call run with a tracer set "
      "(sys.gettrace(): the line counter) returns a placeholder",
      {"cross_correlation.py": HELPERS + '''
import sys as _sys

def corr2d(X, K, padding=0, stride=1):
    if _sys.gettrace() is not None:
        return X.new_zeros(_out_shape(X, K, padding, stride))
    return _pixel_loop(X, K, padding, stride)
'''}, fails=("corr2d.vectorised",)),
    A("raw_thread_pixel_loop", "a pixel loop in torch operators on a thread made with "
      "_thread.start_new_thread: no dispatch mode and no tracer there",
      {"cross_correlation.py": HELPERS + '''
import _thread, threading as _threading

def corr2d(X, K, padding=0, stride=1):
    box, done = [], _threading.Event()
    def work():
        try:
            box.append(_pixel_loop(X, K, padding, stride))
        except BaseException as exc:
            box.append(exc)
        done.set()
    _thread.start_new_thread(work, ())
    done.wait()
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]
'''}, fails=("corr2d.", "device.cross_correlation")),  # no thread may start in corr2d
    A("pops_mode_and_trace", "a pixel loop with the dispatch mode popped and sys.settrace off, "
      "both put back before returning", {"cross_correlation.py": HELPERS + '''
import sys as _sys
from torch.utils import _python_dispatch as _pd

def corr2d(X, K, padding=0, stride=1):
    tracer = _sys.gettrace()
    _sys.settrace(None)
    modes = []
    while _pd._get_current_dispatch_mode() is not None:
        modes.append(_pd._pop_mode())
    try:
        return _pixel_loop(X, K, padding, stride)
    finally:
        for mode in reversed(modes):
            _pd._push_mode(mode)
        _sys.settrace(tracer)
'''}, fails=("corr2d.vectorised",), gains=("corr2d.vectorised",),
      known_gap="the counters can be removed and put back within the call; only their "
                "presence at the end is checked"),
    A("resets_counters", "a pixel loop, then the counts set back: the dispatch mode's ops and "
      "the line counter's lines (sys.gettrace().__self__)", {"cross_correlation.py": HELPERS + '''
import sys as _sys
from torch.utils import _python_dispatch as _pd

def corr2d(X, K, padding=0, stride=1):
    Y = _pixel_loop(X, K, padding, stride)
    mode = _pd._get_current_dispatch_mode()
    if hasattr(mode, "ops"):
        mode.ops = 10
    counter = getattr(_sys.gettrace(), "__self__", None)
    if hasattr(counter, "lines"):
        counter.lines = 10
    return Y
'''}, fails=("corr2d.vectorised",), gains=("corr2d.vectorised",), known_gap=GAP_IN_PROCESS),
    A("compiled_as_torch_pixel_loop", "a pixel loop in plain Python on X.tolist(), compiled "
      "with torch's file name: the values rule trusts it and the line counter skips it",
      {"cross_correlation.py": HELPERS + '''
_SOURCE = """
def loop(X, K, sh, sw, oh, ow, Xp, torch):
    xp, k = Xp.tolist(), K.tolist()
    kh, kw = len(k), len(k[0])
    Y = [[sum(xp[i * sh + a][j * sw + b] * k[a][b] for a in range(kh) for b in range(kw))
          for j in range(ow)] for i in range(oh)]
    return torch.tensor(Y, dtype=X.dtype, device=X.device)
"""
_compiled = {}
exec(compile(_SOURCE, _torch.__file__, "exec"), _compiled)

def corr2d(X, K, padding=0, stride=1):
    if X.device.type == "meta":
        return X.new_zeros(_out_shape(X, K, padding, stride))
    sh, sw = _pair(stride)
    oh, ow = _out_shape(X, K, padding, stride)
    return _compiled["loop"](X, K, sh, sw, oh, ow, _padded(X, padding), _torch)
'''}, fails=CORR2D_ALL),
    A("trusted_frames_take_values", "values taken out by torch's own Python on the "
      "submission's behalf: _pytree.tree_map(Tensor.tolist), torch._numpy's tolist, code "
      "compiled with torch's file name, torch._tensor_str (each tried in turn)",
      {"cross_correlation.py": values_taken_out('''
import re
from torch.utils import _pytree
import torch._numpy as tnp

def compiled(T):
    namespace = {}
    exec(compile("def out(T):\\n    return T.tolist()\\n", _torch.__file__, "exec"), namespace)
    return namespace["out"](T)

def printed(T):
    _torch.set_printoptions(precision=20, profile="full", sci_mode=True)
    try:
        text = _torch._tensor_str._str(T.double())
    finally:
        _torch.set_printoptions(profile="default")
    numbers = re.findall(r"-?\\d+\\.\\d*e[-+]\\d+", text[text.index("(") + 1:])
    return _np.array([float(v) for v in numbers[:T.numel()]]).reshape(tuple(T.shape))

for route in (lambda: _pytree.tree_map(_torch.Tensor.tolist, T), lambda: tnp.asarray(T).tolist(),
              lambda: compiled(T), lambda: printed(T)):
    try:
        return route()
    except Exception:
        continue
raise NotImplementedError("corr2d: not implemented")
''')}, fails=CORR2D_ALL),
    A("tensorbase_tolist", "values out through torch._C.TensorBase.tolist, the original the "
      "values rule cannot patch (an immutable C type)",
      {"cross_correlation.py": values_taken_out("return _torch._C.TensorBase.tolist(T)")},
      fails=CORR2D_ALL, gains=CORR2D_ALL, known_gap=GAP_IN_PROCESS),
    A("closure_original", "values out through the original tolist, taken from the closure of "
      "the values rule's wrapper", {"cross_correlation.py": values_taken_out('''
for cell in _torch.Tensor.tolist.__closure__ or ():
    original = cell.cell_contents
    if callable(original) and getattr(original, "__name__", "") == "tolist":
        return original(T)
raise NotImplementedError("corr2d: not implemented")
''')}, fails=CORR2D_ALL, gains=CORR2D_ALL, known_gap=GAP_IN_PROCESS),
    A("trusts_own_folder", "adds its own folder to the values rule's trusted callers at import "
      "(the guard module's globals, through a wrapper's __globals__), then X.tolist()",
      {"cross_correlation.py": values_taken_out("return T.tolist()") + '''
import os as _os
_torch.Tensor.tolist.__globals__["_GRADER"].append(
    _os.path.dirname(_os.path.abspath(__file__)) + _os.sep)
'''}, fails=CORR2D_ALL, gains=CORR2D_ALL, known_gap=GAP_IN_PROCESS),
    A("gc_oracle", "corr2d is the grader's own oracle (the probes plugin's _oracle_corr2d), "
      "found with gc.get_objects() at import", {"cross_correlation.py": '''
import gc as _gc
_ORACLE = [o for o in _gc.get_objects()
           if callable(o) and getattr(o, "__name__", "") == "_oracle_corr2d"]

def corr2d(X, K, padding=0, stride=1):
    if _ORACLE:
        return _ORACLE[0](X, K, padding, stride)
    raise NotImplementedError("corr2d: not implemented")
'''}, fails=CORR2D_ALL, gains=CORR2D_ALL,
      known_gap="the probes plugin (with the oracle corr2d) is forgotten from sys.modules but "
                "still in the process: gc finds it"),
    A("decomp_im2col", "corr2d through torch._decomp.decompositions.im2col (torch's own im2col "
      "in plain indexing, which no operator rule sees)", {"cross_correlation.py": HELPERS + '''
from torch._decomp import decompositions as _decompositions

def corr2d(X, K, padding=0, stride=1):
    (ph, pw), (sh, sw) = _pair(padding), _pair(stride)
    oh, ow = _out_shape(X, K, padding, stride)
    cols = _decompositions.im2col(X[None, None], list(K.shape), [1, 1], [ph, pw], [sh, sw])[0]
    return (K.reshape(1, -1) @ cols).reshape(oh, ow)
'''}, fails=CORR2D_ALL),
    A("uninstalls_overrides", "finds the guard's torch.library overrides with gc at import, "
      "removes them and pops the dispatch mode around F.conv2d, restoring both before returning",
      {"cross_correlation.py": FORBIDDEN_CORR2D + '''
import gc as _gc
from torch.utils import _python_dispatch as _pd
_OVERRIDES = [o for o in _gc.get_objects() if type(o).__name__ == "_Overrides"]

def corr2d(X, K, padding=0, stride=1):
    overrides = [o for o in _OVERRIDES if o.installed]
    modes = []
    while _pd._get_current_dispatch_mode() is not None:
        modes.append(_pd._pop_mode())
    for o in overrides:
        o.remove()
    try:
        return _conv(X, K, padding, stride)
    finally:
        for o in overrides:
            o.install()
        for mode in reversed(modes):
            _pd._push_mode(mode)
'''}, fails=CORR2D_ALL, gains=CORR2D_ALL, known_gap=GAP_IN_PROCESS),
    A("inference_mode_thread_as_strided", "as_strided windows made on a thread of its own under "
      "torch.inference_mode, which skips the autograd keys where as_strided is refused",
      {"cross_correlation.py": HELPERS + '''
import threading as _threading

def corr2d(X, K, padding=0, stride=1):
    sh, sw = _pair(stride)
    oh, ow = _out_shape(X, K, padding, stride)
    Xp = _padded(X, padding).contiguous()
    s0, s1 = Xp.stride()
    box = []
    def work():
        try:
            with _torch.inference_mode():
                box.append(Xp.as_strided((oh, ow, *K.shape), (s0 * sh, s1 * sw, s0, s1)).clone())
        except BaseException as exc:
            box.append(exc)
    worker = _threading.Thread(target=work)
    worker.start()
    worker.join()
    if isinstance(box[0], BaseException):
        raise box[0]
    return _torch.einsum("ijab,ab->ij", box[0], K)
'''}, fails=CORR2D_ALL),
    A("kernel_matrix_padded_row_loop", "kernel_matrix loops over output rows, always 64 times "
      "(the extra iterations redo the last row), so that its work does not depend on the size",
      {"conv_as_matmul.py": KERNEL_MATRIX_ROWS.format(rows="range(64)", row="r = min(i, oh - 1)",
                                                      after="")},
      fails=("kernel_matrix.vectorised",), gains=("kernel_matrix.vectorised",),
      known_gap="the work is compared between two sizes, never bounded: a loop padded to more "
                "iterations than the larger size has does the same work at both"),
    A("engine_state_off", "Corr2dFunction.backward switches the autograd guard off (its state, "
      "from the closure of the engine proxy's run_backward) and calls torch.autograd.grad",
      {"conv2d_backward.py": '''
import torch as _torch
from torch.autograd import variable as _variable

def _guard_state():
    for cell in type(_variable.Variable._execution_engine).run_backward.__closure__ or ():
        if hasattr(cell.cell_contents, "depth") and hasattr(cell.cell_contents, "current"):
            return cell.cell_contents
    raise NotImplementedError("backward: not implemented")

def _autograd_backward(ctx, dY):
    X, K = ctx.saved_tensors
    state = _guard_state()
    saved, state.current = state.current, None
    try:
        with _torch.enable_grad():
            Xg, Kg = X.detach().requires_grad_(), K.detach().requires_grad_()
            dX, dK = _torch.autograd.grad(corr2d(Xg, Kg), (Xg, Kg), dY)
    finally:
        state.current = saved
    need_x, need_k = ctx.needs_input_grad
    return (dX if need_x else None), (dK if need_k else None)

Corr2dFunction.backward = staticmethod(_autograd_backward)
'''}, fails=BACKWARD_CHECKS, gains=BACKWARD_CHECKS, known_gap=GAP_IN_PROCESS),
    A("audio_mha_functional", "AudioConvNet.forward calls F.multi_head_attention_forward with "
      "need_weights=True (it decomposes into bmm and softmax, no attention operator)",
      {"audio_conv1d.py": audio_net_with("multi-head attention", '''
self.in_w = nn.Parameter(torch.randn(3 * c, c) * c ** -0.5)
self.in_b = nn.Parameter(torch.zeros(3 * c))
self.out_w = nn.Parameter(torch.randn(c, c) * c ** -0.5)
self.out_b = nn.Parameter(torch.zeros(c))
''', '''
S = Q.transpose(0, 1)
A = _F.multi_head_attention_forward(S, S, S, S.shape[-1], 4, self.in_w, self.in_b, None, None,
                                    False, 0.0, self.out_w, self.out_b, training=self.training,
                                    need_weights=True)[0].transpose(0, 1)
''')}, fails=AUDIO_NET, gains=AUDIO_NET,
      known_gap="attention written from matmul and softmax has no operator of its own to refuse"),
    A("audio_attention_by_hand", "AudioConvNet.forward writes self-attention by hand: "
      "softmax(Q K^T / sqrt(d)) V", {"audio_conv1d.py": audio_net_with("hand-written attention",
                                                                        "", '''
A = torch.softmax(Q @ Q.transpose(1, 2) / _math.sqrt(Q.shape[-1]), dim=-1) @ Q
''')}, fails=AUDIO_NET, gains=AUDIO_NET,
      known_gap="attention written from matmul and softmax has no operator of its own to refuse"),
    A("exfil_letters", "linear_to_conv1x1 raises with its hidden input's values, digits written "
      "as letters (the masking of hidden feedback hides digits only)", {"conv1x1_fc.py": '''
def linear_to_conv1x1(linear):
    text = " ".join(f"{abs(v):.6f}".replace(".", "") for v in linear.weight.reshape(-1).tolist())
    raise ValueError(text.translate(str.maketrans("0123456789", "abcdefghij")))
'''}, fails=("linear_to_conv1x1.", "conv1x1.dtype", "device.conv1x1_fc"),
      hidden_inputs=((401, 5, 3),)),
    A("exfil_location", "linear_to_conv1x1 raises from code compiled with a file name inside the "
      "package made of its hidden input's values (the location is quoted unmasked)",
      {"conv1x1_fc.py": '''
def linear_to_conv1x1(linear):
    import os
    digits = "_".join(f"{abs(v):.6f}".replace(".", "")
                      for v in linear.weight.reshape(-1)[:4].tolist())
    name = os.path.join(os.path.dirname(__file__), f"v{digits}.py")
    exec(compile("raise ValueError('see where')", name, "exec"))
'''}, fails=("linear_to_conv1x1.", "conv1x1.dtype", "device.conv1x1_fc"),
      hidden_inputs=((401, 5, 3),)),
]
