"""What the device checks share: a call judged on the run's own device first, then on each
extra device this machine offers (``meta`` always, CUDA when available:
autograder/grade/devices.py).

A part's device check (``@check("device.<part>", ...)``, in the part's own checks file) wraps its
function in ``each_device`` and judges each call with ``expect_on`` (a function) or
``expect_model`` (a model's logits). A device check credits only a function that works: the
same call on the run's own device must give the right value first (``judge.value_first``), or
the check fails as not judged.
"""

from collections.abc import Callable

import torch

from autograder.grade.bank import CheckFailed
from autograder.grade.devices import extra_devices
from autograder.grade.judge import DEVICE, as_tensor, expect_layout, expect_tensor, value_first
from autograder.tolerances import meta_cannot
from oracles import expect_input_dependent

NAME = "{part} {verb} tensors on the input's device (checked on: meta, and CUDA if available)"

Expected = Callable[[dict], dict[str, torch.Tensor]]


def expect_on(device: str, what: str, call: Callable[[str], dict], expected: Expected,
              rtol: float | None = None, atol: float | None = None) -> None:
    """``call(device)`` keeps its outputs on ``device``: judged only where ``call`` on the run's
    own device gives the right values (``expected(observations)``: key -> value), then the
    layout of each output on ``device`` (the dtype is the dtype checks' property), and on a
    device with values (not meta) the values too."""
    def label(key: str, on: str) -> str:
        return f"{what}{'' if key == 'value' else ' ' + key} on {on}"

    main = DEVICE.get()
    with value_first(f"{what} on {device}"):
        obs = call(main)
        want = expected(obs)
        for key, value in want.items():
            expect_tensor(obs.get(key), value, label(key, main), device=main, rtol=rtol,
                          atol=atol)
    obs = _on(device, call)
    if obs is None:
        return
    for key, value in want.items():
        expect_layout(obs.get(key), tuple(value.shape), None, device, label(key, device))
        if device != "meta":
            expect_tensor(obs.get(key), value, label(key, device), device=device, rtol=rtol,
                          atol=atol)


def _on(device: str, call: Callable[[str], dict]) -> dict | None:
    """``call(device)``; None where the device is meta and the code cannot run there for want
    of values (``tolerances.meta_cannot``): its value was right on the run's own device, so
    meta does not judge it (a real device would)."""
    try:
        return call(device)
    except CheckFailed as failure:
        if device == "meta" and meta_cannot(failure.detail or failure.message):
            return None
        raise


def fixed(**values: torch.Tensor) -> Expected:
    """The expected outputs, whatever the observations."""
    return lambda obs: values


def call_of(student, name: str, args: list, **kwargs) -> Callable[[str], dict]:
    """``name(*args, **kwargs)`` with the tensors on the device it is given."""
    return lambda device: student.probe("call", device=device, name=name, args=args,
                                        kwargs=kwargs)


def expect_model(student, device, name: str, init: dict, x: torch.Tensor,
                 shape: tuple[int, ...]) -> None:
    """``name(**init)`` on ``device``: logits that depend on the input (a constant model keeps
    nothing on any device), judged on the run's own device first; then the output's layout on
    ``device``, and on a device with values its input dependence there too."""
    def forward(on: str) -> dict:
        return student.probe("module_forward", device=on, name=name, init=init, seed=0,
                             inputs=[x])

    batch = f"{name} on a batch of {x.shape[0]} different inputs"
    with value_first(f"{name} on {device}"):
        logits = as_tensor(forward(DEVICE.get())["outputs"][0], f"{name} output")
        if tuple(logits.shape) != shape:
            raise CheckFailed(f"{name} output: shape {tuple(logits.shape)}, expected {shape}")
        expect_input_dependent(logits, batch)
    obs = _on(device, forward)
    if obs is None:
        return
    expect_layout(obs["outputs"][0], shape, None, device, f"{name} output on {device}")
    if device != "meta":
        expect_input_dependent(as_tensor(obs["outputs"][0], f"{name} output on {device}"),
                               f"{batch}, on {device}")


def each_device(fn: Callable[..., None]) -> Callable[..., None]:
    """``fn(student, device)`` as a check: once for each extra device (none: nothing to judge)."""
    def run(student) -> None:
        for device in extra_devices():
            fn(student, device)
    return run


