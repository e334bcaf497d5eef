"""Read a submission (a directory or a .zip of one) into memory, safely.

Only the ``convolutions/`` package is taken, as a map of relative path -> bytes. Symlinks,
path traversal, special files, huge files and zip bombs are refused with a message; a corrupt
zip or a missing package makes an ``error`` submission that is graded zero with that message.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

PACKAGE = "convolutions"
MAX_FILE = 512 * 1024          # one source file
MAX_TOTAL = 4 * 1024 * 1024    # the whole package
MAX_FILES = 200
MAX_ZIP_ENTRIES = 20_000


@dataclass
class Submission:
    name: str
    source: str
    files: dict[str, bytes] = field(default_factory=dict)  # "convolutions/x.py" -> bytes
    notes: list[str] = field(default_factory=list)         # what was skipped, and why
    error: str | None = None                                # why nothing can be graded


def submission_name(path: Path) -> str:
    """The directory's or zip's base name, made safe for a directory name."""
    base = path.name[:-4] if path.suffix.lower() == ".zip" else path.name
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "submission"
    return safe[:100]


def _package_root(names: list[PurePosixPath]) -> tuple[str, ...] | None:
    """Where ``convolutions/`` is: at the root, or under a single top folder (a GitHub zip)."""

    def holds_package(prefix: tuple[str, ...]) -> bool:
        k = len(prefix)
        return any(len(n.parts) > k + 1 and n.parts[: k + 1] == (*prefix, PACKAGE) for n in names)

    if holds_package(()):
        return ()
    tops = {n.parts[0] for n in names if len(n.parts) > 1}
    if len(tops) == 1 and holds_package((top := tops.pop(),)):
        return (top,)
    return None


def _inside(rel: PurePosixPath, root: tuple[str, ...]) -> PurePosixPath | None:
    """``rel`` relative to the package's parent, if it lies in the package."""
    parts = rel.parts[len(root):]
    return PurePosixPath(*parts) if parts[:1] == (PACKAGE,) and rel.parts[: len(root)] == root \
        else None


def _accept(sub: Submission, rel: PurePosixPath, size: int, total: int) -> bool:
    """Whether a package file may be taken, noting why not."""
    if rel.suffix != ".py":
        return False  # data, caches, notebooks: the grader brings its own
    if len(sub.files) >= MAX_FILES:
        sub.notes.append(f"{rel}: skipped, more than {MAX_FILES} files in the package")
        return False
    if size > MAX_FILE:
        sub.notes.append(f"{rel}: skipped, {size} bytes is more than the limit of {MAX_FILE}")
        return False
    if total + size > MAX_TOTAL:
        sub.notes.append(f"{rel}: skipped, the package exceeds {MAX_TOTAL} bytes")
        return False
    return True


def _safe_relative(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or any(p in ("", ".") for p in path.parts[:-1]):
        return None
    return path


def read_directory(path: Path, sub: Submission) -> None:
    entries: list[PurePosixPath] = []
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        dirnames[:] = [d for d in dirnames if d not in (".git", "__pycache__", ".venv")]
        for f in filenames:
            entries.append(PurePosixPath(os.path.relpath(os.path.join(dirpath, f), path)))
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                sub.notes.append(f"{os.path.relpath(os.path.join(dirpath, d), path)}: symlink "
                                 "ignored")
                dirnames.remove(d)
    root = _package_root(entries)
    if root is None:
        sub.error = f"no {PACKAGE}/ package found at the root of the submission"
        return
    total = 0
    for rel in sorted(entries):
        inside = _inside(rel, root)
        if inside is None:
            continue
        full = path / rel
        info = os.lstat(full)
        if stat.S_ISLNK(info.st_mode):
            sub.notes.append(f"{inside}: symlink ignored (submit the file itself)")
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        if _accept(sub, inside, info.st_size, total):
            with open(full, "rb") as fh:
                data = fh.read(MAX_FILE + 1)
            if len(data) > MAX_FILE:  # grew since lstat
                sub.notes.append(f"{inside}: skipped, larger than {MAX_FILE} bytes")
                continue
            sub.files[str(inside)] = data
            total += len(data)


def read_zip(path: Path, sub: Submission) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                sub.error = f"the zip has {len(infos)} entries (limit {MAX_ZIP_ENTRIES})"
                return
            names: dict[PurePosixPath, zipfile.ZipInfo] = {}
            for info in infos:
                if info.is_dir():
                    continue
                rel = _safe_relative(info.filename)
                if rel is None:
                    sub.notes.append(f"{info.filename!r}: refused, the path leaves the submission")
                    continue
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    sub.notes.append(f"{rel}: symlink ignored (submit the file itself)")
                    continue
                names[rel] = info
            root = _package_root(list(names))
            if root is None:
                sub.error = f"no {PACKAGE}/ package found at the root of the zip"
                return
            total = 0
            for rel, info in sorted(names.items()):
                inside = _inside(rel, root)
                if inside is None:
                    continue
                if info.flag_bits & 0x1:
                    sub.notes.append(f"{inside}: encrypted, skipped")
                    continue
                if not _accept(sub, inside, info.file_size, total):
                    continue
                with zf.open(info) as fh:  # read at most the limit: the header may lie
                    data = fh.read(MAX_FILE + 1)
                if len(data) > MAX_FILE:
                    sub.notes.append(f"{inside}: skipped, it unpacks to more than {MAX_FILE} bytes")
                    continue
                sub.files[str(inside)] = data
                total += len(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        sub.files.clear()
        sub.error = f"the zip file cannot be read ({type(exc).__name__}: {exc})"


def read_submission(path: Path, name: str | None = None) -> Submission:
    sub = Submission(name=name or submission_name(path), source=str(path))
    if path.is_dir():
        read_directory(path, sub)
    elif path.is_file() and path.suffix.lower() == ".zip":
        read_zip(path, sub)
    else:
        sub.error = f"{path} is neither a directory nor a .zip file"
    if sub.error is None and f"{PACKAGE}/__init__.py" not in sub.files:
        sub.notes.append(f"{PACKAGE}/__init__.py is missing; the modules are loaded one by one")
    return sub
