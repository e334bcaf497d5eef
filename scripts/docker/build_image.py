"""``make image`` / ``make image-gpu``: build the grader image, offline when need be.

1. The wheelhouse (scripts/docker/wheelhouse.py), downloaded on the host unless it is complete.
2. The base image: ``--base`` (default ``python:<pin>-slim-bookworm``) when the engine has it or
   can pull it; else the Debian base that ``make base-image`` builds from Debian packages
   (scripts/docker/base_image.sh), built now if the engine lacks it. So a host without a
   registry builds the same image from the same Dockerfile.
3. The build context build/docker/<device>/: wheelhouse/ (hard links), bundle/ (written by
   ``autograder.bundle.copy_grader``, so the image holds exactly ``GRADER_BUNDLE``; its modes
   from ``autograder.bundle.set_modes``: the checks and the reference root-only, the sandbox's
   plugins readable, so that children get private uids) and the requirement files.
4. ``docker build --network none`` of autograder/docker/Dockerfile: target ``grader`` tagged
   ``IMAGES[device]``, target ``frontends`` (grader + otter-grader + nbgrader) tagged
   ``FRONTEND_IMAGES[device]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # autograder.*: this runs as a script, not as a module
sys.path.insert(0, str(Path(__file__).resolve().parent))

import wheelhouse

from autograder.grade.docker_backend import (
    FRONTEND_IMAGES,
    IMAGES,
    engine_available,
)
from autograder.bundle import copy_grader, set_modes
from autograder.pins import PYTHON, TORCH

DOCKERFILE = REPO / "autograder" / "docker" / "Dockerfile"
CONTEXT = REPO / "build" / "docker"
DEFAULT_BASE = f"python:{PYTHON}-slim-bookworm"
OFFLINE_BASE = "d2l-convolutions-base:bookworm"
BASE_SCRIPT = REPO / "scripts" / "docker" / "base_image.sh"
# Every staged file and folder gets this mtime: the legacy builder's cache of a COPY step
# hashes mtimes too, so a context staged afresh would otherwise rebuild every layer.
STAGED_MTIME = 946684800  # 2000-01-01
PULL_TIMEOUT = 300  # seconds; a host without a registry usually fails at once (DNS)


def say(message: str) -> None:
    print(f"image: {message}", file=sys.stderr, flush=True)


def image_id(name: str, docker: str = "docker") -> str | None:
    """The id of the image ``name`` names now, or None where there is none."""
    proc = subprocess.run([docker, "image", "inspect", "--format", "{{.Id}}", name],
                          capture_output=True, text=True, check=False)
    return (proc.stdout.strip() or None) if proc.returncode == 0 else None


def remove_replaced(old_id: str | None, tag: str, docker: str = "docker") -> None:
    """Remove the image ``tag`` named before this build, now untagged: with the vfs storage
    driver every rebuild left a whole copy behind (tens of GB after a few, and CI ran out of
    disk). Only that image goes, never another; one still in use by a container stays."""
    if old_id is None or old_id == image_id(tag, docker):
        return
    proc = subprocess.run([docker, "image", "rm", old_id], capture_output=True, text=True,
                          check=False)
    if proc.returncode == 0:
        say(f"removed the image {tag} replaced ({old_id[:19]})")


def has_image(name: str, docker: str = "docker") -> bool:
    proc = subprocess.run([docker, "image", "inspect", name], capture_output=True, check=False)
    return proc.returncode == 0


def can_pull(name: str, docker: str = "docker") -> bool:
    try:
        proc = subprocess.run([docker, "pull", "--quiet", name], capture_output=True, text=True,
                              timeout=PULL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        say(f"docker pull {name} took over {PULL_TIMEOUT} s")
        return False
    if proc.returncode != 0:
        say(f"cannot pull {name}: {proc.stderr.strip().splitlines()[-1:] or '?'}")
    return proc.returncode == 0


def resolve_base(base: str, *, offline_fallback: bool = True) -> str:
    """``base`` if the engine has it or can pull it, else the offline Debian base."""
    if has_image(base) or can_pull(base):
        return base
    if not offline_fallback:
        raise SystemExit(f"image: no base image {base} (make base-image builds one offline)")
    if not has_image(OFFLINE_BASE):
        say(f"building {OFFLINE_BASE} from Debian packages instead ({BASE_SCRIPT.name})")
        subprocess.run([str(BASE_SCRIPT), OFFLINE_BASE], check=True,
                       env={**os.environ, "PYTHON": sys.executable})
    say(f"base image {OFFLINE_BASE} (no {base} here)")
    return OFFLINE_BASE


def _link_tree(src: Path, dst: Path) -> None:
    """Hard links where the file system allows them (the wheels are large), copies elsewhere."""
    dst.mkdir(parents=True)
    for path in sorted(src.glob("*.whl")):
        try:
            os.link(path, dst / path.name)
        except OSError:
            shutil.copy2(path, dst / path.name)


def stage_context(device: str, wheels: Path) -> Path:
    """Write the build context of ``device`` afresh and return its directory."""
    context = CONTEXT / device
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    _link_tree(wheels, context / "wheelhouse")
    copy_grader(context / "bundle")
    set_modes(context / "bundle")  # COPY keeps them: student code cannot read the checks
    for name in wheelhouse.REQUIREMENTS:
        shutil.copy2(REPO / name, context / name)
    for path in [*sorted(context.rglob("*"), reverse=True), context]:  # folders after contents
        os.utime(path, (STAGED_MTIME, STAGED_MTIME), follow_symlinks=False)
    return context


def build_command(context: Path, *, device: str, base: str, target: str, tag: str,
                  docker: str = "docker") -> list[str]:
    """The ``docker build`` command line of one target (no network: wheels come from
    the context)."""
    return [docker, "build", "--network", "none", "-f", str(DOCKERFILE), "--target", target,
            "-t", tag, "--build-arg", f"BASE={base}", "--build-arg", f"PYTHON={PYTHON}",
            "--build-arg", f"TORCH={TORCH}", "--build-arg", f"DEVICE={device}", str(context)]


def builder_env() -> dict[str, str]:
    """The legacy builder where BuildKit's buildx plugin is missing (Debian's docker.io):
    a newer client refuses to build otherwise. The Dockerfile needs no BuildKit feature."""
    env = dict(os.environ)
    if "DOCKER_BUILDKIT" not in env and subprocess.run(
            ["docker", "buildx", "version"], capture_output=True, check=False).returncode != 0:
        env["DOCKER_BUILDKIT"] = "0"
    return env


def build(device: str, base: str, *, frontends: bool = True, torch_index: str | None = None,
          offline_fallback: bool = True) -> list[str]:
    """Build the images of ``device``; returns their tags."""
    ok, why = engine_available()
    if not ok:
        raise SystemExit(f"image: {why}")
    wheels = wheelhouse.ensure(device, torch_index)
    base = resolve_base(base, offline_fallback=offline_fallback)
    context = stage_context(device, wheels)
    targets = [("grader", IMAGES[device])]
    if frontends:
        targets.append(("frontends", FRONTEND_IMAGES[device]))
    env = builder_env()
    replaced = {tag: image_id(tag) for _, tag in targets}
    for target, tag in targets:
        start = time.perf_counter()
        say(f"building {tag} (target {target}, base {base})")
        cmd = build_command(context, device=device, base=base, target=target, tag=tag)
        subprocess.run(cmd, check=True, env=env)
        say(f"{tag} built in {time.perf_counter() - start:.0f} s")
    for tag in reversed(replaced):  # the frontends image is a child of the grader image
        remove_replaced(replaced[tag], tag)
    return [tag for _, tag in targets]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--base", default=DEFAULT_BASE,
                        help=f"base image with Python {PYTHON} and venv (default {DEFAULT_BASE})")
    parser.add_argument("--no-offline-base", action="store_true",
                        help=f"fail rather than build {OFFLINE_BASE} when BASE is unavailable")
    parser.add_argument("--no-frontends", action="store_true",
                        help="build only the grader target, not the otter/nbgrader one")
    parser.add_argument("--torch-index", default=None,
                        help="index for torch when pip's own indexes lack it (wheelhouse.py)")
    args = parser.parse_args(argv)
    try:
        tags = build(args.device, args.base, frontends=not args.no_frontends,
                     torch_index=args.torch_index, offline_fallback=not args.no_offline_base)
    except subprocess.CalledProcessError as exc:
        say(f"failed: {' '.join(map(str, exc.cmd[:3]))}... exited with {exc.returncode}")
        return 1
    print(" ".join(tags))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
