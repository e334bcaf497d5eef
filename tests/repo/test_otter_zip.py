"""otter's autograder zip carries its grading environment, and PDF export is a release option.

Without installing anything: the zip's requirements (torch's pinned CPU build from PyTorch's
CPU index, the students' other pins, otter) and what ``ReleaseOptions.otter_pdf`` changes.

With otter-grader here and the CPU wheelhouse (``make wheelhouse``, scripts/docker/
wheelhouse.py), slow: a fresh virtual environment made only from the zip's ``environment.yml``
(its pip section, installed offline from the wheelhouse) grades the reference with its own
``otter run``, as ``otter grade``'s image and otter on Gradescope would after installing it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from autograder import paths, pins
from autograder.frontends import github
from autograder.frontends import otter as front
from autograder.frontends.otter import assign, master
from autograder.frontends.otter import cli as otter_cli
from autograder.frontends.platform import ReleaseOptions

sys.path.insert(0, str(paths.REPO / "scripts" / "docker"))
import wheelhouse  # noqa: E402  (scripts/docker is not a package)

EXAMPLES = paths.REPO / "examples" / "submissions"
EXPECTED = json.loads((paths.REPO / "examples" / "expected_scores.json").read_text())
HAS_OTTER = importlib.util.find_spec("otter") is not None
WHEELHOUSE = wheelhouse.wheelhouse_dir("cpu")
INSTALL_TIMEOUT = 900  # seconds: pip unpacks torch's CPU wheel into the fresh environment
INDEX_OPTIONS = ("--index-url", "--extra-index-url")


def _pip_lines(path: Path) -> list[str]:
    return [line.split("#")[0].strip() for line in path.read_text().splitlines()
            if line.split("#")[0].strip()]


# ------------------------------------------------------------------- without installing ----

def test_zip_installs_the_pinned_cpu_torch_and_the_students_pins() -> None:
    """The grading environment otter installs from the zip (``otter grade``'s image, otter on
    Gradescope): torch's pin as its CPU build from PyTorch's CPU index (the students'
    workflow's index), every other student requirement as requirements.txt pins it but
    pytest, and the otter of requirements-frontends.txt in place of otter's defaults."""
    requirements = front.zip_requirements()
    assert requirements[0] == f"--extra-index-url {github.TORCH_INDEX}"
    assert github.TORCH_INDEX.endswith("/whl/cpu")
    assert requirements[1:3] == [f'torch=={pins.TORCH}+cpu; sys_platform == "linux"',
                                 f'torch=={pins.TORCH}; sys_platform != "linux"']
    students = _pip_lines(paths.STUDENT_REQUIREMENTS)
    assert f"torch=={pins.TORCH}" in students
    others = [r for r in students if not r.startswith(("torch", "pytest"))]
    assert others and requirements[3:-1] == others
    otter_pin = [r for r in _pip_lines(paths.REPO / "requirements-frontends.txt")
                 if r.startswith("otter-grader")]
    assert otter_pin == requirements[-1:], "the zip's otter is not the one that builds it"
    config = yaml.safe_load(front.assignment_config())
    assert config["requirements"] == requirements
    assert config["overwrite_requirements"] is True  # otter's defaults would add its extras


def _config_diff(a: object, b: object, where: str = "") -> set[str]:
    """The keys (dotted) whose values differ between two configs."""
    if isinstance(a, dict) and isinstance(b, dict):
        return {d for k in {*a, *b} for d in _config_diff(a.get(k), b.get(k), f"{where}{k}.")}
    return set() if a == b else {where.rstrip(".")}


def test_pdf_option_changes_only_the_pdf_config() -> None:
    """``ReleaseOptions.otter_pdf``: the export cell adds a PDF of the written answers (only
    the manual questions' cells, and a message where the student's machine cannot make one),
    the autograder keeps it (or makes one) for manual grading and tells the student when it
    has none; nothing else in the config or the master changes. Off by default."""
    plain = yaml.safe_load(front.assignment_config())
    assert yaml.safe_load(front.assignment_config(ReleaseOptions())) == plain
    assert plain["export_cell"]["pdf"] is False and plain["generate"]["pdf"] is False
    assert plain["export_cell"]["instructions"] == master.EXPORT_INSTRUCTIONS
    pdf = yaml.safe_load(front.assignment_config(ReleaseOptions(otter_pdf=True)))
    assert _config_diff(plain, pdf) == {
        "export_cell.pdf", "export_cell.filtering", "export_cell.require_no_pdf_ack",
        "export_cell.instructions", *(f"generate.{k}" for k in master.PDF_GENERATE)}
    assert pdf["export_cell"]["pdf"] is True and pdf["export_cell"]["filtering"] is True
    assert pdf["export_cell"]["require_no_pdf_ack"] == {"message": master.PDF_MISSING}
    assert pdf["export_cell"]["instructions"] == master.PDF_INSTRUCTIONS
    assert pdf["generate"] == {**master.PDF_GENERATE, "show_hidden": True}
    assert pdf["generate"]["pdf"] is True and pdf["generate"]["use_submission_pdf"] is True
    # the master notebooks differ in their config cell only
    cells = front.master_notebook().cells
    with_pdf = front.master_notebook(options=ReleaseOptions(otter_pdf=True)).cells
    assert len(cells) == len(with_pdf) and cells[1:] == with_pdf[1:]
    assert cells[0] != with_pdf[0]


def test_release_and_command_line_pass_the_pdf_option(tmp_path, monkeypatch) -> None:
    """The platform's build takes the release's options; ``build --pdf`` sets ``otter_pdf``."""
    seen: list[ReleaseOptions] = []

    def stop(master_dir: Path, options: ReleaseOptions) -> Path:
        seen.append(options)
        raise RuntimeError("stop before otter assign")

    monkeypatch.setattr(assign, "write_master", stop)
    with pytest.raises(RuntimeError, match="stop before"):
        front.PLATFORM.build(tmp_path, ReleaseOptions(otter_pdf=True))
    assert seen == [ReleaseOptions(otter_pdf=True)]
    built: list[ReleaseOptions] = []
    monkeypatch.setattr(otter_cli, "build", lambda dist, options: built.append(options) or dist)
    otter_cli.main(["build", "--dist", str(tmp_path)])
    otter_cli.main(["build", "--dist", str(tmp_path), "--pdf"])
    assert built == [ReleaseOptions(), ReleaseOptions(otter_pdf=True)]


# ------------------------------------------------------------ a fresh environment, slow ----

def _zip_environment(autograder_zip: Path) -> tuple[str, list[str]]:
    """(python version, pip requirements) of the zip's environment.yml."""
    with zipfile.ZipFile(autograder_zip) as zf:
        environment = yaml.safe_load(zf.read("environment.yml"))
    deps = environment["dependencies"]
    python = next(d.split("=", 1)[1] for d in deps if isinstance(d, str)
                  and d.startswith("python="))
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    return python, pip


def _missing_from_wheelhouse(requirements: list[str]) -> list[str]:
    """The requirements (for this machine) of which the wheelhouse holds no wheel at all."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    held = {canonicalize_name(p.name.split("-")[0]) for p in WHEELHOUSE.glob("*.whl")}
    wanted = [Requirement(r) for r in requirements]
    return sorted(str(r) for r in wanted
                  if (r.marker is None or r.marker.evaluate())
                  and canonicalize_name(r.name) not in held)


def _clean_env(home: Path) -> dict[str, str]:
    """An environment that reaches nothing of this checkout or of this machine's Python and
    Jupyter set-up: no PYTHONPATH or pip configuration, an empty home."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PIP_", "JUPYTER", "VIRTUAL_ENV", "CONDA"))}
    return {**env, "HOME": str(home), "PIP_CONFIG_FILE": os.devnull, "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}


@pytest.mark.slow
def test_otter_run_from_a_fresh_environment_made_from_the_zip(tmp_path_factory) -> None:
    """A new virtual environment gets only the zip's requirements (its ``environment.yml``'s
    pip section, the Python it names), installed offline from the CPU wheelhouse: the PyTorch
    index line is left out here, and only here, since the wheelhouse already holds torch's CPU
    wheel. Its own ``otter run`` then grades the reference with full marks on every part."""
    if not HAS_OTTER:
        pytest.skip(f"otter-grader is not installed for {sys.executable} (it builds the zip)")
    if not any(WHEELHOUSE.glob("torch-*.whl")):
        pytest.skip(f"no CPU wheelhouse in {WHEELHOUSE} (make wheelhouse)")
    dist = tmp_path_factory.mktemp("dist")
    autograder_zip = front.build(dist)
    python_version, requirements = _zip_environment(autograder_zip)
    python = shutil.which(f"python{python_version}")
    if python is None:
        pytest.skip(f"no python{python_version} on PATH for the fresh environment")
    assert any(re.match(r"otter-grader\b", r) for r in requirements), \
        "the zip's requirements must install otter itself"
    offline = [r for r in requirements if not r.startswith(INDEX_OPTIONS)]
    assert len(offline) == len(requirements) - 1  # exactly the CPU index line
    missing = _missing_from_wheelhouse(offline)
    if missing:
        pytest.skip(f"the wheelhouse {WHEELHOUSE} has no wheel for {missing} (the zip's "
                    "requirements; scripts/docker/wheelhouse.py downloads what it lists)")

    work = tmp_path_factory.mktemp("fresh")
    env = _clean_env(work / "home")
    (work / "home").mkdir()
    (work / "requirements.txt").write_text("\n".join(offline) + "\n")
    venv = work / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, env=env, cwd=work,
                   timeout=300)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"])  # as if activated
    py = venv / "bin" / "python"
    pip = subprocess.run([str(py), "-m", "pip", "install", "--no-index", "--find-links",
                          str(WHEELHOUSE), "-r", str(work / "requirements.txt")],
                         env=env, cwd=work, capture_output=True, text=True,
                         timeout=INSTALL_TIMEOUT)
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    # torch's CPU build, otter and the notebook's kernel all from the fresh environment, and
    # no grader code but the zip's
    probe = subprocess.run(
        [str(py), "-c", "import importlib.util, otter, torch\n"
         "from jupyter_client.manager import KernelManager\n"
         "kernel = KernelManager(kernel_name='python3').format_kernel_cmd()[0]\n"
         "print(torch.__version__, otter.__file__, kernel, "
         "importlib.util.find_spec('autograder') is None)"],
        env=env, cwd=work, capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr[-3000:]
    version, otter_file, kernel, no_grader = probe.stdout.split()
    assert version == f"{pins.TORCH}+cpu"
    assert Path(otter_file).is_relative_to(venv) and Path(kernel).is_relative_to(venv)
    assert no_grader == "True"

    submission = front.package_submission(EXAMPLES / "reference", work / "reference.zip",
                                          dist / "otter" / "student" / front.NOTEBOOK)
    out = work / "out"
    out.mkdir()
    run = subprocess.run([str(venv / "bin" / "otter"), "run", "-a", str(autograder_zip),
                          "-o", str(out), "--no-logo", str(submission)],
                         env=env, cwd=out, capture_output=True, text=True,
                         timeout=front.OTTER_TIMEOUT)
    assert (out / "results.json").is_file(), run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    scores = front.part_scores(results)
    assert scores == EXPECTED["reference"], results
    for test in results["tests"]:
        if test["name"] in scores:  # every part's every check, hidden ones included
            assert test["score"] == test["max_score"], test
            assert "All test cases passed!" in test["output"], test


@pytest.mark.slow
def test_pdf_release_grades_and_keeps_the_students_pdf(tmp_path_factory) -> None:
    """Built with ``otter_pdf``, the student notebook's export cell makes the PDF and the
    autograder takes the one in the submission (no LaTeX needed where it grades): the
    reference gets full marks and no 'PDF Generation Failed' result."""
    if not HAS_OTTER:
        pytest.skip(f"otter-grader is not installed for {sys.executable}")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    dist = tmp_path_factory.mktemp("dist-pdf")
    autograder_zip = front.build(dist, ReleaseOptions(otter_pdf=True))
    student = (dist / "otter" / "student" / front.NOTEBOOK).read_text()
    assert "grader.export(files=" in student and "pdf=False" not in student
    assert "<!-- BEGIN QUESTION -->" in student  # otter's filter marks the written answers
    with zipfile.ZipFile(autograder_zip) as zf:
        assert json.loads(zf.read("otter_config.json"))["use_submission_pdf"] is True
    work = tmp_path_factory.mktemp("pdf-run")
    submission = front.package_submission(EXAMPLES / "reference", work / "reference.zip",
                                          dist / "otter" / "student" / front.NOTEBOOK)
    pdf = work / "convolutions.pdf"
    fig = plt.figure()
    fig.text(0.1, 0.5, "written answers")
    fig.savefig(pdf)
    plt.close(fig)
    with zipfile.ZipFile(submission, "a") as zf:
        zf.write(pdf, pdf.name)
    results = front.otter_run(autograder_zip, submission, work / "out")
    assert front.part_scores(results) == EXPECTED["reference"], results
    assert not [t for t in results["tests"] if t["name"] == "PDF Generation Failed"], results
