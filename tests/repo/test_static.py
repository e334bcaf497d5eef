"""The static scan flags tampering for review, and nothing in honest submissions."""

from pathlib import Path

import pytest

from autograder import paths
from autograder.grade.intake import read_submission
from autograder.grade.static import MAX_FLAGS, scan

# (case id, source of one module, what the flag must say)
TAMPERING = [
    ("thread", "import threading\n", "threads"),
    ("thread-from", "from threading import Thread\n", "threads"),
    ("low-level-thread", "import _thread\n", "threads"),
    ("pool", "from concurrent.futures import ThreadPoolExecutor\n", "threads"),
    ("torch-C", "import torch\nx = torch._C._dispatch_get_all_op_names()\n", "torch._C"),
    ("library", "import torch\nlib = torch.library.Library('aten', 'IMPL')\n", "torch.library"),
    ("dispatch-modes", "from torch.utils._python_dispatch import _pop_mode\n", "dispatch modes"),
    ("engine", "from torch.autograd import variable\ne = variable.Variable._execution_engine\n",
     "autograd's engine"),
    ("gc", "import gc\n", "introspection"),
    ("closure", "def f(g):\n    return g.__closure__\n", "closures"),
    ("frames", "import sys\nf = sys._getframe(1).f_locals\n", "stack frames"),
    ("ctypes", "import ctypes\n", "ctypes"),
    ("wire-fd", "import os\nos.write(3, b'x')\n", "file descriptors"),
    ("wire-open", "f = open(3, 'wb')\n", "file descriptors"),
    ("patch-torch", "import torch as _t\n_t.allclose = lambda *a: True\n", "patching a library"),
    ("patch-json", "import json\njson.dumps = str\n", "patching a library"),
    ("patch-setattr", "import numpy as np\nsetattr(np, 'allclose', None)\n", "patching"),
    ("sys-modules", "import sys\nsys.modules['torch'] = None\n", "sys.modules"),
    ("dynamic-import", "m = __import__('thr' + 'eading')\n", "dynamic imports"),
    ("exec", "exec('import threading')\n", "dynamic code"),
    ("inference-mode", "import torch\nwith torch.inference_mode():\n    pass\n", "inference_mode"),
    ("paths", "open('/tmp/child-1/convolutions/a.py').read()\n", "paths outside"),
    ("grader", "import autograder.sandbox.guards\n", "the grader's own modules"),
    ("pkgutil", "import pkgutil\ng = pkgutil.resolve_name('x.y')\n", "dynamic imports"),
    ("getattr-computed", "def f(o, n):\n    return getattr(o, 'ru' + n)\n", "computed"),
    ("getattr-private", "def f(o):\n    return getattr(o, '_engine')\n", "private names"),
    ("dunder-string", "x = '__clo' + 'sure__'\n", "names of internals"),
    ("grader-by-string", "name = 'autograder.sandbox.guards'\n", "the grader's own"),
    ("torch-private", "import torch._decomp.decompositions as D\n", "torch internals"),
    ("torch-private-attr", "import torch\nf = torch._refs.unfold\n", "torch internals"),
    ("aten-backward", "import torch\ntorch.ops.aten._backward(y, [x], g, None, False)\n",
     "torch internals"),
    ("asyncio", "import asyncio\n", "threads (asyncio)"),
    ("torchscript", "import torch\n@torch.jit.script\ndef f(x):\n    return x\n",
     "TorchScript"),
    ("numpy-windows", "from numpy.lib.stride_tricks import sliding_window_view\n",
     "stride tricks"),
    ("scipy", "from scipy.signal import correlate2d\n", "scipy"),
    ("tb-frame", "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
     "    f = e.__traceback__.tb_frame\n", "stack frames"),
    ("enable-grad-in-helper", "import torch\ndef helper(x):\n    with torch.enable_grad():\n"
     "        return x\nclass F(torch.autograd.Function):\n    @staticmethod\n"
     "    def backward(ctx, dY):\n        return helper(dY)\n", "autograd in the module"),
    ("autograd-in-backward", "import torch\nclass F(torch.autograd.Function):\n"
     "    @staticmethod\n    def backward(ctx, dY):\n        with torch.enable_grad():\n"
     "            pass\n", "autograd inside backward"),
]


@pytest.mark.parametrize("source, why", [(s, w) for _, s, w in TAMPERING],
                         ids=[i for i, _, _ in TAMPERING])
def test_tampering_is_flagged(source: str, why: str) -> None:
    flags = scan({"convolutions/cross_correlation.py": source.encode()})
    assert any(why in flag for flag in flags), flags
    assert all("cross_correlation.py:" in flag for flag in flags)


@pytest.mark.parametrize("impl", [paths.SOLUTIONS, paths.REPO / "assignments"],
                         ids=["reference", "stubs"])
def test_honest_code_is_not_flagged(impl: Path) -> None:
    assert scan(read_submission(impl).files) == []


def test_ordinary_code_is_not_flagged() -> None:
    source = ("import torch\nimport torch.nn.functional as F\nimport numpy as np\n"
              "import math, os\nfrom torch import nn\n"
              "class M(nn.Module):\n    def forward(self, x):\n"
              "        self.cache = x\n        y = torch.zeros(3)\n        y[0] = 1\n"
              "        return F.relu(x) + np.pi + math.sqrt(2) + len(os.sep)\n")
    assert scan({"convolutions/text_conv.py": source.encode()}) == []


def test_unparsable_and_huge_sources_do_not_crash() -> None:
    assert scan({"convolutions/a.py": b"def broken(:\n"}) == []
    deep = b"x = " + b"(" * 100_000 + b")" * 100_000 + b"\n"
    assert isinstance(scan({"convolutions/a.py": deep}), list)
    many = b"".join(b"import threading as t%d\n" % i for i in range(100))
    assert len(scan({"convolutions/a.py": many})) == MAX_FLAGS + 1
