"""Every probe stays inside the contract it tests (issue 19): the whole check bank, run against
the reference, calls each graded name only as its stub's docstring allows.

Each checks file declares its part's preconditions, written from the docstrings, with
``@contract`` of ``tests/hidden/contracts.py`` (``CONTRACTS`` fills as the bank loads). Here a
``ContractStudent`` (the in-process student, with every name of that table wrapped where the
reference's modules hold it) records each call that breaks one, and which check and request made
it. The bank runs in a child interpreter (``python -m tests.unit.grade.test_contracts``): the
in-process student installs the grader's guards process-wide, which this one must not keep.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import types
from collections import Counter
from typing import Any

import pytest
import torch

from autograder import paths
from autograder.grade.bank import BANK_DIR, CheckFailed, load_bank
from autograder.grade.student import InProcessStudent

if str(BANK_DIR) not in sys.path:
    sys.path.insert(0, str(BANK_DIR))
import contracts  # noqa: E402  (tests/hidden/contracts.py)

# The request the bank made before issue 19 in conv2d.int_kernel_size: Conv2D(3), whose
# parameters are float32 (torch.rand, like d2l's), fed a float64 X.
OLD_INT_KERNEL_SIZE = dict(kernel_size=3, seed=0, X=("array", 213, 5, 6))


class ContractStudent(InProcessStudent):
    """The submission in this interpreter, each name of ``contracts.CONTRACTS`` wrapped so that
    a call outside its contract is recorded (and then made as asked: the check goes on)."""

    def __init__(self, code_dir: str) -> None:
        super().__init__(code_dir)
        self.broken: list[str] = []
        self.calls: Counter[str] = Counter()
        self.check_id, self.request = "", ""
        self._undo: list[tuple[Any, str, Any]] = []
        for name in contracts.CONTRACTS:
            owner, _, method = name.partition(".")
            if method:
                self._wrap_method(self.student.get(owner), name, method)
            elif isinstance(self.student.get(name), type):
                self._wrap_method(self.student.get(name), name, "__init__")
            else:
                self._wrap_function(name)

    def probe(self, probe: str, /, *, device: str | None = None, **args: Any) -> dict[str, Any]:
        shown = {k: (f"{tuple(v.shape)} {v.dtype} on {device or 'cpu'}"
                     if isinstance(v, torch.Tensor) else v) for k, v in args.items()
                 if not isinstance(v, (str, list, dict)) or k in ("name", "kernel_size")}
        self.request = f"{probe}({shown})"
        return super().probe(probe, device=device, **args)

    def _record(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.calls[name] += 1
        problems = contracts.problems(name, *args, **kwargs)
        if problems:
            self.broken.append(f"{self.check_id}: {self.request}: {name}: {'; '.join(problems)}")

    def _wrap_function(self, name: str) -> None:
        """Every reference the package's modules hold to ``name`` points to a recording copy
        (so the grader's stand-ins, which replace the student's own object wherever it is
        referred to, replace this one)."""
        own = self.student.get(name)

        @functools.wraps(own)
        def recording(*args: Any, **kwargs: Any) -> Any:
            self._record(name, *args, **kwargs)
            return own(*args, **kwargs)

        for module in self.student.modules():
            namespace = vars(module)
            for attr in [a for a, v in list(namespace.items()) if v is own]:
                self._undo.append((namespace, attr, own))
                namespace[attr] = recording

    def _wrap_method(self, cls: type, name: str, method: str) -> None:
        original = vars(cls)[method]
        if isinstance(original, staticmethod):  # Corr2dFunction's forward(ctx, X, K), backward
            fn = original.__func__
            if method == "forward":
                def forward(ctx: Any, *args: Any) -> Any:
                    self._record(name, *args)
                    ctx.contract_inputs = args  # for the backward's contract
                    return fn(ctx, *args)
                replacement: Any = staticmethod(forward)
            else:
                def backward(ctx: Any, dY: Any) -> Any:
                    self._record(name, dY, *getattr(ctx, "contract_inputs", (None, None)))
                    return fn(ctx, dY)
                replacement = staticmethod(backward)
        elif method == "__init__":
            def init(instance: Any, *args: Any, **kwargs: Any) -> None:
                self._record(name, *args, **kwargs)
                original(instance, *args, **kwargs)
            replacement = init
        else:
            def call(instance: Any, *args: Any, **kwargs: Any) -> Any:
                self._record(name, instance, *args, **kwargs)
                return original(instance, *args, **kwargs)
            replacement = call
        self._undo.append((cls, method, original))
        type.__setattr__(cls, method, replacement)

    def restore(self) -> None:
        for owner, attr, value in reversed(self._undo):
            if isinstance(owner, dict):
                owner[attr] = value
            else:
                type.__setattr__(owner, attr, value)
        self._undo.clear()


def run_bank(code_dir: str) -> dict[str, list[str]]:
    """The bank's checks against ``code_dir``, part by part as the runner goes: the calls
    outside a contract, the checks that failed, and what the pre-issue-19 request broke."""
    from autograder.grade.judge import array

    bank = load_bank()
    student = ContractStudent(code_dir)
    failed = []
    try:
        for part, checks in bank.by_part().items():
            student.begin_part(part)
            for check in checks:
                student.check_id = check.id
                student.begin_check(check.timeout)
                try:
                    check.fn(student)
                except CheckFailed as failure:
                    failed.append(f"{check.id}: {failure.message}")
        broken, student.broken = student.broken, []
        student.check_id = "conv2d.int_kernel_size before issue 19"
        args = dict(OLD_INT_KERNEL_SIZE, X=array(*OLD_INT_KERNEL_SIZE["X"][1:]))
        try:
            student.probe("conv2d_layer", **args)
        except CheckFailed:
            pass
        return {"broken": broken, "failed": failed, "old": student.broken,
                "uncalled": sorted(set(contracts.CONTRACTS) - set(student.calls))}
    finally:
        student.restore()


@pytest.fixture(scope="module")
def bank_run() -> dict[str, list[str]]:
    proc = subprocess.run([sys.executable, "-m", "tests.unit.grade.test_contracts"],
                          cwd=paths.REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # the whole bank against the reference (~30 s)
def test_every_probe_stays_inside_the_contracts(bank_run) -> None:
    assert not bank_run["failed"], f"the reference fails checks: {bank_run['failed'][:5]}"
    assert not bank_run["uncalled"], f"no check called {bank_run['uncalled']}"
    assert not bank_run["broken"], "calls outside the stubs' contracts:\n" + "\n".join(
        bank_run["broken"][:20])


@pytest.mark.slow
def test_the_contracts_catch_a_probe_outside_them(bank_run) -> None:
    """The request conv2d.int_kernel_size made before issue 19 (a float64 X for Conv2D(3),
    whose parameters are float32) is caught, at Conv2D.forward and at Corr2dFunction."""
    old = "\n".join(bank_run["old"])
    assert "Conv2D.forward: X is torch.float64 but the layer's weight is torch.float32" in old
    assert "Corr2dFunction.forward" in old or "corr2d" in old


# --------------------------------------------------------------- the table itself, directly

@pytest.fixture(scope="module", autouse=True)
def contracts_declared() -> None:
    """The checks files declare the contracts: ``CONTRACTS`` is filled as the bank loads."""
    load_bank()


def test_a_layer_fed_another_dtype_breaks_its_contract() -> None:
    layer = types.SimpleNamespace(weight=torch.rand(3, 3))  # Conv2D(3): torch.rand, float32
    assert contracts.problems("Conv2D.forward", layer, torch.zeros(5, 6, dtype=torch.float64)) \
        == ["X is torch.float64 but the layer's weight is torch.float32"]
    assert contracts.problems("Conv2D.forward", layer, torch.zeros(5, 6)) == []


@pytest.mark.parametrize("name, args, kwargs, says", [
    ("corr2d", (torch.zeros(4, 4), torch.zeros(2, 2, dtype=torch.float64)), {}, "K is"),
    ("corr2d", (torch.zeros(4, 4), torch.zeros(2, 2, device="meta")), {}, "on meta"),
    ("corr2d", (torch.zeros(4), torch.zeros(2, 2)), {}, "X is 1-D"),
    ("corr2d", (torch.zeros(2, 2, dtype=torch.int64), torch.zeros(1, 1, dtype=torch.int64)), {},
     "not a floating one"),
    ("corr2d", (torch.zeros(2, 3), torch.zeros(4, 4)), {"padding": (0, 1)}, "larger than"),
    ("corr2d", (torch.zeros(4, 4), torch.zeros(2, 2)), {"stride": 0}, "below 1"),
    ("im2col", (torch.zeros(3, 3), (4, 1)), {}, "larger than"),
    ("kernel_matrix", (torch.zeros(3, 3), (2, 5)), {}, "larger than"),
    ("Corr2dFunction.backward", (torch.zeros(2, 3), torch.zeros(4, 4), torch.zeros(2, 2)), {},
     "not Y's (3, 3)"),
    ("learn_kernel", (torch.zeros(6, 8), torch.zeros(6, 7, dtype=torch.float64), (1, 2)), {},
     "Y is torch.float64"),
    ("corr1d", (torch.zeros(3), torch.zeros(4)), {}, "exceeds"),
    ("corr1d_multi_in_out", (torch.zeros(2, 9), torch.zeros(3, 4, 2)), {}, "4 channels"),
    ("finite_difference_kernel", (-1,), {}, "below 0"),
    ("finite_difference_kernel", (2,), {"dtype": torch.int64}, "not None or a floating"),
    ("conv1x1_to_linear", (torch.nn.Conv2d(2, 3, 3),), {}, "not a plain 1x1"),
    ("corr2d", (torch.zeros(4, 4), torch.zeros(2, 2)), {"pad": 1}, "outside the signature"),
])
def test_the_table_names_the_broken_clause(name, args, kwargs, says) -> None:
    found = contracts.problems(name, *args, **kwargs)
    assert any(says in p for p in found), found


def test_a_call_inside_every_contract_breaks_none() -> None:
    X, K = torch.zeros(5, 6, dtype=torch.float64), torch.zeros(2, 3, dtype=torch.float64)
    for name, args, kwargs in [
            ("corr2d", (X, K), {"padding": [1, 2], "stride": (2, 1)}),
            ("im2col", (X, [2, 3]), {"padding": 1, "stride": 2}),
            ("kernel_matrix", (K, [5, 6]), {}),
            ("Corr2dFunction.backward", (torch.zeros(4, 4, dtype=torch.float64), X, K), {}),
            ("learn_kernel", (X, torch.zeros(4, 4, dtype=torch.float64), (2, 3)), {}),
            ("finite_difference_kernel", (3,), {"dtype": torch.float64, "device": "meta"}),
            ("integral_kernel", (1,), {}),
            ("corr1d_multi_in", (torch.zeros(3, 9), torch.zeros(3, 9)), {})]:
        assert contracts.problems(name, *args, **kwargs) == [], name


def test_the_table_covers_every_graded_name() -> None:
    """Each name the stubs define for students to write has a contract (the API's names)."""
    from autograder.signatures import API

    names = {n.split(".")[0] for part in API.values() for n in part}
    plain = {n.split(".")[0] for n in contracts.CONTRACTS}
    assert names <= plain, f"no contract for {sorted(names - plain)}"


def main() -> None:
    print(json.dumps(run_bank(str(paths.SOLUTIONS))))


if __name__ == "__main__":
    main()
