"""Running a notebook platform's command (``otter run``, ``nbgrader autograde``) in a container.

Each command runs in a fresh container of the grader image that holds otter and nbgrader,
confined exactly as the grader's own ``--backend docker`` confines its containers
(``docker_backend.confinement_args``: no network, a read-only root with a tmpfs ``/tmp``,
memory, pid and CPU limits, no new privileges, capabilities dropped, ``--gpus all`` on CUDA),
as an unprivileged user, with only the folders it needs mounted: what it reads, read-only;
one per-submission folder for what it writes. A container that outlives its time limit is
removed (killing ``docker run`` alone would leave it running).
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.frontends.process import run_group
from autograder.grade import docker_backend

# The grader image with otter-grader and nbgrader (requirements-frontends.txt) installed.
IMAGES = {device: f"{image}-frontends" for device, image in docker_backend.IMAGES.items()}
GRADING = "/grading"   # read-only inputs inside the container
OUT = "/out"           # the one writable host folder inside the container
USER = "65534:65534"   # nobody: the platform and the student's code need no privilege
# Where the platforms write their settings and runtime files (the root is read-only).
ENV = {"HOME": "/tmp", "MPLCONFIGDIR": "/tmp/.matplotlib",
       "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter-runtime", "PYTHONDONTWRITEBYTECODE": "1"}


DOCKER_FAILED = 125  # `docker run`'s own status when it could not run the container at all


class EngineError(Exception):
    """The container engine failed (not the submission): grading stops instead of recording
    the submission as one that produced no results."""


@dataclass(frozen=True)
class Mount:
    source: Path
    target: str
    readonly: bool = True

    def arg(self) -> str:
        spec = f"type=bind,source={Path(self.source).resolve()},target={self.target}"
        return spec + (",readonly" if self.readonly else "")


def image_for(device: str) -> str:
    """The image that runs the platforms for ``device`` (``D2L_FRONTENDS_IMAGE`` overrides)."""
    return os.environ.get("D2L_FRONTENDS_IMAGE") or IMAGES[device]


def available(device: str = "cpu", docker: str = "docker") -> tuple[bool, str]:
    """Whether an engine answers and holds the platforms' image; if not, why."""
    ok, why = docker_backend.engine_available(docker)
    if not ok:
        return False, why
    image = image_for(device)
    probe = subprocess.run([docker, "image", "inspect", image], capture_output=True, text=True,
                           check=False,
                           timeout=60)
    if probe.returncode != 0:
        return False, (f"no image {image} (build the grader image's frontends target: see "
                       "docs/frontends-containers.md)")
    return True, image


def command(argv: Sequence[str], *, mounts: Sequence[Mount], name: str, device: str = "cpu",
            workdir: str = "/tmp", limits: docker_backend.ContainerLimits | None = None,
            docker: str = "docker") -> list[str]:
    """The ``docker run`` command line that runs ``argv`` confined."""
    limits = limits or docker_backend.ContainerLimits()
    cmd = [docker, "run", "--rm", "--name", name, "--user", USER, "--workdir", workdir,
           *docker_backend.confinement_args(limits, device)]
    for key, value in ENV.items():
        cmd += ["--env", f"{key}={value}"]
    for mount in mounts:
        cmd += ["--mount", mount.arg()]
    return cmd + ["--entrypoint", argv[0], image_for(device), *argv[1:]]


def run(argv: Sequence[str], *, mounts: Sequence[Mount], device: str = "cpu",
        timeout: float | None = None, workdir: str = "/tmp",
        docker: str = "docker") -> subprocess.CompletedProcess:
    """Run ``argv`` in a fresh confined container; past ``timeout`` the container is removed
    and ``subprocess.TimeoutExpired`` raised; ``EngineError`` if the engine could not run it."""
    name = f"d2l-frontend-{secrets.token_hex(6)}"
    for mount in mounts:  # the unprivileged user must be able to write its folder
        if not mount.readonly:
            os.chmod(mount.source, 0o777)
    cmd = command(argv, mounts=mounts, name=name, device=device, workdir=workdir, docker=docker)
    try:
        proc = run_group(cmd, timeout=timeout)
    except subprocess.TimeoutExpired:
        subprocess.run([docker, "rm", "--force", name], capture_output=True, timeout=120,
                       check=False)
        raise
    if proc.returncode == DOCKER_FAILED and proc.stderr.lstrip().startswith("docker:"):
        raise EngineError(f"the container engine could not run {name}: {proc.stderr[-1000:]}")
    return proc
