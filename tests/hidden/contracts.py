"""What each graded name promises to accept: the preconditions its stub's docstring states
(``assignments/convolutions/*.py``), one small contract a name.

A check is fair only if every call it makes reaches the student's code inside that contract: a
correct implementation may rely on each clause (K has X's dtype, the kernel fits in the padded
input, a layer's input has its parameters' dtype), so a probe outside it can fail correct code,
as ``Conv2D(3)`` (float32 parameters) fed a float64 ``X`` once failed a matmul-based backward.

A part's contracts are declared in its checks file (``checks_<part>.py``), beside the checks
they constrain: ``@contract("name")`` on a function of the name's arguments that returns the
clauses a call breaks, written from the docstring clause by clause (each quotes what it
enforces), never from the checks, with the clauses here (``tensor``, ``like``, ``pair``, ...).
``CONTRACTS`` is filled as the bank loads (``autograder.grade.bank.load_bank``);
``problems(name, *args, **kwargs)`` lists the clauses a call breaks.
``tests/unit/grade/test_contracts.py`` runs the whole bank against the reference with every
name of ``CONTRACTS`` wrapped, and fails on any call outside its contract. Grader side: nothing
in it is secret, nothing in it is shipped to students.

Only metadata is read here (types, shapes, dtypes, devices): no tensor operation runs, so the
wrapped calls run under the rules and operator counts as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import torch
from torch import nn

Problems = list[str]
Contract = TypeVar("Contract", bound=Callable[..., Problems])


# ----------------------------------------------------------------------------------- clauses

def tensor(t: Any, name: str, dims: int, floating: bool = True) -> Problems:
    """``name`` is a plain tensor with ``dims`` dimensions, of a floating dtype if asked."""
    if not isinstance(t, torch.Tensor):
        return [f"{name} is {type(t).__name__}, not a tensor"]
    out = [] if t.dim() == dims else [f"{name} is {t.dim()}-D, not {dims}-D"]
    if floating and not t.is_floating_point():
        out.append(f"{name} has dtype {t.dtype}, not a floating one")
    return out


def like(t: Any, ref: Any, name: str, ref_name: str) -> Problems:
    """``name`` has ``ref_name``'s dtype and device."""
    if not isinstance(t, torch.Tensor) or not isinstance(ref, torch.Tensor):
        return []
    out = [] if t.dtype == ref.dtype else [f"{name} is {t.dtype} but {ref_name} is {ref.dtype}"]
    if t.device.type != ref.device.type:
        out.append(f"{name} is on {t.device} but {ref_name} is on {ref.device}")
    return out


def pair(value: Any, name: str, minimum: int) -> tuple[Problems, tuple[int, int] | None]:
    """An int or a pair of ints (the given ``as_pair`` accepts a tuple, a list or a Size), each
    ``>= minimum``; the pair, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        pair = (value, value)
    elif (isinstance(value, (tuple, list, torch.Size)) and len(value) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        pair = (int(value[0]), int(value[1]))
    else:
        return [f"{name} = {value!r} is not an int or a pair of ints"], None
    if min(pair) < minimum:
        return [f"{name} = {value!r} is below {minimum}"], None
    return [], pair


def integer(value: Any, name: str, minimum: int) -> Problems:
    if not isinstance(value, int) or isinstance(value, bool):
        return [f"{name} = {value!r} is not an int"]
    return [] if value >= minimum else [f"{name} = {value} is below {minimum}"]


def fits(kernel: Any, shape: Any, padding: tuple[int, int] | None, what: str) -> Problems:
    """The kernel is no larger than the (padded) input: the output is not empty."""
    if kernel is None or shape is None or padding is None or len(shape) != 2 \
            or len(kernel) != 2:
        return []
    padded = (shape[0] + 2 * padding[0], shape[1] + 2 * padding[1])
    if kernel[0] > padded[0] or kernel[1] > padded[1]:
        return [f"the {tuple(kernel)} kernel is larger than the {padded} padded {what}"]
    return []


def shape_of(t: Any) -> tuple[int, ...] | None:
    return tuple(t.shape) if isinstance(t, torch.Tensor) else None


def dtype_arg(dtype: Any) -> Problems:
    """``dtype``: None (torch's default) or a floating dtype."""
    if dtype is None or (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        return []
    return [f"dtype = {dtype!r} is not None or a floating dtype"]


def parameter_of(module: Any) -> torch.Tensor | None:
    return next((p for p in module.parameters()), None) if isinstance(module, nn.Module) \
        else None


# ------------------------------------------------------------------------- the contracts

# name -> its contract, filled by ``@contract`` as the checks files load. A dotted name is a
# method: its contract takes the instance first (``Corr2dFunction.forward`` without ctx;
# ``.backward`` gets dY and the forward's X and K).
CONTRACTS: dict[str, Callable[..., Problems]] = {}


def contract(name: str) -> Callable[[Contract], Contract]:
    """Declare the decorated function the contract of the graded ``name``. The bank may load
    again (the same function, redefined): a second contract for a name from elsewhere is an
    error."""

    def declare(fn: Contract) -> Contract:
        known = CONTRACTS.get(name)
        if known is not None and (known.__module__, known.__qualname__) != (fn.__module__,
                                                                             fn.__qualname__):
            raise ValueError(f"two contracts for {name}: {known.__module__}.{known.__qualname__}"
                             f" and {fn.__module__}.{fn.__qualname__}")
        CONTRACTS[name] = fn
        return fn

    return declare


def problems(name: str, *args: Any, **kwargs: Any) -> Problems:
    """The clauses of ``name``'s contract that a call with these arguments breaks."""
    try:
        return CONTRACTS[name](*args, **kwargs)
    except TypeError as exc:  # arguments the signature does not take
        return [f"arguments outside the signature ({exc})"]
