"""Adding a part takes six hand edits, in six files, and everything else follows.

In a copy of the repository, a toy part ``pooling`` (d2l §6.5: ``max_pool2d``) is added with
exactly these hand edits (``HAND_EDITS``): its registry entry, its solution module, its section
of the handout, its hidden checks (each naming its public counterparts) with its name's
contract, its public tests, and its variants (a mutant and an honest variant, in
``tests/variants/pooling.py``); the package's ``__init__.py`` is generated from the registry.
Then the generators run, as an instructor would (``python -m autograder build stubs`` and
``build notebook``, ``release``: the otter and nbgrader builders), and the outputs are checked: the
parts tables, the student release with its marker and hints, the grader's score for the
reference, the mutant and the honest variant, the public tests, and the otter and nbgrader
material. Last, the repository's own suites that every part must pass run on the copy
(``SUITES``): the registry, stubs and API, the public suite, the contracts, the variants.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import paths

pytestmark = pytest.mark.slow

PART = "pooling"
REGISTRY_ENTRY = '''
[parts.pooling]
title = "max pooling (d2l §6.5)"
kind = "auto"
points = 5
label = "pool"
section = "6.5"
summary = "`max_pool2d`"
assessed = "against `F.max_pool2d`"
[parts.pooling.names]
max_pool2d = { signature = "(X, pool_size)" }
'''
SOLUTION = '''"""Pooling (d2l §6.5): the toy part that tests/repo/test_toy_part.py adds."""

import torch


def max_pool2d(X: torch.Tensor, pool_size: tuple[int, int]) -> torch.Tensor:
    """The maximum of every ``pool_size`` window of ``X`` (stride 1, no padding).

    Args:
        X: shape (h, w).
        pool_size: (p_h, p_w), from 1 up to X's size.

    Returns:
        shape (h - p_h + 1, w - p_w + 1), with X's dtype and device.
    """
    ### BEGIN SOLUTION
    ### TASK: Return the window maxima, shape (h - p_h + 1, w - p_w + 1).
    ### HINT nudge: Each output element looks at one window of X.
    ### HINT method: Take the elementwise maximum over the p_h * p_w shifted views of X.
    ### ANSWER: elementwise maximum over the shifted views
    p_h, p_w = pool_size
    out_h, out_w = X.shape[0] - p_h + 1, X.shape[1] - p_w + 1
    Y = X[:out_h, :out_w].clone()
    for a in range(p_h):
        for b in range(p_w):
            Y = torch.maximum(Y, X[a : a + out_h, b : b + out_w])
    return Y
    ### END SOLUTION
'''
CHECKS = '''"""Checks of part ``pooling``: max_pool2d against F.max_pool2d."""

from typing import Any

import torch.nn.functional as F

from autograder.grade.bank import check
from autograder.grade.judge import array, expect_tensor
from contracts import Problems, contract, fits, pair, shape_of, tensor

GRID = [("2x2", dict(x=(5, 6), p=(2, 2))), ("1x3", dict(x=(4, 7), p=(1, 3)))]


@check("pooling.oracle", "pooling", "max_pool2d matches torch ({x} input, {p} window)",
       cases=GRID, public=["test_max_pool2d_matches_torch"])
def oracle(student, x, p) -> None:
    X = array(901, *x)
    obs = student.probe("call", name="max_pool2d", args=[X, list(p)])
    expected = F.max_pool2d(X[None, None], p, stride=1)[0, 0]
    expect_tensor(obs["value"], expected, "max_pool2d output")


@contract("max_pool2d")
def max_pool2d_contract(X: Any, pool_size: Any) -> Problems:
    """X (h, w), floating; pool_size (p_h, p_w), from 1 up to X's size."""
    problems, size = pair(pool_size, "pool_size", 1)
    return tensor(X, "X", 2) + problems + fits(size, shape_of(X), (0, 0), "X")
'''
PUBLIC_TEST = '''"""Public tests for part ``pooling``."""

import pytest
import torch.nn.functional as F

from convolutions import max_pool2d
from support import assert_tensor, randn

pytestmark = pytest.mark.pooling


def test_max_pool2d_matches_torch() -> None:
    X = randn(5, 6, seed=3)
    expected = F.max_pool2d(X[None, None], (2, 3), stride=1)[0, 0]
    assert_tensor(max_pool2d(X, (2, 3)), expected, "max_pool2d(X, (2, 3))")


def test_a_one_by_one_window_gives_the_input() -> None:
    X = randn(4, 3, seed=5)
    assert_tensor(max_pool2d(X, (1, 1)), X, "max_pool2d(X, (1, 1))")
'''
VARIANTS = """\"\"\"Part ``pooling``'s mutant and honest variant.\"\"\"

from variant_kinds import M, V

MUTANTS = [
    M("pool_min", "pooling.py", "torch.maximum(Y, X[a", "torch.minimum(Y, X[a",
      ("pooling.oracle",), "minimum instead of maximum"),
]

VARIANTS = [
    V("pool_unfold_amax", "pooling", '''
def max_pool2d(X, pool_size):
    \"\"\"The windows as a view (Tensor.unfold), then their maxima.\"\"\"
    p_h, p_w = pool_size
    return X.unfold(0, p_h, 1).unfold(1, p_w, 1).amax(dim=(-2, -1))
''', "the windows as a strided view, reduced at once (as numpy's sliding_window_view)"),
]
"""
SECTION = """# %% [markdown]
# ## Part `pooling` (5 points): max pooling (d2l §6.5)
#
# Implement `max_pool2d(X, pool_size)` in `convolutions/pooling.py`: the maximum of every
# window, with stride 1 and no padding.

# %%
from convolutions import max_pool2d

print(max_pool2d(torch.arange(12.0).reshape(3, 4), (2, 2)))

"""
BEFORE_SECTION = "# %% [markdown]\n# ## Optional part `concepts`"

HAND_EDITS = ("autograder/parts.toml", "solutions/convolutions/pooling.py",
              "handout/convolutions.py", "tests/hidden/checks_pooling.py",
              "tests/public/test_pooling.py", "tests/variants/pooling.py")

# The repository's tests that every part must pass, run on the copy with the toy part. Left
# out: what grades every mutant or honest variant of every part (test_mutants' grading,
# test_honest's; the toy's own are graded below) and the public suite's caught-violation tests
# (mutants of two other parts).
SUITES = ("tests/repo/test_registry.py", "tests/repo/test_stubs.py", "tests/repo/test_api.py",
          "tests/repo/test_public_suite.py", "tests/unit/grade/test_contracts.py",
          "tests/repo/test_honest.py::test_corpus_is_large_enough_and_well_formed",
          "tests/repo/test_honest.py::test_variant_is_another_style",
          "tests/repo/test_mutants.py::test_mutants_are_distinct_and_apply")
LEFT_OUT = "not test_a_caught_violation_still_fails"


def _run(repo: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *args], cwd=repo, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{args}: {proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def _tracked_copy(dst: Path) -> None:
    """The repository's files (tracked, and untracked but not ignored) as they are now."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"],
                            cwd=paths.REPO, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        src = paths.REPO / name
        if src.is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / name)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A copy of the repository with the toy part added by the hand edits, then the
    generators run."""
    root = tmp_path_factory.mktemp("toy") / "repo"
    _tracked_copy(root)
    before = {p: (root / p).read_bytes() for p in HAND_EDITS if (root / p).exists()}
    with open(root / "autograder/parts.toml", "a") as f:
        f.write(REGISTRY_ENTRY)
    (root / "solutions/convolutions/pooling.py").write_text(SOLUTION)
    handout = root / "handout/convolutions.py"
    text = handout.read_text()
    assert text.count(BEFORE_SECTION) == 1
    handout.write_text(text.replace(BEFORE_SECTION, SECTION + BEFORE_SECTION))
    (root / "tests/hidden/checks_pooling.py").write_text(CHECKS)
    (root / "tests/public/test_pooling.py").write_text(PUBLIC_TEST)
    (root / "tests/variants/pooling.py").write_text(VARIANTS)
    changed = {p for p in HAND_EDITS if before.get(p) != (root / p).read_bytes()}
    assert changed == set(HAND_EDITS) and len(HAND_EDITS) == 6
    _run(root, "-m", "autograder", "build", "stubs")
    _run(root, "-m", "autograder", "build", "notebook")
    return root


def test_the_stub_and_the_tables_are_generated(repo: Path) -> None:
    stub = (repo / "assignments/convolutions/pooling.py").read_text()
    assert "def max_pool2d(X: torch.Tensor, pool_size" in stub and "NotImplementedError" in stub
    assert "torch.maximum" not in stub
    for init in ("solutions", "assignments"):
        text = (repo / init / "convolutions/__init__.py").read_text()
        assert "from .pooling import max_pool2d" in text and '"max_pool2d",' in text, init
    for doc in ("README.md", "assignments/README.md", "handout/convolutions.py"):
        assert "| `pooling` |" in (repo / doc).read_text(), doc
    assert "Total: 105 points" in (repo / "assignments/README.md").read_text()
    _run(repo, "-m", "autograder", "build", "stubs", "--check")


def test_the_grader_scores_the_part(repo: Path, tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; sys.path.insert(0, 'tests/variants');"
            "from autograder.assign.examples import copy_package, write_mutant;"
            "from autograder import paths; import mutants;"
            "copy_package(paths.SOLUTIONS / paths.PACKAGE, Path(sys.argv[1]));"
            "write_mutant(next(m for m in mutants.MUTANTS if m.id == 'pool_min'), "
            "Path(sys.argv[2]));"
            "import honest; copy_package(paths.SOLUTIONS / paths.PACKAGE, Path(sys.argv[3]));"
            "next(v for v in honest.VARIANTS if v.part == 'pooling')"
            ".write_into(Path(sys.argv[3]) / paths.PACKAGE)")
    names = ("reference", "pool-min", "pool-honest")
    _run(repo, "-c", code, *(str(tmp_path / name) for name in names))
    out = tmp_path / "out"
    _run(repo, "-m", "autograder", "grade", *(str(tmp_path / name) for name in names),
         "--output", str(out), "--part", PART, "--quiet")
    scores = {name: json.loads((out / name / "results.json").read_text())["extra_data"]["parts"]
              for name in names}
    assert scores["reference"][PART]["score"] == 5
    assert scores["pool-min"][PART]["score"] == 0
    assert scores["pool-honest"][PART]["score"] == 5


def test_the_public_tests_pass_on_the_reference_and_fail_on_the_stub(repo: Path) -> None:
    _run(repo, "-m", "pytest", "tests/public", "--impl", "solutions", "-m", PART, "-q",
         "-p", "no:cacheprovider")
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/public", "--impl",
                           "assignments", "-m", PART, "-q", "-p", "no:cacheprovider"],
                          cwd=repo, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "NotImplementedError" in proc.stdout


def test_the_student_release_carries_the_part(repo: Path, tmp_path: Path) -> None:
    _run(repo, "-m", "autograder", "release", "--dist", str(tmp_path / "dist"))
    student = tmp_path / "dist" / "student"
    assert "NotImplementedError" in (student / "convolutions/pooling.py").read_text()
    assert (student / "tests/public/test_pooling.py").is_file()
    assert "Each output element" in (student / "hints/pooling.md").read_text()
    proc = subprocess.run([sys.executable, "-m", "pytest", "--markers"], cwd=student,
                          capture_output=True, text=True, timeout=120)
    assert "@pytest.mark.pooling: part pooling (max_pool2d)" in proc.stdout, proc.stderr
    # otter: a question named by the part in the autograder zip (otter assign graded the
    # master, the pooling question included, at 100 %, or the release would have failed)
    (otter_zip,) = (tmp_path / "dist/otter/autograder").glob("*.zip")
    assert "tests/pooling.py" in zipfile.ZipFile(otter_zip).namelist()
    # nbgrader: a grade cell per check of the part
    source = (tmp_path / "dist/nbgrader/source/convolutions/convolutions.ipynb").read_text()
    assert '"grade_id": "pooling__pooling-oracle-2x2"' in source
    # Gradescope: the bank with the part's checks
    names = zipfile.ZipFile(tmp_path / "dist/gradescope/autograder.zip").namelist()
    assert any(n.endswith("tests/hidden/checks_pooling.py") for n in names)


def test_the_repositorys_suites_pass_with_the_part(repo: Path) -> None:
    """What a real part must pass beyond its own tests: every kind of check has a public
    counterpart that exists and passes, the tables and markers follow the registry, the stubs
    and the API are in sync, every probe stays inside the contracts, the variants are well
    formed."""
    proc = subprocess.run([sys.executable, "-m", "pytest", *SUITES, "-k", LEFT_OUT, "-q",
                           "-p", "no:cacheprovider"], cwd=repo,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert " failed" not in proc.stdout and " passed" in proc.stdout, proc.stdout[-2000:]
