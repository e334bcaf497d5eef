"""Grader side of the sandbox: one zygote per worker slot, one forked child per submission.

``Sandbox.start`` launches the zygote (under bwrap unless isolation "none" is asked for: when
bwrap cannot start, ``Sandbox`` raises ``IsolationUnavailable`` rather than run student code
without it), which imports torch once;
``Sandbox.spawn`` has it fork a confined child that serves requests over its own socket;
``Child.close`` kills the child and everything it started. See zygote.py for the other side.

bwrap's --die-with-parent ties the sandbox to the *thread* that started it (PR_SET_PDEATHSIG):
start a Sandbox from a thread that outlives it (e.g. the main thread).
"""

from __future__ import annotations

import base64
import fcntl
import functools
import glob
import itertools
import logging
import os
import select
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import reasons, wire
from .cgroup import SandboxCgroup
from .limits import Limits
from .reasons import leftover_note
from .wire import WireError

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUTS = (120.0, 300.0)  # importing torch on a cold disk or a saturated machine
CONTROL_TIMEOUT = 60.0  # a spawn or reap that takes longer means the zygote is stuck
EOF_GRACE = 0.25  # after EOF, how long the child may take to finish exiting by itself
CLOSE_GRACE = 0.5  # after close(), how long serve may take to return on EOF
MAX_REPLY = 16 * 1024 * 1024  # a child's reply: the largest real one is well under 1 MiB
MEMORY_MARKERS = ("MemoryError", "can't allocate memory", "Cannot allocate memory",
                  "Unable to allocate", "std::bad_alloc")
UID_BASE = 900_000_000  # far from real users, systemd's dynamic users and subordinate uid ranges
UID_BLOCK = 10_000  # uids per sandbox: child uid = block start + spawn counter % UID_BLOCK
UID_BLOCKS = 10_000
UID_LOCKS = Path(tempfile.gettempdir()) / "autograder-sandbox-uids"
CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_KILL", "CAP_DAC_OVERRIDE", "CAP_FOWNER")


_CGROUP_IDS = itertools.count()


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the student's code)."""


class IsolationUnavailable(SandboxError):
    """The isolation asked for cannot start here; the message says why and what to do."""


class SandboxWarning(UserWarning):
    """Student code will run with less isolation than intended."""


@dataclass
class ExitInfo:
    exit_code: int | None
    signal: int | None
    output: str  # head and tail of what the child printed (Limits.output_bytes in all)
    reason: str  # a sentence the student can act on
    leftovers: int = 0  # processes besides the child still running when it was reaped (killed)

    @property
    def leftover_note(self) -> str | None:
        """What the student is told about the processes their code left running, if any."""
        return leftover_note(self.leftovers)


class ChildDied(Exception):
    """The child is gone (it exited, crashed, hung up or was killed); ``info`` says why."""

    def __init__(self, info: ExitInfo) -> None:
        super().__init__(info.reason)
        self.info = info


class ChildTimeout(ChildDied):
    """No reply within the request's timeout; the child was killed. ``kind``: which limit ran
    out, "cpu" (its CPU time) or "wall" (the wall clock)."""

    def __init__(self, info: ExitInfo, kind: str = "wall") -> None:
        super().__init__(info)
        self.kind = kind


class ChildGarbled(ChildDied, WireError):
    """The child sent something that is not a well-formed message; it was killed."""


# ------------------------------------------------------------------------------ isolation

def bwrap_args(limits: Limits, pythonpath: tuple[str, ...] = (),
               files: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """The bwrap command line (without the command): fresh net/pid/ipc/uts/cgroup namespaces
    (no user namespace: as real root the zygote can give each child its own real uid), and a
    read-only view of the system, Python, the venv, autograder/sandbox, ``pythonpath`` and
    ``files`` (``(host path, path inside)`` pairs: the setup's plugins) only. Every bound path
    is a real path, and the symlinks on the way to the interpreter that lie outside them (a
    home directory or a venv linked to scratch space) are made again inside, so that a venv
    reached through a link still starts (see ``interpreter``)."""
    args = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--proc", "/proc", "--dev", "/dev",
            "--perms", "0755", "--size", str(limits.scratch_bytes), "--tmpfs", "/tmp"]
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += gpu_args()
    made = {"/tmp"}  # (already a mount point)
    own_path = [source for source, target in files if source == target]
    elsewhere = [(os.path.realpath(source), target) for source, target in files
                 if source != target]
    mounts = _mounts((*pythonpath, *own_path))

    def parents(path: str) -> list[str]:
        out = []
        for parent in reversed(Path(path).parents[:-1]):  # bwrap would make them 0700
            if str(parent) not in made and not _covered(str(parent)):
                made.add(str(parent))
                out += ["--perms", "0755", "--dir", str(parent)]
        return out

    for source, target in [(p, p) for p in mounts] + elsewhere:
        args += [*parents(target), "--ro-bind", source, target]
    for link, points_to in _links_outside(mounts):
        if link not in made:
            made.add(link)
            args += [*parents(link), "--symlink", points_to, link]
    args += ["--cap-drop", "ALL"]
    for cap in CAPS:
        args += ["--cap-add", cap]
    return args + ["--chdir", "/"]


def gpu_args() -> list[str]:
    """Pass the NVIDIA device nodes through (and /sys, which CUDA reads), when there are any,
    so that checks can run on CUDA inside the sandbox."""
    nodes = sorted(glob.glob("/dev/nvidia*")) + [p for p in ("/dev/dri",) if os.path.exists(p)]
    if not nodes:
        return []
    args = []
    for node in nodes:
        args += ["--dev-bind", node, node]
    return args + ["--ro-bind", "/sys", "/sys"]


def _mounts(extra: tuple[str, ...]) -> list[str]:
    """Host paths the zygote needs: Python, the venv, autograder/{__init__.py,sandbox} and
    ``extra``."""
    prefixes = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix,
                                              sys.base_exec_prefix)}
    for prefix in prefixes:
        if Path(REPO).is_relative_to(prefix):
            raise SandboxError(f"Python prefix {prefix} contains the repository; binding it "
                               "would expose hidden tests and solutions")
    wanted = sorted(prefixes | {str(REPO / "autograder" / "__init__.py"),
                                str(REPO / "autograder" / "sandbox")}
                    | {os.path.realpath(p) for p in extra})
    mounts: list[str] = []
    for path in wanted:
        if not _covered(path) and not any(Path(path).is_relative_to(m) for m in mounts):
            mounts.append(path)
    return mounts


def interpreter() -> str:
    """The path the sandbox runs Python by: the real path of ``sys.executable``'s directory
    (bound), with its own name kept. The name is not resolved: a venv's ``bin/python`` is a
    link to the base interpreter, and Python finds the venv (its site-packages) only when
    started through the venv's own path."""
    directory, name = os.path.split(sys.executable)
    return os.path.join(os.path.realpath(directory), name)


def _symlinks_to(path: str, limit: int = 40) -> list[tuple[str, str]]:
    """The symlinks Linux follows on its way to ``path``, as (where, what it points to), in order;
    at most ``limit`` of them (beyond, Linux too gives up: ELOOP)."""
    links: list[tuple[str, str]] = []
    pending, here = list(Path(path).parts[1:]), "/"
    while pending and len(links) < limit:
        step = os.path.join(here, pending.pop(0))
        if os.path.islink(step):
            points_to = os.readlink(step)
            links.append((step, points_to))
            pending = [*Path(os.path.normpath(os.path.join(here, points_to))).parts[1:], *pending]
            here = "/"
        else:
            here = step
    return links


def _links_outside(mounts: list[str]) -> list[tuple[str, str]]:
    """Symlinks Python needs on its way to the interpreter and to the base installation a
    venv names (pyvenv.cfg's ``home``) that are not inside a bound directory, where they
    would be already: e.g. ``/home/u -> /scratch/u`` when the venv's ``bin/python`` links to
    ``/home/u/.pyenv/...``."""
    wanted = [interpreter()]
    try:
        with open(os.path.join(sys.prefix, "pyvenv.cfg"), encoding="utf-8") as cfg:
            for line in cfg:
                key, _, value = line.partition("=")
                if key.strip() == "home" and os.path.isabs(value.strip()):
                    wanted.append(value.strip())
    except OSError:
        pass  # not a venv
    inside = [*mounts, "/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64"]
    links = []
    for path in wanted:
        for link, points_to in _symlinks_to(path):
            if not any(Path(link).is_relative_to(m) for m in inside):
                links.append((link, points_to))
    return links


def _covered(path: str) -> bool:
    """Already visible through the system directories bound above."""
    return any(Path(path).is_relative_to(top) for top in ("/usr", "/etc"))


NOT_INSTALLED = "bwrap is not installed"


@functools.cache
def bwrap_problem(args: tuple[str, ...]) -> str | None:
    """Why bwrap cannot be used here, or None when a trial run works."""
    if shutil.which("bwrap") is None:
        return NOT_INSTALLED
    if os.geteuid() != 0:
        return "bwrap mode needs root, to give each child its own uid"
    try:
        probe = subprocess.run([*args, "--", interpreter(), "-c", "pass"],
                               capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap failed to run: {exc}"
    if probe.returncode != 0:
        return f"bwrap failed: {probe.stderr.decode(errors='replace').strip()[-500:]}"
    return None


def unavailable(problem: str) -> IsolationUnavailable:
    """The error for a bwrap that cannot be used, in one paragraph an instructor can act on."""
    if problem == NOT_INSTALLED:
        what = ("bubblewrap (bwrap) is not installed, so student code cannot be isolated: "
                "install it (apt-get install bubblewrap)")
    else:
        what = f"bwrap isolation cannot start here ({' '.join(problem.split())})"
    return IsolationUnavailable(
        f"{what}, or pass --isolation none (isolation='none') to grade without isolation; "
        "then student code can read and write every file this user can (the hidden checks, "
        "solutions, other submissions) and use the network, so do that only where something "
        "else isolates it (a container per submission) or for code you trust.")


def _others_can_read(path: str) -> bool:
    """Can an unprivileged uid reach ``path`` (every parent searchable by others)?"""
    p = Path(path).resolve()
    for d in [p, *p.parents]:
        try:
            if not os.stat(d).st_mode & stat.S_IXOTH and d.is_dir():
                return False
        except OSError:
            return False
    return True


# ------------------------------------------------------------------------------- sandbox

@dataclass(frozen=True)
class Setup:
    """What the zygote runs once, after its preload imports and before it forks: ``call``
    (``"module:function"``) with ``kwargs`` and ``files``, the paths at which it sees
    ``files`` (a worker's plugins). They are bound read-only into the sandbox: every child can
    read them, so nothing in them may be secret."""

    call: str
    kwargs: dict[str, Any]
    files: tuple[str, ...] = ()


def worker_setup() -> Setup:
    """The grading worker's setup: the package submissions provide, and the plugins that
    register the assignment's probes and rules (both from ``autograder/paths.py``)."""
    from autograder import paths

    return Setup("autograder.sandbox.worker:setup", {"package": paths.PACKAGE},
                 tuple(os.path.realpath(p) for p in paths.sandbox_plugins()))


PLUGINS = "/plugins"  # where setup files from outside the grader's package appear under bwrap


def plugin_binds(files: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``(host path, path under bwrap)`` of each setup file: one of the grader's package at its
    own path (it is imported by name), any other under ``PLUGINS``, so that the sandbox shows
    nothing of where the assignment keeps it (beside its hidden checks)."""
    package = REPO / "autograder"
    return tuple((f, f if Path(f).is_relative_to(package) else f"{PLUGINS}/{i}/{Path(f).name}")
                 for i, f in enumerate(files))


_WORKER_SETUP: Any = object()  # (the default: ``worker_setup()``)


class Sandbox:
    """One zygote. Thread-safe; children of one sandbox may be used from different threads.

    The zygote dies with the thread that started it (bwrap's --die-with-parent, i.e.
    PR_SET_PDEATHSIG): call start() -- and spawn(), which restarts a dead zygote -- from
    threads that live as long as the sandbox."""

    def __init__(self, *, isolation: str = "auto", limits: Limits = Limits(),
                 preload: tuple[str, ...] = ("torch", "numpy", "autograder.sandbox.worker"),
                 serve: str = "autograder.sandbox.worker:serve", slot: int = 0,
                 pythonpath: tuple[str, ...] = (), setup: Setup | None = _WORKER_SETUP) -> None:
        """``isolation``: "bwrap", or "auto" (the same: bwrap, the only isolation there is),
        or "none" (no isolation, only rlimits and a private uid where run as root). Fails
        closed: ``IsolationUnavailable`` when bwrap is wanted and cannot start.
        ``pythonpath``: extra host directories the zygote imports from (bound read-only);
        ``setup``: what the zygote runs before it forks (by default the grading worker's,
        ``worker_setup()``; None: nothing, for a ``serve`` of one's own)."""
        if isolation not in ("auto", "bwrap", "none"):
            raise ValueError(f"isolation must be 'auto', 'bwrap' or 'none', not {isolation!r}")
        if not 0 <= slot < UID_BLOCKS:
            raise ValueError(f"slot must be in [0, {UID_BLOCKS})")
        self.limits, self.preload, self.serve, self.slot = limits, tuple(preload), serve, slot
        self.pythonpath = tuple(os.path.realpath(p) for p in pythonpath)
        self.setup = worker_setup() if setup is _WORKER_SETUP else setup
        self.isolation_used, self._missing = self._choose(isolation)
        self.uid_drop = os.geteuid() == 0 and (self.isolation_used == "bwrap" or all(
            _others_can_read(p) for p in (sys.base_prefix, sys.prefix, REPO / "autograder",
                                          *self.pythonpath, *self._setup_files())))
        self.start_seconds: float | None = None
        self.zygote_info: dict = {}
        self._lock = threading.RLock()
        self._proc: subprocess.Popen | None = None
        self._ctrl: socket.socket | None = None
        self._log = None
        self._scratch_base: str | None = None
        self._uid_base: int | None = None
        self._uid_lock: int | None = None
        self._children: set[Child] = set()
        self._closed = False
        self.cgroup: SandboxCgroup | None = None  # a submission's memory and CPU, when available
        self.memory_limit: int | None = None  # the cgroup's limit, bytes
        # Children may create processes: for tests of the second layer (the reaper) only.
        self._allow_processes = False

    def _choose(self, isolation: str) -> tuple[str, str]:
        if isolation == "none":
            return "none", "isolation='none' was requested"
        problem = bwrap_problem(tuple(bwrap_args(self.limits, self.pythonpath,
                                                 plugin_binds(self._setup_files()))))
        if problem is None:
            return "bwrap", ""
        raise unavailable(problem)  # never less isolation than asked for, silently

    # -- lifecycle

    def start(self) -> None:
        """Launch the zygote and wait until it has imported the preload modules."""
        with self._lock:
            if self._closed:
                raise SandboxError("this sandbox was closed")
            if self._proc is not None:
                return
            if self.isolation_used == "none":
                self._warn_unisolated()
            began = time.monotonic()
            for attempt, timeout in enumerate(START_TIMEOUTS):
                try:
                    reply = self._launch(timeout)
                    break
                except SandboxError as exc:  # e.g. importing torch on a saturated machine
                    self._abort("the zygote could not start")
                    if attempt == len(START_TIMEOUTS) - 1:
                        raise
                    log.warning("sandbox slot %d: zygote start failed (%s); trying again",
                                self.slot, str(exc).splitlines()[0])
                except BaseException:
                    self._abort("the zygote could not start")
                    raise
            self.zygote_info = reply
            self.start_seconds = time.monotonic() - began
            if reply.get("threads", 1) > 1:
                log.warning("zygote has %d threads before forking (unsafe fork)",
                            reply["threads"])

    def _launch(self, timeout: float) -> dict:
        self._log = tempfile.TemporaryFile(prefix="zygote-log-")
        if self.uid_drop:
            self._uid_base, self._uid_lock = claim_uid_block(self.slot)
        self._scratch_base = self._make_scratch_base()
        if self.uid_drop:
            self.cgroup = SandboxCgroup.create(
                f"autograder-{os.getpid()}-{self.slot}-{next(_CGROUP_IDS)}")
            if self.cgroup is None:
                log.warning("no cgroup available: memory is limited per process only, and "
                            "time limits are wall-clock time")
        self._ctrl, theirs = socket.socketpair()
        with theirs:
            self._proc = subprocess.Popen(
                self._in_cgroup(self._command(theirs.fileno())), pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                env=self._environment(), cwd="/", start_new_session=True)
        reply = self._call(self._config(), timeout=timeout)
        if self.cgroup is not None:  # the zygote's own memory, plus one submission's
            self.memory_limit = self.cgroup.memory_usage() + self.limits.memory_bytes
            self.cgroup.set_memory_limit(self.memory_limit)
        return reply

    def _in_cgroup(self, command: list[str]) -> list[str]:
        """``command`` started inside the memory cgroup, exempt from its OOM killer where the
        host allows it (the children make themselves its first choice in any case); a shell
        joins the cgroup, then execs the command."""
        if self.cgroup is None:
            return command
        joins = "".join(f'echo $$ > "{path}" || exit 1; ' for path in self.cgroup.procs)
        script = joins + '(echo -1000 > /proc/self/oom_score_adj) 2>/dev/null; exec "$@"'
        return ["/bin/sh", "-c", script, "sh", *command]

    def oom_kills(self) -> int:
        """Processes Linux killed in this sandbox's memory cgroup so far."""
        return self.cgroup.oom_kills() if self.cgroup is not None else 0

    def cpu_seconds(self) -> float | None:
        """CPU time every process of this sandbox has used so far (None: not measurable)."""
        return self.cgroup.cpu_seconds() if self.cgroup is not None else None

    def close(self) -> None:
        """Kill every child and the zygote; idempotent."""
        with self._lock:
            self._closed = True
            for child in list(self._children):
                child._finish("sandbox-closed", grace=0)
            self._stop_zygote()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _stop_zygote(self) -> None:
        """Close the control socket (the zygote then kills its children and exits)."""
        if self._ctrl is not None:
            self._ctrl.close()
            self._ctrl = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()  # bwrap's --die-with-parent takes its namespace down
                self._proc.wait()
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._scratch_base and self.isolation_used == "none":
            shutil.rmtree(self._scratch_base, ignore_errors=True)
        self._scratch_base = None
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        if self._uid_lock is not None:  # only now: no process of these uids is left
            os.close(self._uid_lock)
            self._uid_lock = self._uid_base = None

    def _abort(self, why: str) -> None:
        """The zygote misbehaved or died: kill it; its children died with it."""
        info = ExitInfo(None, None, "", reasons.sandbox_failed(why))
        for child in list(self._children):
            child._mark_dead(info)
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        self._stop_zygote()

    # -- children

    def spawn(self, files: dict[str, bytes]) -> Child:
        """Fork a child with ``files`` (relative POSIX path -> content) in a fresh scratch dir
        (the child's code dir, cwd and HOME); the child then runs ``serve(sock, code_dir)``."""
        payload = {_check_path(path): base64.b64encode(data).decode("ascii")
                   for path, data in files.items()}
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                if self._proc is not None:
                    self._abort("the zygote exited")
                self.start()  # a fresh zygote: the next submission must not pay for a crash
            began = time.monotonic()
            mine, theirs = socket.socketpair()
            try:
                reply = self._call({"op": "spawn"}, fd=theirs.fileno())
            except BaseException:
                mine.close()
                raise
            finally:
                theirs.close()
            child = Child(self, mine, reply["pid"], reply["uid"])
            child.spawn_seconds = time.monotonic() - began
            self._children.add(child)
        child.send_files(payload)  # straight to the child: the zygote never holds them
        return child

    def _reap(self, pid: int, grace: float) -> dict:
        return self._call({"op": "reap", "pid": pid, "grace": grace})

    def _call(self, message: dict, fd: int | None = None,
              timeout: float = CONTROL_TIMEOUT) -> dict:
        """One request/reply on the control socket; any failure of the zygote aborts it."""
        with self._lock:
            if self._ctrl is None:
                raise SandboxError("the sandbox is not running")
            try:
                self._ctrl.settimeout(timeout + (message.get("grace") or 0))
                wire.send(self._ctrl, message)
                if fd is not None:
                    socket.send_fds(self._ctrl, [b"F"], [fd])
                reply = wire.recv(self._ctrl)
            except (OSError, EOFError, WireError) as exc:
                detail = f"{type(exc).__name__}: {exc}\n{self._log_tail()}"
                self._abort(str(exc) or type(exc).__name__)
                raise SandboxError(f"the sandbox's zygote failed: {detail}") from exc
        if "error" in reply:
            raise SandboxError(f"the sandbox's zygote reported an error:\n{reply['error']}")
        return reply

    # -- how the zygote is launched

    def _command(self, fd: int) -> list[str]:
        python = [interpreter() if self.isolation_used == "bwrap" else sys.executable,
                  "-s", "-B", *(["-P"] if sys.version_info >= (3, 11) else []),
                  "-m", "autograder.sandbox.zygote", str(fd)]
        if self.isolation_used == "bwrap":
            return [*bwrap_args(self.limits, self.pythonpath, plugin_binds(self._setup_files())),
                    "--", *python]
        return python

    def _environment(self) -> dict[str, str]:
        """A clean environment: nothing of the grader's (tokens, paths) leaks in."""
        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                "HOME": self._scratch_base or "/tmp",
                "PYTHONPATH": os.pathsep.join([str(REPO), *self.pythonpath]),
                "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0",
                # One BLAS/OpenMP thread: no threads alive at fork, deterministic sums.
                "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "MALLOC_ARENA_MAX": "2"}  # each arena reserves 64 MiB of RLIMIT_AS

    def _setup_files(self) -> tuple[str, ...]:
        return self.setup.files if self.setup is not None else ()

    def _config(self) -> dict:
        setup = None
        if self.setup is not None:
            binds = plugin_binds(self.setup.files)
            seen = [t if self.isolation_used == "bwrap" else s for s, t in binds]
            setup = [self.setup.call, {**self.setup.kwargs, "files": seen}]
        return {"preload": list(self.preload), "serve": self.serve, "setup": setup,
                "limits": asdict(self.limits), "uid_base": self._uid_base,
                "uid_block": UID_BLOCK, "scratch_base": self._scratch_base,
                "allow_processes": self._allow_processes}

    def _make_scratch_base(self) -> str:
        if self.isolation_used == "bwrap":
            return "/tmp"  # the sandbox's own tmpfs
        base = tempfile.mkdtemp(prefix=f"autograder-sandbox-{self.slot}-")
        os.chmod(base, 0o711 if self.uid_drop else 0o700)  # children may only enter their own
        return base

    def _warn_unisolated(self) -> None:
        message = (
            f"sandbox slot {self.slot} runs student code WITHOUT bwrap isolation "
            f"({self._missing}): it can read and write every file this user can (hidden "
            "tests, solutions, other submissions), use the network and see other processes; "
            "only rlimits, a separate session, the syscall filter (no new processes) and "
            "killing what is left afterwards apply"
            + (", plus a private uid per child" if self.uid_drop else
               ", and it runs under the grader's own uid (so it can signal the grader)"))
        log.warning(message)
        warnings.warn(message, SandboxWarning, stacklevel=3)

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read()[-4000:].decode(errors="replace")


def claim_uid_block(first: int) -> tuple[int, int]:
    """Lock a block of child uids for one sandbox (first free block from ``first``), so that
    concurrent graders on this host never share a uid: RLIMIT_NPROC counts per uid, and
    without bwrap the reaper's kill(-1) reaches every process of the uid. Returns the first
    uid and the lock's fd (held until the zygote is gone)."""
    UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    info = os.lstat(UID_LOCKS)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise SandboxError(f"{UID_LOCKS} is not a directory owned by this user")
    for block in [*range(first, UID_BLOCKS), *range(first)]:
        fd = os.open(UID_LOCKS / f"{block}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return UID_BASE + block * UID_BLOCK, fd
        except BlockingIOError:
            os.close(fd)
    raise SandboxError(f"all {UID_BLOCKS} uid blocks in {UID_LOCKS} are in use")


def _check_path(path: str) -> str:
    if (not isinstance(path, str) or path.startswith("/") or "\0" in path
            or any(part in ("", ".", "..") for part in path.split("/"))):
        raise ValueError(f"submission file path {path!r} must be relative, without '..'")
    return path


# --------------------------------------------------------------------------------- child

class _OutOfTime(TimeoutError):
    """A request ran past its limit: ``kind`` is "cpu" or "wall"."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class _Deadline:
    """A socket whose recv() honours one wall-clock deadline across the many calls wire.recv
    makes, and optionally a CPU-time budget (polled while waiting for data)."""

    POLL = 0.05  # seconds between looks at the CPU counter

    def __init__(self, sock: socket.socket, deadline: float, cpu=None,
                 cpu_deadline: float | None = None) -> None:
        self.sock, self.deadline = sock, deadline
        self.cpu, self.cpu_deadline = cpu, cpu_deadline

    def recv(self, n: int) -> bytes:
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise _OutOfTime("wall")
            if self.cpu_deadline is not None and (self.cpu() or 0.0) > self.cpu_deadline:
                raise _OutOfTime("cpu")
            self.sock.settimeout(remaining if self.cpu_deadline is None
                                 else min(remaining, self.POLL))
            try:
                return self.sock.recv(n)
            except TimeoutError:
                continue


class Child:
    """One forked student process, answering requests on its own socket."""

    def __init__(self, sandbox: Sandbox, sock: socket.socket, pid: int, uid: int | None):
        self.pid, self.uid = pid, uid  # as the zygote sees them
        self.spawn_seconds: float | None = None
        self._sandbox, self._sock = sandbox, sock
        self._info: ExitInfo | None = None
        self._oom_kills = sandbox.oom_kills()

    @property
    def alive(self) -> bool:
        """False once the child is known dead, or its end of the socket is closed."""
        if self._info is not None:
            return False
        try:
            if not select.select([self._sock], [], [], 0)[0]:
                return True
            return self._sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
        except OSError:
            return False

    def send_files(self, payload: dict[str, str]) -> None:
        """The submission, as the child's first message; ``ChildDied`` if it cannot take it."""
        try:
            self._sock.settimeout(CONTROL_TIMEOUT)
            wire.send(self._sock, {"files": payload})
        except TimeoutError:
            raise ChildTimeout(self._finish("timeout", 0, timeout=CONTROL_TIMEOUT)) from None
        except OSError:
            raise ChildDied(self._finish("hung-up", EOF_GRACE)) from None

    def request(self, message: dict, timeout: float, cpu_limit: float | None = None) -> dict:
        """Send ``message`` and wait at most ``timeout`` seconds (wall clock) for the reply;
        with ``cpu_limit``, also at most that many seconds of CPU time, where the sandbox can
        count it (``Sandbox.cpu_seconds``), so that the limit does not depend on load."""
        if self._info is not None:
            raise ChildDied(self._info)
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        data = wire.dumps(message)  # a message we cannot encode is our bug, not the child's
        deadline = time.monotonic() + timeout
        used = self._sandbox.cpu_seconds() if cpu_limit is not None else None
        cpu_deadline = None if used is None else used + cpu_limit
        try:
            self._sock.settimeout(timeout)
            self._sock.sendall(data)
            reply = wire.recv(_Deadline(self._sock, deadline, self._sandbox.cpu_seconds,
                                        cpu_deadline), limit=MAX_REPLY)
        except _OutOfTime as exc:
            limit, kind = (cpu_limit, "cpu") if exc.kind == "cpu" else (timeout, "wall")
            raise ChildTimeout(self._finish("timeout", 0, timeout=limit, detail=kind),
                               kind) from None
        except TimeoutError:  # sending: the child does not read
            raise ChildTimeout(self._finish("timeout", 0, timeout=timeout, detail="wall")) from None
        except WireError as exc:
            raise ChildGarbled(self._finish("garbled", 0, detail=str(exc))) from None
        except (EOFError, OSError):
            raise ChildDied(self._finish("hung-up", EOF_GRACE)) from None
        if not isinstance(reply, dict):
            raise ChildGarbled(self._finish("garbled", 0, detail="not a JSON object"))
        return reply

    def close(self) -> ExitInfo:
        """Kill the child and every process it left behind, wipe its scratch dir."""
        return self._finish("closed", CLOSE_GRACE)

    def _finish(self, why: str, grace: float, timeout: float = 0, detail: str = "") -> ExitInfo:
        with self._sandbox._lock:
            if self._info is not None:
                return self._info
            try:
                self._sock.shutdown(socket.SHUT_RDWR)  # serve sees EOF and may return
            except OSError:
                pass
            try:
                reply = self._sandbox._reap(self.pid, grace)
            except SandboxError as exc:
                if self._info is None:  # (the abort may already have said why)
                    self._mark_dead(ExitInfo(None, None, "", reasons.sandbox_failed(exc)))
                return self._info
            oom = self._sandbox.oom_kills() > self._oom_kills
            self._mark_dead(explain(why, reply, self._sandbox.limits, timeout, detail, oom))
            return self._info

    def _mark_dead(self, info: ExitInfo) -> None:
        self._info = info
        self._sock.close()
        self._sandbox._children.discard(self)


def explain(why: str, reply: dict, limits: Limits, timeout: float = 0,
            detail: str = "", oom: bool = False) -> ExitInfo:
    """Turn the zygote's report into ExitInfo with a reason a student can act on. ``oom``:
    Linux killed a process of this child for want of memory (the cgroup's limit)."""
    code, sig, output = reply["exit_code"], reply["signal"], reply["output"]
    killed = reply["killed"]  # still running when the grader ended it
    out_of_memory = oom or any(marker in output for marker in MEMORY_MARKERS)
    if why == "timeout":
        reason = reasons.time_out(timeout, "cpu" if detail == "cpu" else "wall")
    elif why == "garbled":
        reason = reasons.garbled(detail)
    elif killed:
        reason = reasons.KEPT_RUNNING[why]
    elif out_of_memory and code != 0:
        reason = reasons.out_of_memory(limits.memory_bytes, oom)
    elif sig is not None:
        reason = reasons.killed_by_signal(sig, limits.cpu_seconds)
    elif code == 0:
        reason = (reasons.FINISHED if why in ("closed", "sandbox-closed") else
                  reasons.EXITED_EARLY)
    elif code == 1 and "Traceback (most recent call last)" in output:
        reason = reasons.RAISED_AND_ENDED
    else:
        reason = reasons.exited(code)
    if reply["output_size"] >= limits.file_bytes:
        reason += "; " + reasons.output_flood(limits.file_bytes)
    return ExitInfo(code, sig, output, reason, int(reply.get("leftovers") or 0))

