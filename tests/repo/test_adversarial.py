"""The adversarial corpus: hostile submissions cost their own checks and nothing else."""

import subprocess
from pathlib import Path

import pytest
import torch

from autograder import parts as registry
from autograder import paths
from autograder.assign.examples import copy_package
from conftest import corpus, failed_ids, grade_cli, hostile_submission, matches

pytestmark = pytest.mark.slow

# Training checks are slow and no attack targets them; every other part is graded.
TRAINING = ("audio_conv1d", "text_conv")
PARTS = tuple(p.id for p in registry.graded() if p.id not in TRAINING)
CONTROL = "reference-control"
PLANTED = [paths.REPO / "PWNED", Path("/tmp/pwned"), Path("/etc/pwned"),
           paths.REPO / "examples" / "pwned", Path(torch.__file__).parent / "pwned.py"]


CORPUS = corpus()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    for planted in PLANTED:
        assert not planted.exists(), f"{planted} exists before the run"
    subs = [hostile_submission(a.id, root) for a in CORPUS]
    control = root / CONTROL
    copy_package(paths.SOLUTIONS / paths.PACKAGE, control)
    out = tmp_path_factory.mktemp("out")
    proc, results = grade_cli([*subs, control], out, *PARTS)
    return proc, results, out


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 20
    assert len({a.id for a in CORPUS}) == len(CORPUS)


def test_grader_finishes_with_status_zero(graded) -> None:
    proc, results, out = graded
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert set(results) == {a.id for a in CORPUS} | {CONTROL}
    assert (out / "gradebook.csv").read_text().count("\n") == len(CORPUS) + 2


def test_other_submissions_are_unaffected(graded) -> None:
    _, results, _ = graded
    assert failed_ids(results[CONTROL]) == set(), results[CONTROL]["output"]


@pytest.mark.parametrize("adversary", CORPUS, ids=[a.id for a in CORPUS])
def test_attack_costs_exactly_its_checks(graded, adversary) -> None:
    _, results, _ = graded
    failed = failed_ids(results[adversary.id])
    all_ids = {t["extra_data"]["id"] for t in results[adversary.id]["tests"]}
    expected = {i for i in all_ids if matches(i, adversary.fails)}
    assert failed == expected, (
        f"unexpected failures {sorted(failed - expected)}, unexpected passes "
        f"{sorted(expected - failed)}\n{results[adversary.id]['output']}")


def test_nothing_written_outside_and_nothing_left_running(graded) -> None:
    for planted in PLANTED:
        assert not planted.exists(), f"an attack wrote {planted}"
    leftovers = subprocess.run(["pgrep", "-f", "sleep 4242"], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", "a process outlived grading"


def test_feedback_explains_faults(graded) -> None:
    _, results, out = graded
    messages = {t["extra_data"]["id"]: t["output"] for t in results["infinite_loop"]["tests"]}
    assert "time limit" in messages["min_kernel_size.values"]
    messages = {t["extra_data"]["id"]: t["output"] for t in results["os_exit"]["tests"]}
    assert "exited" in messages["min_kernel_size.values"]
    outputs = [t["output"] for t in results["captured_conv_reference"]["tests"]]
    assert "rule broken" in " ".join(outputs)


def test_hostile_text_is_neutralised_in_feedback(graded) -> None:
    _, _, out = graded
    text = (out / "hostile_feedback" / "feedback.md").read_text(encoding="utf-8")
    assert "\x1b" not in text and "\u202e" not in text  # no terminal or bidi control
    assert "<img" not in text.replace("\\<img", "")  # no HTML
    assert "](" not in text.replace("\\](", "")  # no link or image
    assert len(text) < 64 * 1024


def test_tampering_is_flagged_for_review(graded) -> None:
    _, results, _ = graded
    for adversary in ("conv_in_a_thread", "pops_and_pushes_mode", "engine_bypass",
                      "forward_mode_ad", "forges_reply", "patches_torch"):
        assert results[adversary]["extra_data"]["review"], adversary
    assert results[CONTROL]["extra_data"]["review"] == []
