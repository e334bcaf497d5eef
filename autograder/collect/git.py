"""Git, as ``collect`` uses it: clone a student's repository (bare, into a scratch folder),
read its history and tags, and export one commit's files into a folder without ``.git``.

Every command runs with a time limit, never prompts for credentials (``GIT_TERMINAL_PROMPT=0``,
ssh in batch mode; the instructor's credential helpers still answer), runs no hooks, and never
checks anything out into a work tree, so nothing in a student's repository runs here (``ext::``
URLs, which run a command, are refused even where the instructor's configuration allows them).
Local paths clone like URLs (the tests use local bare repositories as remotes): git allows the
file protocol for a clone's own remote, so no ``protocol.file.allow`` is set.

The export is the commit's files as committed: the repository's ``.gitattributes`` cannot hide
files (``export-ignore``), rewrite them (``export-subst``, filters, line endings) or start a
filter of the instructor's configuration; links are left out (a submission needs none, and
Python's extraction filter has been bypassed with chains of them); a tree larger than
``MAX_EXPORT_BYTES`` or ``MAX_EXPORT_FILES`` (a "git bomb" compresses to little) is refused
before it fills the disk.
"""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

CONFIG = ("-c", "core.hooksPath=/dev/null", "-c", "credential.interactive=never",
          "-c", "core.fsmonitor=false", "-c", "protocol.ext.allow=never")
# What the repository's own attributes may not do to the export (info/attributes wins over
# the tree's .gitattributes).
EXPORT_ATTRIBUTES = ("* -export-ignore -export-subst -filter -text -eol -ident "
                     "-working-tree-encoding\n")
MAX_EXPORT_BYTES = 1 << 30  # the files of one commit, together
MAX_EXPORT_FILES = 100_000  # files and folders of one commit
SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")  # user:token@ in a URL
_NOT_FOUND = ("does not exist", "not found", "repository not found", "no such file",
              "does not appear to be a git repository")


class GitError(Exception):
    """A git command failed; the message says why, in one line."""


@dataclass(frozen=True)
class Commit:
    sha: str
    time: datetime  # the committer date, with the committer's offset


def environment() -> dict[str, str]:
    """This process's environment, with prompts off and messages in English."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GCM_INTERACTIVE="never", LC_ALL="C",
               GIT_ASKPASS=os.environ.get("GIT_ASKPASS", "") or "/bin/false")
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        env.pop(name, None)
    return env


def git(args: list[str], *, timeout: float, cwd: Path | None = None) -> str:
    """Run ``git args`` and return its standard output; ``GitError`` when it fails or runs
    past ``timeout`` seconds."""
    try:
        done = subprocess.run(["git", *CONFIG, *args], cwd=cwd, env=environment(),
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} ran past {timeout:g} s and was stopped") from None
    except OSError as exc:
        raise GitError(f"git cannot run: {exc}") from exc
    if done.returncode != 0:
        raise GitError(last_line(done.stderr.decode("utf-8", "replace"))
                       or f"git {args[0]} failed (exit status {done.returncode})")
    return done.stdout.decode("utf-8", "replace")


def redact(text: str) -> str:
    """``text`` with the credentials of any URL in it (``https://user:token@host``) removed: a
    repository URL goes into the manifest, the gradebook and a student's feedback."""
    return _USERINFO.sub("", text)


def last_line(text: str) -> str:
    """The last line git wrote that says something (its ``fatal:`` line, usually)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def clone(url: str, bare: Path, *, timeout: float) -> None:
    """A bare clone of ``url`` at ``bare`` (branches and tags; HEAD names the remote's default
    branch), whose ``info/attributes`` overrides the tree's own for ``export``. ``GitError``
    says "not found" when the repository does not exist or cannot be seen with the
    instructor's credentials."""
    if url.startswith("-"):
        raise GitError(f"{url!r} is not a repository URL")
    try:
        git(["clone", "--bare", "--quiet", "--no-hardlinks", "--", url, str(bare)],
            timeout=timeout)
    except GitError as exc:
        if any(s in str(exc).lower() for s in _NOT_FOUND):
            raise GitError(f"repository not found, or not readable with your credentials "
                           f"({exc})") from exc
        raise
    info = bare / "info"
    info.mkdir(exist_ok=True)
    (info / "attributes").write_text(EXPORT_ATTRIBUTES, encoding="utf-8")


def has_commits(bare: Path, *, timeout: float) -> bool:
    """Whether the repository has any commit at all (a freshly created one has none)."""
    return bool(git(["for-each-ref", "--count=1", "--format=%(objectname)"], cwd=bare,
                    timeout=timeout).strip())


def _commits(output: str) -> list[Commit]:
    """The commits of ``%H %cI`` lines; a commit whose date Python cannot read (a forged year
    past 9999, an offset of a day or more) is left out: it can never be the one that counts."""
    out = []
    for line in output.splitlines():
        sha, _, when = line.strip().partition(" ")
        try:
            if SHA.fullmatch(sha) and when:
                out.append(Commit(sha, datetime.fromisoformat(when)))
        except ValueError:
            continue
    return out


def branch_history(bare: Path, *, timeout: float) -> list[Commit]:
    """The default branch as it moved: HEAD and its first parents, newest first (``[]`` when
    the default branch has no commit)."""
    try:
        git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=bare, timeout=timeout)
    except GitError:
        return []
    return _commits(git(["log", "--first-parent", "--format=%H %cI", "HEAD"], cwd=bare,
                        timeout=timeout))


def default_branch(bare: Path, *, timeout: float) -> str:
    """The default branch's name (``HEAD`` when it cannot be told)."""
    try:
        return git(["symbolic-ref", "--short", "HEAD"], cwd=bare, timeout=timeout).strip()
    except GitError:
        return "HEAD"


def tags(bare: Path, pattern: str, *, timeout: float) -> dict[str, Commit]:
    """The tags matching ``pattern`` (``submit/*``) that name a commit, with that commit."""
    listed = git(["for-each-ref", "--format=%(refname:strip=2) %(objectname)",
                  f"refs/tags/{pattern}"], cwd=bare, timeout=timeout)
    out: dict[str, Commit] = {}
    for line in listed.splitlines():
        name, _, _ = line.strip().rpartition(" ")
        commit = resolve(bare, f"refs/tags/{name}", timeout=timeout)
        if name and commit is not None:
            out[name] = commit
    return out


def resolve(bare: Path, ref: str, *, timeout: float) -> Commit | None:
    """The commit ``ref`` names (a tag is followed to its commit), or None."""
    try:
        found = _commits(git(["log", "--no-walk", "--format=%H %cI", f"{ref}^{{commit}}", "--"],
                             cwd=bare, timeout=timeout))
    except GitError:
        return None
    return found[0] if found else None


class _TooLarge(Exception):
    pass


def export(bare: Path, sha: str, dest: Path, scratch: Path, *, timeout: float) -> list[str]:
    """The files of commit ``sha`` written into ``dest`` (created; no ``.git``, no history),
    read from ``git archive`` as it streams. Members a careful extraction refuses (links,
    devices, absolute paths, paths out of ``dest``) are left out; their names are returned.
    ``GitError`` when the tree is larger than ``MAX_EXPORT_BYTES`` or ``MAX_EXPORT_FILES``, or
    git fails or runs past ``timeout``."""
    dest.mkdir(parents=True)
    errors, stopped = scratch / "archive.err", threading.Event()
    failure, too_large = "", False
    with open(errors, "wb") as err, subprocess.Popen(
            ["git", *CONFIG, "archive", "--format=tar", sha], cwd=bare, env=environment(),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err) as proc:
        assert proc.stdout is not None
        timer = threading.Timer(timeout, lambda: (stopped.set(), proc.kill()))
        timer.start()
        try:
            skipped = _extract(proc.stdout, dest)
            proc.stdout.read(1 << 20)  # the archive's padding, so that git ends by itself
        except _TooLarge as exc:
            skipped, failure, too_large = [], str(exc), True
        except (tarfile.TarError, EOFError) as exc:
            skipped, failure = [], f"git archive's output cannot be read ({exc})"
        finally:
            timer.cancel()
            proc.kill()  # (nothing once it has ended)
            status = proc.wait()
    if stopped.is_set():
        raise GitError(f"git archive ran past {timeout:g} s and was stopped")
    if status != 0 and not too_large:
        message = last_line(errors.read_text(encoding="utf-8", errors="replace"))
        raise GitError(message or f"git archive failed (exit status {status})")
    if failure:
        raise GitError(failure)
    return skipped


def _extract(stream: IO[bytes], dest: Path) -> list[str]:
    """Extract the tar ``stream`` into ``dest`` as ``export`` says; the names left out."""
    skipped: list[str] = []
    count = size = 0
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            count, size = count + 1, size + max(member.size, 0)
            if count > MAX_EXPORT_FILES or size > MAX_EXPORT_BYTES:
                raise _TooLarge(f"the commit has more than {MAX_EXPORT_FILES} files or "
                                f"{MAX_EXPORT_BYTES >> 20} MiB of them: not exported")
            if member.issym() or member.islnk():
                skipped.append(member.name)
                continue
            try:
                safe = tarfile.data_filter(member, str(dest))
                if safe is not None:
                    tar.extract(safe, dest, filter="fully_trusted")
            except (tarfile.FilterError, IsADirectoryError, FileExistsError,
                    NotADirectoryError):  # (the last three: a name twice in a crafted tree)
                skipped.append(member.name)
    return skipped
