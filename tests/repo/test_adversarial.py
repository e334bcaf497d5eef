"""The adversarial corpus: hostile submissions cost their own checks and nothing else.

The whole corpus is graded in one run (every part but the two that train networks), and the
attacks on those two parts in a second, small run of those parts only. An attack marked with
``known_gap`` still gets through: its test expects the checks it wins (``gains``), or the leak
of its hidden inputs, and fails once the gap closes, so that the marker goes with the fix.
"""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from autograder import parts as registry
from autograder import paths
from autograder.assign.examples import copy_package
from autograder.grade.bank import load_bank
from autograder.grade.judge import array
from autograder.grade.results import md_unescape
from conftest import corpus, failed_ids, grade_cli, hostile_submission, matches

pytestmark = pytest.mark.slow

# Training checks are slow: the main run grades every other part, and only the attacks on the
# training parts (those whose checks they name) are graded on those parts, in a run of their own.
TRAINING = ("audio_conv1d", "text_conv")
PARTS = tuple(p.id for p in registry.graded() if p.id not in TRAINING)
CONTROL = "reference-control"
PLANTED = [paths.REPO / "PWNED", Path("/tmp/pwned"), Path("/etc/pwned"),
           paths.REPO / "examples" / "pwned", Path(torch.__file__).parent / "pwned.py"]


CORPUS = corpus()


@dataclass
class Graded:
    proc: subprocess.CompletedProcess      # the main run
    results: dict[str, dict]               # submission -> results.json (both runs' checks)
    out: Path                              # the main run's output folder
    training: subprocess.CompletedProcess | None = None  # the run of the training parts


def _training_parts(adversary) -> set[str]:
    """The training parts with a check that ``adversary`` names (in ``fails`` or ``gains``)."""
    patterns = adversary.fails + adversary.gains
    return {c.part for c in _training_checks() if matches(c.id, patterns)}


def _training_checks() -> list:
    return [c for c in load_bank().checks if c.part in TRAINING]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    root = tmp_path_factory.mktemp("corpus")
    for planted in PLANTED:
        assert not planted.exists(), f"{planted} exists before the run"
    subs = {a.id: hostile_submission(a.id, root) for a in CORPUS}
    control = root / CONTROL
    copy_package(paths.SOLUTIONS / paths.PACKAGE, control)
    out = tmp_path_factory.mktemp("out")
    proc, results = grade_cli([*subs.values(), control], out, *PARTS)
    graded = Graded(proc, results, out)
    trains = {a.id: _training_parts(a) for a in CORPUS}
    trains = {i: parts for i, parts in trains.items() if parts}
    if trains and proc.returncode == 0:
        parts = sorted(set().union(*trains.values()))
        graded.training, more = grade_cli([subs[i] for i in trains],
                                          tmp_path_factory.mktemp("out-training"), *parts)
        for i in trains:
            if i in more and i in results:
                results[i]["tests"] += more[i]["tests"]
    return graded


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 20
    assert len({a.id for a in CORPUS}) == len(CORPUS)
    for a in CORPUS:  # a known gap says what it still wins (checks, or a leak of its inputs)
        assert not a.gains or a.known_gap, f"{a.id}: gains without a known gap"
        assert not a.known_gap or a.gains or a.hidden_inputs, f"{a.id}: a gap that wins nothing"
        assert all(matches(g, a.fails) for g in a.gains), f"{a.id}: gains outside its fails"


def test_grader_finishes_with_status_zero(graded) -> None:
    assert graded.proc.returncode == 0, graded.proc.stderr[-3000:]
    assert set(graded.results) == {a.id for a in CORPUS} | {CONTROL}
    assert (graded.out / "gradebook.csv").read_text().count("\n") == len(CORPUS) + 2
    assert graded.training is not None and graded.training.returncode == 0, \
        graded.training.stderr[-3000:] if graded.training else "no training run"


def test_other_submissions_are_unaffected(graded) -> None:
    assert failed_ids(graded.results[CONTROL]) == set(), graded.results[CONTROL]["output"]


@pytest.mark.parametrize("adversary", CORPUS, ids=[a.id for a in CORPUS])
def test_attack_costs_exactly_its_checks(graded, adversary) -> None:
    results = graded.results[adversary.id]
    failed = failed_ids(results)
    all_ids = {t["extra_data"]["id"] for t in results["tests"]}
    expected = {i for i in all_ids if matches(i, adversary.fails)}
    gained = expected - failed
    assert failed <= expected, (
        f"unexpected failures {sorted(failed - expected)}\n{results['output']}")
    if adversary.known_gap and adversary.gains:
        beyond = sorted(i for i in gained if not matches(i, adversary.gains))
        assert not beyond, f"wins more than its known gap says: {beyond}\n{results['output']}"
        if gained:
            pytest.xfail(f"known gap: {adversary.known_gap} (it wins {len(gained)} checks)")
        pytest.fail(f"known gap closed: remove known_gap and gains from {adversary.id}")
    assert not gained, f"unexpected passes {sorted(gained)}\n{results['output']}"


LETTERS = str.maketrans("abcdefghij", "0123456789")


def _leaked(inputs: tuple[tuple[int, ...], ...], text: str) -> list[float]:
    """Values of the hidden inputs ``array(seed, *shape)`` whose first five significant digits
    (rounded or cut) appear in ``text``, digits written as letters (a = 0) included."""
    runs = re.findall(r"\d{5,}", text.translate(LETTERS)) + re.findall(r"\d{5,}", text)
    found = []
    for seed, *shape in inputs:
        for v in array(seed, *shape).reshape(-1).tolist():
            digits = {f"{abs(v):.15e}".replace(".", "")[:5], f"{abs(v):.4e}".replace(".", "")[:5]}
            if any(d in run for d in digits for run in runs):
                found.append(v)
    return found


LEAKERS = [a for a in CORPUS if a.hidden_inputs]


@pytest.mark.parametrize("adversary", LEAKERS, ids=[a.id for a in LEAKERS])
def test_hidden_inputs_stay_out_of_feedback(graded, adversary) -> None:
    text = (graded.out / adversary.id / "feedback.md").read_text(encoding="utf-8")
    leaked = _leaked(adversary.hidden_inputs, text + "\n" + md_unescape(text))
    if adversary.known_gap and not adversary.gains:
        if leaked:
            pytest.xfail(f"known gap: {adversary.known_gap} ({len(leaked)} values leak)")
        pytest.fail(f"known gap closed: remove known_gap from {adversary.id}")
    assert not leaked, f"feedback.md shows hidden input values {leaked[:5]}"


def test_nothing_written_outside_and_nothing_left_running(graded) -> None:
    for planted in PLANTED:
        assert not planted.exists(), f"an attack wrote {planted}"
    leftovers = subprocess.run(["pgrep", "-f", "sleep 4242"], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", "a process outlived grading"


def test_feedback_explains_faults(graded) -> None:
    messages = {t["extra_data"]["id"]: t["output"]
                for t in graded.results["infinite_loop"]["tests"]}
    assert "time limit" in messages["min_kernel_size.values"]
    messages = {t["extra_data"]["id"]: t["output"] for t in graded.results["os_exit"]["tests"]}
    assert "exited" in messages["min_kernel_size.values"]
    outputs = [t["output"] for t in graded.results["captured_conv_reference"]["tests"]]
    assert "rule broken" in " ".join(outputs)
    outputs = [t["output"] for t in graded.results["python_pixel_loop"]["tests"]
               if t["status"] != "passed"]
    assert outputs and all("rule broken" in o and "tolist" in o for o in outputs), outputs


def test_hostile_text_is_neutralised_in_feedback(graded) -> None:
    text = (graded.out / "hostile_feedback" / "feedback.md").read_text(encoding="utf-8")
    assert "\x1b" not in text and "\u202e" not in text  # no terminal or bidi control
    assert "<img" not in text.replace("\\<img", "")  # no HTML
    assert "](" not in text.replace("\\](", "")  # no link or image
    assert len(text) < 64 * 1024


def test_tampering_is_flagged_for_review(graded) -> None:
    for adversary in ("conv_in_a_thread", "pops_and_pushes_mode", "engine_bypass",
                      "forward_mode_ad", "forges_reply", "patches_torch"):
        assert graded.results[adversary]["extra_data"]["review"], adversary
    assert graded.results[CONTROL]["extra_data"]["review"] == []
