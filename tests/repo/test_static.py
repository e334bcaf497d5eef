"""The static scan on the repository's code: nothing honest is flagged, the tampering in the
adversarial corpus is, and the allow-list holds against the installed torch.

The scan's cases one by one (hostile spellings, honest code, grouping) are in
``tests/unit/grade/test_static.py``.
"""

from __future__ import annotations

import importlib.util
import sys
import types
import warnings
from pathlib import Path

import pytest

from autograder import paths
from autograder.assign.examples import BUGGY, EXAMPLES, copy_package
from autograder.grade.intake import read_submission
from autograder.grade.static import ALLOWED_STDLIB, TORCH_DENIED, scan
from conftest import corpus, hostile_submission

HONEST_FILE = paths.REPO / "tests" / "variants" / "honest.py"
# Examples that break a rule on purpose (the rest are honest, buggy or not).
RULE_BREAKING = {"autograd-in-backward": "autograd inside backward"}
# Attacks of the corpus that tamper with the process or the guard: the scan must flag each.
# (The others are wrong answers, crashes or floods: nothing in their source is out of place.)
TAMPERING = ("lying_eq", "patches_torch", "patches_builtins", "sys_exit", "os_exit", "segfault",
             "sleeps", "fork_bomb", "output_flood", "garbles_socket", "reads_hidden_checks",
             "reads_other_submissions", "writes_outside", "network", "signals",
             "leaves_processes", "disables_rule_guard", "import_time_exit", "conv_in_a_thread",
             "pops_and_pushes_mode", "aten_variants", "im2col_by_hand_strides", "engine_bypass",
             "forward_mode_ad", "forges_reply", "hangs_up_leaving_a_writer", "switches_rules_off",
             "cpp_engine_in_backward", "torchscript_grad_in_backward",
             "mkldnn_conv_in_asyncio_thread", "nested_view_windows", "huge_nested_reply")


@pytest.mark.parametrize("impl", [paths.SOLUTIONS, paths.ASSIGNMENTS],
                         ids=["reference", "stubs"])
def test_reference_and_stubs_are_not_flagged(impl: Path) -> None:
    assert scan(read_submission(impl).files) == []


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_examples_are_flagged_only_where_they_break_a_rule(example: str) -> None:
    flags = scan(read_submission(EXAMPLES / example).files)
    if example in RULE_BREAKING:
        assert flags and all(RULE_BREAKING[example] in f or "autograd" in f for f in flags), flags
    else:
        assert flags == [], flags
    assert set(RULE_BREAKING) <= set(BUGGY)


def _honest_variants() -> list:
    if not HONEST_FILE.exists():
        return []
    spec = importlib.util.spec_from_file_location("_honest", HONEST_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["_honest"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return list(module.VARIANTS)


def test_honest_variants_are_not_flagged(tmp_path: Path) -> None:
    variants = _honest_variants()
    if not variants:
        pytest.skip("no honest variants yet")
    flagged = {}
    for v in variants:
        target = copy_package(paths.SOLUTIONS / paths.PACKAGE, tmp_path / v.id / paths.PACKAGE)
        v.write_into(target)
        flags = scan(read_submission(target.parent).files)
        if flags:
            flagged[v.id] = flags
    assert flagged == {}


def test_tampering_in_the_corpus_is_flagged(tmp_path: Path) -> None:
    known = {a.id for a in corpus()}
    missed = []
    for attack in TAMPERING:
        if attack not in known:
            continue  # renamed or retired: the corpus test names what it holds
        if not scan(read_submission(hostile_submission(attack, tmp_path)).files):
            missed.append(attack)
    assert missed == []


def _foreign_paths() -> dict[str, str]:
    """Every public path ``torch.<public modules>.<name>`` (in the modules ``import torch``
    loads) that holds a module, or a function or class, from outside torch and outside the
    allow-list: path -> where it really comes from (``torch.os`` -> ``os``)."""
    import torch  # noqa: F401 - loads torch's public modules

    out: dict[str, str] = {}
    with warnings.catch_warnings():  # deprecated members warn when their type is asked
        warnings.simplefilter("ignore")
        _collect_foreign(out)
    return out


def _collect_foreign(out: dict[str, str]) -> None:
    for name in sorted(sys.modules):
        parts = name.split(".")
        module = sys.modules.get(name)
        if parts[0] != "torch" or any(p.startswith("_") for p in parts) \
                or not isinstance(module, types.ModuleType):
            continue
        for attr, value in list(vars(module).items()):
            if attr.startswith("_"):
                continue
            if isinstance(value, types.ModuleType):
                real = value.__name__
            elif callable(value) and isinstance(getattr(value, "__module__", None), str):
                real = value.__module__
            else:
                continue
            top = real.split(".")[0]
            # builtins: type aliases (dict, MappingProxyType); the underscore modules are the
            # C halves of allowed ones (_operator, _functools, _collections_abc, ...)
            # weakref: harmless alone (a weak reference to an object one holds already);
            # autograder: the guard's own wrappers (torch.tensor, ...), when a test of the
            # guard ran earlier in this process
            if top in ("torch", "builtins", "weakref", "autograder") \
                    or top.lstrip("_") in ALLOWED_STDLIB:
                continue
            out[f"{name}.{attr}"] = real


def test_no_module_outside_the_allow_list_is_reached_through_torch() -> None:
    """torch's public modules hold others (``torch.os``, ``torch.ctypes``,
    ``torch.nn.functional.np``, ``torch.xpu.cast``): each path through them is flagged. A new
    torch that adds one fails here until ``static.py`` covers it."""
    foreign = _foreign_paths()
    assert len(foreign) > 100, "the walk of torch's modules found too little"
    missed = {p: real for p, real in foreign.items()
              if not scan({"convolutions/a.py": f"import torch\nx = {p}\n".encode()})}
    assert missed == {}


PUBLIC = ("torch", "torch.nn", "torch.nn.functional", "torch.linalg", "torch.fft",
          "torch.special", "torch.Tensor", "torch.nn.Module", "torch.optim", "torch.nn.init",
          "torch.autograd", "torch.utils.data")
# What of that API the scan flags on purpose (see TORCH_DENIED and friends in static.py).
DENIED = {
    *(f"torch.{n}" for n in (
        "as_strided", "as_strided_", "as_strided_copy", "as_strided_scatter", "empty_strided",
        "from_numpy", "from_dlpack", "to_dlpack", "from_file", "inference_mode", "compile",
        "compiler", "set_default_dtype", "set_default_device", "set_default_tensor_type",
        "load", "save", "classes", "distributed", "export", "func", "futures", "fx", "hub", "jit",
        "library", "multiprocessing", "ops", "overrides", "package", "profiler",
        "serialization", "utils", "xpu", "builtins", "ctypes", "glob", "importlib", "inspect",
        "os", "platform", "sys", "threading")),
    *(f"torch.Tensor.{n}" for n in (
        "as_strided", "as_strided_", "as_strided_scatter", "numpy", "set_")),
    *(f"torch.autograd.{n}" for n in ("forward_ad", "functional", "graph", "inference_mode",
                                       "profiler")),
    "torch.nn.DataParallel", "torch.nn.parallel", "torch.nn.functional.np",
    "torch.nn.functional.importlib", "torch.utils.data.datapipes",
}


def test_torchs_public_api_is_allowed() -> None:
    """Everything public in the namespaces students use is allowed, but for the parts the scan
    denies on purpose (each named in ``TORCH_DENIED`` and friends, with its reason; which of
    torch's lazily loaded modules ``dir(torch)`` shows depends on what ran before)."""
    import torch

    flagged = []
    for namespace in PUBLIC:
        obj = eval(namespace, {"torch": torch})  # noqa: S307 - a fixed list of names above
        for attr in dir(obj):
            if attr.startswith("_") or f"{namespace}.{attr}" in DENIED | set(TORCH_DENIED):
                continue
            if scan({"convolutions/a.py": f"import torch\nx = {namespace}.{attr}\n".encode()}):
                flagged.append(f"{namespace}.{attr}")
    assert flagged == []
