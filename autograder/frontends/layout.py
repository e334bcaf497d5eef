"""An upload laid out as the grader reads it: the package's folder, or its loose modules.

Students upload to Gradescope by dragging files in: the package's folder (``convolutions/``),
or only its ``.py`` files (``cross_correlation.py``, ``conv2d_backward.py``, ...), at the top of
the upload or one folder down (Gradescope's GitHub and Bitbucket uploads put a repository's
files under one folder). The grader (``grade.intake``) finds the folder itself, at the top or
under one folder, and reads a single ``.zip`` too; loose modules are copied here into a
``<stage>/submission/<package>/`` it can read. The package's name is ``paths.PACKAGE``, its
modules' names those of the parts in ``autograder/parts.toml``.

The upload is untrusted: nothing is followed through a link, only regular files are copied,
each cut at the grader's own size limit (the grader then says it was too large).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from autograder import parts, paths
from autograder.grade.intake import MAX_FILE, MAX_FILES

IGNORED = frozenset({"__MACOSX", "__pycache__", ".git"})  # folders an upload may carry too
STAGED = "submission"  # the staged folder's name: the grader files its results under it


@dataclass
class Layout:
    """What to grade: ``path`` (None: nothing to grade, ``error`` says why), how the upload was
    read (``how``: "package", "zip" or "modules") and what was left out (``notes``)."""

    path: Path | None
    how: str = ""
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def module_files() -> list[str]:
    """The file names of the package's graded modules, from the parts' registry."""
    return list(dict.fromkeys(f"{p.module}.py" for p in parts.graded() if p.module))


def no_package_message() -> str:
    """What a student is told when the upload holds neither the package nor its modules."""
    return (f"No `{paths.PACKAGE}/` folder and none of its modules "
            f"({', '.join(f'`{m}`' for m in module_files())}) were found in your upload. Upload "
            f"the `{paths.PACKAGE}/` folder, or its `.py` files (at the top of the upload or in "
            "one folder), and submit again.")


def _folders(path: Path) -> list[Path]:
    """The real folders directly in ``path``, but hidden and ``IGNORED`` ones."""
    try:
        with os.scandir(path) as entries:
            return sorted(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)
                          and not e.name.startswith(".") and e.name not in IGNORED)
    except OSError:
        return []


def _real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _python_files(folder: Path) -> list[os.DirEntry]:
    """The ``.py`` entries directly in ``folder`` (files, links and anything else)."""
    try:
        with os.scandir(folder) as entries:
            return sorted((e for e in entries if e.name.endswith(".py")
                           and not e.is_dir(follow_symlinks=False)), key=lambda e: e.name)
    except OSError:
        return []


def _read(entry: os.DirEntry) -> bytes | None:
    """At most MAX_FILE + 1 bytes of a regular file, never through a link; None otherwise."""
    try:
        fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with open(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        return fh.read(MAX_FILE + 1)


def _stage_modules(folder: Path, stage: Path) -> Layout:
    """Copy the ``.py`` files of ``folder`` into ``stage/STAGED/<package>/``."""
    target = stage / STAGED / paths.PACKAGE
    target.mkdir(parents=True, mode=0o700)
    layout = Layout(path=target.parent, how="modules")
    for entry in _python_files(folder)[:MAX_FILES]:
        data = _read(entry)
        if data is None:
            layout.notes.append(f"{entry.name}: not a regular file (a link?), skipped")
            continue
        (target / entry.name).write_bytes(data)
    return layout


def lay_out(upload: Path, stage: Path) -> Layout:
    """What the grader should be given for ``upload``; loose modules are copied under
    ``stage`` (a fresh folder only the grader can read)."""
    folders = _folders(upload)
    one = folders[0] if len(folders) == 1 else None
    if _real_dir(upload / paths.PACKAGE) or (one and _real_dir(one / paths.PACKAGE)):
        return Layout(path=upload, how="package")
    modules = set(module_files())
    for folder in [upload, *([one] if one else [])]:
        if any(e.name in modules for e in _python_files(folder)):
            return _stage_modules(folder, stage)
    zips = [p for p in upload.iterdir() if p.suffix.lower() == ".zip" and not p.is_symlink()
            and p.is_file()] if _real_dir(upload) else []
    if len(zips) == 1 and not folders:
        return Layout(path=zips[0], how="zip")
    return Layout(path=None, error=no_package_message())
