"""Run-time enforcement of the assignment's rules, inside the student process.

The rules hold for the whole process while a rule-bound call runs, whatever thread, dispatch
mode stack or captured reference the student's code goes through:

* ``no_torch_convolution``: every operator of the forbidden families (convolutions, unfold /
  im2col / col2im, as_strided and its aliases, strided ``set_``), in every namespace, is
  overridden through ``torch.library`` with a kernel that records the violation and raises.
  Convolution-like kernels are overridden on every backend key that has one (CPU, CUDA, Meta,
  MKLDNN, quantized, sparse...). View primitives that torch itself builds other views from
  (``as_strided``, ``unfold``) are overridden on the autograd keys, which only calls made from
  outside torch's kernels reach. On the calling thread a dispatch mode adds a second net: it
  sees every operator, and refuses operators outside the ``aten`` and ``prims`` namespaces.
* ``no_autograd_in_backward``: autograd's engine is replaced, before any student code is
  imported, by a proxy that refuses a backward pass started while one is already running (on
  any thread); forward-mode AD (``_make_dual``) is refused like a forbidden operator.

Violations are recorded before the exception is raised, so catching it does not help. The
probes serialise results before the rules are lifted, so work deferred past the call (a thread,
a lazy object) cannot finish with the rules off.

What a determined student can still do from inside their own process (the grader's static
scan, ``grade/static.py``, flags each of these for manual review): reach the real engine or our
``torch.library`` handles through introspection (``gc``, closures, ``torch._C``) and remove
them; run ``as_strided``/``unfold`` on another thread under ``torch.inference_mode`` (which skips
the autograd keys); call autograd nodes (``grad_fn``) by hand inside ``backward``.
"""

from __future__ import annotations

import re
import threading
import warnings
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

# Operator names (without namespace and overload) of the forbidden families.
FORBIDDEN_FAMILY = re.compile(
    r"(^|_)conv(olution|[123]d|_transpose|_tbc|_depthwise|_pointwise|_prepack|_unpack)"
    r"|convolution|im2col|col2im|unfold|as_strided|_reshape_alias|slow_conv|thnn_conv"
    r"|_nested_view_from")  # (nested views take arbitrary sizes and strides, like as_strided)
# Overloads of set_ that rebuild a tensor with arbitrary sizes and strides (as_strided by hand).
FORBIDDEN_OVERLOADS = frozenset({"aten::set_.source_Storage_storage_offset",
                                 "aten::set_.source_Tensor_storage_offset"})
# Views torch's own kernels build other views from (slicing calls as_strided, repeat calls
# unfold): refused where only calls from outside torch's kernels arrive, the autograd keys.
TOP_LEVEL_ONLY = frozenset({"as_strided", "as_strided_", "unfold", "_reshape_alias"})
# Operators refused on the autograd keys and the backends alike: the ones whose autograd kernel
# does the work itself (dual tensors, nested views) or that are composite (the C++ engine).
EVERYWHERE = frozenset({"_make_dual", "_nested_view_from_buffer", "_nested_view_from_jagged",
                        "_backward"})
# Inside Corr2dFunction.backward: forward-mode AD (dual tensors) and the C++ engine's entry.
AUTOGRAD_OPS = frozenset({"aten::_make_dual", "aten::_make_dual_copy",
                          "aten::_make_dual_copy.out", "aten::_backward"})
BACKEND_KEYS = ("CPU", "CUDA", "Meta", "MkldnnCPU", "QuantizedCPU", "QuantizedCUDA",
                "SparseCPU", "SparseCUDA", "SparseCsrCPU", "SparseCsrCUDA", "NestedTensorCPU",
                "NestedTensorCUDA", "XPU", "MPS")
# Composite operators run on these through a computed kernel: override those too. (On MKLDNN
# tensors, convolution is composite down to mkldnn_convolution.)
MAIN_KEYS = frozenset({"CPU", "CUDA", "Meta", "MkldnnCPU"})
ALLOWED_NAMESPACES = frozenset({"aten", "prims"})


class RuleViolation(Exception):
    """Raised inside the student's call when it uses something the part forbids."""


class _Canary(BaseException):
    """Raised instead of RuleViolation while the grader checks that its overrides hold."""


class Violations:
    """What the guards caught during one request (kept outside the guards so all can add)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._lock = threading.Lock()

    def add(self, what: str) -> None:
        with self._lock:
            if what not in self.items:
                self.items.append(what)


def is_forbidden(qualified: str) -> bool:
    """``"aten::conv2d.padding"`` and the like: an operator of a forbidden family."""
    if qualified in FORBIDDEN_OVERLOADS:
        return True
    name = qualified.split("::", 1)[-1].split(".", 1)[0]
    return bool(FORBIDDEN_FAMILY.search(name))


def _describe(qualified: str) -> str:
    name = qualified.split("::", 1)[-1].split(".", 1)[0].lstrip("_")
    return f"{name} (torch's convolution, unfold, fold or as_strided)"


class _Overrides:
    """``torch.library`` kernels that refuse operators, installed and removed as a whole.

    Installing costs tens of milliseconds, so the overrides stay installed across consecutive
    rule-bound requests; ``current`` is where the request being served records violations."""

    def __init__(self, operators: list[tuple[str, str, str]]) -> None:
        self.operators = operators  # (namespace, "name.overload", dispatch key)
        self.libraries: list[Any] = []
        self.current: Violations | None = None
        self.canary = False

    @property
    def installed(self) -> bool:
        return bool(self.libraries)

    def refuse(self, qualified: str, what: str):
        def kernel(*args: Any, **kwargs: Any) -> Any:
            if self.canary:
                raise _Canary(qualified)
            if self.current is not None:
                self.current.add(what)
            raise RuleViolation(f"rule broken: {qualified.split('.')[0]} may not be used here")
        return kernel

    def install(self) -> None:
        if self.installed:
            return
        libraries: dict[str, Any] = {}
        with warnings.catch_warnings():  # "overriding a previously registered kernel"
            warnings.simplefilter("ignore")
            for namespace, name, key in self.operators:
                lib = libraries.get(namespace)
                if lib is None:
                    lib = libraries[namespace] = torch.library.Library(namespace, "IMPL")
                qualified = f"{namespace}::{name}"
                what = ("autograd inside Corr2dFunction.backward"
                        if qualified in AUTOGRAD_OPS else _describe(qualified))
                try:
                    lib.impl(name, self.refuse(qualified, what), key)
                except RuntimeError:
                    pass  # e.g. a Meta kernel for a composite operator: it decomposes anyway
        self.libraries = list(libraries.values())

    def remove(self) -> None:
        for lib in self.libraries:
            lib._destroy()
        self.libraries = []

    def intact(self, probe: Any) -> bool:
        """Whether the overrides still answer (student code may have removed them)."""
        if not self.installed:
            return True
        self.canary = True
        try:
            probe()
        except _Canary:
            return True
        except BaseException:  # noqa: BLE001 - anything else means ours did not run
            return False
        finally:
            self.canary = False
        return False


def _operator_table(names: list[str], keys_for: Any) -> list[tuple[str, str, str]]:
    table = []
    for qualified in names:
        namespace, name = qualified.split("::", 1)
        table += [(namespace, name, key) for key in keys_for(qualified)]
    return table


def _backend_keys(qualified: str) -> list[str]:
    """The keys to override: the main backends wherever the operator runs there, the others
    (MKLDNN, quantized, sparse, ...) where it has a kernel of its own. A composite operator on
    an exotic tensor ends in such a kernel of another forbidden operator, refused there."""
    has = torch._C._dispatch_has_computed_kernel_for_dispatch_key
    direct = torch._C._dispatch_has_kernel_for_dispatch_key
    return [key for key in BACKEND_KEYS
            if (has(qualified, key) if key in MAIN_KEYS else direct(qualified, key))]


def _keys(qualified: str) -> list[str]:
    base = qualified.split("::", 1)[1].split(".", 1)[0].removesuffix("_copy")
    if base in TOP_LEVEL_ONLY:
        return ["Autograd"]
    return ["Autograd", *_backend_keys(qualified)] if base in EVERYWHERE else \
        _backend_keys(qualified)


_ALL_OPS = sorted(torch._C._dispatch_get_all_op_names())
CONVOLUTION = _Overrides(_operator_table([n for n in _ALL_OPS if is_forbidden(n)], _keys))
FORWARD_MODE = _Overrides(_operator_table(sorted(AUTOGRAD_OPS & set(_ALL_OPS)), _keys))


def _convolution_canary() -> None:
    x = torch.zeros(1, 1, 1, 1)
    torch.ops.aten.convolution.default(x, x, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)


def _as_strided_canary() -> None:
    torch.zeros(1).as_strided((1,), (1,))


def _builds_graph_in_backward(args: Any, kwargs: Any) -> bool:
    """While the no-autograd rule holds: an operator that runs inside a backward node (the
    engine is executing one on this thread) with grad mode on and an input that requires grad
    records an autograd graph there, whichever engine (Python, C++, TorchScript) would then
    differentiate it."""
    if ENGINE is None or ENGINE.current is None or torch._C._current_autograd_node() is None:
        return False
    if not torch.is_grad_enabled():
        return False
    return any(isinstance(leaf, torch.Tensor) and leaf.requires_grad
               for leaf in tree_leaves((args, kwargs)))


class NoTorchConvolution(TorchDispatchMode):
    """Refuse the forbidden families process-wide while active (see the module docstring).

    It also counts the operators the calling thread runs: ``ops`` in all, ``backward_ops``
    those run inside a backward node (how vectorisation is judged: a count that grows with the
    number of output positions means a loop over them)."""

    def __init__(self, violations: Violations, watch: bool = True) -> None:
        """``watch=False``: the process-wide overrides only, without the dispatch mode (no
        counting, no namespace or graph checks) -- for long computations such as training,
        where the mode's cost per operator would dominate."""
        super().__init__()
        self.violations, self.watch = violations, watch
        self.ops = self.backward_ops = 0

    def __enter__(self) -> NoTorchConvolution:
        CONVOLUTION.install()
        CONVOLUTION.current = self.violations
        return super().__enter__() if self.watch else self

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        qualified = func.name()
        namespace = qualified.split("::", 1)[0]
        if CONVOLUTION.canary:  # the grader's own probe of its overrides: let it through
            return func(*args, **(kwargs or {}))
        self.ops += 1
        if torch._C._current_autograd_node() is not None:
            self.backward_ops += 1
        if is_forbidden(qualified) or namespace not in ALLOWED_NAMESPACES:
            what = (_describe(qualified) if namespace in ALLOWED_NAMESPACES else
                    f"{qualified} (an operator outside torch's aten namespace)")
            self.violations.add(what)
            raise RuleViolation(f"rule broken: {qualified} may not be used in this part")
        if _builds_graph_in_backward(args, kwargs):
            self.violations.add("autograd inside Corr2dFunction.backward (it builds a graph)")
            raise RuleViolation("rule broken: Corr2dFunction.backward may not use autograd")
        return func(*args, **(kwargs or {}))

    def check_intact(self) -> None:
        """Called before results are serialised: the overrides must still hold."""
        if not (CONVOLUTION.intact(_convolution_canary) and CONVOLUTION.intact(_as_strided_canary)):
            self.violations.add("tampering with the grader's rule guard")

    def __exit__(self, *exc: Any) -> Any:
        from torch.utils._python_dispatch import _get_current_dispatch_mode

        CONVOLUTION.current = None
        if not self.watch:
            return None
        # Student code that popped this mode (hoping to call a forbidden operator unseen).
        if _get_current_dispatch_mode() is not self:
            self.violations.add("tampering with the grader's rule guard")
            return None
        return super().__exit__(*exc)


# ------------------------------------------------------------------------- autograd engine

class _EngineState:
    """Backward passes running in the whole process, and where a violation goes."""

    def __init__(self) -> None:
        self.depth = 0
        self.lock = threading.Lock()
        self.current: Violations | None = None
        self.proxy: Any = None  # the instance in Variable._execution_engine


def _make_engine_class(engine: Any, state: _EngineState) -> type:
    """A class standing in for autograd's engine class. Every instance (the one put in place of
    ``Variable._execution_engine``, or one a submission makes from ``torch._C``) counts backward
    passes in ``state``: while ``NoAutogradInBackward`` is active, one started inside another
    (from ``Corr2dFunction.backward``) is a violation. The real engine stays in this closure."""
    run = engine.run_backward

    class ImperativeEngine:
        def run_backward(self, *args: Any, **kwargs: Any) -> Any:
            with state.lock:
                nested, state.depth = state.depth > 0, state.depth + 1
            try:
                if nested and state.current is not None:
                    state.current.add("autograd called inside Corr2dFunction.backward")
                    raise RuleViolation("rule broken: Corr2dFunction.backward may not call "
                                        "autograd")
                return run(*args, **kwargs)
            finally:
                with state.lock:
                    state.depth -= 1

        def queue_callback(self, callback: Any) -> Any:
            return engine.queue_callback(callback)

        def is_checkpoint_valid(self) -> Any:
            return engine.is_checkpoint_valid()

    return ImperativeEngine


ENGINE: _EngineState | None = None


def install_engine_proxy() -> None:
    """Put a proxy in place of autograd's engine, and its class in place of the engine's
    classes in ``torch._C``; call once per process, before student code is imported."""
    global ENGINE
    from torch.autograd import variable

    if ENGINE is not None:
        return
    state = _EngineState()
    proxy_class = _make_engine_class(variable.Variable._execution_engine, state)
    variable.Variable._execution_engine = proxy_class()
    for owner, name in ((torch._C, "_ImperativeEngine"), (torch._C, "_EngineBase"),
                        (variable, "ImperativeEngine")):
        if hasattr(owner, name):
            setattr(owner, name, proxy_class)
    state.proxy = variable.Variable._execution_engine
    ENGINE = state


class NoAutogradInBackward:
    """Context manager: inside it, autograd may run once (the grader's), never nested; and
    forward-mode AD is refused."""

    def __init__(self, violations: Violations) -> None:
        self.violations = violations

    def __enter__(self) -> NoAutogradInBackward:
        if ENGINE is None:
            install_engine_proxy()
        assert ENGINE is not None
        ENGINE.current = self.violations
        FORWARD_MODE.install()
        FORWARD_MODE.current = self.violations
        return self

    def check_intact(self) -> None:
        from torch.autograd import variable

        if ENGINE is None or variable.Variable._execution_engine is not ENGINE.proxy:
            self.violations.add("tampering with the grader's autograd guard")

    def __exit__(self, *exc: Any) -> None:
        assert ENGINE is not None
        ENGINE.current = None
        FORWARD_MODE.current = None


RULES = {"no_torch_convolution": NoTorchConvolution,
         "no_autograd_in_backward": NoAutogradInBackward}


def guard(rules: list[str], violations: Violations, watch: bool = True) -> list[Any]:
    """The context managers enforcing ``rules`` (names from ``RULES``); ``watch``: see
    ``NoTorchConvolution``."""
    unknown = set(rules) - set(RULES)
    if unknown:
        raise ValueError(f"unknown rules {sorted(unknown)}")
    return [NoTorchConvolution(violations, watch) if r == "no_torch_convolution"
            else RULES[r](violations) for r in rules]


def lift_unneeded(rules: list[str]) -> None:
    """Remove the process-wide overrides a request with ``rules`` does not need (a request
    that may use convolutions, e.g. training a CNN). Kept otherwise, to save reinstalling."""
    if "no_torch_convolution" not in rules:
        CONVOLUTION.remove()
    if "no_autograd_in_backward" not in rules:
        FORWARD_MODE.remove()


def torch_dtype(name: str) -> torch.dtype:
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"not a torch dtype: {name}")
    return dtype
