"""Hidden checks stay secret (issue 19): a submission that raises or prints the hidden inputs
gets feedback.md and results.json without their values.

The submissions are the reference with one function changed: it raises an exception whose text
is its input's values, or prints them and goes on. They are graded by the real grader (sandbox
and command line); the hidden inputs are rebuilt with the same ``array(seed, ...)`` calls the
checks make, and their values searched for in the formats a student's code could print them in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import paths
from autograder.assign.examples import mutants_module, write_mutant
from autograder.grade.judge import array
from autograder.grade.results import md_unescape

pytestmark = pytest.mark.slow  # grades two submissions in the sandbox (~15 s)

CORR2D = "    (h, w), (kh, kw) = X.shape, K.shape\n"
LINEAR = "    w = linear.weight\n"
CONV = "    w = conv.weight\n"

# name -> (file, old, new) edits of the reference. corr2d is rule-bound (its values may not
# leave torch: the rule stops it first); linear_to_conv1x1 and conv1x1_to_linear are free, so
# only what the grader shows of the exception stands between their inputs and the feedback.
EDITS = {
    "raises": [
        ("cross_correlation.py", CORR2D, f"    raise ValueError(repr(X.tolist()))\n{CORR2D}"),
        ("conv1x1_fc.py", LINEAR,
         f"{LINEAR}    raise ValueError(repr(linear.weight.tolist()) + str(linear.bias))\n"),
        ("conv1x1_fc.py", CONV, f"{CONV}    raise NotImplementedError(str(conv.weight))\n"),
    ],
    "prints": [
        ("cross_correlation.py", CORR2D, f"    print(X)\n{CORR2D}"),
        ("conv1x1_fc.py", LINEAR, f"{LINEAR}    print(linear.weight.tolist(), linear.bias)\n"),
    ],
}


def _write(name: str, root: Path) -> Path:
    """The reference with ``EDITS[name]`` applied, as ``root/name/convolutions``."""
    Mutant = mutants_module().Mutant
    by_file: dict[str, list[tuple[str, str]]] = {}
    for file, old, new in EDITS[name]:
        by_file.setdefault(file, []).append((old, new))
    submission = root / name
    for i, (file, edits) in enumerate(by_file.items()):
        mutant = Mutant(name, file, tuple(o for o, _ in edits), tuple(n for _, n in edits), (),
                        "leaks the hidden inputs")
        if i == 0:
            write_mutant(mutant, submission)
        else:
            path = submission / paths.PACKAGE / file
            path.write_text(mutant.apply(path.read_text()))
    return submission


def _hidden_values() -> list[str]:
    """Values of the hidden inputs of checks that call the changed functions, formatted as a
    student's code could print them (with at least four significant digits, so that none can
    be one of the grader's own numbers by chance)."""
    inputs = [array(101, 7, 7), array(102, 3, 3), array(105, 12, 10),  # corr2d.oracle, float32
              array(401, 5, 3), array(402, 5),                         # linear_to_conv1x1
              array(404, 5, 3), array(407, 2, 3)]                      # conv1x1_to_linear, dtype
    out = []
    for t in inputs:
        for v in t.reshape(-1)[:6].tolist():
            out += [repr(v), f"{v:.4f}", f"{v:.6g}", f"{v:.3e}", f"{v:.4g}", f"{abs(v):.4f}"]
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("leaks")
    out = tmp_path_factory.mktemp("out")
    subs = [_write(name, root) for name in EDITS]
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", *map(str, subs), "--output", str(out),
         "--part", "cross_correlation", "--part", "conv1x1_fc", "--quiet"],
        cwd=paths.REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {name: {"feedback": (out / name / "feedback.md").read_text(),
                   "results": (out / name / "results.json").read_text()} for name in EDITS}


def _student_visible(results: str) -> str:
    """What Gradescope shows a student of results.json: everything but ``extra_data`` (kept
    for the instructor; its ``student_output`` holds what the code printed)."""
    data = json.loads(results)
    data.pop("extra_data")
    for test in data["tests"]:
        test.pop("extra_data")
    return json.dumps(data)


@pytest.mark.parametrize("name", sorted(EDITS))
def test_no_hidden_value_reaches_the_student(graded, name) -> None:
    files = graded[name]
    shown = {"feedback.md": files["feedback"],
             "feedback.md, unescaped": md_unescape(files["feedback"]),
             "results.json as students see it": _student_visible(files["results"])}
    for where, text in shown.items():
        leaked = [v for v in _hidden_values() if v in text]
        assert not leaked, f"{name}: {where} shows hidden input values {leaked[:5]}"


def test_the_exception_still_says_what_and_where(graded) -> None:
    """The class (Python's own) and the line stay readable; the text the code chose does not
    appear at all (masking its digits was not enough: letters can carry values too)."""
    feedback = md_unescape(graded["raises"]["feedback"])
    assert "your code raised ValueError (at conv1x1_fc.py:" in feedback
    assert "[[" not in feedback
    source = (paths.SOLUTIONS / paths.PACKAGE / "conv1x1_fc.py").read_text()
    line = source[:source.index(LINEAR)].count("\n") + 2  # the raise after that line
    assert f"(at conv1x1_fc.py:{line})" in feedback
    # corr2d is bound by the rule that keeps values in torch: it stops the leak first
    assert "rule broken: your code used Tensor.tolist" in feedback


def test_printed_values_stay_with_the_instructor(graded) -> None:
    """What the code printed is kept in results.json's extra_data (for the instructor: Gradescope
    stores extra_data without showing it) and nowhere a student reads."""
    data = json.loads(graded["prints"]["results"])
    printed = data["extra_data"]["student_output"]
    assert any(v in printed for v in _hidden_values()), printed[:500]
    assert "student_output" not in graded["prints"]["feedback"]
