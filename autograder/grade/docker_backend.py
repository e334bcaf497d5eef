"""``--backend docker``: each submission graded in its own container.

The container runs this grader (``python -m autograder grade``) on one submission, mounted
read-only, with no network, memory, pid and CPU limits, a read-only root file system with a
small tmpfs for scratch, and ``--gpus all`` for CUDA. Inside, student code runs in the
grader's children under their own uids, which cannot read the checks (the images make them
root-only). The grader inside prints its results as JSON on stdout, which student code cannot
write to, and the host writes them to OUT, so nothing a submission does can reach OUT.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from autograder.settings import ContainerLimits  # (its home: the one settings object)

from .batch import Batch, CannotGrade

# Built by `make image` / `make image-gpu` from autograder/docker/Dockerfile (docs/containers.md):
# the grader, and the grader with otter-grader and nbgrader for the front-ends' container mode.
IMAGES = {"cpu": "d2l-convolutions-grader:cpu", "cuda": "d2l-convolutions-grader:gpu"}
FRONTEND_IMAGES = {device: f"{name}-frontends" for device, name in IMAGES.items()}
# Capabilities the grader inside needs to give each child its own uid and clean up after it.
CAPS = ("SETUID", "SETGID", "CHOWN", "KILL", "DAC_OVERRIDE", "FOWNER")


def engine_available(docker: str = "docker") -> tuple[bool, str]:
    """Whether a container engine answers, and if not, why (for skips and errors)."""
    if shutil.which(docker) is None:
        return False, f"no {docker} client on PATH"
    try:
        probe = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"],
                               capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{docker} info failed: {exc}"
    if probe.returncode != 0:
        return False, f"no container engine: {probe.stderr.strip()[:200]}"
    return True, probe.stdout.strip()


def confinement_args(limits: ContainerLimits = ContainerLimits(), device: str = "cpu"
                     ) -> list[str]:
    """The ``docker run`` options that confine a grading container: no network, memory
    (without swap), pid and CPU limits, a read-only root with a tmpfs ``/tmp`` for scratch,
    no new privileges, every capability dropped but ``CAPS``, and ``--gpus all`` for CUDA.
    Every container that runs student code (this backend, otter and nbgrader in containers)
    gets exactly these."""
    args = ["--network", "none",
            "--memory", limits.memory, "--memory-swap", limits.memory,
            "--pids-limit", str(limits.pids), "--cpus", f"{limits.cpus:g}",
            "--read-only", "--tmpfs", f"/tmp:rw,exec,size={limits.scratch}",
            "--security-opt", "no-new-privileges", "--cap-drop", "ALL"]
    for cap in CAPS:
        args += ["--cap-add", cap]
    if device == "cuda":
        args += ["--gpus", "all"]
    return args


def docker_command(submission: Path, *, image: str, device: str = "cpu",
                   parts: list[str] | None = None, limits: ContainerLimits = ContainerLimits(),
                   docker: str = "docker") -> list[str]:
    """The ``docker run`` command line that grades ``submission`` (a directory or a zip)."""
    target = f"/submissions/{submission.name}"
    cmd = [docker, "run", "--rm", *confinement_args(limits, device),
           "--mount", f"type=bind,source={submission.resolve()},target={target},readonly"]
    cmd += [image, "grade", target, "--output", "/tmp/out", "--isolation", "none",
            "--jobs", "1", "--device", device, "--quiet", "--emit-json"]
    for part in parts or []:
        cmd += ["--part", part]
    return cmd


def run_container(cmd: list[str], limits: ContainerLimits = ContainerLimits()) -> dict:
    """Run one container (for at most ``limits.timeout`` seconds) and parse the grader's JSON
    from its stdout."""
    proc = subprocess.run(cmd, capture_output=True, timeout=limits.timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"container exited with {proc.returncode}: "
                           f"{proc.stderr.decode(errors='replace')[-2000:]}")
    lines = proc.stdout[:limits.stdout_bytes].decode(errors="replace").strip().splitlines()
    return json.loads(lines[-1])


class Containers:
    """The backend: one container per submission, sequentially (each may use every core it is
    given), from ``image`` (default: ``IMAGES[device]``)."""

    def __init__(self, *, image: str | None, device: str = "cpu",
                 parts: list[str] | None = None) -> None:
        self.image, self.device, self.parts = image or IMAGES[device], device, parts

    def __enter__(self) -> Containers:
        ok, why = engine_available()
        if not ok:
            raise CannotGrade(f"--backend docker: {why}", 2)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def grade(self, batch: Batch) -> None:
        stage = "grading your submission in a container"
        limits = batch.bank.scheme.settings.container
        for i, path in enumerate(batch.paths):
            cmd = docker_command(path, image=self.image, device=self.device, parts=self.parts,
                                 limits=limits)
            try:
                data = run_container(cmd, limits)
                if not isinstance(data.get("results"), dict) or \
                        not isinstance(data.get("feedback"), str):
                    raise ValueError("the container's reply has no results and feedback")
            except Exception as exc:  # noqa: BLE001 - one broken container must not stop the batch
                batch.write(i, batch.fault(i, stage, exc))
                continue
            batch.write_files(i, data["results"], data["feedback"], stage)
