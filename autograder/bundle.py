"""The grader bundle: what grading needs wherever it runs, and every way it is shipped.

The bundle is ``GRADER_BUNDLE`` in the repository's layout, so that ``autograder.paths``
resolves in a copy too. It is shipped

- copied into a folder that serves as its repository root (``copy_grader``): the grading
  image's build context;
- as its kernel side (``kernel_files``, ``copy_kernel_grader``): otter's autograder zip and
  nbgrader's ``grader/`` are imported by the student's kernel, so of ``autograder/frontends/``
  they carry only what that kernel runs (``KERNEL_SIDE``), no builder, runner or command line;
- zipped (``write_zip``, ``build_bundle``): deterministically (sorted names, fixed timestamps
  and modes), so that the SHA-256 of the cluster's zip names one version of the grader and its
  check bank, and the Gradescope zip holds the same members.

Where the grader runs as root beside student code under other uids (the grading image,
Gradescope's machine), ``set_modes`` gives an unpacked bundle its modes: the grader readable by
every user, the checks and the reference (``ROOT_ONLY``) by root only, but the sandbox's plugins
(``paths.SANDBOX_PLUGINS``), which every child loads: readable, their folders searchable and not
listable. Without that, the sandbox cannot give children a private uid and student code would
run as root.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path

from autograder import paths

GRADER_BUNDLE = ("autograder", "tests/hidden", f"solutions/{paths.PACKAGE}/training.py", "data")
FRONTENDS = "autograder/frontends/"
# The front-end modules a student's kernel imports (the generated test cells call ``kernel``,
# which runs checks with ``inprocess``).
KERNEL_SIDE = frozenset(FRONTENDS + name for name in ("__init__.py", "kernel.py", "inprocess.py"))
DIGEST_FILE = "BUNDLE.sha256"  # at an unpacked bundle's root (a cluster worker's): which it is
EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no build time in the digest
# The bundle's trees only root may read where it is installed: the checks, the reference.
ROOT_ONLY = tuple(p.relative_to(paths.REPO).as_posix() for p in (paths.TESTS, paths.SOLUTIONS))


def _plugin_paths(root: Path) -> set[Path]:
    """The sandbox's plugins under ``root`` and the folders on the way to them."""
    out: set[Path] = set()
    for name in paths.SANDBOX_PLUGINS:
        path = root / name
        out |= {path, *[p for p in path.parents if p.is_relative_to(root) and p != root]}
    return out


def set_modes(root: Path) -> None:
    """The modes of an unpacked bundle at ``root``, whatever the umask: files 0644 (0755 if
    executable), folders 0755; under ``ROOT_ONLY`` 0600 and 0700, but the plugins 0644 and the
    folders on their way 0711."""
    plugins = _plugin_paths(root)
    for path in [root, *sorted(root.rglob("*"))]:  # a folder before what it holds
        if path.is_symlink():
            continue
        folder = path.is_dir()
        executable = folder or bool(path.stat().st_mode & stat.S_IXUSR)
        rel = path.relative_to(root).parts
        if not rel or rel[0] not in ROOT_ONLY:
            mode = 0o755 if executable else 0o644
        elif path in plugins:
            mode = 0o711 if folder else 0o644
        else:
            mode = 0o700 if executable else 0o600
        path.chmod(mode)


def _shipped(path: Path) -> bool:
    return (path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
            and not path.name.startswith("."))


def shipped_files(root: Path) -> list[Path]:
    """The files under ``root`` (or ``root`` itself, a file) that ship: no caches, no hidden
    files; in order."""
    return [p for p in ([root] if root.is_file() else sorted(root.rglob("*"))) if _shipped(p)]


def grader_files() -> list[Path]:
    """The files of ``GRADER_BUNDLE`` (no caches, no hidden files), in order."""
    return [p for item in GRADER_BUNDLE for p in shipped_files(paths.REPO / item)]


def kernel_files() -> list[Path]:
    """The files of the bundle a student's kernel may import: ``grader_files()`` minus the
    front-ends other than ``KERNEL_SIDE``."""
    return [p for p in grader_files()
            if not (rel := p.relative_to(paths.REPO).as_posix()).startswith(FRONTENDS)
            or rel in KERNEL_SIDE]


def copy_grader(dst: Path, files: Iterable[Path] | None = None) -> None:
    """Copy ``files`` (default: ``grader_files()``) under ``dst``, which then serves as their
    repository root."""
    for path in grader_files() if files is None else files:
        target = dst / path.relative_to(paths.REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def copy_kernel_grader(dst: Path) -> None:
    """Copy ``kernel_files()`` under ``dst``, which then serves as their repository root."""
    copy_grader(dst, kernel_files())


def write_zip(zf: zipfile.ZipFile, files: Iterable[Path] | None = None) -> None:
    """Add ``files`` (default: ``grader_files()``) to ``zf`` at their repository paths, with no
    build time and one mode in them."""
    for path in grader_files() if files is None else files:
        info = zipfile.ZipInfo(path.relative_to(paths.REPO).as_posix(), date_time=EPOCH)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, path.read_bytes())


def build_bundle() -> tuple[bytes, str]:
    """The zip the cluster's client ships to its workers: (its bytes, their SHA-256 in hex)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        write_zip(zf)
    data = buf.getvalue()
    return data, hashlib.sha256(data).hexdigest()
