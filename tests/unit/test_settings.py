"""``autograder/settings.py``: every limit in one object, its defaults, the manifest's
``[limits]`` table (unknown keys refused), and the values reaching the sandbox, the sandboxed
student and the runner."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import pytest

from autograder import settings
from autograder.grade import runner
from autograder.grade.bank import Bank, Check, GradingScheme, load_bank, load_scheme
from autograder.grade.intake import Submission
from autograder.grade.student import SandboxedStudent, StudentBase
from autograder.sandbox import ChildDied, ExitInfo, Limits, Sandbox
from autograder.settings import DEFAULTS, ContainerLimits, Settings, from_table


def _manifest(tmp_path: Path, text: str) -> GradingScheme:
    (tmp_path / "manifest.toml").write_text(text)
    return load_scheme(tmp_path / "manifest.toml")


# -- the object and its defaults


def test_the_defaults_are_the_field_defaults() -> None:
    assert Settings() == DEFAULTS
    assert (DEFAULTS.check_seconds, DEFAULTS.restarts, DEFAULTS.submission_seconds) == \
        (5.0, 40, 900.0)
    assert DEFAULTS.child == Limits() and DEFAULTS.container == ContainerLimits()
    assert DEFAULTS.backstop(5.0) == 3.0 * 5.0 + 5.0


def test_every_limit_has_a_unit_and_a_description() -> None:
    rows = list(settings.describe())
    keys = [key for key, *_ in rows]
    assert len(keys) == len(set(keys))
    assert {"check_seconds", "child.memory_bytes", "container.timeout"} <= set(keys)
    for key, value, unit, doc in rows:
        assert unit and doc and value is not None, key


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULTS.check_seconds = 1.0  # type: ignore[misc]


# -- the manifest's [limits] table


def test_an_empty_manifest_keeps_every_default(tmp_path) -> None:
    assert _manifest(tmp_path, "").settings == DEFAULTS
    assert _manifest(tmp_path, "[limits]\n").settings == DEFAULTS


def test_the_manifest_sets_limits_nested_ones_included(tmp_path) -> None:
    got = _manifest(tmp_path, "[limits]\ncheck_seconds = 2\nrestarts = 3\n"
                              "child.memory_bytes = 1048576\n"
                              "[limits.container]\nmemory = \"1g\"\ntimeout = 60\n").settings
    assert got.check_seconds == 2.0 and type(got.check_seconds) is float
    assert got.restarts == 3
    assert got.child == Limits(memory_bytes=2**20)
    assert got.container == ContainerLimits(memory="1g", timeout=60.0)
    assert got.submission_seconds == DEFAULTS.submission_seconds


@pytest.mark.parametrize("text, problem", [
    ("[limits]\ncheck_secnds = 5\n", r"unknown key\(s\) \['check_secnds'\] in \[limits\]"),
    ("[limits.child]\nmemory = 5\n", r"unknown key\(s\) \['memory'\] in \[limits.child\]"),
    ("[limits.container]\nmemory_bytes = 5\n", r"\['memory_bytes'\] in \[limits.container\]"),
    ("[limits]\nchild = 5\n", r"\[limits.child\] must be a table"),
    ("[limits]\nrestarts = 2.5\n", r"restarts must be a positive int"),
    ("[limits]\nrestarts = true\n", r"restarts must be a positive int"),
    ("[limits]\ncheck_seconds = 0\n", r"check_seconds must be a positive float"),
    ("[limits]\ncheck_seconds = \"5\"\n", r"check_seconds must be a positive float"),
    ("[limits.child]\ncpu_seconds = -1\n", r"cpu_seconds must be a positive int"),
    ("[limits.container]\nmemory = 4\n", r"memory must be a positive str"),
    ("[defaults]\ntimeout = 5.0\n", r"unknown table \[defaults\]"),
])
def test_the_manifest_refuses_unknown_keys_and_wrong_types(tmp_path, text: str,
                                                           problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        _manifest(tmp_path, text)
    assert str(caught.value).startswith("manifest.toml: ")


def test_from_table_without_a_manifest() -> None:
    assert from_table({}) == DEFAULTS
    assert from_table({"wall_slack": 1}).backstop(2.0) == DEFAULTS.wall_factor * 2.0 + 1.0


def test_the_repository_manifest_loads() -> None:
    from autograder.grade.bank import BANK_DIR

    assert isinstance(load_scheme(BANK_DIR / "manifest.toml").settings, Settings)


# -- the values reach the bank, the runner, the sandboxed student and the sandbox


def test_the_check_time_reaches_every_check_that_sets_none(tmp_path) -> None:
    (tmp_path / "manifest.toml").write_text("[limits]\ncheck_seconds = 2.5\n")
    (tmp_path / "checks_gen.py").write_text(
        "from autograder.grade.bank import check\n\n\ndef _noop(student):\n    pass\n\n\n"
        "check('p.one', 'cross_correlation', 'one')(_noop)\n"
        "check('p.two', 'cross_correlation', 'two', timeout=30)(_noop)\n")
    path = list(sys.path)
    try:
        bank = load_bank(tmp_path)
    finally:
        sys.path[:] = path
    assert [c.timeout for c in bank.checks] == [2.5, 30]


def test_a_check_without_a_time_gets_the_one_default() -> None:
    assert Check("x", "p", "x", fn=lambda s: None).timeout == 0.0  # (load_bank: check_seconds)


def _bank(limits: Settings, *fns) -> Bank:
    scheme = GradingScheme({"p": 10.0}, {}, {}, settings=limits)
    return Bank(scheme, [Check(f"c{i}", "p", f"c{i}", fn=fn, timeout=1.0, points=1.0)
                           for i, fn in enumerate(fns)])


def test_the_budget_reaches_the_runner() -> None:
    bank = _bank(from_table({"submission_seconds": 0.01}), lambda s: time.sleep(0.05),
                 lambda s: None)
    first, second = runner.run_checks(StudentBase(), bank)
    assert first.passed and not second.passed
    assert second.message == "not run: grading your submission used up its time budget of 0.01 s"


class _Sandbox:
    """Counts CPU time (so the backstop applies); every spawned child dies at once."""

    isolation_used = "none"

    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def cpu_seconds(self) -> float:
        return 0.0

    def spawn(self, files):
        sandbox = self

        class Child:
            alive = True

            def request(self, message, timeout, cpu_limit=None):
                sandbox.timeouts.append(timeout)
                raise ChildDied(ExitInfo(1, None, "", "your code exited with status 1"))

            def close(self):
                return ExitInfo(1, None, "", "closed")
        return Child()


def test_the_import_time_reaches_the_sandboxed_student_through_the_runner() -> None:
    sandbox = _Sandbox()
    bank = _bank(from_table({"import_seconds": 7}), lambda s: None)
    result = runner.grade_submission(Submission("s", "s", {"convolutions/__init__.py": b""}),
                                     bank, sandbox)
    assert sandbox.timeouts == [7.0]
    assert result.results[0].message.startswith("importing your package failed: ")


def test_restarts_and_backstop_reach_the_sandboxed_student() -> None:
    limits = from_table({"restarts": 1, "wall_factor": 2, "wall_slack": 1})
    student = SandboxedStudent(_Sandbox(), {}, limits)
    student.begin_check(2.0)
    wall, cpu = student._time_left()
    assert wall == pytest.approx(2.0 * 2.0 + 1.0, abs=0.1) and cpu == pytest.approx(2.0)
    student.respawns = 1
    with pytest.raises(Exception, match="had to be restarted 1 times already"):
        student._request(None, 1.0, None)  # (no child yet: a restart, one too many)


def test_the_child_limits_reach_the_sandbox(tmp_path) -> None:
    limits = _manifest(tmp_path, "[limits.child]\nmemory_bytes = 1048576\ncpu_seconds = 9\n"
                       ).settings.child
    sandbox = Sandbox(isolation="none", limits=limits, setup=None)  # (starts nothing)
    assert sandbox._config()["limits"] == dataclasses.asdict(limits)
    assert sandbox._config()["limits"]["cpu_seconds"] == 9
