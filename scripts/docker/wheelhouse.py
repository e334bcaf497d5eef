"""``make wheelhouse``: download on the host every wheel the grader image installs.

The image installs with ``pip install --no-index`` from this directory, so building it needs
no network (``docker build --network none``). The wheels are chosen for the image, not for the
host: CPython at the pinned major.minor (``autograder/pins.py``), manylinux x86_64 up to glibc
2.36 (Debian bookworm, the base of both the public Python image and ``make base-image``).

- ``--device cpu``: ``torch==<pin>+cpu``, PyTorch's CPU build, from pip's own indexes where they
  have it (a local mirror), else from PyTorch's CPU index; never a CUDA package.
- ``--device cuda``: ``torch==<pin>`` as PyPI has it for Linux, a CUDA build whose CUDA
  libraries come as ``nvidia-*`` wheels (the driver comes from the host through
  ``--gpus all``); ``--torch-index`` picks another CUDA build (e.g. PyTorch's cu128 index).

Both hold requirements-grader.txt and requirements-frontends.txt, for the image's two targets,
and the students' packages of requirements.txt (but its torch: the pin above), which otter's
autograder zip installs (tests/repo/test_otter_zip.py builds a fresh environment from here).
A wheelhouse is complete when its ``.requirements`` stamp matches what is asked for now; it is
downloaded afresh (never topped up) otherwise, so no stale wheel can slip into an image.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # autograder.pins: this runs as a script, not as a module

from autograder.paths import STUDENT_REQUIREMENTS
from autograder.pins import PYTHON, TORCH, TORCH_CPU_INDEX

WHEELHOUSE = REPO / "build" / "wheelhouse"
REQUIREMENTS = ("requirements-grader.txt", "requirements-frontends.txt")
TORCH_INDEX = {"cpu": TORCH_CPU_INDEX, "cuda": None}
STAMP = ".requirements"
GLIBC_MINOR = range(36, 16, -1)  # manylinux_2_36 (bookworm) down to manylinux_2_17 (2014)


def torch_requirement(device: str) -> str:
    """The torch requirement of the image for ``device``: the CPU build is named explicitly,
    so that a CUDA wheel can never stand in for it."""
    return f"torch=={TORCH}+cpu" if device == "cpu" else f"torch=={TORCH}"


def platform_args() -> list[str]:
    """pip options that pick wheels for the image rather than for the host."""
    args = ["--only-binary=:all:", "--implementation", "cp", "--python-version", PYTHON]
    for minor in GLIBC_MINOR:  # pip does not expand manylinux_2_X tags to older ones itself
        args += ["--platform", f"manylinux_2_{minor}_x86_64"]
    return args + ["--platform", "manylinux2014_x86_64"]


def student_packages() -> list[str]:
    """The requirements of the students' requirements.txt but torch's (pinned above)."""
    lines = (line.split("#")[0].strip() for line in STUDENT_REQUIREMENTS.read_text().splitlines())
    return [line for line in lines
            if line and not line.replace("_", "-").lower().startswith("torch")]


def stamp_text(device: str) -> str:
    """What a wheelhouse was downloaded for: the torch requirement and the requirement files."""
    parts = [torch_requirement(device)]
    parts += [f"# {name}\n{(REPO / name).read_text()}" for name in REQUIREMENTS]
    parts += ["# students", *student_packages()]
    return "\n".join(parts)


def wheelhouse_dir(device: str) -> Path:
    return WHEELHOUSE / device


def is_complete(device: str) -> bool:
    stamp = wheelhouse_dir(device) / STAMP
    return stamp.is_file() and stamp.read_text() == stamp_text(device)


def _pip_download(args: list[str], dest: Path) -> bool:
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(dest),
           *platform_args(), *args]
    return subprocess.run(cmd, check=False).returncode == 0


def check(dest: Path, device: str) -> None:
    """One torch wheel of the pinned version and, for the CPU, no CUDA package at all."""
    torches = [p.name.split("-")[1] for p in dest.glob("torch-*.whl")]  # e.g. 2.13.0+cpu
    public, _, local = (torches or ["?"])[0].partition("+")
    if len(torches) != 1 or public != TORCH or (local == "cpu") != (device == "cpu"):
        kind = "CPU" if device == "cpu" else "CUDA"
        raise SystemExit(f"wheelhouse: expected one torch {TORCH} {kind} wheel, found {torches}")
    cuda = sorted(p.name for p in dest.glob("*.whl")
                  if p.name.startswith(("nvidia_", "nvidia-", "triton-")))
    if device == "cpu" and cuda:
        raise SystemExit(f"wheelhouse: CUDA packages in the CPU wheelhouse: {cuda}")


def _download_into(dest: Path, device: str, torch_index: str | None) -> None:
    torch = torch_requirement(device)
    # torch first, alone: from pip's own indexes (a local mirror has it) before the PyTorch
    # index, which a host without a mirror needs.
    if not _pip_download(["--no-deps", torch], dest):
        if not torch_index:
            raise SystemExit(f"wheelhouse: pip cannot find {torch}")
        print(f"wheelhouse: {torch} from {torch_index}", file=sys.stderr)
        if not _pip_download(["--no-deps", "--extra-index-url", torch_index, torch], dest):
            raise SystemExit(f"wheelhouse: pip cannot find {torch} (not at {torch_index})")
    reqs = [arg for name in REQUIREMENTS for arg in ("-r", str(REPO / name))]
    if not _pip_download(["--find-links", str(dest), torch, *reqs, *student_packages()], dest):
        raise SystemExit("wheelhouse: pip download failed (see above)")
    check(dest, device)
    (dest / STAMP).write_text(stamp_text(device))


def download(device: str, torch_index: str | None) -> Path:
    """Download the wheelhouse of ``device`` into build/wheelhouse/<device>/ (replacing it)."""
    final = wheelhouse_dir(device)
    final.parent.mkdir(parents=True, exist_ok=True)
    dest = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{device}-"))
    try:
        _download_into(dest, device, torch_index)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    shutil.rmtree(final, ignore_errors=True)
    dest.rename(final)
    return final


def ensure(device: str, torch_index: str | None = None, *, force: bool = False) -> Path:
    """The wheelhouse of ``device``, downloaded only when missing or out of date."""
    if force or not is_complete(device):
        index = torch_index if torch_index is not None else TORCH_INDEX[device]
        download(device, index)
    return wheelhouse_dir(device)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--torch-index", default=None,
                        help="index for torch when pip's own indexes lack it "
                             "(default: PyTorch's CPU index for cpu, none for cuda)")
    parser.add_argument("--force", action="store_true", help="download even when complete")
    args = parser.parse_args(argv)
    dest = ensure(args.device, args.torch_index, force=args.force)
    wheels = list(dest.glob("*.whl"))
    size = sum(p.stat().st_size for p in wheels) / 2**20
    print(f"{dest.relative_to(REPO)}: {len(wheels)} wheels, {size:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
