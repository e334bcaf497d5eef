"""Read a submission (a directory or a .zip of one) into memory, safely.

Only the ``convolutions/`` package is taken, as a map of relative path -> bytes. Symlinks,
path traversal, special files, huge files and zip bombs are refused with a message; a corrupt
zip or a missing package makes an ``error`` submission that is graded zero with that message.
A zip's size is judged from its end records and its central directory, read here, before
``zipfile`` builds an object per entry: two million empty entries cost milliseconds, not a
gigabyte.
Directories are walked iteratively, never through a link, within a depth and an entry budget:
a tree a million files wide or ten thousand folders deep costs a note, not the batch.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
import zlib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.paths import PACKAGE

from .results import RESERVED

MAX_FILE = 512 * 1024          # one source file
MAX_TOTAL = 4 * 1024 * 1024    # the whole package
MAX_FILES = 200
MAX_ZIP_ENTRIES = 20_000
MAX_ZIP_DIRECTORY = MAX_ZIP_ENTRIES * 1024  # bytes of a zip's central directory (names and all)
MAX_ENTRIES = 50_000           # files and folders looked at in a directory submission
MAX_DEPTH = 32                 # folders below a submission's root (a zip's paths too)
MAX_NOTES = 50                 # notes kept per submission; more are summed up in one
SKIPPED_DIRS = frozenset({".git", "__pycache__", ".venv"})


@dataclass
class Submission:
    name: str
    source: str
    files: dict[str, bytes] = field(default_factory=dict)  # "convolutions/x.py" -> bytes
    notes: list[str] = field(default_factory=list)         # what was skipped, and why
    error: str | None = None                                # why nothing can be graded


def submission_name(path: Path) -> str:
    """The directory's or zip's base name, made safe for a directory name: ASCII letters, digits,
    ``._-``, starting with a letter or digit (never hidden, never taken for an option)."""
    base = path.name[:-4] if path.suffix.lower() == ".zip" else path.name
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-").rstrip("._") or "submission"
    return safe[:100].rstrip("._")


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
        _note(sub, f"{_shown(rel)}: skipped, more than {MAX_FILES} files in the package")
        return False
    if size > MAX_FILE:
        _note(sub, f"{_shown(rel)}: skipped, {size} bytes is more than the limit of {MAX_FILE}")
        return False
    if total + size > MAX_TOTAL:
        _note(sub, f"{_shown(rel)}: skipped, the package exceeds {MAX_TOTAL} bytes")
        return False
    return True


def _safe_relative(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or any(p in ("", ".") for p in path.parts[:-1]):
        return None
    return path


def _note(sub: Submission, text: str) -> None:
    """Add a note, up to MAX_NOTES: a submission of a million broken files gets a short list."""
    if len(sub.notes) < MAX_NOTES:
        sub.notes.append(text)
    elif len(sub.notes) == MAX_NOTES:
        sub.notes.append("more problems were found and not listed")


def _shown(path: object) -> str:
    """A path as a note shows it: undecodable bytes as \\xNN, at most 200 characters."""
    text = str(path)
    try:
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeError:  # a surrogate that is no undecodable byte
        text = text.encode("utf-8", "backslashreplace").decode("ascii")
    return text if len(text) <= 200 else text[:100] + "..." + text[-97:]


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(root: Path, sub: Submission) -> tuple[dict[PurePosixPath, str], str | None]:
    """Every entry under ``root`` that is not a folder: relative path -> "file", "link" or
    "special". Iterative and breadth first, ``convolutions`` folders before the others (the
    package sits near the top), never following a link, at most MAX_DEPTH folders deep and
    MAX_ENTRIES entries looked at; the second value says why the walk stopped early, if it did."""
    found: dict[PurePosixPath, str] = {}
    pending: deque[tuple[Path, PurePosixPath]] = deque([(root, PurePosixPath())])
    seen, too_deep = 0, None
    while pending:
        folder, rel = pending.popleft()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    seen += 1
                    if seen > MAX_ENTRIES:
                        return found, f"more than {MAX_ENTRIES} files and folders"
                    child = rel / entry.name
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name in SKIPPED_DIRS:
                            continue
                        if len(child.parts) > MAX_DEPTH:
                            too_deep = too_deep or child
                            continue
                        if entry.name == PACKAGE:  # what we look for: read it first
                            pending.appendleft((Path(entry.path), child))
                        else:
                            pending.append((Path(entry.path), child))
                    elif entry.is_symlink():
                        found[child] = "link"
                    else:
                        found[child] = "file" if entry.is_file(follow_symlinks=False) else "special"
        except OSError as exc:
            _note(sub, f"{_shown(rel)}: cannot be read ({exc.strerror or exc}), skipped")
    if too_deep is not None:
        _note(sub, f"folders more than {MAX_DEPTH} levels deep were not looked at, e.g. "
                   f"{_shown(too_deep)}")
    return found, None


def _read_regular(full: Path) -> tuple[int, bytes] | None:
    """(size, at most MAX_FILE + 1 bytes) of a regular file; None for anything else. Never
    follows a link, never blocks on a FIFO, never opens a device for reading."""
    fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with open(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        return info.st_size, fh.read(MAX_FILE + 1)


def read_directory(path: Path, sub: Submission) -> None:
    found, stopped = _walk(path, sub)
    root = _package_root(list(found))
    if root is None:
        sub.error = f"no {PACKAGE}/ package found at the root of the submission" + (
            f" (the search stopped: the submission has {stopped})" if stopped else "")
        return
    if stopped:
        _note(sub, f"the submission has {stopped}: only the first {MAX_ENTRIES} were looked at")
    total = 0
    for rel, kind in sorted(found.items()):
        inside = _inside(rel, root)
        if inside is None:
            continue
        if kind == "link":
            _note(sub, f"{_shown(inside)}: symlink ignored (submit the file itself)")
            continue
        if inside.suffix != ".py":
            continue  # data, caches, notebooks: the grader brings its own
        if not _utf8(str(inside)):
            _note(sub, f"{_shown(inside)}: skipped, its name is not valid UTF-8")
            continue
        try:
            read = None if kind == "special" else _read_regular(path / rel)
        except OSError as exc:
            _note(sub, f"{_shown(inside)}: cannot be read ({exc.strerror or exc}), skipped")
            continue
        if read is None:
            _note(sub, f"{_shown(inside)}: skipped, not a regular file")
            continue
        size, data = read
        if _accept(sub, inside, max(size, len(data)), total):
            if len(data) > MAX_FILE:  # grew since it was measured
                _note(sub, f"{_shown(inside)}: skipped, larger than {MAX_FILE} bytes")
                continue
            sub.files[str(inside)] = data
            total += len(data)


# The zip format's records at the end of an archive (APPNOTE.TXT 4.3.14-16) and its central
# directory's file headers (4.3.12), as zipfile reads them.
_END = struct.Struct("<4s4H2LH")            # end of central directory record
_LOCATOR64 = struct.Struct("<4sLQL")        # zip64 end of central directory locator
_END64 = struct.Struct("<4sQ2H2L4Q")        # zip64 end of central directory record
_HEADER = struct.Struct("<4s4B4HL2L5H2L")   # central directory file header
MAX_COMMENT = 0xFFFF


@dataclass(frozen=True)
class ZipDirectory:
    """Where a zip's central directory is and what its end records say of it."""

    entries: int  # as the end record (or the zip64 one) says
    start: int    # offset of the central directory in the file
    size: int     # its length in bytes


def zip_directory(fh) -> ZipDirectory | None:
    """The central directory as the end records describe it, found the way ``zipfile`` finds
    them (the last 22 bytes, else the last end signature in the final 64 KiB, then a zip64
    locator just before it); None where there is none (zipfile will say what is wrong)."""
    size = fh.seek(0, os.SEEK_END)
    if size < _END.size:
        return None
    fh.seek(size - _END.size)
    record = fh.read(_END.size)
    at = size - _END.size
    if not (record[:4] == b"PK\x05\x06" and record[-2:] == b"\0\0"):  # a comment follows
        first = max(size - MAX_COMMENT - _END.size, 0)
        fh.seek(first)
        tail = fh.read()
        found = tail.rfind(b"PK\x05\x06")
        if found < 0 or len(tail) - found < _END.size:
            return None
        at, record = first + found, tail[found:found + _END.size]
    _, _, _, _, entries, length, _, _ = _END.unpack(record)
    end = at  # the central directory ends where the end records begin
    if at >= _LOCATOR64.size + _END64.size:
        fh.seek(at - _LOCATOR64.size - _END64.size)
        zip64 = fh.read(_END64.size + _LOCATOR64.size)
        if zip64[_END64.size:_END64.size + 4] == b"PK\x06\x07" and zip64[:4] == b"PK\x06\x06":
            fields = _END64.unpack(zip64[:_END64.size])
            entries, length = fields[7], fields[8]
            end = at - _LOCATOR64.size - _END64.size
    return ZipDirectory(entries, end - length, length)


def count_headers(fh, directory: ZipDirectory, limit: int) -> int:
    """File headers in the central directory, counted as zipfile walks it (up to ``limit`` + 1:
    the end record's count may lie, the directory's length is what zipfile goes by)."""
    if directory.start < 0:
        return 0  # zipfile: "Bad offset for central directory"
    fh.seek(directory.start)
    data = fh.read(directory.size)
    count = at = 0
    while at < len(data) and count <= limit:
        header = data[at:at + _HEADER.size]
        if len(header) < _HEADER.size or header[:4] != b"PK\x01\x02":
            break  # zipfile will refuse it as corrupt
        fields = _HEADER.unpack(header)
        at += _HEADER.size + fields[12] + fields[13] + fields[14]  # name, extra, comment
        count += 1
    return count


def zip_too_large(path: Path) -> str | None:
    """Why a zip is refused before ``zipfile`` reads its directory (too many entries, or a
    directory too long), or None."""
    with open(path, "rb") as fh:
        directory = zip_directory(fh)
        if directory is None:
            return None
        if directory.entries > MAX_ZIP_ENTRIES:
            return f"the zip has {directory.entries} entries (limit {MAX_ZIP_ENTRIES})"
        if directory.size > MAX_ZIP_DIRECTORY:
            return (f"the zip's list of files takes {directory.size} bytes (limit "
                    f"{MAX_ZIP_DIRECTORY}): it has too many entries or too long names")
        if count_headers(fh, directory, MAX_ZIP_ENTRIES) > MAX_ZIP_ENTRIES:
            return f"the zip has more than {MAX_ZIP_ENTRIES} entries (limit {MAX_ZIP_ENTRIES})"
    return None


def read_zip(path: Path, sub: Submission) -> None:
    try:
        refused = zip_too_large(path)
        if refused is not None:
            sub.error = refused
            return
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
                    _note(sub, f"{_shown(repr(info.filename))}: refused, the path leaves the "
                               "submission")
                    continue
                if len(rel.parts) > MAX_DEPTH + 1:
                    _note(sub, f"{_shown(rel)}: skipped, more than {MAX_DEPTH} folders deep")
                    continue
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    _note(sub, f"{_shown(rel)}: symlink ignored (submit the file itself)")
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
                    _note(sub, f"{_shown(inside)}: encrypted, skipped")
                    continue
                if not _accept(sub, inside, info.file_size, total):
                    continue
                with zf.open(info) as fh:  # read at most the limit: the header may lie
                    data = fh.read(MAX_FILE + 1)
                if len(data) > MAX_FILE:
                    _note(sub, f"{_shown(inside)}: skipped, it unpacks to more than {MAX_FILE} "
                               "bytes")
                    continue
                sub.files[str(inside)] = data
                total += len(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError, zlib.error) as exc:
        sub.files.clear()
        sub.error = f"the zip file cannot be read ({type(exc).__name__}: {str(exc)[:300]})"


def read_submission(path: Path, name: str | None = None) -> Submission:
    """The submission at ``path``, to be filed under ``name`` (by default its own safe name;
    see ``grade.batch.output_names``, which never gives a name the grader writes a file under)."""
    own = submission_name(path)
    sub = Submission(name=name or own, source=str(path))
    if own.lower() in RESERVED and sub.name != own:
        sub.notes.append(f"your submission is named {own}, the name of a file the grader writes "
                         f"beside the results; its results are under {sub.name}")
    if path.is_dir():
        read_directory(path, sub)
    elif path.is_file() and path.suffix.lower() == ".zip":
        read_zip(path, sub)
    else:
        sub.error = f"{_shown(path)} is neither a directory nor a .zip file"
    if sub.error is None and f"{PACKAGE}/__init__.py" not in sub.files:
        sub.notes.append(f"{PACKAGE}/__init__.py is missing; the modules are loaded one by one")
    return sub
