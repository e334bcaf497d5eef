"""A static scan of a submission's source for what the run-time guards cannot fully stop.

The rule guards (sandbox/guards.py) hold against ordinary code, but code in the student's own
process can always reach for the machinery under them: threads, torch's internals, the
dispatcher, introspection of the grader's objects, the wire's file descriptor. None of that is
needed to solve the assignment, so finding it in the source flags the submission for a person
to look at ("review" in the gradebook and the feedback). A flag costs no points by itself.

The scan only parses (``ast``); it never imports or runs the submission.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

MAX_FLAGS = 20

# Modules whose import alone is worth a look, by what they are for.
MODULES = {
    "threading": "threads", "_thread": "threads", "multiprocessing": "processes",
    "concurrent": "threads", "subprocess": "processes", "signal": "signals",
    "ctypes": "native code (ctypes)", "cffi": "native code (cffi)",
    "gc": "introspection of the grader's objects", "inspect": "introspection",
    "importlib": "dynamic imports", "builtins": "patching builtins",
    "socket": "sockets", "mmap": "memory mapping",
    "torch.library": "torch's dispatcher (torch.library)",
    "torch.utils._python_dispatch": "torch's dispatch modes",
    "torch._C": "torch internals (torch._C)", "torch._dynamo": "torch internals",
    "autograder": "the grader's own modules",
    "torch.autograd.forward_ad": "forward-mode autograd", "torch.func": "torch.func transforms",
    "functorch": "torch.func transforms", "pkgutil": "dynamic imports",
    "asyncio": "threads (asyncio)", "operator": "attribute access by name (operator)",
    "torch.jit": "TorchScript (runs autograd and operators in C++)",
    "scipy.signal": "library convolutions (scipy)", "scipy.ndimage": "library convolutions (scipy)",
    "numpy.lib.stride_tricks": "strided views (numpy stride tricks)",
}
# Any private module or attribute of torch (torch._C, torch._decomp, torch._refs, ...).
TORCH_PRIVATE = "torch internals"
# Attribute names (anywhere in an a.b.c chain) worth a look.
ATTRIBUTES = {
    "_C": "torch internals (torch._C)", "library": "torch's dispatcher (torch.library)",
    "_python_dispatch": "torch's dispatch modes", "_execution_engine": "autograd's engine",
    "_getframe": "stack frames", "f_back": "stack frames", "f_locals": "stack frames",
    "f_globals": "stack frames", "__closure__": "introspection of closures",
    "__globals__": "introspection of function globals", "__code__": "code objects",
    "__builtins__": "patching builtins", "__subclasses__": "introspection",
    "fork": "processes", "forkpty": "processes", "dup2": "file descriptors",
    "fdopen": "file descriptors", "inference_mode": "torch.inference_mode (skips guards)",
    "settrace": "tracing hooks", "setprofile": "tracing hooks",
    "tb_frame": "stack frames", "gi_frame": "stack frames", "cr_frame": "stack frames",
    "__self__": "introspection of bound methods", "__func__": "introspection",
    "__wrapped__": "introspection", "__dict__": "introspection of objects' attributes",
    "sliding_window_view": "strided views (numpy stride tricks)",
    "stride_tricks": "strided views (numpy stride tricks)",
    "as_strided": "strided views (as_strided)", "convolve": "library convolutions",
    "correlate": "library convolutions", "fftconvolve": "library convolutions",
}
# Calls that reach attributes or objects by computed names: how the flags above get dodged.
BY_NAME = {"getattr", "setattr", "delattr", "vars", "globals", "locals", "__import__"}
CALLS = {"__import__": "dynamic imports", "exec": "dynamic code (exec)",
         "eval": "dynamic code (eval)", "compile": "dynamic code (compile)",
         "vars": "introspection (vars)", "globals": "introspection (globals)",
         "locals": "introspection (locals)", "breakpoint": "debugger"}
# Modules whose attributes a submission should not assign to (monkeypatching); names they are
# imported as are followed (``import torch as _t``).
PATCHABLE = ("torch", "numpy", "json", "base64", "builtins", "sys", "os", "struct", "math")
# os functions that act on processes or raw file descriptors.
OS_CALLS = {"write": "file descriptors", "dup": "file descriptors", "close": "file descriptors",
            "kill": "signals", "killpg": "signals", "_exit": "exiting the process",
            "system": "processes", "popen": "processes", "execv": "processes",
            "execve": "processes", "execvp": "processes", "spawnv": "processes",
            "posix_spawn": "processes", "setsid": "processes"}
# In Corr2dFunction.backward, these mean autograd is being used to compute the gradient.
AUTOGRAD_IN_BACKWARD = {"enable_grad", "set_grad_enabled", "grad_fn", "backward", "autograd",
                        "vjp", "jacobian", "jacrev", "jacfwd", "func", "functorch",
                        "requires_grad_", "forward_ad", "next_functions", "_backward"}
# In a module that defines a backward, these anywhere (in helpers the backward calls, too):
# turning gradients back on, or asking autograd for a gradient directly.
AUTOGRAD_IN_MODULE = {"enable_grad", "set_grad_enabled", "vjp", "jacrev", "jacfwd", "jacobian",
                      "forward_ad", "grad_fn", "next_functions", "_backward"}
SYSTEM_PATHS = ("/proc", "/sys", "/dev", "/tmp", "/etc", "/root", "/home", "/work", "/autograder",
                "/usr", "/var", "/mnt", "/run")


def scan(files: dict[str, bytes]) -> list[str]:
    """Flags for ``files`` (path -> source), each ``"<why> (<file>:<line>: <what>)"``."""
    flags: list[str] = []
    for path, data in sorted(files.items()):
        if not path.endswith(".py"):
            continue
        try:
            tree = ast.parse(data.decode("utf-8", errors="replace"), filename=path)
            found = list(_flags_in(tree))
        except SyntaxError:
            continue  # the grader reports the import error; nothing more to scan
        except (RecursionError, MemoryError, ValueError):
            found = [(0, "source too convoluted to scan", "")]
        name = path.removeprefix("convolutions/")
        seen: set[tuple[int, str]] = set()
        for line, why, what in found:
            if (line, what) in seen:  # one flag per expression, even when two rules match
                continue
            seen.add((line, what))
            flags.append(f"{why} ({name}:{line}: {what})" if what else f"{why} ({name})")
    if len(flags) > MAX_FLAGS:
        flags = [*flags[:MAX_FLAGS], f"... and {len(flags) - MAX_FLAGS} more"]
    return flags


def _dotted(node: ast.AST) -> list[str]:
    """``a.b.c`` -> ["a", "b", "c"]; other expressions end the chain."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return parts[::-1]


def _module_flag(module: str) -> str | None:
    for prefix, why in MODULES.items():
        if module == prefix or module.startswith(prefix + "."):
            return why
    parts = module.split(".")
    if parts[0] == "torch" and any(p.startswith("_") for p in parts[1:]):
        return TORCH_PRIVATE
    return None


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the module of ``PATCHABLE`` it stands for (``import numpy as _np``,
    ``from torch.nn import functional as F``)."""
    out = {root: root for root in PATCHABLE}
    out["np"] = "numpy"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root in PATCHABLE:
                    out[alias.asname or root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            root = node.module.split(".")[0]
            if root in PATCHABLE:
                for alias in node.names:
                    out[alias.asname or alias.name] = root
    return out


def _flags_in(tree: ast.AST) -> Iterator[tuple[int, str, str]]:
    aliases = _aliases(tree)
    has_backward = any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                       and n.name == "backward" for n in ast.walk(tree))
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                why = _module_flag(alias.name)
                if why:
                    yield line, why, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                why = _module_flag(f"{node.module}.{alias.name}") or _module_flag(node.module)
                if why:
                    yield line, why, f"from {node.module} import {alias.name}"
        elif isinstance(node, ast.Attribute):
            why = ATTRIBUTES.get(node.attr)
            chain = _dotted(node)
            root = aliases.get(chain[0]) if chain else None
            if node.attr == "modules" and root == "sys":
                why = "sys.modules (patching or finding the grader's modules)"
            if root == "os" and len(chain) == 2 and node.attr in OS_CALLS:
                why = OS_CALLS[node.attr]
            if root == "torch" and node.attr in ("script", "trace") and "jit" in chain:
                why = "TorchScript (runs autograd and operators in C++)"
            if not why and root == "torch" and node.attr.startswith("_") \
                    and not node.attr.startswith("__"):
                why = TORCH_PRIVATE
            if has_backward and node.attr in AUTOGRAD_IN_MODULE:
                why = "autograd in the module of Corr2dFunction.backward"
            if why:
                yield line, why, ".".join(chain) or node.attr
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            why = CALLS.get(node.func.id)
            if node.func.id in BY_NAME and len(node.args) >= 2 and not (
                    isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
                    and not node.args[1].value.startswith("_")):
                why = "attributes reached by computed or private names"
            if why:
                yield line, why, f"{node.func.id}(...)"
            elif node.func.id in ("setattr", "delattr") and node.args:
                chain = _dotted(node.args[0])
                if chain and chain[0] in aliases:
                    yield line, "patching a library", f"{node.func.id}({'.'.join(chain)}, ...)"
            elif node.func.id in ("open", "socket") and node.args and _is_fd(node.args[0]):
                yield line, "file descriptors", f"{node.func.id}({node.args[0].value!r})"
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            yield from _patches(node, line, aliases)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(SYSTEM_PATHS):
                yield line, "paths outside the submission", repr(node.value[:60])
            elif "autograder" in node.value:
                yield line, "the grader's own modules", repr(node.value[:60])
            elif node.value.startswith("__") or node.value.startswith(("f_", "tb_")):
                yield line, "names of internals in a string", repr(node.value[:60])
        elif isinstance(node, ast.Name) and has_backward and node.id in AUTOGRAD_IN_MODULE:
            yield line, "autograd in the module of Corr2dFunction.backward", node.id
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "backward":
            yield from _autograd_in_backward(node)


def _is_fd(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 0


def _patches(node: ast.AST, line: int, aliases: dict[str, str]
             ) -> Iterator[tuple[int, str, str]]:
    """Assignments to attributes of torch, numpy, json... (monkeypatching)."""
    targets = (node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target])
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, (ast.Store, ast.Del)):
                chain = _dotted(sub)
                if chain and chain[0] in aliases:
                    yield line, "patching a library", ".".join(chain)


def _autograd_in_backward(node: ast.FunctionDef | ast.AsyncFunctionDef
                          ) -> Iterator[tuple[int, str, str]]:
    for sub in ast.walk(node):
        name = (sub.attr if isinstance(sub, ast.Attribute) else
                sub.id if isinstance(sub, ast.Name) else None)
        if name in AUTOGRAD_IN_BACKWARD:
            yield (getattr(sub, "lineno", node.lineno), "autograd inside backward",
                   ".".join(_dotted(sub)) or name)
