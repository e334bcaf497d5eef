"""Writing the written commands' files: atomically, never through a link."""

from __future__ import annotations

import os
from pathlib import Path


def safe_folder(folder: Path) -> None:
    """Create ``folder``; ``ValueError`` if it is a link, not a folder, or a graded
    submission's folder (which ``grade`` would replace, pages and sheet with it)."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise ValueError(f"{folder} is a link or not a folder: choose another --output")
    if (folder / "results.json").exists():
        raise ValueError(f"{folder} is a graded submission's folder: choose another --output")
    folder.mkdir(parents=True, exist_ok=True)


def write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8): written to a temporary name that must not exist
    and is never a link, then renamed over it (a link at ``path`` is replaced, not followed)."""
    tmp = path.with_name(f".{path.name}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with open(fd, "w", encoding="utf-8", errors="replace", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
