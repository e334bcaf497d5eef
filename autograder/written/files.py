"""Writing the written commands' files: atomically, never through a link."""

from __future__ import annotations

from pathlib import Path

from autograder.grade.results import write_atomically


def safe_folder(folder: Path) -> None:
    """Create ``folder``; ``ValueError`` if it is a link, not a folder, or a graded
    submission's folder (which ``grade`` would replace, pages and sheet with it)."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise ValueError(f"{folder} is a link or not a folder: choose another --output")
    if (folder / "results.json").exists():
        raise ValueError(f"{folder} is a graded submission's folder: choose another --output")
    folder.mkdir(parents=True, exist_ok=True)


def write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8), atomically; a link at ``path`` is replaced, not
    followed (``grade.results.write_atomically``, as every file of OUT is written)."""
    write_atomically(path, text)
