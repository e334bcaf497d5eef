"""``python -m autograder grade`` end to end on the bundled examples (sandboxed)."""

import json
import re
import shutil
import subprocess

import pytest

from autograder.grade.results import recover
from conftest import PY, REPO, grade_cli

pytestmark = pytest.mark.slow

EXAMPLES = REPO / "examples" / "submissions"
EXPECTED = json.loads((REPO / "examples" / "expected_scores.json").read_text())
GRADESCOPE_TEST_KEYS = {"name", "score", "max_score", "status", "visibility", "output", "tags"}


# Graded again into the same folder: one that passes everything (training included) and one
# whose failures carry numbers in their messages. The swap and its staging folders are per
# submission, so two prove that a re-run replaces cleanly and repeats every check's verdict
# and message; all the examples' scores are checked in the first run.
RERUN = ("reference", "assign-not-accumulate")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The examples graded, then ``RERUN`` graded again into the same output directory."""
    out = tmp_path_factory.mktemp("examples")
    subs = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
    first = grade_cli(subs, out)
    second = grade_cli([EXAMPLES / name for name in RERUN], out)
    return out, first, second


def _parts(results: dict) -> dict:
    return {p: v["score"] for p, v in results["extra_data"]["parts"].items()}


def test_every_example_gets_its_expected_score(runs) -> None:
    out, (proc, results), _ = runs
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert set(results) == set(EXPECTED)
    for name, parts in EXPECTED.items():
        assert _parts(results[name]) == parts, f"{name}: {results[name]['output']}"
    assert results["reference"]["score"] == sum(EXPECTED["reference"].values())
    assert results["stubs"]["score"] == 0


def test_rerun_is_deterministic_and_replaces_cleanly(runs) -> None:
    out, (_, first), (proc, second) = runs
    assert proc.returncode == 0 and set(second) == set(first)  # the others are left as they were
    for name in RERUN:
        a = [(t["name"], t["score"], t["status"], t["output"]) for t in first[name]["tests"]]
        b = [(t["name"], t["score"], t["status"], t["output"]) for t in second[name]["tests"]]
        assert a == b, name
    assert not list(out.glob(".*")), "a re-run left staging directories behind"


def test_results_follow_gradescope_schema(runs) -> None:
    _, (_, results), _ = runs
    for name, r in results.items():
        assert isinstance(r["score"], (int, float)) and isinstance(r["execution_time"], float)
        assert isinstance(r["output"], str) and r["tests"]
        for t in r["tests"]:
            assert GRADESCOPE_TEST_KEYS <= set(t), t
            assert t["status"] in ("passed", "failed")
            assert t["visibility"] in ("visible", "hidden", "after_due_date")
            assert 0 <= t["score"] <= t["max_score"]
            assert len(t["tags"]) == 1
        assert abs(sum(t["score"] for t in r["tests"]) - r["score"]) < 1e-6 + 0.01 * len(r["tests"])


def test_feedback_never_reveals_hidden_expected_values(runs) -> None:
    out, (_, results), _ = runs
    reveal = re.compile(r"got [-+0-9.e]+, expected [-+0-9.e]+")
    for name, r in results.items():
        for t in r["tests"]:
            if t["visibility"] != "visible":
                assert not reveal.search(t["output"]), (name, t["name"], t["output"])
        feedback = (out / name / "feedback.md").read_text()
        assert f"Feedback for `{name}`" in feedback
        hidden_outputs = [t["output"] for t in r["tests"] if t["visibility"] != "visible"]
        assert not any(reveal.search(o) for o in hidden_outputs)
    assert "Every check passed" in (out / "reference" / "feedback.md").read_text()
    stubs = (out / "stubs" / "feedback.md").read_text()  # one line per part left as the stub
    assert "not implemented yet" not in stubs and stubs.count("not attempted: ") == len(
        results["stubs"]["extra_data"]["parts"])


def test_feedback_holds_no_answer(runs) -> None:
    """What students read after grading (feedback.md, and the outputs in results.json that
    Gradescope shows) passes the answer-leak scan: no kernel value, formula or key phrase."""
    from autograder.assign.leaks import find_leaks

    out, _, _ = runs
    leaks = find_leaks(out, "none")
    assert not leaks, "\n".join(map(str, leaks))


def test_each_buggy_example_names_its_misconception(runs) -> None:
    """The feedback of an example with a known bug names the misconception its mutant declares
    (and no other), in its part's section of feedback.md and beside the checks in results.json."""
    from autograder import misconceptions
    from autograder.assign.examples import BUGGY, mutants_module

    out, (_, results), _ = runs
    declared = {m.id: set(m.misconceptions) for m in mutants_module().MUTANTS}
    assert any(declared[mutant] for mutant in BUGGY.values()), "no example has a known bug"
    for name, mutant in BUGGY.items():
        found = {t["extra_data"]["misconception"] for t in results[name]["tests"]
                 if "misconception" in t["extra_data"]}
        assert found == declared[mutant], f"{name} ({mutant}): recognised {sorted(found)}"
        feedback = (out / name / "feedback.md").read_text()
        for mid in found:
            title = misconceptions.load()[mid].title
            assert feedback.count(f"Known mistake ({title})") == 1, (name, mid, feedback[:3000])
    for name in ("reference", "stubs", "partial"):
        assert "Known mistake" not in (out / name / "feedback.md").read_text(), name


def test_gradebook_has_one_row_per_submission(runs) -> None:
    out, _, _ = runs
    lines = (out / "gradebook.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert header[:7] == ["submission", "autograded", "extra_credit", "written", "written_graded",
                          "final", "max_score"]
    assert sorted(line.split(",")[0] for line in lines[1:]) == sorted(EXPECTED)


def test_broken_zip_in_a_batch_costs_only_itself(tmp_path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04garbage")
    shutil.copytree(EXAMPLES / "reference", tmp_path / "fine")
    proc, results = grade_cli([broken, tmp_path / "fine"], tmp_path / "out", "derivative_kernels")
    assert proc.returncode == 0, proc.stderr
    assert results["broken"]["score"] == 0 and "cannot be read" in results["broken"]["output"]
    assert results["fine"]["score"] == 10


@pytest.mark.parametrize("args", [["missing-dir", "--output", "o"],
                                  [str(EXAMPLES / "reference"), "--output", "o", "--jobs", "0"],
                                  [str(EXAMPLES / "reference")]])
def test_usage_errors_exit_nonzero(tmp_path, args) -> None:
    proc = subprocess.run([PY, "-m", "autograder", "grade", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2, proc.stderr


def test_recover_after_a_killed_swap(tmp_path) -> None:
    (tmp_path / ".alice.old").mkdir()           # killed after moving the old result aside
    (tmp_path / ".alice.old" / "results.json").write_text("{}")
    (tmp_path / ".bob.new").mkdir()             # killed while staging
    (tmp_path / "carol").mkdir()
    (tmp_path / ".carol.old").mkdir()           # killed before deleting the old copy
    recover(tmp_path)
    assert (tmp_path / "alice" / "results.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alice", "carol"]


def test_device_checks_catch_the_hard_coded_device_on_cpu(runs) -> None:
    _, (_, results), _ = runs
    by_id = {t["extra_data"]["id"]: t for t in results["d2l-style-zeros"]["tests"]}
    failed = by_id["device.cross_correlation"]
    assert failed["status"] == "failed" and "device" in failed["output"]
    assert by_id["corr2d.oracle[square]"]["status"] == "passed"  # right values on the CPU
    assert all(t["status"] == "passed" for t in results["reference"]["tests"]
               if t["extra_data"]["id"].startswith("device."))


def test_results_say_which_devices_were_checked(runs) -> None:
    import torch

    _, (_, results), _ = runs
    devices = results["reference"]["extra_data"]["devices"]
    assert devices["cpu"] == "all checks" and "meta" in devices
    assert devices["cuda"].startswith("skipped") != torch.cuda.is_available()
    assert "Devices: cuda:" in results["reference"]["output"]
