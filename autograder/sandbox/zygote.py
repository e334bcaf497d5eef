"""The long-lived process inside the sandbox: import the heavy modules once, fork per submission.

It runs as root inside bwrap (or as the grader's user with isolation "none") and never runs
student code itself: each forked child drops to a private uid, applies rlimits and a seccomp
filter, and only then imports the submission through ``serve``. The filter leaves the child
unable to create processes or run programs (threads are allowed): everything the submission
does happens in this one process, under the rules the worker switches on per request. Killing
what a child left behind when it is reaped stays as a second layer (for a machine without a
syscall table below), and the reply says how many such processes there were.

Protocol on the control socket (fd in argv[1]):

  grader: config (preload modules, the setup to run once, serve, limits, uids, scratch;
          allow_processes: no process filter, for tests of the second layer only)
                                                   zygote: {"ready": ...} or {"error": ...}
  grader: {"op": "spawn"}, then one byte carrying the child's socket
                                                   zygote: {"pid", "uid"}
  grader -> child, on the child's own socket: {"files": {path: base64}}, the submission. It
  never passes through the zygote, so no child can find an earlier submission in the memory
  it inherits.
  grader: {"op": "reap", "pid", "grace"}           zygote: {"exit_code", "signal", "killed",
                                                            "output", "output_size",
                                                            "leftovers"}
  EOF on the control socket: kill every child and exit.
"""

from __future__ import annotations

import base64
import ctypes
import errno
import importlib
import io
import os
import resource
import shutil
import signal
import socket
import struct
import sys
import time
import traceback
from dataclasses import dataclass

from autograder.sandbox import wire

KILL_ROUNDS = 200  # a fork bomb needs a few rounds; more means something is badly wrong
MAX_FD = max(os.sysconf("SC_OPEN_MAX"), 1 << 16)

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
PR_SET_NO_NEW_PRIVS = 38
_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def resolve(spec: str):
    """``"package.module:function"`` -> the function."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass
class Record:
    """One forked child, as the zygote tracks it."""

    pid: int
    uid: int | None  # None: no private uid (isolation "none" without root)
    scratch: str
    out_fd: int  # unlinked file holding the child's stdout/stderr (the child cannot reopen it)
    status: int | None = None  # waitpid status once reaped


# ---------------------------------------------------------------------------------- the zygote

class Zygote:
    def __init__(self, ctrl: socket.socket, config: dict) -> None:
        self.ctrl = ctrl
        self.config = config
        self.limits = config["limits"]
        self.counter = 0
        self.children: dict[int, Record] = {}

    def run(self) -> None:
        while True:
            try:
                message = wire.recv(self.ctrl)
            except EOFError:
                break
            self.reap_zombies()
            try:
                reply = {"spawn": self.spawn, "reap": self.reap}[message["op"]](message)
            except Exception:
                reply = {"error": traceback.format_exc()}
            wire.send(self.ctrl, reply)
        for pid in list(self.children):
            self.reap({"pid": pid, "grace": 0})

    # -- spawn

    def spawn(self, message: dict) -> dict:
        _, fds, _, _ = socket.recv_fds(self.ctrl, 1, 1)  # the child's end of its socketpair
        if len(fds) != 1:
            raise ValueError("spawn without a socket")
        uid = self.next_uid()
        scratch = os.path.join(self.config["scratch_base"], f"child-{self.counter}")
        out_fd = -1
        try:
            os.mkdir(scratch, 0o700)
            if uid is not None:  # the student owns its scratch dir (and may write there)
                os.chown(scratch, uid, uid)
            out_fd = anonymous_file(self.config["scratch_base"])
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                child_main(self, fds[0], out_fd, scratch, uid)  # never returns
        except BaseException:
            if out_fd >= 0:
                os.close(out_fd)
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        finally:
            os.close(fds[0])
        self.children[pid] = Record(pid, uid, scratch, out_fd)
        return {"pid": pid, "uid": uid}

    def next_uid(self) -> int | None:
        """The next uid of this sandbox's block (see pool.claim_uid_block) not in use."""
        base, block = self.config["uid_base"], self.config["uid_block"]
        in_use = {record.uid for record in self.children.values()}
        while True:
            self.counter += 1
            uid = None if base is None else base + self.counter % block
            if uid is None or uid not in in_use:
                return uid

    # -- reap

    def reap(self, message: dict) -> dict:
        record = self.children[message["pid"]]
        deadline = time.monotonic() + message["grace"]
        while True:  # let a child that is exiting by itself finish, to report its own status
            self.reap_zombies()
            if record.status is not None or time.monotonic() >= deadline:
                break
            time.sleep(0.001)
        killed = record.status is None
        leftovers = len(self.kill_all(record) - {record.pid})
        if record.status is None:
            record.status = os.waitpid(record.pid, 0)[1]
        output, size = read_output(record.out_fd, self.limits["output_bytes"])
        os.close(record.out_fd)
        shutil.rmtree(record.scratch, ignore_errors=True)
        del self.children[record.pid]
        status = record.status
        return {"pid": record.pid, "killed": killed, "output": output, "output_size": size,
                "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                "leftovers": leftovers}

    def reap_zombies(self) -> None:
        """Collect every exited child: our children's statuses are kept, orphans the zygote
        inherited as child subreaper are just discarded."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.children:
                self.children[pid].status = status

    def kill_all(self, record: Record) -> set[int]:
        """SIGKILL the child and everything it started, until none of it is left running.
        Returns the pids it found running (the child's own among them if it was); a fork bomb
        killed by uid may have had more that were never seen."""
        seen: set[int] = set()
        for round_ in range(KILL_ROUNDS):
            victims = self.victims(record)
            seen.update(victims)
            if not victims:
                self.reap_zombies()  # the last ones may have turned into zombies just now
                return seen
            if record.uid is not None and round_ % 10 == 0:
                kill_uid(record.uid)  # atomic with respect to fork: stops a fork bomb at once
            for pid in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.0005 * min(round_, 10))
            self.reap_zombies()
        raise RuntimeError(f"processes of child {record.pid} survived {KILL_ROUNDS} kill rounds")

    def victims(self, record: Record) -> list[int]:
        """Live processes that belong to ``record``: with a private uid, exactly that uid's.
        Without one: the child's process tree, plus every orphan the zygote inherited as
        subreaper (which may belong to another live child: a known limitation)."""
        procs = snapshot(with_uid=record.uid is not None)
        if record.uid is not None:
            return [pid for pid, p in procs.items() if p["uid"] == record.uid]
        me, others = os.getpid(), set(self.children) - {record.pid}
        found = {pid for pid, p in procs.items() if p["ppid"] == me and pid not in others}
        if record.status is None:  # (once reaped, its pid may belong to someone else)
            found.add(record.pid)
        grew = True
        while grew:
            more = {pid for pid, p in procs.items() if p["ppid"] in found} - found
            found |= more
            grew = bool(more)
        return sorted(pid for pid in found if pid in procs and pid != me)


def kill_uid(uid: int) -> None:
    """kill(-1, SIGKILL) as ``uid``: Linux then signals exactly that uid's processes, and
    atomically with respect to fork, so even a fork bomb cannot slip through."""
    pid = os.fork()
    if pid == 0:
        try:
            os.closerange(3, MAX_FD)  # hold nothing while we briefly share the student's uid
            os.setresuid(uid, uid, uid)
            for _ in range(3):
                os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def snapshot(with_uid: bool) -> dict[int, dict]:
    """Live (non-zombie) processes visible in /proc: ppid and (optionally) real uid."""
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            info = {"state": fields[0], "ppid": int(fields[1])}
            if with_uid:
                with open(f"/proc/{name}/status", "rb") as f:
                    uid_line = next(line for line in f if line.startswith(b"Uid:"))
                info["uid"] = int(uid_line.split()[1])
        except (OSError, IndexError, StopIteration, ValueError):
            continue  # it exited while we looked
        if info["state"] not in (b"Z", b"X"):
            procs[int(name)] = info
    return procs


def receive_files(sock: socket.socket, root: str) -> None:
    """In the confined child: read the submission from the grader and write it to ``root``
    (paths were checked by the grader; checked again here)."""
    message = wire.recv(sock)
    files = message.get("files") if isinstance(message, dict) else None
    if not isinstance(files, dict):
        raise ValueError("the grader did not send the submission's files")
    for rel, data in files.items():
        parts = rel.split("/")
        if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"bad path {rel!r}")
        path = os.path.join(root, *parts)
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        with open(path, "xb") as f:
            f.write(base64.b64decode(data))


def anonymous_file(directory: str) -> int:
    try:
        return os.open(directory, os.O_TMPFILE | os.O_RDWR | os.O_APPEND, 0o600)
    except OSError:  # a file system without O_TMPFILE
        fd, path = __import__("tempfile").mkstemp(dir=directory)
        os.unlink(path)
        return fd


def read_output(fd: int, keep: int) -> tuple[str, int]:
    """The first and last ``keep / 2`` bytes of what the child printed, and its full size."""
    size = os.fstat(fd).st_size
    if size <= keep:
        data = os.pread(fd, size, 0).decode(errors="replace")
    else:
        head, tail = keep // 2, keep - keep // 2
        data = (os.pread(fd, head, 0).decode(errors="replace")
                + f"\n[... {size - keep} bytes of output omitted ...]\n"
                + os.pread(fd, tail, size - tail).decode(errors="replace"))
    return data, size


# ------------------------------------------------------------------------------- the child

def child_main(zygote: Zygote, sock_fd: int, out_fd: int, scratch: str, uid: int | None):
    """Runs in the forked child: confine the process, then hand it to ``serve``. Never returns."""
    code = 70
    try:
        confine(zygote, sock_fd, out_fd, scratch, uid)
        sock = socket.socket(fileno=3)
        receive_files(sock, scratch)
        serve = resolve(zygote.config["serve"])
        serve(sock, scratch)
        code = 0
    except SystemExit as exc:  # sys.exit() in student code that serve did not catch
        code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(code & 0xFF)


def confine(zygote: Zygote, sock_fd: int, out_fd: int, scratch: str, uid: int | None) -> None:
    zygote_pid = os.getppid()
    os.setsid()  # own session and process group: killpg(0) only hits the student
    zygote.ctrl.detach()  # the fd number is reused below; never let the object close it
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.dup2(sock_fd, 3)
    os.closerange(4, MAX_FD)  # the control socket, other children's files, ...
    try:  # the first Linux kills when the submission's memory cgroup is full
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    prctl(PR_SET_NO_NEW_PRIVS, 1)  # no setuid binaries or file capabilities from here on
    set_rlimits(zygote.limits, uid)
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # drops every capability
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # (cleared by setresuid, so set after it)
    install_seccomp(processes=bool(zygote.config.get("allow_processes")))
    if os.getppid() != zygote_pid:
        os._exit(70)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past RLIMIT_FSIZE fail with EFBIG
    os.chdir(scratch)
    os.environ.update(HOME=scratch, TMPDIR=scratch, PWD=scratch)
    __import__("tempfile").tempdir = None
    sys.path.insert(0, scratch)
    importlib.invalidate_caches()
    # Unbuffered output streams: what is printed just before os._exit or a crash is not lost.
    for fd, name in ((1, "stdout"), (2, "stderr")):
        setattr(sys, name, io.TextIOWrapper(io.FileIO(fd, "w", closefd=False),
                                            errors="backslashreplace", write_through=True))
    if "torch" in sys.modules:  # one intra-op thread: deterministic, no oversubscription
        sys.modules["torch"].set_num_threads(1)


def set_rlimits(limits: dict, uid: int | None) -> None:
    vm_size = vm_bytes()
    nproc = limits["processes"]
    if uid is None:  # RLIMIT_NPROC counts all processes of our (shared) uid
        nproc += count_tasks(os.getuid())
    for which, soft, hard in (
        (resource.RLIMIT_AS, vm_size + limits["memory_bytes"], None),
        (resource.RLIMIT_CPU, limits["cpu_seconds"], limits["cpu_seconds"] + 1),
        (resource.RLIMIT_NPROC, nproc, None),
        (resource.RLIMIT_FSIZE, limits["file_bytes"], None),
        (resource.RLIMIT_NOFILE, limits["open_files"], None),
        (resource.RLIMIT_CORE, 0, None),
    ):
        old_soft, old_hard = resource.getrlimit(which)
        hard = soft if hard is None else hard
        if old_hard != resource.RLIM_INFINITY:  # raising needs CAP_SYS_RESOURCE (dropped)
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(which, (soft, hard))


def vm_bytes() -> int:
    with open("/proc/self/status") as f:
        kib = next(line for line in f if line.startswith("VmSize:")).split()[1]
    return int(kib) * 1024


def count_tasks(uid: int) -> int:
    total = 0
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return total


# ----------------------------------------------------------------------------- seccomp

# Syscalls a confined child never needs and that are attack surface of Linux: namespaces (an
# unprivileged user namespace would give it "root" over new mounts), mounting, ptrace, bpf,
# perf, userfaultfd, keyrings, io_uring; and SysV / POSIX message IPC, whose objects outlive
# the process (shared memory that escapes RLIMIT_AS and close()). clone3 gets ENOSYS so libc
# falls back to clone, whose flags a classic BPF filter can inspect.
SECCOMP_SYSCALLS = {  # machine: (audit arch, {name: number}, clone, clone3)
    "x86_64": (0xC000003E, dict(unshare=272, setns=308, mount=165, umount2=166,
                                pivot_root=155, ptrace=101, bpf=321, perf_event_open=298,
                                userfaultfd=323, keyctl=250, add_key=248, request_key=249,
                                io_uring_setup=425, open_tree=428, move_mount=429, fsopen=430,
                                fsconfig=431, fsmount=432, fspick=433, mount_setattr=442,
                                shmget=29, semget=64, msgget=68, mq_open=240),
               56, 435),
    "aarch64": (0xC00000B7, dict(unshare=97, setns=268, mount=40, umount2=39, pivot_root=41,
                                 ptrace=117, bpf=280, perf_event_open=241, userfaultfd=282,
                                 keyctl=219, add_key=217, request_key=218, io_uring_setup=425,
                                 open_tree=428, move_mount=429, fsopen=430, fsconfig=431,
                                 fsmount=432, fspick=433, mount_setattr=442,
                                 shmget=194, semget=190, msgget=186, mq_open=180),
                220, 435),
}
# No new processes and no new programs: a helper process forked at import (multiprocessing,
# subprocess, os.fork, posix_spawn, pty.spawn, DataLoader workers...) would run outside the
# rules, which are switched on per request in this process. clone stays allowed for threads
# only (CLONE_THREAD); glibc's fork, vfork and posix_spawn are clone without it. aarch64 has
# no fork or vfork syscalls.
SPAWN_SYSCALLS = {
    "x86_64": dict(fork=57, vfork=58, execve=59, execveat=322),
    "aarch64": dict(execve=221, execveat=281),
}
CLONE_NAMESPACES = 0x7E020000  # CLONE_NEW{NS,CGROUP,UTS,IPC,USER,PID,NET}
CLONE_THREAD = 0x10000


def seccomp_program(machine: str, processes: bool = False) -> bytes | None:
    """A classic BPF seccomp filter for ``machine``, or None for an unknown one. Unless
    ``processes``, it also refuses every way of creating a process or running a program
    (EPERM), threads excepted."""
    if machine not in SECCOMP_SYSCALLS:
        return None
    arch, blocked, clone, clone3 = SECCOMP_SYSCALLS[machine]
    if not processes:
        blocked = {**blocked, **SPAWN_SYSCALLS[machine]}
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|..|K, BPF_RET
    allow, kill, errno_ = 0x7FFF0000, 0x80000000, 0x50000  # SECCOMP_RET_*
    # (opcode, jump if true, jump if false, k); jumps name a label, 0 is the next instruction
    code: list[tuple[int, str | int, str | int, int]] = [
        (ld, 0, 0, 4),  # seccomp_data.arch
        (jeq, 0, "kill", arch),
        (ld, 0, 0, 0),  # seccomp_data.nr
        (jge, "deny", 0, 0x40000000),  # the x32 ABI
        *[(jeq, "deny", 0, nr) for nr in blocked.values()],
        (jeq, "nosys", 0, clone3),
        (jeq, 0, "allow", clone),
        (ld, 0, 0, 16),  # low half of clone's flags (its first argument on both machines)
        (jset, "deny", 0, CLONE_NAMESPACES),
        *([] if processes else [(jset, "allow", "deny", CLONE_THREAD)]),
    ]
    returns = {"allow": allow, "deny": errno_ | errno.EPERM, "nosys": errno_ | errno.ENOSYS,
               "kill": kill}
    at = {label: len(code) + i for i, label in enumerate(returns)}
    code += [(ret, 0, 0, k) for k in returns.values()]

    def offset(i: int, target: str | int) -> int:  # BPF jumps are relative to the next one
        return target if isinstance(target, int) else at[target] - i - 1

    return b"".join(struct.pack("HBBI", op, offset(i, jt), offset(i, jf), k)
                    for i, (op, jt, jf, k) in enumerate(code))


def install_seccomp(processes: bool = False) -> None:
    """Install the filter on this process (and every thread and process it starts); see
    ``seccomp_program``."""
    program = seccomp_program(os.uname().machine, processes)
    if program is None:
        return  # an architecture we have no syscall table for: rely on the other layers

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    fprog = Fprog(len(program) // 8, program)
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"seccomp: {os.strerror(err)}")


# ---------------------------------------------------------------------------- entry point

def main(argv: list[str]) -> int:
    ctrl = socket.socket(fileno=int(argv[1]))
    cwd = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", cwd)]
    try:
        config = wire.recv(ctrl)
        prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of students come to us, to be reaped
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        started = time.monotonic()
        for module in config["preload"]:
            importlib.import_module(module)
        resolve(config["serve"])  # a typo should fail now, not in every child
        if config.get("setup"):  # e.g. the worker's plugins and warm-up, paid once here
            call, kwargs = config["setup"]
            resolve(call)(**kwargs)
        threads = len(os.listdir("/proc/self/task"))
    except Exception:
        wire.send(ctrl, {"error": traceback.format_exc()})
        return 1
    wire.send(ctrl, {"ready": True, "import_seconds": time.monotonic() - started,
                     "threads": threads, "vm_bytes": vm_bytes()})
    Zygote(ctrl, config).run()
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    os._exit(main(sys.argv))  # skip interpreter teardown (torch's takes a while)
