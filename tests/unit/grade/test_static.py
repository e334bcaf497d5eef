"""The static scan (grade/static.py) flags by allow-list: every hostile spelling, no honest code."""

from __future__ import annotations

import re

import pytest

from autograder.grade.static import MAX_FLAGS, REASONS, judge, scan

FILE = "convolutions/cross_correlation.py"


def flags_of(source: str, **others: str) -> list[str]:
    files = {FILE: source.encode()}
    files.update({f"convolutions/{name}.py": code.encode() for name, code in others.items()})
    return scan(files)


# (case id, source of cross_correlation.py, what one of its flags must say). The first block is
# the red team's spellings that the list of banned names missed; then the old list's cases.
HOSTILE = [
    ("from-os-fork", "from os import fork\nfork()\n", "process creation: os.fork"),
    ("posixsubprocess", "import _posixsubprocess\n", "process creation: _posixsubprocess"),
    ("posix-spawnp", "import os\nos.posix_spawnp('sh', ['sh'], {})\n",
     "process creation: os.posix_spawnp"),
    ("pty-spawn", "import pty\npty.spawn('sh')\n", "process creation: pty"),
    ("dataloader-workers", "import torch\n"
     "L = torch.utils.data.DataLoader(ds, batch_size=4, num_workers=2)\n",
     "process creation: num_workers="),
    ("dataloader-workers-kwargs", "from torch.utils.data import DataLoader as DL\n"
     "L = DL(ds, **{'batch_size': 4})\n", "process creation: num_workers="),
    ("dataloader-workers-positional", "from torch.utils.data import DataLoader\n"
     "L = DataLoader(ds, 4, True, None, None, 2)\n", "process creation: num_workers="),
    ("workers-attribute", "def f(loader):\n    loader.num_workers = 4\n",
     "process creation: .num_workers"),
    ("marshal", "import marshal\n", "dynamic code: marshal"),
    ("runpy", "import runpy\nrunpy.run_path('x.py')\n", "dynamic code: runpy"),
    ("ops-load-library", "import torch\ntorch.ops.load_library('evil.so')\n",
     "native code: torch.ops.load_library"),
    ("walk-stack", "import traceback\nfs = traceback.walk_stack(None)\n",
     "introspection: traceback"),
    ("torch-C", "import torch\nx = torch._C._dispatch_get_all_op_names()\n",
     "private attribute: torch._C"),
    ("getattr-computed", "import torch\nf = getattr(torch, 'con' + 'v2d')\n",
     "attribute access by name: getattr"),
    ("numpy-stride-tricks", "import numpy as np\n"
     "w = np.lib.stride_tricks.as_strided(a, (2, 2), (8, 8))\n",
     "strided views: numpy.lib.stride_tricks"),
    ("numpy-ndarray-strides", "import numpy as np\n"
     "a = np.ndarray((3, 3), dtype=np.float32, buffer=b, strides=(4, 4))\n",
     "strided views: strides="),
    ("numpy-import", "import numpy as np\n", "module outside the allow-list: numpy"),
    ("torch-multiprocessing", "import torch\np = torch.multiprocessing.Process(target=f)\n",
     "process creation: torch.multiprocessing"),
    ("dunder-import", "m = __import__('o' + 's')\n", "dynamic code: __import__"),
    ("sys-modules", "import sys\nsys.modules['torch'] = None\n", "introspection: sys.modules"),
    ("subclasses", "def f(x):\n    return type(x).__subclasses__()\n",
     "introspection: __subclasses__"),
    ("open-passwd", "t = open('/etc/passwd').read()\n", "files and sockets: open"),
    ("importlib", "import importlib\n", "dynamic code: importlib"),
    ("ctypes-from", "from ctypes import CDLL\n", "native code: ctypes"),
    ("class-base", "def f(x):\n    return x.__class__.__base__\n", "introspection: __base__"),
    ("torch-os", "import torch\nx = torch.os.fork()\n", "process creation: os.fork"),
    ("torch-ctypes", "import torch\nlib = torch.ctypes.CDLL(None)\n", "native code: ctypes"),
    ("functional-np", "import torch.nn.functional as F\nw = F.np.lib.stride_tricks\n",
     "strided views: numpy.lib.stride_tricks"),
    ("typing-sys", "import typing\nm = typing.sys.modules\n", "introspection: sys.modules"),
    ("alias-chain", "import torch\nt = torch\nu = t.utils\nu.cpp_extension.load('x', [])\n",
     "native code: torch.utils.cpp_extension"),
    ("walrus-alias", "import torch\nif (o := torch.ops):\n    o.load_library('x')\n",
     "native code: torch.ops.load_library"),
    ("getattr-literal-chain", "import torch\ngetattr(torch, 'ops').load_library('x')\n",
     "native code: torch.ops.load_library"),
    ("module-as-default", "import torch\ndef g(t=torch):\n    return t\n",
     "module used as a value: torch"),
    ("module-in-container", "import torch\nd = {'t': torch.nn}\n",
     "module used as a value: torch.nn"),
    ("untracked-root", "def g(t):\n    return t.ops.aten.convolution\n",
     "torch's dispatcher: .ops"),
    ("operator-attrgetter", "import operator\ng = operator.attrgetter('_C')\n",
     "attribute access by name: operator.attrgetter"),
    ("type-hints-eval", "import typing\nh = typing.get_type_hints(f)\n",
     "dynamic code: typing.get_type_hints"),
    ("inference-mode", "import torch\nwith torch.inference_mode():\n    pass\n",
     "torch modes and hooks: torch.inference_mode"),
    ("global-hook", "import torch\n"
     "torch.nn.modules.module.register_module_forward_hook(lambda *a: None)\n",
     "torch modes and hooks: torch.nn.modules.module.register_module_forward_hook"),
    ("star-import", "from torch import *\n", "star import: torch"),
    ("relative-above", "from .. import autograder\n", "import outside the package"),
    ("eval-alias", "e = eval\n", "dynamic code: eval"),
    ("exec", "exec('import threading')\n", "dynamic code: exec"),
    ("builtins-name", "b = __builtins__\n", "introspection: __builtins__"),
    ("frames", "def f(g):\n    return g.gi_frame.f_back.f_locals\n", "introspection: .f_back"),
    ("set-strides", "def f(X, s):\n    return X.new_empty(0).set_(s, 0, (3, 3), (1, 1))\n",
     "strided views: .set_"),
    ("numpy-strides-store", "def f(a):\n    a.strides = (8, 8)\n", "strided views: .strides"),
    ("from-numpy", "import torch\nx = torch.from_numpy(a)\n",
     "data outside torch: torch.from_numpy"),
    ("format-field", "s = '{0.__globals__}'.format(f)\n", "names of internals in a string"),
    ("torch-dispatch", "import torch\nclass T(torch.Tensor):\n    @classmethod\n"
     "    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):\n        pass\n",
     "torch's dispatcher: __torch_dispatch__"),
    ("torchscript", "import torch\n@torch.jit.script\ndef f(x):\n    return x\n",
     "compiled code: torch.jit"),
    ("torch-compile", "import torch\ng = torch.compile(f)\n", "compiled code: torch.compile"),
    ("memoryview", "m = memoryview(b).cast('f', (3, 3))\n", "data outside torch: memoryview"),
    ("patch-through-class", "def f(x):\n    type(x).__eq__ = lambda a, b: True\n",
     "patching a library"),
    ("utf7-hidden", "# coding: utf-7\nx = 1 +AAo-import os+AAo-os.system('sh')\n",
     "process creation: os.system"),
    ("utf7-cookie", "# coding: utf-7\nx = 1\n", "source encoding: utf-7"),
    ("array-interface", "class W:\n    __array_interface__ = {'strides': (4, 4)}\n",
     "data outside torch: __array_interface__"),
    ("dlpack-hook", "class W:\n    def __dlpack__(self, stream=None):\n        pass\n",
     "data outside torch: __dlpack__"),
    ("tensor-set-path", "import torch\ntorch.Tensor.set_(X, s, 0, (3, 3), (1, 1))\n",
     "strided views: torch.Tensor.set_"),
    ("formatter-get-field", "import string\nv = string.Formatter().get_field('0.x', (f,), {})\n",
     "attribute access by name: string.Formatter"),
    ("get-field-string", "v = fmt.get_field('0.__globals__', (f,), {})\n",
     "names of internals in a string"),
    ("module-as-class-attribute", "import torch\nclass A:\n    t = torch\n",
     "module used as a value: torch"),
    ("any-torch-module-as-value", "from torch import functional as tf\ng(tf)\n",
     "module used as a value: torch.functional"),
    ("torch-through-an-object", "def f(m):\n    return m.torch.xpu.cast\n",
     "module used as a value: .torch"),
    ("torch-again", "import torch\nL = torch.utils.data.dataloader.torch.library.Library\n",
     "torch's dispatcher: torch.library"),
    # the old list's cases, in the new wording
    ("thread", "import threading\n", "threads: threading"),
    ("thread-from", "from threading import Thread\n", "threads: threading"),
    ("low-level-thread", "import _thread\n", "threads: _thread"),
    ("pool", "from concurrent.futures import ThreadPoolExecutor\n", "threads: concurrent"),
    ("library", "import torch\nlib = torch.library.Library('aten', 'IMPL')\n",
     "torch's dispatcher: torch.library"),
    ("dispatch-modes", "from torch.utils._python_dispatch import _pop_mode\n",
     "private attribute: torch.utils._python_dispatch"),
    ("engine", "from torch.autograd import variable\ne = variable.Variable._execution_engine\n",
     "private attribute: torch.autograd.variable.Variable._execution_engine"),
    ("gc", "import gc\n", "introspection: gc"),
    ("closure", "def f(g):\n    return g.__closure__\n", "introspection: __closure__"),
    ("getframe", "import sys\nf = sys._getframe(1).f_locals\n", "introspection: sys._getframe"),
    ("ctypes", "import ctypes\n", "native code: ctypes"),
    ("wire-fd", "import os\nos.write(3, b'x')\n", "file descriptors: os.write"),
    ("wire-open", "f = open(3, 'wb')\n", "file descriptors: open"),
    ("patch-torch", "import torch as _t\n_t.allclose = lambda *a: True\n",
     "patching a library: torch.allclose"),
    ("patch-json", "import json\njson.dumps = str\n", "patching a library: json.dumps"),
    ("patch-alias", "import torch\nf = torch.nn.functional\nf.conv2d = None\n",
     "patching a library: torch.nn.functional.conv2d"),
    ("patch-setattr", "import numpy as np\nsetattr(np, 'allclose', None)\n",
     "patching a library: numpy.allclose"),
    ("paths", "open('/tmp/child-1/convolutions/a.py').read()\n", "paths outside the submission"),
    ("grader", "import autograder.sandbox.guards\n", "the grader's own modules: autograder"),
    ("grader-by-string", "name = 'autograder.sandbox.guards'\n", "the grader's own modules"),
    ("pkgutil", "import pkgutil\ng = pkgutil.resolve_name('x.y')\n", "dynamic code: pkgutil"),
    ("getattr-variable", "def f(o, n):\n    return getattr(o, 'ru' + n)\n",
     "attribute access by name: getattr"),
    ("getattr-private", "def f(o):\n    return getattr(o, '_engine')\n",
     "attribute access by name: getattr"),
    ("getattr-as-value", "g = getattr\n", "attribute access by name: getattr"),
    ("private-attr", "def f(o):\n    return o._engine\n", "private attribute: ._engine"),
    ("dunder-string", "x = '__clo' + 'sure__'\n", "names of internals in a string"),
    ("torch-private", "import torch._decomp.decompositions as D\n",
     "private attribute: torch._decomp"),
    ("torch-private-attr", "import torch\nf = torch._refs.unfold\n",
     "private attribute: torch._refs"),
    ("aten-backward", "import torch\ntorch.ops.aten._backward(y, [x], g, None, False)\n",
     "torch's dispatcher: torch.ops"),
    ("asyncio", "import asyncio\n", "threads: asyncio"),
    ("scipy", "from scipy.signal import correlate2d\n", "module outside the allow-list: scipy"),
    ("numpy-windows", "from numpy.lib.stride_tricks import sliding_window_view\n",
     "strided views: numpy.lib.stride_tricks"),
    ("tb-frame", "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
     "    f = e.__traceback__.tb_frame\n", "introspection: __traceback__"),
    ("forward-ad", "import torch.autograd.forward_ad as fwAD\n",
     "autograd machinery: torch.autograd.forward_ad"),
    ("enable-grad-in-helper", "import torch\ndef helper(x):\n    with torch.enable_grad():\n"
     "        return x\nclass F(torch.autograd.Function):\n    @staticmethod\n"
     "    def backward(ctx, dY):\n        return helper(dY)\n",
     "autograd in the module of Corr2dFunction.backward"),
    ("autograd-in-backward", "import torch\nclass F(torch.autograd.Function):\n"
     "    @staticmethod\n    def backward(ctx, dY):\n        with torch.enable_grad():\n"
     "            pass\n", "autograd inside backward: enable_grad"),
]


@pytest.mark.parametrize("source, why", [(s, w) for _, s, w in HOSTILE],
                         ids=[i for i, _, _ in HOSTILE])
def test_hostile_spellings_are_flagged(source: str, why: str) -> None:
    flags = flags_of(source)
    assert any(flag.startswith(why) for flag in flags), flags
    assert all("(cross_correlation.py:" in flag for flag in flags), flags
    assert all(flag.split(":")[0].split(" (")[0] in REASONS for flag in flags), flags


def test_the_hostile_table_is_large_and_distinct() -> None:
    assert len(HOSTILE) >= 30
    assert len({source for _, source, _ in HOSTILE}) == len(HOSTILE)
    assert len({case for case, _, _ in HOSTILE}) == len(HOSTILE)


# Typical student code: nothing here may be flagged.
HONEST = [
    ("torch-basics", "import torch\nfrom torch import Tensor\n\n"
     "def corr2d(X: Tensor, K: Tensor) -> Tensor:\n"
     "    h, w = K.shape\n    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1),"
     " dtype=X.dtype, device=X.device)\n"
     "    for i in range(h):\n        for j in range(w):\n"
     "            Y += K[i, j] * X[i:i + Y.shape[0], j:j + Y.shape[1]]\n    return Y\n"),
    ("new-zeros-pad-einsum", "import torch\nimport torch.nn.functional as F\n"
     "def f(X, K):\n    Y = X.new_zeros(3, 3)\n    P = F.pad(X, (1, 1, 1, 1))\n"
     "    W = P.unfold(0, 2, 1).unfold(1, 2, 1)\n"
     "    return Y + torch.einsum('ijkl,kl->ij', W, K)\n"),
    ("module-subclass", "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n"
     "    def __init__(self, n: int) -> None:\n        super().__init__()\n"
     "        self.conv = nn.Conv1d(n, 8, 3, padding=1)\n"
     "        self.pool = nn.AdaptiveMaxPool1d(1)\n"
     "        self._cache = None\n\n    def forward(self, x):\n"
     "        self._cache = x\n        return self.pool(torch.relu(self.conv(x))).flatten(1)\n\n"
     "    def __repr__(self):\n"
     "        return f'{type(self).__name__}({self.__class__.__qualname__})'\n"),
    ("stdlib", "import math\nimport itertools\nimport functools\nimport operator\n"
     "from typing import Sequence, Optional\nfrom collections import defaultdict, abc\n"
     "from collections.abc import Iterable\nfrom dataclasses import dataclass, field\n"
     "import random, re, copy, heapq, bisect, warnings, statistics, string, textwrap, enum\n"
     "from fractions import Fraction\nfrom decimal import Decimal\nimport numbers, abc as ABC\n"
     "def f(n: int, xs: Sequence[int]) -> Optional[int]:\n"
     "    c = [math.comb(n, k) for k in range(n)]\n"
     "    p = list(itertools.product(range(2), repeat=2))\n"
     "    r = functools.reduce(operator.mul, xs, 1)\n    d = defaultdict(list)\n"
     "    warnings.warn('x')\n    random.seed(0)\n    rx = re.compile(r'\\w+')\n"
     "    return r + len(copy.deepcopy(d)) + heapq.nsmallest(1, xs)[0] + bisect.bisect(xs, 1)\n"
     "@dataclass\nclass C:\n    xs: list = field(default_factory=list)\n"
     "    def __post_init__(self):\n        self._n = len(self.xs)\n"),
    ("relative-imports", "from __future__ import annotations\n"
     "from ._util import as_pair, check_matrix\nfrom .cross_correlation import corr2d\n"
     "from . import data\nfrom .data import load_audio\n"
     "def g(X, K):\n    d = data.load_text()\n    return corr2d(X, K), as_pair(1, 'p', 1), d\n"),
    ("autograd-function", "import torch\n"
     "from torch.autograd.function import FunctionCtx, once_differentiable\n"
     "class Corr2dFunction(torch.autograd.Function):\n    @staticmethod\n"
     "    def forward(ctx: FunctionCtx, X, K):\n        ctx.save_for_backward(X, K)\n"
     "        return X\n    @staticmethod\n    @once_differentiable\n"
     "    def backward(ctx, dY):\n        X, K = ctx.saved_tensors\n"
     "        return None, dY.new_zeros(K.shape)\n"
     "def learn_kernel(X, Y, steps=10):\n    K = torch.zeros(2, requires_grad=True)\n"
     "    opt = torch.optim.SGD([K], lr=0.1)\n    for _ in range(steps):\n"
     "        loss = ((X - Y) ** 2).sum()\n        opt.zero_grad()\n        loss.backward()\n"
     "        opt.step()\n    with torch.no_grad():\n        return K.detach()\n"),
    ("training", "import torch\nfrom torch.utils.data import DataLoader, TensorDataset\n"
     "from torch.utils import data as tud\n"
     "def train(model, X, y):\n    torch.manual_seed(0)\n"
     "    loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True, num_workers=0)\n"
     "    data = tud.random_split(TensorDataset(X, y), [4, 4])\n"
     "    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
     "    with torch.random.fork_rng(devices=[]):\n        pass\n"
     "    dev = 'cuda' if torch.cuda.is_available() else 'cpu'\n"
     "    return loader, data, model.to(dev), torch.get_default_dtype()\n"),
    ("torch-functions-named-like-modules", "import torch\n"
     "def f(X):\n"
     "    return torch.select(X, 0, 1), torch.trace(X), X.chunk(2), torch.random.seed()\n"),
    ("getattr-literal-and-main", "import torch\nfrom torch import nn\n"
     "def act(name='ReLU'):\n    return getattr(nn, 'ReLU')(), hasattr(torch, 'compile')\n"
     "if __name__ == '__main__':\n    print(act(), __file__)\n"),
    ("tensor-methods", "def f(X):\n    return X.tolist(), X.item() if X.numel() == 1 else 0,"
     " X.reshape(-1).view(2, -1).permute(1, 0).contiguous().flatten(), X.grad, X.dtype\n"),
    ("docstrings", '"""Uses __init__ and /tmp in text; see torch._C in the notes."""\n'
     "def f():\n    \"\"\"Call super().__init__() first.\"\"\"\n    return '{:.3f}'.format(1.0)\n"),
    ("contextlib", "from contextlib import contextmanager, suppress\n"
     "@contextmanager\ndef quiet():\n    with suppress(ValueError):\n        yield\n"),
    ("param-named-input", "def forward(self, input, compile=False):\n"
     "    return input, compile\n"),
]


@pytest.mark.parametrize("source", [s for _, s in HONEST], ids=[i for i, _ in HONEST])
def test_honest_code_is_not_flagged(source: str) -> None:
    assert flags_of(source, data="def load_text():\n    return 1\n") == []


def test_paths_through_own_modules_are_judged_as_what_they_reach() -> None:
    # The given data.py may use numpy (its permits); another module may not reach it there.
    data = "import os\nimport numpy as np\ndef load():\n    return np.load(os.environ['D'])\n"
    assert scan({"convolutions/data.py": data.encode()}) == []
    assert flags_of("from .data import np\n", data=data) == [
        "module outside the allow-list: numpy (cross_correlation.py:1: from .data import np)"]
    flags = flags_of("from . import data\nf = data.os.fork\n", data=data)
    assert flags == ["process creation: os.fork (cross_correlation.py:2: data.os.fork)"]
    flags = flags_of("import convolutions.data as d\nw = d.np.lib.stride_tricks\n", data=data)
    assert flags[0].startswith("strided views: numpy.lib.stride_tricks"), flags
    # A permit holds in its own file only, and only for what it names.
    assert scan({"convolutions/data.py": b"import os\nos.fork()\n"}) == [
        "process creation: os.fork (data.py:2: os.fork)"]
    assert scan({"convolutions/text_conv.py": data.encode()}) != []


def test_one_flag_per_reason_and_subject_per_file() -> None:
    body = "".join(f"y{i} = np.zeros({i})\n" for i in range(30))
    flags = flags_of("import numpy as np\n" + body)
    assert flags == ["module outside the allow-list: numpy "
                     "(cross_correlation.py:1: import numpy as np; 30 more)"]
    two_files = scan({FILE: b"import numpy\n", "convolutions/text_conv.py": b"import numpy\n"})
    assert len(two_files) == 2


def test_flags_are_sorted_deterministic_and_capped() -> None:
    many = "".join(f"import mod{i:03d}\n" for i in range(100)).encode()
    flags = scan({FILE: many})
    assert len(flags) == MAX_FLAGS + 1 and flags[-1] == f"... and {100 - MAX_FLAGS} more"
    assert flags[0].startswith("module outside the allow-list: mod000 (cross_correlation.py:1:")
    files = {FILE: b"import os\nimport numpy\n", "convolutions/a.py": b"import gc\n"}
    assert scan(files) == scan(dict(reversed(list(files.items()))))
    assert [f.split("(")[1].split(":")[0] for f in scan(files)] == [
        "a.py", "cross_correlation.py", "cross_correlation.py"]


def test_what_is_shown_is_capped() -> None:
    flags = flags_of("import torch\nx = torch._C." + "a" * 500 + "\n")
    assert len(flags) == 1 and len(flags[0]) < 200


def test_unparsable_and_huge_sources_do_not_crash() -> None:
    assert scan({FILE: b"def broken(:\n"}) == []
    assert scan({"convolutions/notes.txt": b"import os\n"}) == []
    deep = b"x = " + b"(" * 100_000 + b")" * 100_000 + b"\n"
    assert isinstance(scan({FILE: deep}), list)
    chain = b"import torch\nx = torch" + b".a" * 20_000 + b"\n"
    assert isinstance(scan({FILE: chain}), list)


@pytest.mark.parametrize("path, verdict", [
    ("torch.nn.functional.pad", None), ("torch.utils.data.DataLoader", None),
    ("torch.Tensor.__eq__", None), ("torch.__version__", None), ("math.comb", None),
    ("convolutions._util.as_pair", None), ("torch.signal.windows.hann", None),
    ("torch.utils.checkpoint", ("module outside the allow-list", "torch.utils.checkpoint")),
    ("torch.nn.functional.np.lib", ("module outside the allow-list", "numpy")),
    ("torch.utils.data.dataloader.python_multiprocessing.Process",
     ("process creation", "multiprocessing")),
    ("torch.Tensor.__dict__", ("introspection", "torch.Tensor.__dict__")),
    ("torch.cuda.memory.CUDAPluggableAllocator", ("native code", "torch.cuda.memory")),
    ("os.environ", ("module outside the allow-list", "os.environ")),
    ("posix.fork", ("process creation", "posix.fork")),
    ("sys.settrace", ("introspection", "sys.settrace")),
    ("contextlib.chdir", ("files and sockets", "contextlib.chdir")),
    ("dataclasses.inspect.stack", ("introspection", "inspect")),
])
def test_judge(path: str, verdict: tuple[str, str] | None) -> None:
    assert judge(path) == verdict


def test_reasons_are_a_compact_vocabulary() -> None:
    assert len(REASONS) == len(set(REASONS)) <= 30
    # a flag reads "<reason>: <subject> (<file>:<line>: <what>)": a reason has neither separator
    assert not [r for r in REASONS if re.search(r"[:()]", r)]
