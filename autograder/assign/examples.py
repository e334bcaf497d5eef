"""Materialise submissions from the reference: the bundled examples and the mutants.

``examples/submissions/`` holds what ``make grade`` grades: the reference, the stubs, a partly
done submission and typical buggy ones, each a directory with ``convolutions/`` at its root.
They are generated (``python -m autograder build examples``) so they never drift from the reference;
a repository test checks that the committed copies are current.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from autograder import paths

from .stubs import tree_differences

EXAMPLES = paths.EXAMPLES
# Parts a "partial" student has finished; the rest are still stubs.
PARTIAL_DONE = ("cross_correlation", "conv2d_backward", "derivative_kernels")
# example name -> mutant id (see tests/variants/<part>.py, gathered by tests/variants/mutants.py)
BUGGY = {
    "d2l-style-zeros": "corr2d_d2l_zeros",
    "assign-not-accumulate": "corr2d_assign_not_accumulate",
    "autograd-in-backward": "backward_calls_autograd",
    "textcnn-pools-padding": "textcnn_pools_padding",
}


def mutants_module() -> ModuleType:
    path = paths.MUTANTS
    spec = importlib.util.spec_from_file_location("_mutants", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["_mutants"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def copy_package(src: Path, dst: Path) -> Path:
    target = dst / paths.PACKAGE
    shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def write_mutant(mutant, dst: Path) -> Path:
    """``dst/convolutions`` = the reference with ``mutant`` applied."""
    package = copy_package(paths.SOLUTIONS / paths.PACKAGE, dst)
    path = package / mutant.file
    path.write_text(mutant.apply(path.read_text()))
    return dst


def write_examples(dst: Path) -> list[Path]:
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    reference, stubs = paths.SOLUTIONS / paths.PACKAGE, paths.ASSIGNMENTS / paths.PACKAGE
    copy_package(reference, dst / "reference")
    copy_package(stubs, dst / "stubs")
    partial = copy_package(stubs, dst / "partial")
    for part in PARTIAL_DONE:
        shutil.copyfile(reference / f"{part}.py", partial / f"{part}.py")
    by_id = {m.id: m for m in mutants_module().MUTANTS}
    for name, mutant_id in BUGGY.items():
        write_mutant(by_id[mutant_id], dst / name)
    return sorted(p for p in dst.iterdir() if p.is_dir())


def stale_examples(dst: Path = EXAMPLES) -> list[str]:
    """Files where the committed examples differ from a fresh generation."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "submissions"
        write_examples(fresh)
        return tree_differences(fresh, dst)
