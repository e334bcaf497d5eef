"""A static scan of a submission's source, by allow-list, for a person to review.

The rule guards (sandbox/guards.py) hold against ordinary code, but code in the student's own
process can always reach for the machinery under them: processes and threads, native code,
torch's internals and dispatcher, introspection of the grader's objects, the wire's file
descriptor. None of that is needed to solve the assignment, and a list of banned names can never
name every spelling of it, so the scan allows what the assignment needs and flags the rest:

* imports and attribute paths (``a.b.c`` rooted at an imported name, followed through aliases
  such as ``F = torch.nn.functional`` and ``getattr(m, "name")``) are resolved to full paths,
  and a path is allowed only inside the package's own modules, torch's public API less the
  parts listed in ``TORCH_DENIED``, or the pure standard-library modules of ``ALLOWED_STDLIB``
  (less ``DENIED_IN_ALLOWED``); a module that an allowed one happens to import (``torch.os``,
  ``typing.sys``, ``torch.nn.functional.np``) is judged as itself;
* private and introspective attributes anywhere (``x._foo`` unless the submission defines
  ``_foo``; dunders outside ``SAFE_DUNDERS``), risky builtins (``RISKY_BUILTINS``), attributes
  reached by computed names, assignments to attributes of imported modules (monkeypatching),
  imported modules handed around as values (their uses could not be followed);
* a few special checks: DataLoader workers, strided buffers, file descriptors, paths and
  internals' names in strings, autograd in the module of ``Corr2dFunction.backward``.

Each finding names a compact reason (``REASONS``) and a subject; findings are grouped per file,
reason and subject (30 numpy calls make one flag), ordered, and capped at ``MAX_FLAGS``. A flag
costs no points: it is for a person to look at ("review" in the gradebook and the feedback).

The scan only parses (``ast``); it never imports or runs the submission.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import io
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import PACKAGE

MAX_FLAGS = 20
_SHOWN = 70  # characters of source shown in a flag

# -- reasons (the whole vocabulary of the scan's flags) -------------------------------------
OUTSIDE = "module outside the allow-list"
PROCESS = "process creation"
THREADS = "threads"
NATIVE = "native code"
DYNAMIC = "dynamic code"
INTROSPECTION = "introspection"
FILES = "files and sockets"
FDS = "file descriptors"
STRIDED = "strided views"
DATA_OUT = "data outside torch"
DISPATCH = "torch's dispatcher"
COMPILED = "compiled code"
AUTOGRAD = "autograd machinery"
MODES = "torch modes and hooks"
PRIVATE = "private attribute"
BY_NAME = "attribute access by name"
PATCHING = "patching a library"
MODULE_VALUE = "module used as a value"
STAR = "star import"
OUTSIDE_PACKAGE = "import outside the package"
GRADER = "the grader's own modules"
PATHS = "paths outside the submission"
NAMES_IN_STRING = "names of internals in a string"
DEBUGGER = "debugger or console"
IN_BACKWARD = "autograd inside backward"
IN_MODULE = "autograd in the module of Corr2dFunction.backward"
CONVOLUTED = "source too convoluted to scan"
ENCODING = "source encoding"
REASONS = (OUTSIDE, PROCESS, THREADS, NATIVE, DYNAMIC, INTROSPECTION, FILES, FDS, STRIDED,
           DATA_OUT, DISPATCH, COMPILED, AUTOGRAD, MODES, PRIVATE, BY_NAME, PATCHING,
           MODULE_VALUE, STAR, OUTSIDE_PACKAGE, GRADER, PATHS, NAMES_IN_STRING, DEBUGGER,
           IN_BACKWARD, IN_MODULE, CONVOLUTED, ENCODING)

# -- the allow-list --------------------------------------------------------------------------
# Standard-library modules with no access to processes, files, memory, code or the interpreter
# (typing_extensions is not in the standard library, but is typing's backport).
ALLOWED_STDLIB = frozenset({
    "__future__", "math", "cmath", "itertools", "functools", "collections", "typing",
    "typing_extensions", "dataclasses", "abc", "enum", "numbers", "fractions", "decimal",
    "operator", "statistics", "random", "string", "re", "copy", "heapq", "bisect", "warnings",
    "textwrap", "contextlib",
})
# The impure corners of allowed modules (path prefix -> reason).
DENIED_IN_ALLOWED = {
    "operator.attrgetter": BY_NAME,        # attribute access by a computed name
    "operator.methodcaller": BY_NAME,
    "typing.get_type_hints": DYNAMIC,      # evaluates annotations given as strings
    "typing_extensions.get_type_hints": DYNAMIC,
    "contextlib.chdir": FILES,             # changes the working directory
    "string.Formatter": BY_NAME,           # get_field("0.__globals__", ...)
}
# Public torch that reaches the system, the dispatcher or autograd's machinery: path prefix ->
# reason (the longest prefix wins; ``torch.utils`` is allowed only as ``torch.utils.data``).
TORCH_DENIED = {
    "torch.multiprocessing": PROCESS,                   # processes (fork, spawn, queues)
    "torch.distributed": PROCESS,                       # processes and sockets
    "torch.utils": OUTSIDE,                             # tools, not the tensor API; but:
    "torch.utils.cpp_extension": NATIVE,                # compiles and loads C++
    "torch.utils.dlpack": DATA_OUT,                     # tensors shared with other libraries
    "torch.utils.data.datapipes": FILES,                # file openers, decoders, workers
    "torch.ops": DISPATCH,                              # every registered operator
    "torch.ops.load_library": NATIVE,                   # loads a shared library
    "torch.library": DISPATCH,                          # overrides operators' kernels
    "torch.overrides": DISPATCH,                        # torch-function modes
    "torch.classes": NATIVE,                            # C++ classes
    "torch.cuda.memory": NATIVE,                        # pluggable allocators (shared libraries)
    "torch.cuda.CUDAPluggableAllocator": NATIVE,
    "torch.cuda.change_current_allocator": NATIVE,
    "torch.cuda.jiterator": NATIVE,                     # compiles CUDA source
    "torch.cuda.tunable": FILES,                        # writes tuning files, uses processes
    "torch.xpu": OUTSIDE,                               # re-exports ctypes (cast, pointer, ...)
    "torch.hub": FILES,                                 # downloads and runs repositories
    "torch.package": DYNAMIC,                           # imports code from archives
    "torch.serialization": FILES,                       # unpickling and files
    "torch.save": FILES, "torch.load": FILES,
    "torch.jit": COMPILED,                              # TorchScript: autograd in C++
    "torch.compile": COMPILED, "torch.compiler": COMPILED,  # dynamo rewrites bytecode
    "torch.export": COMPILED, "torch.fx": COMPILED, "torch.onnx": COMPILED,
    "torch.func": AUTOGRAD,                             # transforms (grad, vjp, jvp)
    "torch.autograd.forward_ad": AUTOGRAD,              # dual numbers
    "torch.autograd.functional": AUTOGRAD,              # jacobian, vjp
    "torch.autograd.graph": AUTOGRAD,                   # saved-tensor hooks, graph nodes
    "torch.profiler": MODES, "torch.autograd.profiler": MODES,  # hooks on every operator
    "torch.nn.parallel": THREADS,                       # parallel_apply runs threads
    "torch.nn.DataParallel": THREADS,
    "torch.futures": THREADS,
    "torch.from_numpy": DATA_OUT,                       # numpy buffers, any strides
    "torch.Tensor.numpy": DATA_OUT,                     # and back
    "torch.from_dlpack": DATA_OUT, "torch.to_dlpack": DATA_OUT,
    "torch.set_default_dtype": MODES,                   # change what the grader's own
    "torch.set_default_device": MODES,                  # tensors are made of
    "torch.set_default_tensor_type": MODES,
}
# Names denied wherever they occur under torch (they have several homes).
TORCH_DENIED_NAMES = {
    "inference_mode": MODES,         # skips the autograd keys some rules are enforced on
    "as_strided": STRIDED, "as_strided_": STRIDED, "as_strided_copy": STRIDED,
    "as_strided_scatter": STRIDED, "empty_strided": STRIDED, "set_": STRIDED,
    "from_file": FILES, "load_library": NATIVE,
    "find_spec": DYNAMIC,                                  # importlib's, re-exported
    "signature": INTROSPECTION, "getfullargspec": INTROSPECTION,  # inspect's, re-exported
}
TORCH_DENIED_PREFIX = {"register_module_": MODES}  # global hooks on every nn.Module
# Public torch submodules whose names are also standard-library modules' names.
TORCH_OWN_MODULES = frozenset({"torch.types", "torch.signal", "torch.random", "torch.cuda.random",
                               "torch.xpu.random"})
# Names torch uses for functions that are also standard-library modules' names.
TORCH_FUNCTION_NAMES = frozenset({"chunk", "select", "trace", "profile"})

# -- outside the allow-list: what the reason says ------------------------------------------------
# Module (or dotted prefix) -> reason; any other module is OUTSIDE.
MODULE_REASONS = {
    "subprocess": PROCESS, "_posixsubprocess": PROCESS, "pty": PROCESS, "multiprocessing": PROCESS,
    "_multiprocessing": PROCESS, "pexpect": PROCESS, "concurrent.futures.process": PROCESS,
    "concurrent.futures.ProcessPoolExecutor": PROCESS,
    "threading": THREADS, "_thread": THREADS, "concurrent": THREADS, "asyncio": THREADS,
    "ctypes": NATIVE, "_ctypes": NATIVE, "cffi": NATIVE,
    "importlib": DYNAMIC, "runpy": DYNAMIC, "marshal": DYNAMIC, "pickle": DYNAMIC,
    "_pickle": DYNAMIC, "dill": DYNAMIC, "cloudpickle": DYNAMIC, "code": DYNAMIC,
    "codeop": DYNAMIC, "types": DYNAMIC, "pkgutil": DYNAMIC, "builtins": DYNAMIC,
    "zipimport": DYNAMIC, "copyreg": DYNAMIC, "atexit": DYNAMIC,
    "gc": INTROSPECTION, "inspect": INTROSPECTION, "sys": INTROSPECTION,
    "traceback": INTROSPECTION, "dis": INTROSPECTION, "faulthandler": INTROSPECTION,
    "tracemalloc": INTROSPECTION, "linecache": INTROSPECTION, "trace": INTROSPECTION,
    "pdb": DEBUGGER, "bdb": DEBUGGER,
    "io": FILES, "_io": FILES, "pathlib": FILES, "shutil": FILES, "tempfile": FILES,
    "glob": FILES, "mmap": FILES, "socket": FILES, "_socket": FILES, "ssl": FILES,
    "http": FILES, "urllib": FILES, "requests": FILES, "fcntl": FDS, "termios": FDS,
    "numpy.lib.stride_tricks": STRIDED,
    "autograder": GRADER, "tests": GRADER, "conftest": GRADER,
}
# Modules whose members each get their own flag (``os.environ`` and ``os.fork`` differ).
BY_MEMBER = frozenset({"os", "posix", "nt", "sys"})
OS_PROCESS = frozenset({
    "fork", "forkpty", "vfork", "system", "popen", "posix_spawn", "posix_spawnp", "execl",
    "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe", "spawnl", "spawnle",
    "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe", "kill", "killpg",
    "setsid", "wait", "waitpid", "wait3", "wait4", "waitid", "_exit", "abort",
    "register_at_fork", "pidfd_open"})
OS_FDS = frozenset({
    "write", "read", "dup", "dup2", "close", "closerange", "fdopen", "open", "pipe", "pipe2",
    "openpty", "sendfile", "lseek", "pwrite", "writev", "memfd_create", "eventfd"})
# Other names of foreign modules that torch's public modules hold (``torch.nn.functional.np``).
FOREIGN_ALIASES = {"np": "numpy", "numpy": "numpy", "scipy": "scipy", "sympy": "sympy",
                   "dill": "dill", "mp": "multiprocessing",
                   "python_multiprocessing": "multiprocessing", "tqdm": "tqdm"}
_STDLIB = frozenset(sys.stdlib_module_names)

# -- attributes, names and builtins ----------------------------------------------------------
# Dunders that ordinary code reads or calls (``super().__init__()``, ``type(x).__name__``);
# every other dunder attribute (``__globals__``, ``__subclasses__``, ``__dict__``, ...) is
# introspection. Defining dunder methods in a class is not flagged (but see CLASS_HOOKS).
SAFE_DUNDERS = frozenset({
    "__init__", "__new__", "__post_init__", "__name__", "__qualname__", "__doc__", "__module__",
    "__class__", "__version__", "__all__", "__annotations__", "__call__", "__repr__", "__str__",
    "__len__", "__iter__", "__next__", "__getitem__", "__setitem__", "__contains__",
    "__enter__", "__exit__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
    "__hash__", "__bool__", "__add__", "__sub__", "__mul__", "__matmul__", "__truediv__",
    "__floordiv__", "__mod__", "__pow__", "__neg__", "__pos__", "__abs__"})
# Dunder names (not attributes) a module may use: ``if __name__ == "__main__"``, ``__file__``.
SAFE_DUNDER_NAMES = frozenset({"__name__", "__file__", "__doc__", "__all__", "__debug__",
                               "__annotations__", "__class__", "__qualname__", "__module__"})
# Class members that hook into torch: its dispatch (a tensor-like that answers every
# operator) or its import of foreign buffers (with any strides, overlapping windows included).
CLASS_HOOKS = {"__torch_function__": DISPATCH, "__torch_dispatch__": DISPATCH,
               **dict.fromkeys(("__array__", "__array_interface__", "__array_struct__",
                                "__cuda_array_interface__", "__dlpack__", "__buffer__"),
                               DATA_OUT)}
RISKY_BUILTINS = {
    "eval": DYNAMIC, "exec": DYNAMIC, "compile": DYNAMIC, "__import__": DYNAMIC,
    "open": FILES, "globals": INTROSPECTION, "locals": INTROSPECTION, "vars": INTROSPECTION,
    "breakpoint": DEBUGGER, "input": DEBUGGER, "memoryview": DATA_OUT,
}
BY_NAME_BUILTINS = frozenset({"getattr", "setattr", "delattr"})
# Attribute names flagged wherever they occur, whatever the object (its root may be untracked:
# an argument, a container, a call's result): frames, strided views, and the names under which
# the modules and parts of torch flagged above are reached.
ANYWHERE = {
    **dict.fromkeys(("f_back", "f_locals", "f_globals", "f_builtins", "f_code", "f_trace",
                     "tb_frame", "tb_next", "gi_frame", "gi_code", "cr_frame", "ag_frame",
                     "co_code", "co_consts"), INTROSPECTION),
    **dict.fromkeys(("as_strided", "as_strided_", "set_", "empty_strided",
                     "new_empty_strided"), STRIDED),
    **dict.fromkeys(("os", "posix", "subprocess", "multiprocessing", "mp", "pty",
                     "python_multiprocessing", "fork", "forkpty", "posix_spawn",
                     "posix_spawnp", "distributed"), PROCESS),
    **dict.fromkeys(("threading", "parallel", "DataParallel"), THREADS),
    **dict.fromkeys(("ctypes", "cpp_extension", "load_library", "classes"), NATIVE),
    **dict.fromkeys(("sys", "gc", "inspect", "traceback"), INTROSPECTION),
    **dict.fromkeys(("importlib", "builtins", "pickle", "marshal", "runpy"), DYNAMIC),
    **dict.fromkeys(("ops", "library", "overrides"), DISPATCH),
    **dict.fromkeys(("jit", "compile"), COMPILED),
    **dict.fromkeys(("forward_ad",), AUTOGRAD),
    **dict.fromkeys(("inference_mode", "register_module_forward_hook",
                     "register_module_forward_pre_hook", "register_module_full_backward_hook"),
                    MODES),
    **dict.fromkeys(("np", "hub", "xpu"), OUTSIDE),
    "torch": MODULE_VALUE,           # torch reached through another object (torch.functional)
    **dict.fromkeys(("numpy", "from_numpy", "from_dlpack", "dlpack"), DATA_OUT),
}
# Keyword arguments: DataLoader workers are processes; ``strides=`` builds overlapping windows
# (``np.ndarray(buffer=..., strides=...)``).
PROCESS_KEYWORDS = frozenset({"num_workers", "multiprocessing_context"})
STRIDED_KEYWORDS = frozenset({"strides"})
# Known modules (besides those bound by ``import`` and the package's own): handed around as
# values, their attributes could no longer be followed.
KNOWN_MODULES = frozenset({
    "torch", "torch.nn", "torch.nn.functional", "torch.nn.modules", "torch.nn.modules.module",
    "torch.nn.init", "torch.nn.utils", "torch.utils", "torch.utils.data", "torch.autograd",
    "torch.autograd.function", "torch.cuda", "torch.backends", "torch.linalg", "torch.fft",
    "torch.special", "torch.optim", "torch.distributions", "torch.testing", "torch.storage",
    "torch.amp", "torch.random", "torch.types", "torch.sparse", "torch.nested",
    "collections.abc"}) | ALLOWED_STDLIB

# -- the old special checks ---------------------------------------------------------------------
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
FRAME_PREFIXES = ("f_", "tb_", "gi_", "cr_", "co_")
_TOKEN = re.compile(r"[\w.]{1,100}")                  # a string that names something
_FORMAT_FIELD = re.compile(r"\{[^{}]*[.\[]_")          # "{0.__globals__}", "{x._C}"


# -- scan ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    line: int
    reason: str
    subject: str   # what is grouped on: a module, a path, a name
    what: str      # the source that was found (the first one, in a group)


def scan(files: dict[str, bytes]) -> list[str]:
    """Flags for ``files`` (path -> source): ``"<reason>: <subject> (<file>:<line>: <what>)"``,
    one per file, reason and subject (with "; N more" when it occurs again), capped."""
    modules: dict[str, _Module] = {}
    flags: list[tuple[str, int, str]] = []
    for path, data in sorted(files.items()):
        if not path.endswith(".py"):
            continue
        try:
            # Bytes, so that a coding cookie is honoured exactly as the import will honour it
            # (decoding as UTF-8 would let ``# coding: utf-7`` hide code from the scan).
            tree = ast.parse(data, filename=path)
            modules[path] = _Module(path, tree)
            encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
            if encoding not in ("utf-8", "utf-8-sig"):
                flags.append((path, 1, f"{ENCODING}: {encoding} ({_shown_name(path)}:1: "
                                       "a coding declaration other than UTF-8)"))
        except SyntaxError:
            continue  # the grader reports the import error; nothing more to scan
        except (RecursionError, MemoryError, ValueError):
            flags.append((path, 0, f"{CONVOLUTED} ({_shown_name(path)})"))
    package = _Package(modules)
    for path, module in modules.items():
        try:
            found = list(_findings(module, package))
        except (RecursionError, MemoryError):
            flags.append((path, 0, f"{CONVOLUTED} ({_shown_name(path)})"))
            continue
        flags.extend((path, line, text) for line, text in _grouped(_shown_name(path), found))
    out = [text for _, _, text in sorted(flags)]
    if len(out) > MAX_FLAGS:
        out = [*out[:MAX_FLAGS], f"... and {len(out) - MAX_FLAGS} more"]
    return out


def _shown_name(path: str) -> str:
    return path.removeprefix(f"{PACKAGE}/")


def _grouped(name: str, found: Iterable[Finding]) -> Iterator[tuple[int, str]]:
    """One flag per reason and subject, at its first line, counting the others."""
    found = list(found)
    # The module-wide autograd check repeats what the backward check says at the same place.
    in_backward = {(f.line, f.what) for f in found if f.reason == IN_BACKWARD}
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in found:
        if f.reason == IN_MODULE and (f.line, f.what) in in_backward:
            continue
        groups.setdefault((f.reason, f.subject), []).append(f)
    for (reason, subject), items in groups.items():
        first = min(items, key=lambda f: (f.line, f.what))
        more = f"; {len(items) - 1} more" if len(items) > 1 else ""
        what = first.what if len(first.what) <= _SHOWN else first.what[:_SHOWN - 3] + "..."
        head = f"{reason}: {subject}" if subject else reason
        yield first.line, f"{head} ({name}:{first.line}: {what}{more})"


# -- the package: modules, what each binds -----------------------------------------------------
class _Module:
    """One parsed file: its dotted name and what its names are bound to."""

    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path, self.tree = path, tree
        parts = path.removesuffix(".py").split("/")
        self.is_init = parts[-1] == "__init__"
        self.name = ".".join(parts[:-1] if self.is_init else parts)
        # One walk (breadth first, as ast.walk) records every node and its parent; the passes
        # below iterate over the list.
        self.nodes: list[ast.AST] = [tree]
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in self.nodes:  # grows while it is iterated
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
                self.nodes.append(child)
        self.bindings: dict[str, str] = {}   # name -> the path it stands for (first binding)
        self.imported_modules: set[str] = set()  # paths bound by ``import`` statements
        self.local_names: set[str] = set()       # names bound other than by import
        self.shadowed: set[str] = set()          # local names that are not aliases
        self.defined_private: set[str] = set()   # _names this file defines (attrs, defs)
        self.outside_imports: list[ast.ImportFrom] = []
        self._collect()

    def relative_base(self, level: int) -> str | None:
        """The package ``from .`` (level 1), ``from ..`` (2), ... refers to; None above the
        submission's package."""
        package = self.name.split(".") if self.is_init else self.name.split(".")[:-1]
        if not package or package[0] != PACKAGE or level - 1 >= len(package):
            return None
        return ".".join(package[:len(package) - (level - 1)])

    def import_from_module(self, node: ast.ImportFrom) -> str | None:
        if node.level == 0:
            return node.module or ""
        base = self.relative_base(node.level)
        if base is None:
            return None
        return f"{base}.{node.module}" if node.module else base

    def _collect(self) -> None:
        for node in self.nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self._bind(alias.asname, alias.name)
                    else:
                        self._bind(alias.name.split(".")[0], alias.name.split(".")[0])
                    parts = alias.name.split(".")
                    self.imported_modules.update(".".join(parts[:i + 1])
                                                 for i in range(len(parts)))
            elif isinstance(node, ast.ImportFrom):
                module = self.import_from_module(node)
                if module is None:
                    self.outside_imports.append(node)
                    continue
                for alias in node.names:
                    if alias.name != "*":
                        self._bind(alias.asname or alias.name, f"{module}.{alias.name}")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.local_names.add(node.name)
                if node.name.startswith("_"):
                    self.defined_private.add(node.name)
            elif isinstance(node, ast.arg):
                self.local_names.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                self.local_names.add(node.id)
                if node.id.startswith("_"):
                    self.defined_private.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                    and node.attr.startswith("_"):
                self.defined_private.add(node.attr)
        # Aliases (``F = torch.nn.functional``; an alias may name another, in any order): each
        # name stands for the first of its values that resolves. (A chain of aliases deeper than
        # the recursion limit makes the file "too convoluted to scan", a flag of its own.)
        self._values: dict[str, list[ast.AST]] = {}
        for target, value in _alias_pairs(self.nodes):
            self._values.setdefault(target, []).append(value)
        resolved = {name: self._resolve(name, set()) for name in self._values}
        for name, path in resolved.items():
            if path is not None:
                self._bind(name, path)
        self.shadowed = self.local_names - {n for n, p in resolved.items() if p is not None}

    def _bind(self, name: str, path: str) -> None:
        self.bindings.setdefault(name, path)

    def _resolve(self, name: str, visiting: set[str]) -> str | None:
        if name in self.bindings:
            return self.bindings[name]
        if name in visiting:
            return None
        visiting.add(name)
        for value in self._values.get(name, ()):
            path = self.path_of(value, visiting)
            if path is not None:
                self._bind(name, path)  # remembered: each alias is resolved once
                return path
        return None

    def path_of(self, node: ast.AST, visiting: set[str] | None = None) -> str | None:
        """The full path an expression stands for, when it is rooted at a bound name: a name, an
        attribute chain, ``getattr(chain, "literal")``; None otherwise."""
        attrs: list[str] = []
        while True:
            if isinstance(node, ast.Attribute):
                attrs.append(node.attr)
                node = node.value
            elif (isinstance(node, ast.Call) and _is_name(node.func, "getattr")
                  and len(node.args) >= 2 and _literal_name(node.args[1])):
                attrs.append(node.args[1].value)  # type: ignore[attr-defined]
                node = node.args[0]
            else:
                break
        if not isinstance(node, ast.Name):
            return None
        root = (self.bindings.get(node.id) if visiting is None
                else self._resolve(node.id, visiting))
        return None if root is None else ".".join([root, *reversed(attrs)])


def _alias_pairs(nodes: Iterable[ast.AST]) -> Iterator[tuple[str, ast.AST]]:
    """(name, value) of assignments that could make an alias: ``f = torch.nn.functional``,
    ``a, b = torch.ops, torch.nn``, ``(f := torch.ops)``, ``f: Any = torch``."""
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                yield from _pairs(target, node.value)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            yield from _pairs(node.target, node.value)


def _pairs(target: ast.AST, value: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    if isinstance(target, ast.Name):
        yield target.id, value
    elif (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
          and len(target.elts) == len(value.elts)):
        for t, v in zip(target.elts, value.elts, strict=True):
            yield from _pairs(t, v)


class _Package:
    """All the submission's modules: what each one's names stand for, so that a path through
    one of them (``from .data import np``) is judged as what it reaches."""

    def __init__(self, modules: dict[str, _Module]) -> None:
        self.by_name = {m.name: m for m in modules.values()}
        self.defined_private = set().union(*(m.defined_private for m in modules.values()))

    def canonical(self, path: str) -> str:
        """``convolutions.data.np.lib`` -> ``numpy.lib`` (through the modules' bindings)."""
        for _ in range(20):
            parts = path.split(".")
            if parts[0] != PACKAGE:
                return path
            for i in range(len(parts) - 1, 0, -1):
                module = self.by_name.get(".".join(parts[:i]))
                if module is not None and parts[i] in module.bindings:
                    path = ".".join([module.bindings[parts[i]], *parts[i + 1:]])
                    break
            else:
                return path
        return path

    def is_own_module(self, path: str) -> bool:
        return path in self.by_name


# -- judging a path -------------------------------------------------------------------------
def judge(path: str, file: str = "") -> tuple[str, str] | None:
    """(reason, subject) for a full path outside the allow-list, None if it is allowed."""
    parts = path.split(".")
    root = parts[0]
    if not root:
        return None
    if root == PACKAGE:
        return _judge_components(parts, start=1, own=True)
    if _permitted(file, path):
        return None
    if root == "torch":
        return _judge_torch(parts)
    if root in ALLOWED_STDLIB:
        found = _judge_components(parts, start=1)
        if found:
            return found
        return _longest(DENIED_IN_ALLOWED, parts)
    return _judge_outside(parts)


def _judge_torch(parts: list[str]) -> tuple[str, str] | None:
    denied = _longest(TORCH_DENIED, parts)
    if denied and denied[0] != OUTSIDE:
        return denied  # before the components: torch.multiprocessing is torch's own module
    found = _judge_components(parts, start=1)
    if found:
        return found
    if denied and denied[1] == "torch.xpu":
        return denied
    if denied and not (".".join(parts) + ".").startswith("torch.utils.data."):
        return OUTSIDE, ".".join(parts[:3])  # torch.utils.data (DataLoader, Dataset) is allowed
    for i, part in enumerate(parts[1:], 1):
        reason = TORCH_DENIED_NAMES.get(part) or next(
            (r for prefix, r in TORCH_DENIED_PREFIX.items() if part.startswith(prefix)), None)
        if reason:
            return reason, ".".join(parts[:i + 1])
    return None


def _judge_components(parts: list[str], start: int, own: bool = False
                      ) -> tuple[str, str] | None:
    """Private and dunder components, and foreign modules reached through an allowed one."""
    for i in range(start, len(parts)):
        part = parts[i]
        if part.startswith("__") and part.endswith("__"):
            if part not in SAFE_DUNDERS:
                return INTROSPECTION, ".".join(parts[:i + 1])
        elif part.startswith("_"):
            if not own:
                return PRIVATE, ".".join(parts[:i + 1])
        elif part == "torch" and parts[0] != PACKAGE:
            return judge(".".join(parts[i:]))  # a module's ``torch``: torch itself, again
        elif not own and _foreign(parts, i):
            foreign = FOREIGN_ALIASES.get(part, part)
            return _judge_outside([*foreign.split("."), *parts[i + 1:]])
    return None


def _foreign(parts: list[str], i: int) -> bool:
    """Whether ``parts[i]`` is (probably) another module held by the module before it."""
    part = parts[i]
    if part in FOREIGN_ALIASES:
        return True
    if part not in _STDLIB or part in ALLOWED_STDLIB or part in TORCH_FUNCTION_NAMES:
        return False
    return ".".join(parts[:i + 1]) not in TORCH_OWN_MODULES


def _judge_outside(parts: list[str]) -> tuple[str, str]:
    """A module outside the allow-list: the specific reason if there is one."""
    root = parts[0]
    if root in ("os", "posix", "nt") and len(parts) > 1:
        if parts[1] in OS_PROCESS:
            return PROCESS, ".".join(parts[:2])
        if parts[1] in OS_FDS:
            return FDS, ".".join(parts[:2])
    found = _longest(MODULE_REASONS, parts)
    if found:
        reason, prefix = found
        if root in BY_MEMBER and len(parts) > 1:
            return reason, ".".join(parts[:2])
        return found if reason != OUTSIDE else (OUTSIDE, root)
    if root in BY_MEMBER and len(parts) > 1:
        return OUTSIDE, ".".join(parts[:2])
    return OUTSIDE, root


def _longest(table: dict[str, str], parts: list[str]) -> tuple[str, str] | None:
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in table:
            return table[prefix], prefix
    return None


# The given files (identical in the stubs and the reference) use a few paths outside the
# allow-list; each is allowed in its own file only (a student's ``os.fork`` in data.py is not).
PERMITS = {
    "data.py": ("os.environ", "pathlib.Path", "numpy.load", "numpy.ndarray", "numpy.float32",
                "numpy.int64", "torch.from_numpy"),
}


def _permitted(file: str, path: str) -> bool:
    """``path`` is one of ``file``'s permits, a part of one (``import os`` for ``os.environ``),
    or under one (``os.environ.get``)."""
    for permit in PERMITS.get(file, ()):
        if (path + ".").startswith(permit + ".") or (permit + ".").startswith(path + "."):
            return True
    return False


# -- the walk ---------------------------------------------------------------------------------
def _findings(module: _Module, package: _Package) -> Iterator[Finding]:
    file = _shown_name(module.path)
    has_backward = any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                       and n.name == "backward" for n in module.nodes)
    for node in module.nodes:
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                found = judge(alias.name, file)
                if found:
                    yield Finding(line, *found, _import_text(alias))
        elif isinstance(node, ast.ImportFrom):
            yield from _import_from(node, module, package, file)
        elif isinstance(node, ast.Attribute):
            if _is_outermost(node, module):
                yield from _chain(node, module, package, file)
            if has_backward and node.attr in AUTOGRAD_IN_MODULE:
                yield Finding(line, IN_MODULE, node.attr, _src(node))
        elif isinstance(node, ast.Name):
            yield from _name(node, module, package, file)
            if has_backward and node.id in AUTOGRAD_IN_MODULE:
                yield Finding(line, IN_MODULE, node.id, node.id)
        elif isinstance(node, ast.Call):
            yield from _call(node, module)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name in CLASS_HOOKS:
                yield Finding(line, CLASS_HOOKS[node.name], node.name, f"def {node.name}")
            if node.name == "backward":
                yield from _autograd_in_backward(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield from _string(node.value, line)


def _import_text(alias: ast.alias) -> str:
    return f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")


def _import_from(node: ast.ImportFrom, module: _Module, package: _Package, file: str
                 ) -> Iterator[Finding]:
    line = node.lineno
    dots = "." * node.level
    base = module.import_from_module(node)
    if base is None:
        yield Finding(line, OUTSIDE_PACKAGE, f"{dots}{node.module or ''}",
                      f"from {dots}{node.module or ''} import ...")
        return
    for alias in node.names:
        text = f"from {dots}{node.module or ''} import {alias.name}"
        if alias.name == "*":
            if not package.is_own_module(base) and base.split(".")[0] != PACKAGE:
                yield Finding(line, STAR, base, text)
            continue
        found = judge(package.canonical(f"{base}.{alias.name}"), file)
        if found:
            yield Finding(line, *found, text)


def _is_outermost(node: ast.Attribute, module: _Module) -> bool:
    parent = module.parents.get(node)
    return not (isinstance(parent, ast.Attribute) and parent.value is node)


def _chain(node: ast.Attribute, module: _Module, package: _Package, file: str
           ) -> Iterator[Finding]:
    """An outermost ``a.b.c``: judged as a path when its root is bound, by its names if not."""
    line, text = node.lineno, _src(node)
    path = module.path_of(node)
    store = isinstance(node.ctx, (ast.Store, ast.Del))
    if path is not None:
        path = package.canonical(path)
        found = judge(path, file)
        if found:
            yield Finding(line, *found, text)
        own = path.split(".")[0] == PACKAGE
        if store and not own:
            yield Finding(line, PATCHING, path, text)
        if not store and _is_module(path, module, package) and _value_use(node, module):
            yield Finding(line, MODULE_VALUE, path, text)
    else:
        yield from _untracked_chain(node, module, package)
    if store and node.attr in STRIDED_KEYWORDS:
        yield Finding(line, STRIDED, f".{node.attr}", text)
    if store and node.attr in PROCESS_KEYWORDS:
        yield Finding(line, PROCESS, f".{node.attr}", text)


def _untracked_chain(node: ast.Attribute, module: _Module, package: _Package
                     ) -> Iterator[Finding]:
    """A chain whose root is not a bound name (an argument, a call's result, a container): each
    attribute is judged by its name alone."""
    line, text = node.lineno, _src(node)
    store = isinstance(node.ctx, (ast.Store, ast.Del))
    attrs = []
    sub: ast.AST = node
    while isinstance(sub, ast.Attribute):
        attrs.append(sub.attr)
        sub = sub.value
    for attr in reversed(attrs):
        if attr.startswith("__") and attr.endswith("__"):
            if attr not in SAFE_DUNDERS:
                yield Finding(line, INTROSPECTION, attr, text)
        elif attr.startswith("_"):
            if attr not in package.defined_private:
                yield Finding(line, PRIVATE, f".{attr}", text)
        elif attr in ANYWHERE:
            yield Finding(line, ANYWHERE[attr], f".{attr}", text)
    # Assigning to attributes of a class reached through an object: patching it.
    if store and ("__class__" in attrs[1:] or (isinstance(sub, ast.Call)
                                               and _is_name(sub.func, "type"))):
        yield Finding(line, PATCHING, text, text)


def _name(node: ast.Name, module: _Module, package: _Package, file: str) -> Iterator[Finding]:
    line, name = node.lineno, node.id
    if not isinstance(node.ctx, ast.Load):
        if name in CLASS_HOOKS:  # ``__array_interface__ = {...}`` in a class body
            yield Finding(line, CLASS_HOOKS[name], name, name)
        return
    parent = module.parents.get(node)
    if name in RISKY_BUILTINS and (name not in module.local_names
                                   or _is_alias_value(node, parent)):
        reason = RISKY_BUILTINS[name]
        if name == "open" and isinstance(parent, ast.Call) and parent.func is node \
                and parent.args and _is_fd(parent.args[0]):
            reason = FDS
        yield Finding(line, reason, name, _src(parent) if isinstance(parent, ast.Call)
                      and parent.func is node else name)
    elif name in BY_NAME_BUILTINS and name not in module.local_names and not (
            isinstance(parent, ast.Call) and parent.func is node):
        yield Finding(line, BY_NAME, name, name)  # ``g = getattr``: calls we cannot see
    elif name.startswith("__") and name.endswith("__") and name not in SAFE_DUNDER_NAMES \
            and name not in module.local_names:
        yield Finding(line, INTROSPECTION, name, name)  # __builtins__, __loader__, __spec__
    if name in module.bindings and name not in module.shadowed and _value_use(node, module):
        path = package.canonical(module.bindings[name])
        if _is_module(path, module, package):
            yield Finding(line, MODULE_VALUE, path, name)


def _call(node: ast.Call, module: _Module) -> Iterator[Finding]:
    line = node.lineno
    func = node.func
    if isinstance(func, ast.Name) and func.id in BY_NAME_BUILTINS \
            and func.id not in module.local_names and node.args:
        if len(node.args) < 2 or not _literal_name(node.args[1]):
            yield Finding(line, BY_NAME, func.id, _src(node))
        if func.id in ("setattr", "delattr"):
            path = module.path_of(node.args[0])
            if path is not None and path.split(".")[0] != PACKAGE:
                name = node.args[1].value if len(node.args) > 1 and _literal_name(
                    node.args[1]) else "..."  # type: ignore[attr-defined]
                yield Finding(line, PATCHING, f"{path}.{name}", _src(node))
    for kw in node.keywords:
        if kw.arg in PROCESS_KEYWORDS and not (isinstance(kw.value, ast.Constant)
                                               and kw.value.value in (0, None, False)):
            yield Finding(line, PROCESS, f"{kw.arg}=", _src(node))
        elif kw.arg in STRIDED_KEYWORDS:
            yield Finding(line, STRIDED, f"{kw.arg}=", _src(node))
    path = module.path_of(func)
    if path is not None and path.split(".")[-1] == "DataLoader":
        if len(node.args) >= 6 or any(kw.arg is None for kw in node.keywords):
            yield Finding(line, PROCESS, "num_workers=", _src(node))  # positional or **kwargs


def _string(value: str, line: int) -> Iterator[Finding]:
    shown = repr(value[:60])
    if value.startswith(SYSTEM_PATHS):
        yield Finding(line, PATHS, shown, shown)
    elif "autograder" in value:
        yield Finding(line, GRADER, shown, shown)
    elif value in PROCESS_KEYWORDS:
        yield Finding(line, PROCESS, shown, shown)
    elif _TOKEN.fullmatch(value) and _names_internal(value):
        yield Finding(line, NAMES_IN_STRING, shown, shown)
    elif _FORMAT_FIELD.search(value):
        yield Finding(line, NAMES_IN_STRING, shown, shown)


def _names_internal(token: str) -> bool:
    """``"__clo"``, ``"0.__globals__"``, ``"f_back"``, ``"_engine"`` (but not ``"__main__"``)."""
    for part in token.split("."):
        if part.startswith("__") and part not in SAFE_DUNDERS and part != "__main__":
            return True
        if part.startswith(FRAME_PREFIXES) and part in ANYWHERE:
            return True
    return False


def _autograd_in_backward(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Finding]:
    for sub in ast.walk(node):
        name = (sub.attr if isinstance(sub, ast.Attribute) else
                sub.id if isinstance(sub, ast.Name) else None)
        if name in AUTOGRAD_IN_BACKWARD:
            yield Finding(getattr(sub, "lineno", node.lineno), IN_BACKWARD, name, _src(sub))


# -- helpers ----------------------------------------------------------------------------------
def _is_module(path: str, module: _Module, package: _Package) -> bool:
    return (path in module.imported_modules or package.is_own_module(path)
            or path in KNOWN_MODULES or path in _torch_modules())


@functools.cache
def _torch_modules() -> frozenset[str]:
    """The installed torch's module paths, read from its folder (torch is not imported)."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return frozenset()
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    out = set()
    for location in spec.submodule_search_locations:
        root = Path(location)
        for file in root.rglob("*.py"):
            parts = ["torch", *file.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            out.add(".".join(parts))
    return frozenset(out)


def _value_use(node: ast.AST, module: _Module) -> bool:
    """Whether ``node`` (a bound name or chain) is used as a value: anything but the root of a
    longer chain, a call, an alias (``f = torch.nn``) or ``getattr(m, "name")``."""
    parent = module.parents.get(node)
    if isinstance(parent, ast.Attribute):
        return parent.value is not node
    if isinstance(parent, ast.Call):
        if parent.func is node:
            return False
        # getattr, setattr, delattr are judged as calls (by name, patching); hasattr is harmless
        return not (parent.args and parent.args[0] is node and isinstance(parent.func, ast.Name)
                    and parent.func.id in ("getattr", "setattr", "delattr", "hasattr"))
    return not _is_alias_value(node, parent, module)


def _is_alias_value(node: ast.AST, parent: ast.AST | None, module: _Module | None = None
                    ) -> bool:
    if isinstance(parent, ast.Assign):
        # not in a class body: ``A.t`` would reach it through an untracked root
        return (parent.value is node and all(isinstance(t, ast.Name) for t in parent.targets)
                and not (module is not None
                         and isinstance(module.parents.get(parent), ast.ClassDef)))
    if isinstance(parent, (ast.AnnAssign, ast.NamedExpr)):
        return parent.value is node and isinstance(parent.target, ast.Name)
    if isinstance(parent, ast.Tuple) and module is not None:
        grand = module.parents.get(parent)
        return (isinstance(grand, ast.Assign) and grand.value is parent
                and all(isinstance(t, ast.Tuple) and len(t.elts) == len(parent.elts)
                        and all(isinstance(e, ast.Name) for e in t.elts)
                        for t in grand.targets))
    return False


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _literal_name(node: ast.AST) -> bool:
    """A string literal that is a public identifier (``getattr(x, "shape")``)."""
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value.isidentifier() and not node.value.startswith("_"))


def _is_fd(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 0


def _src(node: ast.AST | None) -> str:
    if node is None:
        return ""
    try:
        text = ast.unparse(node)
    except (RecursionError, ValueError, AttributeError):
        return type(node).__name__
    return " ".join(text[:200].split())
