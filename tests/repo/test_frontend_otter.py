"""The otter-grader front-end: built from the same sources, otter gives our grader's part scores.

The end-to-end tests need otter-grader (``pip install otter-grader==7.0.0``) in the interpreter
that runs pytest; without it they are skipped, with the reason. Building runs ``otter assign``
(which grades the master with otter and fails unless it scores 100 %), then ``otter run`` grades
the example submissions and a hostile one, two at a time; the ``docker`` test grades a few of
them again inside the grading container and compares.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from autograder import paths, pins
from autograder.bundle import KERNEL_SIDE
from autograder.frontends import container, kernel
from autograder.frontends import otter as front
from autograder.frontends.handout import load_handout
from autograder.frontends.material import pytest_config
from autograder.frontends.otter import cli as otter_cli
from conftest import hostile_submission

EXAMPLES = paths.REPO / "examples" / "submissions"
EXPECTED = json.loads((paths.REPO / "examples" / "expected_scores.json").read_text())
GRADED = tuple(sorted(EXPECTED))  # every example: reference, stubs, d2l-style-zeros, ...
IN_CONTAINER = ("reference", "d2l-style-zeros")  # each costs an otter run plus a container
LIAR = "lying_eq"  # tests/adversarial/corpus.py: corr2d returns an object whose == always holds
pytestmark = pytest.mark.slow
HAS_OTTER = importlib.util.find_spec("otter") is not None
needs_otter = pytest.mark.skipif(
    not HAS_OTTER, reason=f"otter-grader is not installed for {sys.executable} "
    "(pip install otter-grader==7.0.0 to run the otter front-end end to end)")


def _bank():
    from autograder.grade.bank import load_bank

    return load_bank()


def _test_config(source: str) -> dict:
    """The YAML between an otter test case's ``BEGIN TEST CONFIG`` and ``END TEST CONFIG``."""
    block = source.split("# BEGIN TEST CONFIG\n", 1)[1].split('""" # END TEST CONFIG', 1)[0]
    return yaml.safe_load(block)


# ------------------------------------------------------------------ the master, without otter

def test_master_has_one_question_per_part_and_one_test_case_per_check() -> None:
    bank = _bank()
    nb = front.master_notebook()
    raw = [c.source for c in nb.cells if c.cell_type == "raw"]
    assert raw[0].startswith("# ASSIGNMENT CONFIG")
    config = yaml.safe_load(raw[0])
    assert config["python_version"] == pins.PYTHON
    assert config["requirements"] == front.zip_requirements()
    questions = [yaml.safe_load(s.removeprefix("# BEGIN QUESTION"))["name"] for s in raw
                 if s.startswith("# BEGIN QUESTION")]
    parts = [*bank.scheme.parts, *bank.scheme.optional]
    assert sorted(q for q in questions if not q.startswith("written-")) == sorted(parts)
    tests = [c.source for c in nb.cells
             if c.cell_type == "code" and "BEGIN TEST CONFIG" in c.source]
    by_id = {re.search(r"otter_check\('([^']+)', root\)", t).group(1): t for t in tests}
    assert len(tests) == len(by_id) == len(bank.checks)
    for check in bank.checks:  # each check once, with the bank's points and visibility
        assert _test_config(by_id[check.id]) == {"points": check.points,
                                                 "hidden": check.visibility != "visible"}


def test_written_questions_are_manual_with_model_answers() -> None:
    bank = _bank()
    nb = front.master_notebook()
    manual = [yaml.safe_load(c.source.removeprefix("# BEGIN QUESTION")) for c in nb.cells
              if c.cell_type == "raw" and "manual: true" in c.source]
    assert len(manual) == 6
    assert sum(q["points"] for q in manual) == bank.scheme.manual["written"]
    answers = {q.id: q.model_answer for q in load_handout().questions}
    assert len(answers) == 6
    assert sorted(q["name"] for q in manual) == sorted(f"written-{q}" for q in answers)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for text in answers.values():
        assert text in markdown
    # the students' answer cells keep the metadata graders look them up by
    ids = [c.metadata["question"] for c in nb.cells if "question" in c.metadata]
    assert sorted(ids) == sorted(answers)


def test_handout_is_parsed_once_and_checked_against_the_bank() -> None:
    """One parse of the handout serves every builder; sections and points agree with the bank,
    and a handout whose written points disagree is refused."""
    bank = _bank()
    handout = load_handout()
    assert load_handout() is handout
    assert [p.id for p in handout.parts] == [*bank.scheme.parts, *bank.scheme.optional]
    assert all(p.optional == (p.id in bank.scheme.optional) for p in handout.parts)
    assert handout.written_points == bank.scheme.manual["written"]
    cells = handout.notebook.cells
    for q in handout.questions:
        assert cells[q.answer].metadata["question"] == q.id and q.prompt == q.answer - 1
        assert q.model_answer.startswith("**Model answer")
    with pytest.raises(ValueError, match="written questions are worth"):
        handout.check([p.id for p in handout.parts], handout.written_points + 1)


def test_kernel_side_imports_no_builder() -> None:
    """What the generated test cells import loads no notebook, subprocess or CLI code."""
    code = ("import sys; import autograder.frontends.kernel\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('nbformat', 'argparse', 'otter',"
            " 'nbgrader') or m.startswith('autograder.frontends.') and m not in "
            "('autograder.frontends.kernel',)]\n"
            "print(bad)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=paths.REPO, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"


def test_kernel_check_notices_patched_torch(monkeypatch) -> None:
    import torch

    assert kernel.patched_torch() == []
    monkeypatch.setattr(torch, "isclose", lambda a, b, *r, **k: torch.ones_like(a, dtype=bool))
    assert kernel.patched_torch() == ["isclose"]
    with pytest.raises(AssertionError, match="replaced by student code"):
        kernel.otter_check("corr2d.d2l_example", str(paths.REPO))


def test_kernel_check_runs_a_check_in_process() -> None:
    # In a fresh interpreter (it imports the package and sets torch's threads); outside otter's
    # layout the submission is the working directory.
    code = (f"import sys; sys.path.insert(0, {str(paths.REPO)!r})\n"
            "from autograder.frontends.kernel import otter_check\n"
            "try:\n"
            f"    otter_check('corr2d.d2l_example', {str(paths.REPO)!r})\n"
            "    print('PASSED')\n"
            "except AssertionError as e:\n"
            "    print('FAILED:', e)\n")
    for impl, verdict in (("solutions", "PASSED"), ("assignments", "FAILED: corr2d on d2l's")):
        proc = subprocess.run([sys.executable, "-c", code], cwd=paths.REPO / impl,
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.startswith(verdict), proc.stdout
    assert "not implemented" in proc.stdout


# ------------------------------------------------------------- container mode, command line

def test_container_command_is_confined(tmp_path) -> None:
    """``otter run`` in a container: the confinement of the grader's own containers, an
    unprivileged user, the inputs read-only and one writable folder."""
    from autograder.grade import docker_backend

    mounts = [container.Mount(tmp_path / "a.zip", "/grading/a.zip"),
              container.Mount(tmp_path, container.OUT, readonly=False)]
    cmd = container.command(["python", "-m", "otter", "run"], mounts=mounts, name="n",
                            device="cuda")
    joined = " ".join(cmd)
    assert " ".join(docker_backend.confinement_args(device="cuda")) in joined
    assert "--network none" in joined and "--read-only" in joined and "--gpus all" in joined
    assert cmd[cmd.index("--user") + 1] != "0"
    binds = [cmd[i + 1] for i, a in enumerate(cmd) if a == "--mount"]
    assert binds == [f"type=bind,source={tmp_path / 'a.zip'},target=/grading/a.zip,readonly",
                     f"type=bind,source={tmp_path},target={container.OUT}"]
    entry = cmd.index("--entrypoint")
    assert cmd[entry + 1:] == ["python", container.image_for("cuda"), "-m", "otter", "run"]


def test_an_engine_failure_is_not_the_submissions(tmp_path) -> None:
    """``docker run`` failing by itself (status 125: no daemon, no image) raises EngineError,
    which stops grading, rather than counting as a submission that wrote no results."""
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\necho 'docker: Cannot connect to the Docker daemon' >&2\n"
                    "exit 125\n")
    fake.chmod(0o755)
    with pytest.raises(container.EngineError, match="Cannot connect"):
        container.run(["python", "-V"], mounts=[], docker=str(fake), timeout=30)


def test_grade_with_docker_backend_says_why_it_cannot_run(tmp_path, monkeypatch) -> None:
    """Without an engine (or without the image), ``--backend docker`` stops with the reason."""
    monkeypatch.setattr(container, "available", lambda device="cpu": (False, "no engine here"))
    zip_ = tmp_path / "x-autograder_1.zip"
    zip_.write_bytes(b"")
    with pytest.raises(SystemExit) as exc:
        otter_cli.main(["grade", str(EXAMPLES / "reference"), "--output", str(tmp_path / "o"),
                        "--autograder", str(zip_), "--backend", "docker"])
    assert exc.value.code == 2


# -------------------------------------------------------------------------- with otter-grader

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    if not HAS_OTTER:
        pytest.skip(f"otter-grader is not installed for {sys.executable}")
    return front.build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def graded(built, tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("submissions")
    hostile_submission(LIAR, root)
    assert {"reference", "stubs", "d2l-style-zeros", "textcnn-pools-padding"} <= set(GRADED)
    subs = [EXAMPLES / name for name in GRADED] + [root / LIAR]
    return front.grade(built, subs, tmp_path_factory.mktemp("otter-out"), jobs=2)


@needs_otter
def test_student_material_holds_no_answer(built) -> None:
    """What otter hands students (notebook, stubs, public tests) passes the answer-leak scan;
    otter ships no hints, so no answer is allowed (level none)."""
    from autograder.assign.leaks import find_leaks

    leaks = find_leaks(built.parent.parent / "student", "none")
    assert not leaks, "\n".join(map(str, leaks))


@needs_otter
def test_build_writes_master_student_and_autograder(built) -> None:
    out = built.parent.parent
    assert (out / "master" / front.NOTEBOOK).is_file()
    student = out / "student"
    assert (student / front.NOTEBOOK).is_file() and (student / "convolutions").is_dir()
    assert (student / "tests" / "public").is_dir() and (student / "data").is_dir()
    assert (student / "pyproject.toml").read_text() == pytest_config()
    assert not (student / front.SUPPORT).exists()
    text = (student / front.NOTEBOOK).read_text()
    assert "Model answer" not in text and "hidden: true" not in text
    assert "hidden=True" not in text, "hidden test cases reached the student notebook"
    with zipfile.ZipFile(built) as zf:
        names = set(zf.namelist())
        environment = yaml.safe_load(zf.read("environment.yml"))
        otter_config = json.loads(zf.read("otter_config.json"))
    parts = [*_bank().scheme.parts, *_bank().scheme.optional]
    assert {f"tests/{p}.py" for p in parts} <= names
    support = f"files/{front.SUPPORT}/"
    for needed in ("autograder/frontends/inprocess.py", "autograder/frontends/kernel.py",
                   "tests/hidden/manifest.toml", "tests/hidden/data/eval.npz",
                   "solutions/convolutions/training.py", "data/audio_mfcc.npz", "data/text.npz"):
        assert support + needed in names, needed
    # of the front-ends, only the kernel side ships: no builder, runner or command line
    shipped = {n.removeprefix(support) for n in names
               if n.startswith(support + "autograder/frontends/")}
    assert shipped == set(KERNEL_SIDE)
    # of the reference, only the given training loop ships
    solutions = {n for n in names if "/solutions/" in n}
    assert solutions == {support + "solutions/convolutions/training.py"}
    assert not any(n.startswith("files/convolutions") for n in names)
    # the grading environment otter installs: torch's pinned CPU build and the rest (exactly)
    assert f"python={pins.PYTHON}" in environment["dependencies"]
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert pip == front.zip_requirements()
    assert f'torch=={pins.TORCH}+cpu; sys_platform == "linux"' in pip
    # PDF export is off unless the release asks for it (tests/repo/test_otter_zip.py)
    assert otter_config["pdf"] is False and "grader.export(pdf=False" in text


@needs_otter
@pytest.mark.parametrize("name", GRADED)
def test_otter_gives_our_part_scores(graded, name) -> None:
    results = graded[name]
    scores = front.part_scores(results)
    assert scores == EXPECTED[name], (results["extra_data"], scores)
    print(f"{name}: otter run took {results['extra_data']['seconds']:.1f} s")


@needs_otter
def test_object_whose_eq_always_holds_gets_no_credit(graded) -> None:
    scores = front.part_scores(graded[LIAR])
    assert scores["cross_correlation"] == 0
    # Corr2dFunction builds on corr2d, but is graded with an oracle in its place: one part lost.
    for part in ("conv2d_backward", "conv_as_matmul", "conv1x1_fc", "derivative_kernels",
                 "text_conv", "concepts"):
        assert scores[part] == EXPECTED["reference"][part], part


@needs_otter
@pytest.mark.docker
def test_otter_in_the_container_gives_the_same_part_scores(built, graded, tmp_path) -> None:
    """``grade --backend docker``: ``otter run`` inside the confined grading container gives
    every part the score the local run gives (and our grader)."""
    ok, why = container.available("cpu")
    if not ok:
        pytest.skip(f"otter in a container: {why}")
    results = front.grade(built, [EXAMPLES / n for n in IN_CONTAINER], tmp_path, jobs=1,
                          backend="docker")
    for name in IN_CONTAINER:
        extra = results[name]["extra_data"]
        assert not extra.get("error"), extra
        assert front.part_scores(results[name]) == front.part_scores(graded[name]) \
            == EXPECTED[name]
        print(f"{name}: otter run in a container took {extra['seconds']:.1f} s")
