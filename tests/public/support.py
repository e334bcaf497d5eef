"""Helpers for the public tests: the grader's own rule guard and tolerances, comparisons with
actionable messages, and the oracles the tests compare with.

The rule guard (``autograder/sandbox/guards.py``), the rules it enforces (``autograder/rules.py``)
and the tolerances (``autograder/tolerances.py``) are the grader's own files, not copies kept in
step by hand: in the instructors' repository the tests load them from there, and ``make release``
puts the same files at the same paths in the student template. So a public test breaks a rule,
and compares values, exactly as grading does.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils._python_dispatch import _get_current_dispatch_mode_stack

ROOT = Path(__file__).resolve().parents[2]
GRADER = ROOT / "autograder"
DATA = ROOT / "data"


def _load(name: str, path: Path) -> ModuleType:
    """The module in ``path``, without importing the package around it (only its file ships)."""
    if name in sys.modules:
        return sys.modules[name]
    if not path.is_file():
        raise ImportError(f"{path} is missing: it is part of the public tests (do not delete it)")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


guards = _load("public_tests_guards", GRADER / "sandbox" / "guards.py")
rules = _load("public_tests_rules", GRADER / "rules.py")
guards.register(rules.RULES)
tolerances = _load("public_tests_tolerances", GRADER / "tolerances.py")
# The misconception library: known wrong answers recognised in a failing result, as the grader
# recognises them (autograder/recognise.py), with the public wrong answers of every part.
recognition = _load("public_tests_recognise", GRADER / "recognise.py")
library = _load("public_tests_misconceptions", GRADER / "misconceptions.py")
WRONG_ANSWERS = [_load(f"public_tests_wrong_{path.stem}", path).WRONG_ANSWERS
                 for path in sorted((GRADER / "wrong_answers").glob("*.py"))
                 if not path.name.startswith("_")]


def suspects(target: str, *args: Any, **kwargs: Any) -> list[Any]:
    """The public wrong answers of ``target`` (``"corr2d"``...) bound to a test's inputs: give
    them to ``assert_tensor`` and a failure that equals one names the misconception."""
    return recognition.suspects(WRONG_ANSWERS, target, *args, **kwargs)


def _named(message: str, misconception: str | None) -> str:
    """``message``, with the misconception the result was recognised as (if any)."""
    return message if misconception is None else f"{message}\n{library.feedback(misconception)}"

# The rules bound to the package's names (``rules.BOUND``), as the grader applies them: those of
# the arithmetic functions (corr2d, im2col, kernel_matrix, corr1d...: no torch convolution,
# values stay in torch), of Corr2dFunction (and no autograd inside its backward), and of Conv2D
# and learn_kernel (training reads its loss: values may leave torch there).
NO_CONV = tuple(rules.bound("corr2d"))
BACKWARD = tuple(rules.bound("Corr2dFunction"))
TRAINING = tuple(rules.bound("learn_kernel"))
AUDIO_NET = tuple(rules.bound("AudioConvNet"))


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def tolerance(*dtypes: torch.dtype) -> tuple[float, float]:
    """The grader's (rtol, atol): the coarsest among ``dtypes`` (exact for integer dtypes)."""
    tols = [tolerances.TOLERANCES.get(_dtype_name(d), (0.0, 0.0)) for d in dtypes]
    return max(t[0] for t in tols), max(t[1] for t in tols)


# ------------------------------------------------------------------------------ the rules

class Rules:
    """``with Rules(NO_CONV, "corr2d(...)") as guard:`` runs the block under the grader's rule
    guard. A rule broken inside the block fails the test, even when the code caught the guard's
    exception (the guard records the violation before it raises). ``guard.ops`` is the work the
    block did: the operators it ran plus, with ``count_lines``, the lines of Python it ran;
    ``guard.backward_ops`` that done inside a backward pass.

    ``watch=False`` (for training): the process-wide refusals only, no counting, as the grader
    does for ``learn_kernel``."""

    def __init__(self, rules: Sequence[str], what: str, watch: bool = True,
                 count_lines: bool = False) -> None:
        self.rules, self.what, self.watch = list(rules), what, watch
        self.violations = guards.Violations()
        self._managers: list[Any] = []
        self._lines = guards.LineCounter() if count_lines else None
        self._stack = contextlib.ExitStack()

    @property
    def ops(self) -> int:
        return self._counter().ops + (self._lines.lines if self._lines else 0)

    @property
    def backward_ops(self) -> int:
        return self._counter().backward_ops + (self._lines.backward_lines if self._lines else 0)

    def _counter(self) -> Any:
        counter = next((m for m in self._managers if isinstance(m, guards.OperatorGuard)
                        and m.watch), None)
        assert counter is not None, "the operators are counted under NO_CONV with watch=True"
        return counter

    def __enter__(self) -> Rules:
        self._managers = guards.guard(self.rules, self.violations, self.watch)
        for manager in self._managers:
            self._stack.enter_context(manager)
        if self._lines is not None:
            self._stack.enter_context(self._lines)
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        try:
            if kind is None:
                for manager in self._managers:
                    manager.check_intact()
                if self._lines is not None:
                    self._lines.check_intact(self.violations)
        finally:
            try:
                self._stack.__exit__(kind, exc, tb)
            finally:
                # The guard's overrides outlive the block; the tests' own oracles use torch's
                # convolutions, so lift them now.
                guards.lift_unneeded([])
        if self.violations.items:
            raise AssertionError(
                f"{self.what} broke the assignment's rules: {'; '.join(self.violations.items)}. "
                "The grader's rule guard caught it (catching its exception does not help); a "
                "check that catches a broken rule fails even when the values are right."
            ) from (exc if isinstance(exc, guards.RuleViolation) else None)
        return False


def count_ops(rules: Sequence[str], fn: Callable[..., Any], *args: Any, what: str,
              **kwargs: Any) -> int:
    """The work ``fn(*args, **kwargs)`` does under ``rules``: the operators it runs plus the
    lines of Python it runs (as the grader counts them)."""
    with Rules(rules, what, count_lines=True) as guard:
        fn(*args, **kwargs)
    return guard.ops


def assert_vectorised(what: str, small: tuple[int, tuple[int, ...]],
                      large: tuple[int, tuple[int, ...]]) -> None:
    """``small`` and ``large``: (work done, output shape) with the kernel fixed and several
    times as many output positions in ``large``. Vectorised code does the same work for both;
    the grader's slack (``WORK_SLACK``) allows a few more operations (a branch on the shape)."""
    (few, few_shape), (many, many_shape) = small, large
    if tolerances.loops_over_outputs(few, many):
        size = lambda shape: "x".join(map(str, shape))  # noqa: E731
        raise AssertionError(
            f"{what} did {few} operations (torch operators and lines of your Python) for a "
            f"{size(few_shape)} output and {many} for {size(many_shape)}: its work grows with "
            "the number of output positions, so it loops over them (rows, columns or pixels). "
            "Loop over the kernel offsets only, and let each operation (a slice, a product) "
            "cover every output position at once."
        )


# ------------------------------------------------------------------------- comparisons

def assert_tensor(actual: Any, expected: Tensor, what: str, rtol: float | None = None,
                  atol: float | None = None, layout: bool = True,
                  suspects: Sequence[Any] = ()) -> None:
    """Assert ``actual`` is a plain tensor like ``expected``: shape and values (within the
    grader's tolerance), and with ``layout`` also dtype and device. On the ``meta`` device there
    are no values: shape and device (and dtype with ``layout``) only.

    Values are compared at the coarser of the two dtypes' tolerances, as the grader does (the
    dtype itself is judged by the tests with ``layout``). The message names ``what``, the shapes,
    the count of wrong values, the first wrong index and the max error, and the misconception
    among ``suspects`` (``suspects(...)``) whose wrong answer the result equals, if one does.
    """
    assert type(actual) is Tensor, f"{what}: expected a torch.Tensor, got {type(actual).__name__}"
    meta = expected.device.type == "meta"
    if layout or meta:
        assert_layout(actual, tuple(expected.shape), expected.dtype if layout else None,
                      expected.device, what)
    default_rtol, default_atol = tolerance(expected.dtype, actual.dtype)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol

    def recognised() -> str | None:
        values = None if actual.device.type == "meta" else actual.detach()
        return recognition.recognise(values, tuple(actual.shape), expected.detach().cpu(),
                                     suspects, rtol, atol) if suspects else None

    if tuple(actual.shape) != tuple(expected.shape):
        raise AssertionError(_named(
            f"{what}: shape {tuple(actual.shape)}, expected {tuple(expected.shape)}",
            recognised()))
    if meta:
        return
    a = actual.detach().cpu().to(torch.float64)
    e = expected.detach().cpu().to(torch.float64)
    bad = ~torch.isclose(a, e, rtol=rtol, atol=atol)
    if bad.any():
        first = tuple(int(i) for i in bad.nonzero()[0])
        diff = (a - e).abs()
        finite = diff[torch.isfinite(diff)]
        err = float(finite.max()) if finite.numel() else math.inf
        nonfinite = "" if torch.isfinite(a).all() else " (your result contains NaN or inf)"
        raise AssertionError(_named(
            f"{what}: {int(bad.sum())} of {e.numel()} values are wrong{nonfinite}; first at index "
            f"{first}: got {a[first].item():.6g}, expected {e[first].item():.6g}; max abs error "
            f"{err:.3g} (rtol={rtol:g}, atol={atol:g})", recognised()))


def assert_layout(actual: Any, shape: tuple[int, ...], dtype: torch.dtype | None,
                  device: torch.device | str, what: str) -> None:
    """A plain tensor of this dtype (unless None), on this device's type, of this shape (values
    not read)."""
    assert type(actual) is Tensor, f"{what}: expected a torch.Tensor, got {type(actual).__name__}"
    if dtype is not None and actual.dtype != dtype:
        raise AssertionError(_named(
            f"{what}: dtype {_dtype_name(actual.dtype)}, expected {_dtype_name(dtype)} (the "
            "output must keep the input's dtype: create tensors with dtype=X.dtype, or "
            "X.new_zeros)", recognition.recognise_layout(actual.dtype, dtype, None, None)))
    device = torch.device(device)
    if actual.device.type != device.type:
        raise AssertionError(_named(
            f"{what}: tensor on device {actual.device}, but the input was on {device} (create "
            "new tensors with device=X.device, or X.new_zeros)",
            recognition.recognise_layout(None, None, actual.device, device)))
    assert tuple(actual.shape) == tuple(shape), (
        f"{what}: shape {tuple(actual.shape)}, expected {tuple(shape)}"
    )


def assert_unchanged(after: Tensor, before: Tensor, what: str) -> None:
    """An input after the call equals its copy from before, bit for bit."""
    assert after.shape == before.shape and torch.equal(after, before), (
        f"{what} was modified by your function; never change the inputs (work on copies, and "
        "avoid in-place operations such as +=, mul_ or slicing assignment on an input)"
    )


def assert_input_dependent(rows: Tensor, what: str) -> None:
    """Rows computed from different inputs are finite and not all the same (a model whose
    output ignores its input earns nothing)."""
    rows = rows.detach().cpu().to(torch.float64).reshape(len(rows), -1)
    assert torch.isfinite(rows).all(), f"{what}: the logits contain NaN or inf"
    spread = (rows - rows[0]).abs().max()
    assert spread > 1e-6 * (1 + rows.abs().max()), (
        f"{what}: the logits are the same for all of them; they must depend on the input"
    )


# --------------------------------------------------------- properties of a working function

@contextlib.contextmanager
def value_first(what: str) -> Iterator[None]:
    """As in grading, a test of one property (a dtype, a device) credits only a function that
    computes the right value: run the call and compare its value inside the block; a wrong
    value, a placeholder of the right shape or a crash fails the test as "not judged: the value
    is wrong", so the message names one mistake (the value), not two."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - a wrong value, or your code's own exception
        raise AssertionError(f"{what}: not judged: the value is wrong ("
                             f"{type(exc).__name__}: {exc})") from exc


def assert_on_device(compute: Callable[[str], Any], expected: Tensor | Sequence[Tensor],
                     what: str, device: str = "meta", **rtol_atol: float) -> None:
    """``compute(device)`` (a tensor, or a tuple like ``expected``) keeps its results on
    ``device``, judged as the grader's device checks judge it: the same call on the CPU gives
    ``expected`` first, then on ``device`` (meta: no values) each result's shape and device."""
    many = not isinstance(expected, Tensor)
    wanted = list(expected) if many else [expected]
    with value_first(f"{what} on {device}"):
        got = compute("cpu")
        for i, (actual, value) in enumerate(zip(list(got) if many else [got], wanted,
                                                strict=True)):
            assert_tensor(actual, value, f"{what} on cpu" + (f" (result {i})" if many else ""),
                          layout=False, **rtol_atol)
    got = on_device(compute, device)
    if got is None:
        return
    for i, (actual, value) in enumerate(zip(list(got) if many else [got], wanted, strict=True)):
        assert_layout(actual, tuple(value.shape), None, device,
                      f"{what} on {device}" + (f" (result {i})" if many else ""))


def on_device(compute: Callable[[str], Any], device: str) -> Any:
    """``compute(device)``, or None where the device is meta and the code cannot run there for
    want of values (``if (x < 0).any():``, ``.item()``, swapping ``.data``): such code runs on
    every real device, so meta does not judge it (the grader's device checks do the same)."""
    try:
        return compute(device)
    except Exception as exc:
        if device == "meta" and tolerances.meta_cannot(str(exc)):
            return None
        text = str(exc)
        if device != "cpu" and "device" in text and "cpu" in text.lower():
            # a tensor made on the CPU met the input's device: the default-device misconception
            raise AssertionError(_named(f"{type(exc).__name__} on {device}: {text[:300]}",
                                        recognition.DEFAULT_DEVICE)) from exc
        raise


# ------------------------------------------------------------------------------- oracles

def reference_corr2d(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    """The oracle: torch's own convolution (which is a cross-correlation)."""
    return F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]


def reference_corr1d(X: Tensor, K: Tensor) -> Tensor:
    """X (c_in, T), K (c_out, c_in, kw) -> (c_out, T - kw + 1), by torch's conv1d."""
    return F.conv1d(X[None], K)[0]


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _d2l_corr2d(X: Tensor, K: Tensor, padding: Any = 0, stride: Any = 1) -> Tensor:
    """d2l 6.2.1's corr2d (one Python iteration per output pixel), with padding and stride: a
    correct stand-in for your corr2d that breaks this assignment's vectorisation rule, so it
    is not an answer to copy. The operators and lines it runs are not counted against your
    code."""
    counters = [m for m in _get_current_dispatch_mode_stack()
                if isinstance(m, guards.OperatorGuard)]
    before = [(m.ops, m.backward_ops) for m in counters]
    lines = [(c, c.lines, c.backward_lines) for c in guards.LineCounter.ACTIVE]
    (ph, pw), (sh, sw) = _pair(padding), _pair(stride)
    Xp = X.new_zeros((X.shape[0] + 2 * ph, X.shape[1] + 2 * pw))
    Xp[ph : ph + X.shape[0], pw : pw + X.shape[1]] = X
    h, w = K.shape
    Y = X.new_zeros(((Xp.shape[0] - h) // sh + 1, (Xp.shape[1] - w) // sw + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (Xp[i * sh : i * sh + h, j * sw : j * sw + w] * K).sum()
    for m, (ops, backward_ops) in zip(counters, before):
        m.ops, m.backward_ops = ops, backward_ops
    for counter, count, backward_count in lines:
        counter.lines, counter.backward_lines = count, backward_count
    return Y


@contextlib.contextmanager
def own_corr2d_replaced() -> Iterator[None]:
    """While the block runs, your package's ``corr2d`` (wherever your modules refer to it) is
    replaced by a correct one, as the grader does while it grades ``Corr2dFunction``,
    ``Conv2D`` and ``learn_kernel``: a mistake in ``corr2d`` costs its own part only."""
    package = sys.modules.get("convolutions")
    own = getattr(package, "corr2d", None)
    patched = []
    if own is not None:
        for name, module in list(sys.modules.items()):
            if name == "convolutions" or name.startswith("convolutions."):
                namespace = vars(module)
                for attr in [a for a, v in list(namespace.items()) if v is own]:
                    namespace[attr] = _d2l_corr2d
                    patched.append((namespace, attr))
    try:
        yield
    finally:
        for namespace, attr in reversed(patched):
            namespace[attr] = own


def assert_trained_accuracy(model: Any, data: dict[str, Any], training: dict[str, Any],
                            what: str, items: str, held_out: str,
                            rules: Sequence[str] = ()) -> None:
    """Train ``model`` with the given settings as the grader does (under ``rules``, the model's
    own), then require the grader's accuracy on the validation split (drawn like the grader's
    held-out data). Messages name the examples (``items``: "clips") and what the grader's
    differ in (``held_out``: "speakers")."""
    from convolutions.training import train_classifier

    with Rules(rules, f"training {what}", watch=False):
        train_classifier(model, data["X_train"], data["y_train"], **training)
        model.eval()
        with torch.no_grad():
            predicted = model(data["X_val"]).argmax(dim=1)
    assert not bool((predicted == predicted[0]).all()), (
        f"{what} predicts the same class for every validation {items[:-1]}")
    accuracy = (predicted == data["y_val"]).double().mean().item()
    assert accuracy >= tolerances.ACCURACY, (
        f"{what} reaches {accuracy:.1%} accuracy on the validation {items} after the given "
        f"training, below {tolerances.ACCURACY:.0%}; the grader trains it the same way and "
        f"measures on other {held_out}, drawn like the validation split's")


# -------------------------------------------------------------------------------- inputs

def load_data(name: str) -> dict[str, Any]:
    """The arrays of ``data/<name>.npz`` (this repository's copy, wherever the package under test
    is): floats as float32 tensors, integers as int64 tensors, strings as lists."""
    import numpy as np

    with np.load(DATA / f"{name}.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    return {k: torch.from_numpy(a.astype(np.float32 if a.dtype.kind == "f" else np.int64))
            if a.dtype.kind in "fiu" else a.tolist() for k, a in arrays.items()}


def randn(*shape: int, seed: int, dtype: torch.dtype = torch.float64) -> Tensor:
    """Deterministic normal tensor (its own generator, so test order does not matter)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64).to(dtype)


def small_ints(*shape: int, seed: int, dtype: torch.dtype = torch.float64) -> Tensor:
    """Integers in -4..4 as ``dtype``: products and short sums are exact in any float dtype."""
    g = torch.Generator().manual_seed(seed)
    return torch.randint(-4, 5, shape, generator=g).to(dtype)
