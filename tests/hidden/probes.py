"""The convolution assignment's probes: what the student process does for its checks.

A plugin of the sandbox's worker (``paths.SANDBOX_PLUGINS``): loaded before any submission is
imported, it registers these probes beside the generic ones (``autograder/sandbox/probes.py``,
which says what a probe may and may not do). It is bound read-only into the sandbox, so, unlike
the checks beside it, it must hold nothing secret: no expected value, no check.

A new kind of check needs a new probe only when ``call`` (the student's function on given
inputs) cannot observe what it judges: write it here with ``@probe(rules)``, and call it from a
check as ``student.probe("<function name>", **inputs)``. A new rule goes in
``autograder/rules.py``.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn
from torch._decomp import decompositions as _decompositions

from autograder.rules import bound
from autograder.sandbox.guards import Violations
from autograder.sandbox.probes import encode, probe, stand_ins, type_name, under_rules

# Captured before student code is imported, so a patched torch cannot answer for us.
_grad, _manual_seed, _no_grad = torch.autograd.grad, torch.manual_seed, torch.no_grad
_im2col = _decompositions.im2col
_Linear, _Conv2d, _Module = nn.Linear, nn.Conv2d, nn.Module

# The rules of what each probe calls (autograder/rules.py's BOUND): they hold for the whole
# request, whichever check makes it.
BACKWARD = bound("Corr2dFunction")
LAYER = bound("Conv2D")


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _oracle_corr2d(X: torch.Tensor, K: torch.Tensor, padding: Any = 0,
                   stride: Any = 1) -> torch.Tensor:
    """``corr2d`` from torch's own decomposition of im2col (plain aten indexing, none of the
    forbidden operators): what the student's ``corr2d`` is replaced by while another part is
    graded, so that a fault in ``corr2d`` costs its own part only."""
    (ph, pw), (sh, sw) = _pair(padding), _pair(stride)
    (h, w), (kh, kw) = X.shape, K.shape
    cols = _im2col(X[None, None], [kh, kw], [1, 1], [ph, pw], [sh, sw])[0]
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    return (K.reshape(1, -1).to(cols.dtype) @ cols).reshape(out_h, out_w)


# What stands in for the student's own functions while another part is graded.
ORACLES = {"corr2d": _oracle_corr2d}


@probe(BACKWARD)
def corr2d_function(student: Any, violations: Violations, X: torch.Tensor, K: torch.Tensor,
                    dY: torch.Tensor, requires: list[bool] | None = None) -> dict[str, Any]:
    """Forward and backward of ``Corr2dFunction`` with dY given; autograd banned inside, the
    student's ``corr2d`` replaced by the oracle. ``requires``: which of X, K require grad.
    Observes Y, dX, dK, the operators and the lines of Python run inside
    backward, and what backward itself returned for each input (None or a tensor)."""
    fn = student.get("Corr2dFunction")
    need_x, need_k = requires or (True, True)
    Xg, Kg = X.clone().requires_grad_(need_x), K.clone().requires_grad_(need_k)
    returned: list[Any] = []
    with stand_ins(student, ORACLES), _recording_backward(fn, returned), \
            under_rules(BACKWARD, violations, count_lines=True) as guarded:
        Y = fn.apply(Xg, Kg)
        wanted = [t for t in (Xg, Kg) if t.requires_grad]
        grads = dict(zip([id(t) for t in wanted], _grad(Y, wanted, dY, allow_unused=True)))
        dX, dK = grads.get(id(Xg)), grads.get(id(Kg))
        return guarded.seal({
            "Y": encode(Y), "dX": encode(dX), "dK": encode(dK),
            "inputs": [encode(Xg), encode(Kg), encode(dY)],
            "backward_ops": guarded.watch.backward_ops if guarded.watch else None,
            "backward_lines": guarded.lines.backward_lines if guarded.lines else None,
            "returned": [None if r is None else type_name(r) for r in returned[0]]
            if returned and isinstance(returned[0], tuple) else None})


@contextlib.contextmanager
def _recording_backward(fn: Any, returned: list[Any]) -> Iterator[None]:
    """Record what ``fn.backward`` returns (autograd drops gradients of inputs that do not
    require them, so this is the only way to see whether ``needs_input_grad`` was honoured)."""
    classes = type.mro(fn) if isinstance(fn, type) else []
    owner = next((k for k in classes if "backward" in vars(k)), None)
    original = vars(owner)["backward"] if owner is not None else None
    if not isinstance(original, staticmethod):
        yield
        return

    def backward(ctx: Any, *grads: Any) -> Any:
        out = original.__func__(ctx, *grads)
        returned.append(out)
        return out

    type.__setattr__(fn, "backward", staticmethod(backward))
    try:
        yield
    finally:
        if owner is fn:
            type.__setattr__(fn, "backward", original)
        else:  # it was inherited: remove the shadowing copy
            type.__delattr__(fn, "backward")


@probe(BACKWARD)
def corr2d_jacobians(student: Any, violations: Violations, X: torch.Tensor, K: torch.Tensor,
                     eps: float = 1e-6) -> dict[str, Any]:
    """gradcheck's two Jacobians: from the backward (analytic) and from the forward (numeric)."""
    fn = student.get("Corr2dFunction")
    with stand_ins(student, ORACLES), under_rules(BACKWARD, violations) as guarded:
        Xg, Kg = X.clone().requires_grad_(True), K.clone().requires_grad_(True)
        Y = fn.apply(Xg, Kg)
        n = Y.numel()
        rows_x, rows_k = [], []
        for o in range(n):
            basis = torch.zeros(n, dtype=Y.dtype, device=Y.device)
            basis[o] = 1
            dX, dK = _grad(Y, (Xg, Kg), basis.reshape(Y.shape), retain_graph=True,
                           allow_unused=True)
            rows_x.append(torch.zeros_like(X).reshape(-1) if dX is None else dX.reshape(-1))
            rows_k.append(torch.zeros_like(K).reshape(-1) if dK is None else dK.reshape(-1))
        numeric = []
        with _no_grad():
            for which, base in ((0, X), (1, K)):
                cols = []
                for i in range(base.numel()):
                    pair = [X.clone(), K.clone()]
                    flat = pair[which].reshape(-1)
                    flat[i] += eps
                    up = fn.apply(*pair).reshape(-1)
                    flat[i] -= 2 * eps
                    down = fn.apply(*pair).reshape(-1)
                    cols.append((up - down) / (2 * eps))
                numeric.append(torch.stack(cols, dim=1))
        return guarded.seal({"analytic_X": encode(torch.stack(rows_x)),
                             "analytic_K": encode(torch.stack(rows_k)),
                             "numeric_X": encode(numeric[0]), "numeric_K": encode(numeric[1])})


@probe(LAYER)
def conv2d_layer(student: Any, violations: Violations, kernel_size: int | list[int], seed: int,
                 X: torch.Tensor) -> dict[str, Any]:
    """Build ``Conv2D(kernel_size)`` (an int or a pair), run it, back-propagate ``Y.sum()``;
    observe parameters and grads."""
    cls = student.get("Conv2D")
    _manual_seed(seed)
    with stand_ins(student, ORACLES), under_rules(LAYER, violations) as guarded:
        layer = cls(kernel_size if isinstance(kernel_size, int) else tuple(kernel_size))
        if isinstance(layer, _Module):
            layer = layer.to(X.device)  # d2l's Conv2D creates its parameters on the CPU
        params = dict(layer.named_parameters()) if isinstance(layer, _Module) else {}
        Y = layer(X)
        nodes = _graph_nodes(Y)
        Y.sum().backward()
        return guarded.seal({"is_module": isinstance(layer, _Module),
                             "params": {n: encode(p.detach()) for n, p in params.items()},
                             "grads": {n: encode(p.grad) for n, p in params.items()},
                             "Y": encode(Y), "nodes": sorted(nodes)})


def _graph_nodes(t: Any) -> set[str]:
    """Names of the autograd nodes behind ``t`` (at most 10,000)."""
    names: set[str] = set()
    todo = [getattr(t, "grad_fn", None)]
    while todo and len(names) < 10_000:
        node = todo.pop()
        if node is None or type(node).__name__ in names:
            continue
        names.add(type(node).__name__)
        todo += [parent for parent, _ in node.next_functions]
    return names


@probe(bound("learn_kernel"))
def learn_kernel(student: Any, violations: Violations, X: torch.Tensor, Y: torch.Tensor,
                 kernel_size: list[int], seed: int) -> dict[str, Any]:
    """Train with the student's ``learn_kernel``; observe the returned layer's parameters."""
    fn, cls = student.get("learn_kernel"), student.get("Conv2D")
    _manual_seed(seed)
    # Training runs thousands of operators: the process-wide guards only, no counting mode.
    with stand_ins(student, ORACLES), \
            under_rules(bound("learn_kernel"), violations, watch=False) as guarded:
        conv = fn(X, Y, tuple(kernel_size))
        ok = isinstance(conv, cls) and isinstance(conv, _Module)
        return guarded.seal({"type": type_name(conv), "is_conv2d": ok,
                             "weight": encode(conv.weight.detach()) if ok else None,
                             "bias": encode(conv.bias.detach()) if ok else None})


@probe()
def linear_to_conv1x1(student: Any, violations: Violations, weight: torch.Tensor,
                      bias: torch.Tensor | None, X: torch.Tensor) -> dict[str, Any]:
    """Convert an ``nn.Linear`` holding ``weight``/``bias``; observe the conv and its output."""
    linear = _loaded(_Linear(weight.shape[1], weight.shape[0], bias=bias is not None,
                             dtype=weight.dtype, device=weight.device), weight, bias)
    conv = student.get("linear_to_conv1x1")(linear)
    obs: dict[str, Any] = {"type": type_name(conv), "exact": type(conv) is _Conv2d,
                           "linear_weight": encode(linear.weight.detach()),
                           "linear_bias": encode(None if bias is None else linear.bias.detach())}
    if obs["exact"]:
        obs.update(kernel_size=list(conv.kernel_size), stride=list(conv.stride),
                   padding=conv.padding if isinstance(conv.padding, str) else list(conv.padding),
                   **_parameters(conv, linear))
        with _no_grad():
            obs["output"] = encode(conv(X))
    return obs


@probe()
def conv1x1_to_linear(student: Any, violations: Violations, weight: torch.Tensor,
                      bias: torch.Tensor | None, x: torch.Tensor) -> dict[str, Any]:
    """Convert a 1x1 ``nn.Conv2d`` holding ``weight``/``bias``; observe the linear layer."""
    conv = _loaded(_Conv2d(weight.shape[1], weight.shape[0], 1, bias=bias is not None,
                           dtype=weight.dtype, device=weight.device), weight, bias)
    linear = student.get("conv1x1_to_linear")(conv)
    obs: dict[str, Any] = {"type": type_name(linear), "exact": type(linear) is _Linear,
                           "conv_weight": encode(conv.weight.detach())}
    if obs["exact"]:
        obs.update(_parameters(linear, conv))
        with _no_grad():
            obs["output"] = encode(linear(x))
    return obs


def _loaded(layer: Any, weight: torch.Tensor, bias: torch.Tensor | None) -> Any:
    """``layer`` (ours, built before the student's code is called) holding these values."""
    with _no_grad():
        layer.weight.copy_(weight)
        if bias is not None:
            layer.bias.copy_(bias)
    return layer


def _parameters(new: Any, old: Any) -> dict[str, Any]:
    """The converted layer's weight and bias, and whether it shares the original's storage."""
    return {"weight": encode(new.weight.detach()),
            "bias": encode(None if new.bias is None else new.bias.detach()),
            "shares_weight": new.weight.data_ptr() == old.weight.data_ptr()}


@probe()
def module_forward(student: Any, violations: Violations, name: str, init: dict[str, Any],
                   seed: int, inputs: list[torch.Tensor],
                   dtype: str | None = None) -> dict[str, Any]:
    """Build ``name(**init)`` in eval mode and run it on each input; observe the outputs."""
    _manual_seed(seed)
    with under_rules(bound(name), violations, watch=False) as guarded:
        model = student.get(name)(**init)
        model = model.to(device=inputs[0].device,
                         dtype=getattr(torch, dtype) if dtype else None)
        model.eval()
        with _no_grad():
            outputs = guarded.seal([encode(model(x)) for x in inputs])
    # Every class in each module's MRO, so that a subclass of a torch.nn layer still names it.
    return {"outputs": outputs,
            "modules": sorted({f"{k.__module__}.{k.__qualname__}" for m in model.modules()
                               for k in type(m).__mro__})}


@probe()
def train_classifier(student: Any, violations: Violations, name: str, init: dict[str, Any],
                     trainer_source: str, hyper: dict[str, Any], X_train: torch.Tensor,
                     y_train: torch.Tensor, X_eval: torch.Tensor) -> dict[str, Any]:
    """Train ``name(**init)`` with the grader's copy of the given training loop; predict X_eval.

    The loop comes from the grader (the same code students were given), so a submission's own
    training.py cannot change how it is trained. Labels of the evaluation set never come here.
    """
    trainer = types.ModuleType("grader_training")
    exec(compile(trainer_source, "training.py", "exec"), trainer.__dict__)  # noqa: S102
    _manual_seed(hyper["seed"])
    with under_rules(bound(name), violations, watch=False) as guarded:
        model = student.get(name)(**init).to(X_train.device)
        trainer.train_classifier(model, X_train, y_train, **hyper)
        model.eval()
        with _no_grad():
            return guarded.seal({"logits": encode(model(X_eval))})


@probe()
def concept(student: Any, violations: Violations, name: str) -> dict[str, Any]:
    """The answer returned by ``convolutions.concepts.<name>()``."""
    return {"value": encode(getattr(student.get("concepts"), name)())}
