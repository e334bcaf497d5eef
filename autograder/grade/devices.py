"""Which devices the checks run on, and the report of it that goes with every result.

The main checks run on the run's device (the CPU, or CUDA with ``--device cuda``). The device
checks (tests/hidden/checks_devices.py) also run on ``meta`` always and on CUDA when this
machine has it; a device that was not checked is reported as skipped, never left out.
"""

from __future__ import annotations

import functools

import torch

from .judge import DEVICE


@functools.cache
def cuda_available() -> bool:
    return torch.cuda.is_available()


def extra_devices() -> list[str]:
    """Devices for the device checks besides the run's own."""
    devices = ["meta"]
    if cuda_available() and DEVICE.get() != "cuda":
        devices.append("cuda")
    return devices


def device_report() -> dict[str, str]:
    """device -> what happened to it in this run, for results.json and the feedback."""
    main = DEVICE.get()
    report = {main: "all checks", "meta": "device checks (shapes, dtypes and devices only)"}
    if main != "cuda":
        report["cuda"] = ("device checks" if cuda_available() else
                          "skipped: torch.cuda.is_available() is False on the grading machine")
    if main != "cpu":
        report["cpu"] = "skipped: the run's device is " + main
    return report
