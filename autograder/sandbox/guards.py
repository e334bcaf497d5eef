"""Run-time enforcement of rules inside the student process: the machinery, not the rules.

An assignment declares its rules as plain data (a mapping of rule name -> spec; this repository's
are in ``autograder/rules.py``) and registers them here with ``register`` before any student code
is imported: the sandbox's worker does it in the zygote, the public tests in their own process.
Two kinds of rule hold for the whole process while a rule-bound call runs, whatever thread,
dispatch mode stack or captured reference the student's code goes through:

* ``"operators"`` (``OperatorRule``): every operator of a forbidden family, in every namespace,
  is overridden through ``torch.library`` with an implementation that records the violation and
  raises, on every backend key that has one (CPU, CUDA, Meta, MKLDNN, quantized, sparse...).
  View primitives that torch itself builds other views from (the spec's ``top_level_only``) are
  overridden on the autograd keys, which only calls made from outside torch's own
  implementations reach. On the calling thread a dispatch mode (``OperatorGuard``) adds a second
  net: it sees and counts every operator, and refuses operators outside the ``aten`` and
  ``prims`` namespaces.
* ``"autograd"`` (``AutogradRule``): autograd's engine is replaced, before any student code is
  imported, by a proxy that refuses a backward pass started while one is already running (on
  any thread); forward-mode AD (``_make_dual``) is refused like a forbidden operator; and the
  dispatch mode refuses building a graph inside a backward node.

Violations are recorded before the exception is raised, so catching it does not help. The
probes serialise results before the rules are lifted, so work deferred past the call (a thread,
a lazy object) cannot finish with the rules off.

What a determined student can still do from inside their own process (the grader's static
scan, ``grade/static.py``, flags each of these for manual review): reach the real engine or our
``torch.library`` handles through introspection (``gc``, closures, ``torch._C``) and remove
them; run a top-level-only view on another thread under ``torch.inference_mode`` (which skips
the autograd keys); call autograd nodes (``grad_fn``) by hand inside ``backward``.

This file ships to students with the public tests: it imports only torch and the standard
library.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

# Inside a custom backward: forward-mode AD (dual tensors) and the C++ engine's entry.
AUTOGRAD_OPS = frozenset({"aten::_make_dual", "aten::_make_dual_copy",
                          "aten::_make_dual_copy.out", "aten::_backward"})
BACKEND_KEYS = ("CPU", "CUDA", "Meta", "MkldnnCPU", "QuantizedCPU", "QuantizedCUDA",
                "SparseCPU", "SparseCUDA", "SparseCsrCPU", "SparseCsrCUDA", "NestedTensorCPU",
                "NestedTensorCUDA", "XPU", "MPS")
# Composite operators run on these through a computed implementation: override those too.
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


def _base(qualified: str) -> str:
    """``"aten::add.Tensor"`` -> ``"add"``."""
    return qualified.split("::", 1)[-1].split(".", 1)[0]


class _Overrides:
    """``torch.library`` implementations that refuse operators, installed and removed as a
    whole.

    Installing costs tens of milliseconds, so the overrides stay installed across consecutive
    rule-bound requests; ``current`` is where the request being served records violations."""

    def __init__(self, operators: list[tuple[str, str, str]],
                 describe: Callable[[str], str], plain_views: frozenset[str] = frozenset()
                 ) -> None:
        self.operators = operators  # (namespace, "name.overload", dispatch key)
        self.describe = describe  # qualified name -> what a violation records
        self.plain_views = plain_views  # names let through when they equal ``view`` (below)
        self.libraries: list[Any] = []
        self.current: Violations | None = None
        self.canary = False

    @property
    def installed(self) -> bool:
        return bool(self.libraries)

    def refuse(self, qualified: str, what: str) -> Callable[..., Any]:
        def refusal(*args: Any, **kwargs: Any) -> Any:
            if self.canary:
                raise _Canary(qualified)
            if self.current is not None:
                self.current.add(what)
            raise RuleViolation(f"rule broken: {qualified.split('.')[0]} may not be used here")
        if _base(qualified) in self.plain_views:
            return _unless_plain_view(refusal)
        return refusal

    def install(self) -> None:
        if self.installed:
            return
        libraries: dict[str, Any] = {}
        with warnings.catch_warnings():  # (torch warns of every override it registers)
            warnings.simplefilter("ignore")
            for namespace, name, key in self.operators:
                lib = libraries.get(namespace)
                if lib is None:
                    lib = libraries[namespace] = torch.library.Library(namespace, "IMPL")
                qualified = f"{namespace}::{name}"
                try:
                    lib.impl(name, self.refuse(qualified, self.describe(qualified)), key)
                except RuntimeError:
                    pass  # e.g. a Meta one for a composite operator: it decomposes anyway
        self.libraries = list(libraries.values())

    def remove(self) -> None:
        for lib in self.libraries:
            lib._destroy()
        self.libraries = []

    def intact(self, canary: Callable[[], Any]) -> bool:
        """Whether the overrides still answer (student code may have removed them): ``canary``
        runs one overridden operator."""
        if not self.installed:
            return True
        self.canary = True
        try:
            canary()
        except _Canary:
            return True
        except BaseException:  # noqa: BLE001 - anything else means ours did not run
            return False
        finally:
            self.canary = False
        return False


def _unless_plain_view(refusal: Callable[..., Any]) -> Callable[..., Any]:
    """An override of a view primitive taking sizes and strides (``_reshape_alias(self, size,
    stride)``) that lets it through when it is exactly ``self.view(size)``: torch's own
    ``reshape`` and ``flatten`` emit it for every viewable reshape (outside a dispatch mode),
    while strides of one's choosing (overlapping windows: a strided view by hand) are refused."""

    def plain_or_refused(self: Any, size: Any, stride: Any, *rest: Any, **kwargs: Any) -> Any:
        try:
            view = self.view(size)
        except RuntimeError:
            return refusal(self, size, stride, *rest, **kwargs)
        if not rest and not kwargs and tuple(view.stride()) == tuple(stride):
            return view
        return refusal(self, size, stride, *rest, **kwargs)

    return plain_or_refused


def _backend_keys(qualified: str) -> list[str]:
    """The keys to override: the main backends wherever the operator runs there, the others
    (MKLDNN, quantized, sparse, ...) where it has an implementation of its own. A composite
    operator on an exotic tensor ends in such an implementation of another forbidden operator,
    refused there."""
    has = torch._C._dispatch_has_computed_kernel_for_dispatch_key
    direct = torch._C._dispatch_has_kernel_for_dispatch_key
    return [key for key in BACKEND_KEYS
            if (has(qualified, key) if key in MAIN_KEYS else direct(qualified, key))]


def _operator_table(names: list[str], keys_for: Callable[[str], list[str]]
                    ) -> list[tuple[str, str, str]]:
    table = []
    for qualified in names:
        namespace, name = qualified.split("::", 1)
        table += [(namespace, name, key) for key in keys_for(qualified)]
    return table


def _all_operators() -> list[str]:
    return sorted(torch._C._dispatch_get_all_op_names())


# ------------------------------------------------------------------------------- the specs

OPERATOR_KEYS = {"kind", "family", "overloads", "top_level_only", "everywhere", "plain_views",
                 "composites", "python_modules", "says", "canaries"}
AUTOGRAD_KEYS = {"kind", "where"}


def _keys_of(spec: Mapping[str, Any], allowed: set[str], name: str) -> None:
    unknown = set(spec) - allowed
    if unknown:
        raise ValueError(f"rule {name!r}: unknown keys {sorted(unknown)} (allowed: "
                         f"{sorted(allowed)})")


@dataclass
class OperatorRule:
    """Forbid a family of operators (spec kind ``"operators"``).

    ``family``: a regular expression searched in operator names without namespace and overload;
    ``overloads``: qualified overloads forbidden besides; ``top_level_only``: names refused on
    the autograd keys only (views torch's own implementations build other views from);
    ``everywhere``: names refused on the autograd keys and the backends alike (those whose
    autograd implementation does the work itself); ``plain_views``: view primitives taking
    sizes and strides, refused on the autograd keys unless they equal a plain ``view`` (what
    torch's own ``reshape`` emits); ``composites``: also refuse the family's composite
    operators on the autograd keys, where they decompose (an operator such as
    ``scaled_dot_product_attention`` may decompose into allowed ones, matmul and softmax);
    ``python_modules``: modules of torch's Python (reference implementations, decompositions)
    whose functions named like the family do its work from allowed operators: refused when
    called from the submission while the rule holds; ``says``: what the family is, for
    messages; ``canaries``: functions that each run one forbidden operator (to check the
    overrides hold)."""

    name: str
    family: re.Pattern[str]
    says: str
    canaries: tuple[Callable[[], Any], ...]
    overloads: frozenset[str] = frozenset()
    top_level_only: frozenset[str] = frozenset()
    everywhere: frozenset[str] = frozenset()
    plain_views: frozenset[str] = frozenset()
    composites: bool = False
    python_modules: tuple[str, ...] = ()
    overrides: _Overrides = field(init=False)

    def __post_init__(self) -> None:
        forbidden = [n for n in _all_operators() if self.forbids(n)]
        self.overrides = _Overrides(_operator_table(forbidden, self._keys), self.describe,
                                    self.plain_views)
        for module_name in self.python_modules:
            self._wrap_python_functions(importlib.import_module(module_name))

    def _wrap_python_functions(self, module: Any) -> None:
        for attr in [a for a in dir(module) if self.family.search(a)]:
            original = getattr(module, attr)
            if callable(original) and not isinstance(original, type):
                setattr(module, attr, self._refusing_python(
                    f"{module.__name__}.{attr}", original))

    def _refusing_python(self, qualified: str, original: Callable[..., Any]
                         ) -> Callable[..., Any]:
        overrides = self.overrides

        def refusing(*args: Any, **kwargs: Any) -> Any:
            if overrides.current is not None and not _trusted(sys._getframe(1)):
                what = f"{qualified.rsplit('.', 1)[-1].lstrip('_')} ({self.says})"
                overrides.current.add(what)
                raise RuleViolation(f"rule broken: {qualified} may not be used here")
            return original(*args, **kwargs)

        refusing.__name__ = getattr(original, "__name__", qualified)
        return refusing

    @classmethod
    def from_spec(cls, name: str, spec: Mapping[str, Any]) -> OperatorRule:
        _keys_of(spec, OPERATOR_KEYS, name)
        return cls(name, re.compile(spec["family"]), str(spec["says"]),
                   tuple(spec["canaries"]), frozenset(spec.get("overloads", ())),
                   frozenset(spec.get("top_level_only", ())),
                   frozenset(spec.get("everywhere", ())),
                   frozenset(spec.get("plain_views", ())), bool(spec.get("composites", False)),
                   tuple(spec.get("python_modules", ())))

    def forbids(self, qualified: str) -> bool:
        """``"aten::<name>.<overload>"``: an operator of the forbidden family."""
        return qualified in self.overloads or bool(self.family.search(_base(qualified)))

    def describe(self, qualified: str) -> str:
        return f"{_base(qualified).lstrip('_')} ({self.says})"

    def _keys(self, qualified: str) -> list[str]:
        base = _base(qualified).removesuffix("_copy")
        if base in self.top_level_only or base in self.plain_views:
            return ["Autograd"]
        composite = self.composites and torch._C._dispatch_has_kernel_for_dispatch_key(
            qualified, "CompositeImplicitAutograd")
        return ["Autograd", *_backend_keys(qualified)] if base in self.everywhere or composite \
            else _backend_keys(qualified)

    def guard(self, violations: Violations, watch: bool = True) -> OperatorGuard:
        return OperatorGuard(self, violations, watch)

    def lift(self) -> None:
        self.overrides.remove()


@dataclass
class AutogradRule:
    """No autograd inside a custom backward (spec kind ``"autograd"``); ``where`` names the
    backward in messages (``"MyFunction.backward"``)."""

    name: str
    where: str
    overrides: _Overrides = field(init=False)

    def __post_init__(self) -> None:
        table = _operator_table(sorted(AUTOGRAD_OPS & set(_all_operators())),
                                lambda q: ["Autograd", *_backend_keys(q)])
        self.overrides = _Overrides(table, lambda q: f"autograd inside {self.where}")

    @classmethod
    def from_spec(cls, name: str, spec: Mapping[str, Any]) -> AutogradRule:
        _keys_of(spec, AUTOGRAD_KEYS, name)
        return cls(name, str(spec["where"]))

    def guard(self, violations: Violations, watch: bool = True) -> AutogradGuard:
        return AutogradGuard(self, violations)

    def lift(self) -> None:
        self.overrides.remove()


# ------------------------------------------------------------------- values stay in torch

VALUES_KEYS = {"kind", "says"}
# Where tensor values leave torch for Python or numpy (method names of torch.Tensor), ...
VALUES_OUT = ("tolist", "item", "numpy", "__array__", "__dlpack__", "__reduce_ex__",
              "untyped_storage", "storage", "data_ptr", "__float__", "__int__", "__index__",
              "__complex__")
# ... functions of torch (and torch.utils.dlpack) through which they leave or come back, ...
VALUES_FUNCTIONS = ("save", "to_dlpack", "from_dlpack", "from_numpy", "frombuffer")
# ... constructors that come back from an array or buffer (not from numbers and tensors), ...
VALUES_IN = ("tensor", "as_tensor", "asarray")
# ... and how a tensor prints: its shape, dtype and device, not its values.
DISPLAY = ("__repr__", "__str__", "__format__")


def _foreign(data: Any) -> bool:
    """Whether ``data`` (a constructor's argument) is an array or buffer rather than numbers,
    tensors, or lists of them (looked at two levels deep)."""
    if isinstance(data, (torch.Tensor, int, float, complex, bool, type(None))):
        return False
    if isinstance(data, (list, tuple)):
        return any(_foreign(item) if isinstance(item, (list, tuple)) else
                   not isinstance(item, (torch.Tensor, int, float, complex, bool))
                   for item in data[:64])
    return True


def value_entry_points() -> list[tuple[Any, str, str]]:
    """Where the values rule stands: (owner, attribute, how), ``how`` being ``"refuse"`` (values
    leave torch there, or a thread starts), ``"check"`` (a constructor: refused for an array or
    a buffer) or ``"show"`` (printing: the shape only)."""
    import _thread

    import torch.utils.dlpack as dlpack

    points = [(torch.Tensor, attr, "refuse") for attr in VALUES_OUT]
    points += [(owner, "tolist", "refuse") for owner in (torch.UntypedStorage, torch.TypedStorage)]
    points += [(owner, attr, "refuse") for owner in (torch, dlpack) for attr in VALUES_FUNCTIONS
               if hasattr(owner, attr)]
    points += [(torch, attr, "check") for attr in VALUES_IN]
    points += [(torch.Tensor, "new_tensor", "check")]
    points += [(torch.Tensor, attr, "show") for attr in DISPLAY]
    # Work on another thread escapes the calling thread's operator and line counts.
    points += [(_thread, "start_new_thread", "refuse")]
    points += [(threading, "_start_new_thread", "refuse")] \
        if hasattr(threading, "_start_new_thread") else []
    return points


def entry_point_name(owner: Any, attr: str) -> str:
    """How a violation names an entry point: ``Tensor.tolist``, ``torch.from_numpy``."""
    return f"{getattr(owner, '__name__', owner)}.{attr}"


@dataclass
class ValuesRule:
    """Tensor values stay in torch while the rule holds (spec kind ``"values"``).

    The operator count sees the work torch does; work done in Python or numpy on values taken
    out of torch would be invisible to it. So ``VALUES_OUT`` and ``VALUES_FUNCTIONS`` refuse
    (and record) while a guard of this rule is active, arrays and buffers given to
    ``VALUES_IN`` constructors are refused, a tensor prints as its shape, and no thread may be
    started (work there would escape the calling thread's counts). Calls made by the grader
    (``_trusted``) are let through. The patches are made once, at registration (before any
    student code is imported), and cost one attribute test per call while no guard is
    active."""

    name: str
    says: str
    current: Violations | None = None
    patched: dict[tuple[Any, str], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        makers = {"refuse": self._refusing, "check": self._checking, "show": self._showing_shape}
        for owner, attr, how in value_entry_points():
            self._patch(owner, attr, makers[how])

    @classmethod
    def from_spec(cls, name: str, spec: Mapping[str, Any]) -> ValuesRule:
        _keys_of(spec, VALUES_KEYS, name)
        return cls(name, str(spec["says"]))

    def _patch(self, owner: Any, attr: str, make: Callable[[str, Any], Any]) -> None:
        original = getattr(owner, attr)
        replacement = make(entry_point_name(owner, attr), original)
        replacement.__name__ = getattr(original, "__name__", attr)
        setattr(owner, attr, replacement)
        self.patched[(owner, attr)] = replacement

    def _active(self) -> bool:
        return self.current is not None and not _trusted(sys._getframe(2))

    def _refuse(self, what: str) -> None:
        assert self.current is not None
        self.current.add(f"{what} ({self.says})")
        raise RuleViolation(f"rule broken: {what} takes tensor values out of torch, which "
                            "this function may not do")

    def _refusing(self, what: str, original: Any) -> Any:
        def refusing(*args: Any, **kwargs: Any) -> Any:
            if self._active():
                self._refuse(what)
            return original(*args, **kwargs)
        return refusing

    def _checking(self, what: str, original: Any) -> Any:
        def checking(*args: Any, **kwargs: Any) -> Any:
            data = args[1] if what.endswith("new_tensor") and len(args) > 1 else \
                args[0] if args and not what.endswith("new_tensor") else kwargs.get("data")
            if self._active() and _foreign(data):
                self._refuse(f"{what} of a {type(data).__name__}")
            return original(*args, **kwargs)
        return checking

    def _showing_shape(self, what: str, original: Any) -> Any:
        def showing(self_: Any, *args: Any, **kwargs: Any) -> Any:
            if self._active() and isinstance(self_, torch.Tensor):
                return (f"<tensor of shape {tuple(self_.shape)}, {self_.dtype}, "
                        f"{self_.device}: values are not shown inside a rule-bound function>")
            return original(self_, *args, **kwargs)
        return showing

    def guard(self, violations: Violations, watch: bool = True) -> ValuesGuard:
        return ValuesGuard(self, violations)

    def intact(self) -> bool:
        return all(getattr(owner, attr, None) is patch
                   for (owner, attr), patch in self.patched.items())

    def lift(self) -> None:
        self.current = None  # (the patches stay: they pass everything through)


class ValuesGuard:
    """Context manager: inside it, the ``ValuesRule`` is in force."""

    def __init__(self, rule: ValuesRule, violations: Violations) -> None:
        self.rule, self.violations = rule, violations

    def __enter__(self) -> ValuesGuard:
        self.rule.current = self.violations
        return self

    def check_intact(self) -> None:
        if not self.rule.intact():
            self.violations.add("tampering with the grader's rule guard")

    def __exit__(self, *exc: Any) -> None:
        self.rule.current = None


def patched(owner: Any, attr: str) -> Any:
    """The guard's own stand-in for ``owner.attr`` (a values rule's patch), or None: so that a
    check of torch's integrity tells the guard's wrappers from a submission's."""
    for rule in RULES.values():
        found = getattr(rule, "patched", {}).get((owner, attr))
        if found is not None:
            return found
    return None


_TORCH = os.path.dirname(torch.__file__) + os.sep
_GRADER: list[str] = [os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep]


def trust_callers_in(path: str | os.PathLike[str]) -> None:
    """Let calls made from code in ``path`` (a file or a folder: the grader's plugins) through
    the values rule, as the grader's own are."""
    path = os.path.abspath(path)
    if path not in _GRADER:
        _GRADER.append(path)


def _trusted(frame: Any) -> bool:
    """Whether the call made from ``frame`` is the grader's: walking up the stack through
    torch's own Python code, the first other frame is the grader's. Torch code called by the
    submission inherits its restrictions (its caller is the submission's frame)."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(tuple(_GRADER)):
            return True
        if not name.startswith(_TORCH):
            return False
        frame = frame.f_back
    return False


Rule = OperatorRule | AutogradRule | ValuesRule
KINDS: dict[str, Any] = {"operators": OperatorRule, "autograd": AutogradRule,
                         "values": ValuesRule}
RULES: dict[str, Rule] = {}


def register(specs: Mapping[str, Mapping[str, Any]]) -> None:
    """Register rules by name (``{name: {"kind": "operators" | "autograd", ...}}``); a name
    registered already keeps its rule (so a second registration costs nothing)."""
    for name, spec in specs.items():
        if name in RULES:
            continue
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"rule {name!r}: kind must be one of {sorted(KINDS)}, not {kind!r}")
        RULES[name] = KINDS[kind].from_spec(name, spec)


# ------------------------------------------------------------------------ the dispatch mode

def _builds_graph_in_backward(args: Any, kwargs: Any) -> bool:
    """While an autograd rule holds: an operator that runs inside a backward node (the engine
    is executing one on this thread) with grad mode on and an input that requires grad records
    an autograd graph there, whichever engine (Python, C++, TorchScript) would then
    differentiate it."""
    if ENGINE is None or ENGINE.current is None or torch._C._current_autograd_node() is None:
        return False
    if not torch.is_grad_enabled():
        return False
    return any(isinstance(leaf, torch.Tensor) and leaf.requires_grad
               for leaf in tree_leaves((args, kwargs)))


class OperatorGuard(TorchDispatchMode):
    """Refuse ``rule``'s operators process-wide while active (see the module docstring).

    It also counts the operators the calling thread runs: ``ops`` in all, ``backward_ops``
    those run inside a backward node (a count that grows with the size of the input means a
    Python loop over it)."""

    def __init__(self, rule: OperatorRule, violations: Violations, watch: bool = True) -> None:
        """``watch=False``: the process-wide overrides only, without the dispatch mode (no
        counting, no namespace or graph checks) -- for long computations such as training,
        where the mode's cost per operator would dominate."""
        super().__init__()
        self.rule, self.violations, self.watch = rule, violations, watch
        self.ops = self.backward_ops = 0

    def __enter__(self) -> OperatorGuard:
        self.rule.overrides.install()
        self.rule.overrides.current = self.violations
        return super().__enter__() if self.watch else self

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        qualified = func.name()
        namespace = qualified.split("::", 1)[0]
        if self.rule.overrides.canary:  # the grader's own probe of its overrides: let it through
            return func(*args, **(kwargs or {}))
        self.ops += 1
        if torch._C._current_autograd_node() is not None:
            self.backward_ops += 1
        if self.rule.forbids(qualified) or namespace not in ALLOWED_NAMESPACES:
            what = (self.rule.describe(qualified) if namespace in ALLOWED_NAMESPACES else
                    f"{qualified} (an operator outside torch's aten namespace)")
            self.violations.add(what)
            raise RuleViolation(f"rule broken: {qualified} may not be used in this part")
        if _builds_graph_in_backward(args, kwargs):
            assert ENGINE is not None
            self.violations.add(f"autograd inside {ENGINE.where} (it builds a graph)")
            raise RuleViolation(f"rule broken: {ENGINE.where} may not use autograd")
        return func(*args, **(kwargs or {}))

    def check_intact(self) -> None:
        """Called before results are serialised: the overrides must still hold."""
        if not all(self.rule.overrides.intact(canary) for canary in self.rule.canaries):
            self.violations.add("tampering with the grader's rule guard")

    def __exit__(self, *exc: Any) -> Any:
        from torch.utils._python_dispatch import _get_current_dispatch_mode

        self.rule.overrides.current = None
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
        self.where = "backward"  # the active autograd rule's name for the backward
        self.proxy: Any = None  # the instance in Variable._execution_engine


def _make_engine_class(engine: Any, state: _EngineState) -> type:
    """A class standing in for autograd's engine class. Every instance (the one put in place of
    ``Variable._execution_engine``, or one a submission makes from ``torch._C``) counts backward
    passes in ``state``: while an ``AutogradGuard`` is active, one started inside another (from
    a custom backward) is a violation. The real engine stays in this closure."""
    run = engine.run_backward

    class ImperativeEngine:
        def run_backward(self, *args: Any, **kwargs: Any) -> Any:
            with state.lock:
                nested, state.depth = state.depth > 0, state.depth + 1
            try:
                if nested and state.current is not None:
                    state.current.add(f"autograd called inside {state.where}")
                    raise RuleViolation(f"rule broken: {state.where} may not call autograd")
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


class AutogradGuard:
    """Context manager: inside it, autograd may run once (the grader's), never nested; and
    forward-mode AD is refused."""

    def __init__(self, rule: AutogradRule, violations: Violations) -> None:
        self.rule, self.violations = rule, violations

    def __enter__(self) -> AutogradGuard:
        if ENGINE is None:
            install_engine_proxy()
        assert ENGINE is not None
        ENGINE.current, ENGINE.where = self.violations, self.rule.where
        self.rule.overrides.install()
        self.rule.overrides.current = self.violations
        return self

    def check_intact(self) -> None:
        from torch.autograd import variable

        if ENGINE is None or variable.Variable._execution_engine is not ENGINE.proxy:
            self.violations.add("tampering with the grader's autograd guard")

    def __exit__(self, *exc: Any) -> None:
        assert ENGINE is not None
        ENGINE.current = None
        self.rule.overrides.current = None


# ------------------------------------------------------------------------ counting Python

class LineCounter:
    """Counts the lines of Python run while active, in every frame (the submission's, torch's
    Python, the probe's own: all but the submission's are the same at every size), on the
    calling thread and on threads started meanwhile: with the operator count, a measure of work
    that a loop in plain Python cannot hide from, whichever file its code claims to come from.
    ``backward_lines``: those run inside a backward node."""

    ACTIVE: list[LineCounter] = []  # the counters active now (the public tests' stand-ins
    # of a student function give back what they ran, as they do the operators)

    def __init__(self) -> None:
        self.lines = self.backward_lines = 0
        self._tracer = self._trace_calls  # (one bound method, to recognise it later)
        self._previous: tuple[Any, Any] = (None, None)

    def _trace_calls(self, frame: Any, event: str, arg: Any) -> Any:
        return self._trace_lines

    def _trace_lines(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            self.lines += 1
            if torch._C._current_autograd_node() is not None:
                self.backward_lines += 1
        return self._trace_lines

    def __enter__(self) -> LineCounter:
        self._previous = (sys.gettrace(), threading.gettrace())
        sys.settrace(self._tracer)
        threading.settrace(self._tracer)
        LineCounter.ACTIVE.append(self)
        return self

    def check_intact(self, violations: Violations) -> None:
        """Student code that removed the counter (hoping to loop unseen)."""
        if sys.gettrace() is not self._tracer:
            violations.add("tampering with the grader's rule guard (its line counter)")

    def __exit__(self, *exc: Any) -> None:
        sys.settrace(self._previous[0])
        threading.settrace(self._previous[1])
        if self in LineCounter.ACTIVE:
            LineCounter.ACTIVE.remove(self)


# ------------------------------------------------------------------------------ entry points

def guard(rules: list[str], violations: Violations, watch: bool = True) -> list[Any]:
    """The context managers enforcing ``rules`` (names registered with ``register``);
    ``watch``: see ``OperatorGuard``."""
    unknown = set(rules) - set(RULES)
    if unknown:
        raise ValueError(f"unknown rules {sorted(unknown)}")
    return [RULES[r].guard(violations, watch) for r in rules]


def lift_unneeded(rules: list[str]) -> None:
    """Remove the process-wide overrides a request with ``rules`` does not need (a request
    free of a rule, e.g. training a network with torch's own layers). Kept otherwise, to save
    reinstalling."""
    for name, rule in RULES.items():
        if name not in rules:
            rule.lift()


def warm_up() -> None:
    """Pay torch's one-off costs now (in the sandbox's zygote, before it forks), not in every
    child: the first use of a dispatch mode imports about a second's worth of modules, and each
    registered rule installs its overrides once."""
    import torch._dynamo  # (what the first factory call under a mode imports)

    violations = Violations()
    for rule in RULES.values():
        with rule.guard(violations):
            torch.rand(2) * 2  # tiny single-threaded ops, safe before fork
    lift_unneeded([])
