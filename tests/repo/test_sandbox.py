"""The sandbox that runs student code: isolation, limits, cleanup and fault reporting.

A small stand-in worker (STANDIN below) plays the hostile student: it exits, crashes, hangs,
floods, forks and pokes at the system on request. Isolation-only assertions need bwrap (and
root); they are skipped with the reason when it is unusable here.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.sandbox import (ChildDied, ChildGarbled, ChildTimeout, IsolationUnavailable,
                                Limits, Sandbox, SandboxError, SandboxWarning, WireError)
from autograder.sandbox import pool
from autograder.sandbox.pool import REPO, Setup, bwrap_args, bwrap_problem, worker_setup
from autograder.sandbox.reasons import format_bytes

STANDIN = r'''
import ctypes, os, resource, signal, socket, sys, time
from autograder.sandbox import wire


def _try(action):
    try:
        action()
        return "ok"
    except Exception as exc:
        return type(exc).__name__


def _read(path):
    return os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(1)


def _list(path):
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        return type(exc).__name__


def _write(path):
    with open(path, "w") as f:
        f.write("x")


def _double_fork():
    r, w = os.pipe()
    if os.fork() == 0:
        os.setsid()
        pid = os.fork()
        if pid == 0:
            time.sleep(1000)
        os.write(w, str(pid).encode())
        os._exit(0)
    os.close(w)
    pid = int(os.read(r, 100))
    os.wait()
    return pid


def _fork_bomb():
    if os.fork() == 0:
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(0.001)


def _status(field):
    with open("/proc/self/status") as f:
        return next(line.split()[1] for line in f if line.startswith(field + ":"))


def _identity(code_dir):
    limits = {name: resource.getrlimit(getattr(resource, "RLIMIT_" + name))[0]
              for name in ("AS", "CPU", "NPROC", "FSIZE", "NOFILE", "CORE")}
    return {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
            "pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(), "code_dir": code_dir,
            "home": os.environ.get("HOME"), "tmpdir": os.environ.get("TMPDIR"),
            "limits": limits, "no_new_privs": _status("NoNewPrivs"), "cap_eff": _status("CapEff"),
            "sid": os.getsid(0), "xfsz": signal.getsignal(signal.SIGXFSZ) == signal.SIG_IGN,
            "fds": [fd for fd in range(1024) if _is_open(fd)]}


def _is_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def _torch():
    import torch
    start = time.perf_counter()
    x = torch.arange(16.0).reshape(4, 4)
    y = torch.nn.functional.conv2d(torch.ones(1, 1, 5, 5), torch.ones(1, 1, 3, 3))
    return {"matmul": (x @ x).sum().item(), "conv": y.sum().item(),
            "threads": torch.get_num_threads(), "seconds": time.perf_counter() - start}


def _torch_alloc():
    import torch
    try:
        torch.empty(2**40, dtype=torch.uint8)
        return "allocated"
    except RuntimeError as exc:
        return str(exc)


def _print(n):
    error = None
    for _ in range(n // 1024):
        try:
            print("x" * 1023)
        except OSError as exc:
            error = exc.strerror
            break
    return error


def _connect(address):
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(1)
    s.connect(address if isinstance(address, str) else tuple(address))


def _syscalls():
    import threading
    libc = ctypes.CDLL(None, use_errno=True)
    unshare = {}
    for name, flag in (("user", 0x10000000), ("net", 0x40000000), ("mount", 0x20000)):
        unshare[name] = os.strerror(ctypes.get_errno()) if libc.unshare(flag) else "ok"
    shm = libc.shmget(0, 2**20, 0o1600)  # IPC_PRIVATE | IPC_CREAT
    shm = os.strerror(ctypes.get_errno()) if shm < 0 else "created"
    box = []
    thread = threading.Thread(target=box.append, args=("thread ran",))
    thread.start()
    thread.join()
    return {"unshare": unshare, "shm": shm, "thread": box}


def _forked(pid):
    """In a new process: leave at once; in this one: wait for it and say it ran."""
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _raw(nr, *args):
    """A syscall made directly, past libc and Python: fork-like ones return 0 in the child."""
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
    if result < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    _forked(result)


def _system(command):
    if os.system(command) != 0:  # (system(3) says only -1: no process)
        raise OSError("os.system could not run the command")


def _spawns():
    """Every way we know to start a process or run a program; what each raised ("ok": it
    worked). (subprocess goes through _posixsubprocess.fork_exec, and vfork where it can.)"""
    import multiprocessing, pty, subprocess, threading
    true = "/bin/true"
    x86 = os.uname().machine == "x86_64"
    path = ctypes.c_char_p(true.encode())
    argv = (ctypes.c_char_p * 2)(true.encode(), None)
    address = lambda p: ctypes.cast(p, ctypes.c_void_p).value
    tries = {
        "os.fork": lambda: _forked(os.fork()),
        "pty.fork": lambda: _forked(pty.fork()[0]),
        "os.posix_spawn": lambda: os.waitpid(os.posix_spawn(true, [true], {}), 0),
        "os.posix_spawnp": lambda: os.waitpid(os.posix_spawnp("true", ["true"], os.environ), 0),
        "os.system": lambda: _system(true),
        "subprocess.run": lambda: subprocess.run([true], check=True),
        "subprocess.Popen daemon": lambda: subprocess.Popen(["sleep", "100"],
                                                            start_new_session=True),
        "multiprocessing fork": lambda: multiprocessing.get_context("fork").Process(
            target=int).start(),
        "multiprocessing spawn": lambda: multiprocessing.get_context("spawn").Process(
            target=int).start(),
        "os.execv": lambda: os.execv(true, [true]),
        "clone (syscall)": lambda: _raw(56 if x86 else 220, signal.SIGCHLD, 0, 0, 0, 0),
        "execve (syscall)": lambda: _raw(59 if x86 else 221, address(path), address(argv), 0),
    }
    if x86:
        tries["fork (syscall)"] = lambda: _raw(57)
    if "torch" in sys.modules:
        import torch, torch.multiprocessing
        tries["torch.multiprocessing"] = lambda: torch.multiprocessing.get_context(
            "fork").Process(target=int).start()
        tries["DataLoader workers"] = lambda: list(torch.utils.data.DataLoader(
            torch.arange(4), num_workers=1))
    result = {name: _try(action) for name, action in tries.items()}
    box = []
    thread = threading.Thread(target=box.append, args=("ran",))
    thread.start()
    thread.join()
    result["thread"] = box[0]
    return result


HELD = []


def serve(sock, code_dir):
    while True:
        try:
            msg = wire.recv(sock)
        except EOFError:
            return
        op, arg = msg["op"], msg.get("arg")
        if op == "echo":
            wire.send(sock, {"echo": arg, **_identity(code_dir)})
        elif op == "import":
            import convolutions
            wire.send(sock, {"value": convolutions.VALUE, "file": convolutions.__file__})
        elif op == "torch":
            wire.send(sock, _torch())
        elif op == "torch_alloc":
            wire.send(sock, {"error": _torch_alloc()})
        elif op == "print":
            wire.send(sock, {"error": _print(arg)})
        elif op == "read":
            wire.send(sock, {p: _try(lambda p=p: _read(p)) for p in arg})
        elif op == "list":
            wire.send(sock, {p: _list(p) for p in arg})
        elif op == "write":
            wire.send(sock, {p: _try(lambda p=p: _write(p)) for p in arg})
        elif op == "connect":
            wire.send(sock, {"result": _try(lambda: _connect(arg))})
        elif op == "kill":
            pid = os.getppid() if arg[0] == "ppid" else arg[0]
            wire.send(sock, {"result": _try(lambda: os.kill(pid, arg[1]))})
        elif op == "syscalls":
            wire.send(sock, _syscalls())
        elif op == "spawns":
            wire.send(sock, _spawns())
        elif op == "double_fork":
            wire.send(sock, {"grandchild": _double_fork()})
        elif op == "fork_bomb":
            _fork_bomb()
            wire.send(sock, {"started": True})
        elif op == "sleep":
            time.sleep(arg)
        elif op == "spin":
            while True:
                pass
        elif op == "exit":
            print("bye", flush=True)
            os._exit(arg)
        elif op == "sys_exit":
            sys.exit(arg)
        elif op == "raise":
            raise ValueError("student bug")
        elif op == "segfault":
            ctypes.string_at(0)
        elif op == "alloc":
            hoard = []
            while True:
                hoard.append(bytearray(16 * 2**20))
        elif op == "hold":  # keep a file's text in memory
            HELD.append(open(arg).read())
            wire.send(sock, {"held": len(HELD)})
        elif op == "find_in_memory":  # search this process's heap and anonymous memory
            # Each needle comes in two halves, never joined here: a hit is the first half
            # followed by the second, which the request's own copies of the halves are not.
            halves = [(a.encode(), b.encode()) for a, b in arg]
            found = False
            with open("/proc/self/maps") as maps:
                regions = [line.split() for line in maps]
            for fields in regions:
                name = fields[5] if len(fields) > 5 else ""
                if not fields[1].startswith("r") or name not in ("", "[heap]", "[stack]"):
                    continue  # (a file mapping may end past its file: SIGBUS)
                start, end = (int(x, 16) for x in fields[0].split("-"))
                chunk = ctypes.string_at(start, end - start)
                for head, tail in halves:
                    at = chunk.find(head)
                    while at >= 0 and not found:
                        found = chunk[at + len(head):at + len(head) + len(tail)] == tail
                        at = chunk.find(head, at + 1)
                if found:
                    break
            wire.send(sock, {"found": found})
        elif op == "alloc_forked":  # arg processes, each holding most of RLIMIT_AS
            for _ in range(arg[0]):
                if os.fork() == 0:
                    hoard = bytearray(arg[1])
                    hoard[::4096] = b"x" * len(hoard[::4096])  # touch every page
                    time.sleep(1000)
            time.sleep(2)
            wire.send(sock, {"done": True})
        elif op == "garbage":
            sock.sendall(b"\x00\x00\x00\x05hello")
        elif op == "hang_up":
            sock.close()
            time.sleep(1000)
        elif op == "killpg":
            os.killpg(0, signal.SIGKILL)
'''

SUBMISSION = {"convolutions/__init__.py": b"VALUE = 42\n"}
LIMITS = Limits(memory_bytes=256 * 2**20, cpu_seconds=1, processes=24, file_bytes=2**20,
                output_bytes=2048, scratch_bytes=16 * 2**20)


@pytest.fixture(scope="module")
def standin(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("standin")
    (path / "standin_worker.py").write_text(STANDIN)
    path.chmod(0o755)
    return str(path)


def _sandbox(standin: str, isolation: str, preload=("torch", "numpy"), **kw) -> Sandbox:
    return Sandbox(isolation=isolation, limits=kw.pop("limits", LIMITS),
                   preload=(*preload, "standin_worker"), serve="standin_worker:serve",
                   pythonpath=(standin,), **{"setup": None, **kw})


def _bwrap_skip_reason(standin: str) -> str | None:
    problem = bwrap_problem(tuple(bwrap_args(LIMITS, (standin,))))
    return problem and f"bwrap isolation unusable here: {problem}"


@pytest.fixture(scope="module")
def jail(standin):
    """A bwrap sandbox with torch preloaded, shared by the isolation tests."""
    reason = _bwrap_skip_reason(standin)
    if reason:
        pytest.skip(reason)
    with _sandbox(standin, "bwrap") as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def plain(standin):
    """An isolation='none' sandbox without torch (fast); warns about what it lacks."""
    with pytest.warns(SandboxWarning, match="WITHOUT bwrap isolation"):
        sandbox = _sandbox(standin, "none", preload=(), slot=1)
        sandbox.start()
    yield sandbox
    sandbox.close()


@pytest.fixture(params=["bwrap", "none"])
def sandbox(request):
    return request.getfixturevalue("jail" if request.param == "bwrap" else "plain")


def _forking(standin: str, isolation: str, **kw) -> Sandbox:
    """A sandbox whose children may create processes (no process filter): for the second
    layer, the reaper that kills whatever a child left running."""
    sandbox = _sandbox(standin, isolation, preload=(), **kw)
    sandbox._allow_processes = True
    return sandbox


@pytest.fixture(scope="module")
def jail_forking(standin):
    reason = _bwrap_skip_reason(standin)
    if reason:
        pytest.skip(reason)
    with _forking(standin, "bwrap", slot=2) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def plain_forking(standin):
    with pytest.warns(SandboxWarning, match="WITHOUT bwrap isolation"):
        sandbox = _forking(standin, "none", slot=3)
        sandbox.start()
    yield sandbox
    sandbox.close()


@pytest.fixture(params=["bwrap", "none"])
def forking(request):
    return request.getfixturevalue("jail_forking" if request.param == "bwrap"
                                   else "plain_forking")


def uid_processes(uid: int) -> list[int]:
    """Host pids of live processes whose real uid is ``uid``."""
    pids = []
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields["Uid"].split()[0]) == uid and fields["State"].split()[0] not in "ZX":
            pids.append(int(name))
    return pids


def assert_healthy(sandbox: Sandbox) -> None:
    """The zygote still serves: a fresh child imports a submission and answers."""
    child = sandbox.spawn(SUBMISSION)
    assert child.request({"op": "import"}, timeout=10)["value"] == 42
    assert child.close().reason == "finished normally"


# ------------------------------------------------------------------------ both isolations

def test_spawn_imports_the_submission_from_a_private_scratch_dir(sandbox):
    child = sandbox.spawn({**SUBMISSION, "convolutions/data/kernel.txt": b"1 0 -1"})
    reply = child.request({"op": "import"}, timeout=10)
    me = child.request({"op": "echo", "arg": [1, "two"]}, timeout=10)
    assert reply == {"value": 42, "file": f"{me['code_dir']}/convolutions/__init__.py"}
    assert me["echo"] == [1, "two"]
    assert me["cwd"] == me["home"] == me["tmpdir"] == me["code_dir"]
    assert me["sid"] == me["pid"]  # its own session
    assert me["fds"] == [0, 1, 2, 3]  # nothing of the zygote's leaks in
    scratch = me["code_dir"]
    info = child.close()
    assert (info.exit_code, info.signal, info.reason) == (0, None, "finished normally")
    assert not child.alive
    assert child.close() is info  # idempotent
    with pytest.raises(ChildDied):
        child.request({"op": "echo"}, timeout=1)
    if sandbox.isolation_used == "none":
        assert not os.path.exists(scratch)  # wiped (under bwrap it lives in the sandbox's /tmp)


def test_rlimits_are_applied(sandbox):
    child = sandbox.spawn(SUBMISSION)
    me = child.request({"op": "echo"}, timeout=10)
    child.close()
    limits = me["limits"]
    assert limits["CPU"] == LIMITS.cpu_seconds
    assert limits["FSIZE"] == LIMITS.file_bytes
    assert limits["NOFILE"] == LIMITS.open_files
    assert limits["CORE"] == 0
    assert sandbox.zygote_info["vm_bytes"] < limits["AS"] <= (
        sandbox.zygote_info["vm_bytes"] + LIMITS.memory_bytes + 64 * 2**20)
    assert me["xfsz"] and me["no_new_privs"] == "1"


@pytest.mark.parametrize("op, arg, exit_code, sig, reason", [
    ("exit", 3, 3, None, "your code exited with status 3 (sys.exit or os._exit)"),
    ("sys_exit", 5, 5, None, "your code exited with status 5 (sys.exit or os._exit)"),
    ("raise", None, 1, None, "your code raised an exception that ended the process"),
    ("segfault", None, None, signal.SIGSEGV, "killed by signal SIGSEGV (a crash in native code)"),
    ("hang_up", None, None, signal.SIGKILL, "closed the grader's connection"),
    ("killpg", None, None, signal.SIGKILL, "killed by signal SIGKILL"),
])
def test_a_dying_child_is_reported_and_the_zygote_survives(sandbox, op, arg, exit_code, sig,
                                                           reason):
    child = sandbox.spawn(SUBMISSION)
    with pytest.raises(ChildDied) as caught:
        child.request({"op": op, "arg": arg}, timeout=10)
    info = caught.value.info
    assert (info.exit_code, info.signal) == (exit_code, sig)
    assert info.reason.startswith(reason)
    assert not child.alive and child.close() is info
    if op == "exit":
        assert info.output == "bye\n"
    if op == "raise":
        assert "ValueError: student bug" in info.output
    assert_healthy(sandbox)


def test_garbage_on_the_socket(sandbox):
    child = sandbox.spawn(SUBMISSION)
    with pytest.raises(ChildGarbled) as caught:
        child.request({"op": "garbage"}, timeout=10)
    assert isinstance(caught.value, WireError) and isinstance(caught.value, ChildDied)
    assert caught.value.info.reason.startswith("sent the grader a malformed message")
    assert not child.alive
    assert_healthy(sandbox)


def test_timeout_kills_the_child(sandbox):
    child = sandbox.spawn(SUBMISSION)
    began = time.monotonic()
    with pytest.raises(ChildTimeout) as caught:
        child.request({"op": "sleep", "arg": 1000}, timeout=0.3)
    assert 0.3 <= time.monotonic() - began < 2
    assert caught.value.info.reason == "ran past its wall-clock time limit of 0.3 s"
    assert not child.alive
    assert_healthy(sandbox)


@pytest.mark.serial  # starts busy processes: alone, not beside another worker's tests
def test_per_request_cpu_time_limit(jail):
    """Where the sandbox counts CPU time, a request's limit can be CPU seconds: spinning ends
    at the CPU limit, sleeping at the wall-clock backstop, and a busy machine changes neither."""
    if jail.cpu_seconds() is None:
        pytest.skip("no CPU accounting cgroup here")
    child = jail.spawn(SUBMISSION)
    with pytest.raises(ChildTimeout) as caught:
        child.request({"op": "spin"}, timeout=10, cpu_limit=0.4)
    assert caught.value.info.reason == "ran past its CPU time limit of 0.4 s"
    child = jail.spawn(SUBMISSION)
    began = time.monotonic()
    with pytest.raises(ChildTimeout) as caught:
        child.request({"op": "sleep", "arg": 1000}, timeout=0.6, cpu_limit=0.4)
    assert caught.value.info.reason == "ran past its wall-clock time limit of 0.6 s"
    assert 0.6 <= time.monotonic() - began < 3
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(6)]
    try:  # 6 busy processes on this machine's cores: the child gets a fraction of a core
        child = jail.spawn(SUBMISSION)
        began = time.monotonic()
        reply = child.request({"op": "torch"}, timeout=60, cpu_limit=2)
        assert reply["matmul"] == 3920.0
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    child.close()


def test_cpu_limit(sandbox):
    child = sandbox.spawn(SUBMISSION)
    with pytest.raises(ChildDied) as caught:
        child.request({"op": "spin"}, timeout=15)
    assert caught.value.info.signal in (signal.SIGXCPU, signal.SIGKILL)
    assert "CPU time limit" in caught.value.info.reason


def test_memory_limit(sandbox):
    child = sandbox.spawn(SUBMISSION)
    with pytest.raises(ChildDied) as caught:
        child.request({"op": "alloc"}, timeout=15)
    reason = caught.value.info.reason
    # RLIMIT_AS (a MemoryError) or, where the cgroup's limit is reached first (copy-on-write
    # copies of the zygote's pages count there too; the margin is a few MiB), the OOM killer.
    assert reason in ("exceeded the memory limit of 256 MiB",
                      "exceeded the memory limit of 256 MiB (all of its processes together)")
    if reason.endswith("256 MiB"):
        assert "MemoryError" in caught.value.info.output
    assert_healthy(sandbox)


def test_output_is_bounded(sandbox):
    child = sandbox.spawn(SUBMISSION)
    reply = child.request({"op": "print", "arg": 5 * 2**20}, timeout=15)
    assert reply["error"] == "File too large"  # RLIMIT_FSIZE with SIGXFSZ ignored
    info = child.close()
    assert info.exit_code == 0 and "printed more than the 1 MiB allowed" in info.reason
    assert len(info.output) < LIMITS.output_bytes + 100
    assert info.output.startswith("xxx") and "bytes of output omitted" in info.output


def test_no_child_can_find_an_earlier_submission_in_its_memory(jail):
    """Submissions never pass through the zygote, so its heap (which every child inherits)
    holds none of them: a spy finds neither the text nor its base64 form."""
    secret = "def corr2d(X, K):  # SECRET-7f3a-of-an-earlier-student " * 20
    first = jail.spawn({**SUBMISSION, "convolutions/cross_correlation.py": secret.encode()})
    needles = [(text[:30], text[30:60]) for text in
               (secret, base64.b64encode(secret.encode()).decode())]
    first.request({"op": "hold", "arg": "convolutions/cross_correlation.py"}, timeout=10)
    assert first.request({"op": "find_in_memory", "arg": needles}, timeout=30) == {"found": True}
    first.close()
    spy = jail.spawn(SUBMISSION)
    assert spy.request({"op": "find_in_memory", "arg": needles}, timeout=30) == {"found": False}
    spy.close()


def test_no_process_can_be_created(sandbox):
    """The first layer: every way of starting a process or a program fails with EPERM (no
    helper process can run outside the rules); threads still work, and so does the zygote's
    own fork (the filter is the child's): a fresh child serves afterwards."""
    child = sandbox.spawn(SUBMISSION)
    reply = child.request({"op": "spawns"}, timeout=60)
    assert reply.pop("thread") == "ran"
    expected = {name: "OSError" if name == "os.system" else "PermissionError" for name in reply}
    assert reply == expected
    if "torch" in sandbox.preload:
        assert {"torch.multiprocessing", "DataLoader workers"} <= set(reply)
    assert child.request({"op": "echo", "arg": "still here"}, timeout=10)["echo"] == "still here"
    info = child.close()
    assert (info.reason, info.leftovers, info.leftover_note) == ("finished normally", 0, None)
    assert_healthy(sandbox)


def test_syscall_filter_blocks_namespaces_but_not_threads(sandbox):
    child = sandbox.spawn(SUBMISSION)
    reply = child.request({"op": "syscalls"}, timeout=20)
    child.close()
    blocked = "Operation not permitted"
    assert reply == {"unshare": {"user": blocked, "net": blocked, "mount": blocked},
                     "shm": blocked, "thread": ["thread ran"]}


# The second layer, for processes that get past the filter (on a machine it has no syscall
# table for): driven with the filter off (``forking``).

def test_memory_is_bounded_per_submission_not_per_process(jail_forking):
    """Processes that each stay under RLIMIT_AS cannot hold more than the limit together."""
    jail = jail_forking
    if jail.cgroup is None:
        pytest.skip("no writable memory cgroup here")
    child = jail.spawn(SUBMISSION)
    each = LIMITS.memory_bytes * 3 // 4
    reply = child.request({"op": "alloc_forked", "arg": [4, each]}, timeout=30)
    assert reply == {"done": True}
    assert jail.cgroup.memory_peak() <= jail.memory_limit  # 4 * each would be 3 times the limit
    assert jail.oom_kills() >= 1
    child.close()
    assert_healthy(jail)


def test_nothing_outlives_close(forking):
    """What a child left running is killed when it is reaped, and the reply says so."""
    sandbox = forking
    child = sandbox.spawn(SUBMISSION)
    grandchild = child.request({"op": "double_fork"}, timeout=10)["grandchild"]
    child.request({"op": "echo"}, timeout=10)
    if child.uid is not None:
        assert len(uid_processes(child.uid)) == 2
    info = child.close()
    assert (info.reason, info.leftovers) == ("finished normally", 1)
    assert info.leftover_note == "your code left 1 process running; it was killed"
    if child.uid is not None:
        assert uid_processes(child.uid) == []
    if sandbox.isolation_used == "none":  # same pid namespace as us
        assert not os.path.exists(f"/proc/{grandchild}")
    quiet = sandbox.spawn(SUBMISSION)  # a child that leaves nothing is not said to
    quiet.request({"op": "echo"}, timeout=10)
    assert quiet.close().leftovers == 0


def test_fork_bomb_is_bounded_and_cleaned_up(forking):
    sandbox = forking
    if not sandbox.uid_drop:
        pytest.skip("children share the grader's uid (a private uid needs root and a Python "
                    "that other users can read), so RLIMIT_NPROC cannot bound a fork bomb")
    child = sandbox.spawn(SUBMISSION)
    assert child.request({"op": "fork_bomb"}, timeout=10) == {"started": True}
    time.sleep(0.3)
    assert len(uid_processes(child.uid)) <= LIMITS.processes
    assert child.request({"op": "echo", "arg": "still here"}, timeout=10)["echo"] == "still here"
    began = time.monotonic()
    info = child.close()
    assert time.monotonic() - began < 3
    assert uid_processes(child.uid) == []
    assert info.leftovers >= 1
    assert info.leftover_note.endswith("running; they were killed" if info.leftovers > 1
                                       else "running; it was killed")
    assert_healthy(sandbox)


def test_torch_runs_in_a_forked_child(jail):
    child = jail.spawn(SUBMISSION)
    reply = child.request({"op": "torch"}, timeout=10)
    assert (reply["matmul"], reply["conv"], reply["threads"]) == (3920.0, 81.0, 1)
    assert reply["seconds"] < 1  # no OpenMP pool inherited in a broken state
    assert jail.zygote_info["threads"] == 1  # the zygote forks single-threaded
    huge = child.request({"op": "torch_alloc"}, timeout=10)["error"]
    assert "allocate" in huge  # torch reports the memory limit as an exception
    assert child.request({"op": "echo"}, timeout=10)
    assert child.close().reason == "finished normally"


def test_spawn_latency(sandbox):
    """Fork + import of a small package + one round trip: tens of milliseconds at most."""
    began = time.perf_counter()
    for _ in range(5):
        child = sandbox.spawn(SUBMISSION)
        child.request({"op": "import"}, timeout=10)
        child.close()
    assert (time.perf_counter() - began) / 5 < 0.25


# ---------------------------------------------------------------------------- bwrap only

def test_children_get_distinct_unprivileged_uids(jail):
    a, b = jail.spawn(SUBMISSION), jail.spawn(SUBMISSION)
    me_a, me_b = (c.request({"op": "echo"}, timeout=10) for c in (a, b))
    assert me_a["uid"] == me_a["gid"] == a.uid and me_b["uid"] == b.uid
    assert pool.UID_BASE <= a.uid != b.uid and me_a["groups"] == []
    assert me_a["cap_eff"] == "0000000000000000"
    assert me_a["limits"]["NPROC"] == LIMITS.processes
    # No signals across uids: not pid 1, not the zygote (its parent), not another child.
    for target in (1, "ppid", me_b["pid"]):
        assert a.request({"op": "kill", "arg": [target, signal.SIGKILL]},
                         timeout=10)["result"] == "PermissionError"
    # Nor its files: scratch dirs are 0700.
    assert a.request({"op": "read", "arg": [me_b["code_dir"]]}, timeout=10) == {
        me_b["code_dir"]: "PermissionError"}
    assert b.request({"op": "echo"}, timeout=10)["pid"] == me_b["pid"]
    a.close(), b.close()


def test_filesystem_view(jail):
    child = jail.spawn(SUBMISSION)
    hidden = [str(REPO / "tests"), str(REPO / "solutions"), str(REPO / "tests" / "repo"),
              str(REPO / "pyproject.toml"), str(REPO / "autograder" / "paths.py"),
              "/root/.bashrc", "/etc/shadow", "/sys/class"]
    visible = [str(REPO / "autograder" / "sandbox" / "wire.py"), "/usr/lib"]
    read = child.request({"op": "read", "arg": hidden + visible}, timeout=10)
    assert {p: r for p, r in read.items() if p in hidden and r == "ok"} == {}
    assert all(read[p] == "ok" for p in visible)
    # Directories above the bound paths exist, but hold nothing else.
    listed = child.request({"op": "list", "arg": [str(REPO), str(REPO / "autograder")]},
                           timeout=10)
    assert set(listed[str(REPO)]) <= {".venv", "autograder"}
    assert listed[str(REPO / "autograder")] == ["__init__.py", "sandbox"]
    outside = ["/tmp/evil", "/evil", "/dev/shm/evil", "/usr/evil", "/etc/evil",
               str(REPO / "autograder" / "sandbox" / "evil.py")]
    wrote = child.request({"op": "write", "arg": [*outside, "mine.txt", "convolutions/x"]},
                          timeout=10)
    assert {p: r for p, r in wrote.items() if p in outside and r == "ok"} == {}
    assert wrote["mine.txt"] == wrote["convolutions/x"] == "ok"
    assert not (REPO / "autograder" / "sandbox" / "evil.py").exists()
    child.close()


def test_the_grading_setup_shows_its_plugins_and_nothing_of_the_checks(standin):
    """The worker's plugins (the assignment's rules and probes) are readable in the sandbox;
    the hidden checks beside the probes are not, nor where they are (the probes appear under
    /plugins)."""
    reason = _bwrap_skip_reason(standin)
    if reason:
        pytest.skip(reason)
    plugins = worker_setup().files
    inside = [target for _, target in pool.plugin_binds(plugins)]
    assert plugins and all(Path(p).is_file() for p in plugins)
    assert not any("hidden" in p or "tests" in p for p in inside)
    secret = [str(p) for p in sorted((REPO / "tests" / "hidden").iterdir())]
    # Bound as the worker's setup binds them (with a stand-in for its call).
    with _sandbox(standin, "bwrap", preload=(), setup=Setup("builtins:dict", {}, plugins)) \
            as jail:
        assert jail._config()["setup"][1]["files"] == inside
        child = jail.spawn(SUBMISSION)
        read = child.request({"op": "read", "arg": [*inside, *secret]}, timeout=10)
        listed = child.request({"op": "list", "arg": [str(REPO)]}, timeout=10)
        child.close()
    assert all(read[p] == "ok" for p in inside)
    assert {p: r for p, r in read.items() if p in secret and r == "ok"} == {}
    assert set(listed[str(REPO)]) <= {".venv", "autograder"}


def test_no_network(jail, tmp_path):
    listener = socket.socket(socket.AF_UNIX)  # an abstract socket on the host: not reachable
    name = f"\0autograder-sandbox-test-{os.getpid()}"
    listener.bind(name)
    listener.listen()
    child = jail.spawn(SUBMISSION)
    try:
        assert child.request({"op": "connect", "arg": ["1.1.1.1", 53]},
                             timeout=10)["result"] == "OSError"  # network unreachable
        assert child.request({"op": "connect", "arg": name},
                             timeout=10)["result"] == "ConnectionRefusedError"
    finally:
        child.close()
        listener.close()


@pytest.mark.filterwarnings("ignore::autograder.sandbox.SandboxWarning")
def test_zygote_is_restarted_after_dying(standin):
    isolation = "none" if _bwrap_skip_reason(standin) else "bwrap"
    with _forking(standin, isolation) as sandbox:  # (it leaves a process behind, below)
        child = sandbox.spawn(SUBMISSION)
        sandbox._proc.kill()  # bwrap (or the zygote): every child dies with it, shortly after
        deadline = time.monotonic() + 10
        while child.alive and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(ChildDied) as caught:
            child.request({"op": "echo"}, timeout=10)
        assert caught.value.info.reason.startswith("the grader's sandbox failed")
        assert_healthy(sandbox)  # spawn started a fresh zygote
        left_open = sandbox.spawn(SUBMISSION)
        grandchild = left_open.request({"op": "double_fork"}, timeout=10)["grandchild"]
    # Closing the sandbox closes its children, and whatever they started.
    assert left_open.close().reason in ("was stopped because the grader shut down",
                                        "finished normally")  # (serve may return on EOF first)
    if left_open.uid is not None:
        assert uid_processes(left_open.uid) == []
    if isolation == "none":
        assert not os.path.exists(f"/proc/{grandchild}")
    sandbox.close()  # idempotent
    with pytest.raises(SandboxError, match="closed"):
        sandbox.spawn(SUBMISSION)


# ----------------------------------------------------------------------- configuration

def test_start_reports_import_errors(standin):
    sandbox = Sandbox(isolation="none", preload=("no_such_module_xyz",), pythonpath=(standin,),
                      serve="standin_worker:serve", setup=None)
    with pytest.warns(SandboxWarning), pytest.raises(SandboxError, match="no_such_module_xyz"):
        sandbox.start()
    sandbox.close()


def test_limits_are_validated():
    with pytest.raises(ValueError, match="memory_bytes"):
        Limits(memory_bytes=0)
    assert format_bytes(Limits().memory_bytes) == "2 GiB"


def test_bad_paths_are_refused(plain):
    for path in ("/etc/passwd", "../x.py", "a//b.py", "a/./b.py"):
        with pytest.raises(ValueError):
            plain.spawn({path: b""})


def test_bwrap_view_is_minimal(standin):
    args = bwrap_args(LIMITS, (standin,))
    binds = {args[i + 1] for i, a in enumerate(args) if a == "--ro-bind"}
    assert str(REPO / "autograder" / "sandbox") in binds
    assert not any(Path(b) in (REPO, REPO / "tests", REPO / "solutions", Path("/root"))
                   for b in binds)
    assert "--unshare-net" in args and "--unshare-pid" in args and "--die-with-parent" in args
    assert args[args.index("--tmpfs") - 1] == str(LIMITS.scratch_bytes)


def test_isolation_fails_closed(standin, monkeypatch):
    """Where bwrap cannot be used, "auto" and "bwrap" both refuse (saying why and how to grade
    without isolation on purpose), never fall back; "none" still starts, with a warning."""
    if not _bwrap_skip_reason(standin):
        assert _sandbox(standin, "auto").isolation_used == "bwrap"
    monkeypatch.setattr(pool, "bwrap_problem", lambda args: "bwrap is not installed")
    for isolation in ("auto", "bwrap"):
        with pytest.raises(IsolationUnavailable, match=r"^bubblewrap \(bwrap\) is not "
                           r"installed.*apt-get install bubblewrap.*--isolation none"):
            _sandbox(standin, isolation)
    monkeypatch.setattr(pool, "bwrap_problem",
                        lambda args: "bwrap failed: bwrap: Creating new namespace failed:\n"
                                     "Operation not permitted")
    with pytest.raises(IsolationUnavailable) as caught:
        _sandbox(standin, "auto")
    assert str(caught.value).startswith(
        "bwrap isolation cannot start here (bwrap failed: bwrap: Creating new namespace failed: "
        "Operation not permitted), or pass --isolation none")
    assert isinstance(caught.value, SandboxError) and "\n" not in str(caught.value)
    sandbox = _sandbox(standin, "none", preload=())
    assert sandbox.isolation_used == "none"
    with pytest.warns(SandboxWarning, match=r"WITHOUT bwrap isolation \(isolation='none' was "
                      r"requested\).*read and write every file"):
        sandbox.start()
    sandbox.close()


LINKED_START = """
import json, sys
from autograder.sandbox import Limits, Sandbox
sandbox = Sandbox(isolation="bwrap", preload=(), serve="standin_worker:serve", setup=None,
                  pythonpath=tuple(sys.argv[1:]), limits=Limits(cpu_seconds=5))
with sandbox:
    child = sandbox.spawn({"convolutions/__init__.py": b"VALUE = 42"})
    value = child.request({"op": "import"}, timeout=30)["value"]
    me = child.request({"op": "echo"}, timeout=30)
print(json.dumps({"isolation": sandbox.isolation_used, "value": value, "uid": me["uid"],
                  "executable": sys.executable}))
"""


def _start_through(python: Path, *pythonpath: str, env: dict | None = None) -> dict:
    """Start a bwrap sandbox from ``python`` (a path through a symlink); what it said."""
    proc = subprocess.run([str(python), "-c", LINKED_START, *pythonpath], cwd=REPO,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_a_venv_reached_through_a_symlink_keeps_bwrap(standin, tmp_path):
    """``.venv`` linked to scratch space (or a symlinked home above it): bwrap is given the
    interpreter by its directory's real path and still starts."""
    reason = _bwrap_skip_reason(standin)
    if reason:
        pytest.skip(reason)
    link = tmp_path / "venvlink"
    link.symlink_to(Path(sys.prefix).resolve())
    python = link / "bin" / Path(sys.executable).name
    said = _start_through(python, standin)
    assert said["isolation"] == "bwrap" and said["value"] == 42
    assert said["executable"] == str(python) and said["uid"] >= pool.UID_BASE


def test_a_base_python_reached_through_a_symlink_keeps_bwrap(standin, tmp_path):
    """A venv made from a Python under a symlinked home (``/home/u -> /scratch/u`` with pyenv
    in it): the venv's ``bin/python`` and pyvenv.cfg's ``home`` both go through the link, which
    is made again inside the sandbox."""
    reason = _bwrap_skip_reason(standin)
    if reason:
        pytest.skip(reason)
    real_base = Path(sys.base_prefix).resolve()
    home = tmp_path / "home"
    home.symlink_to(real_base.parent)  # the base installation's folder, through a link
    base_python = home / real_base.name / "bin" / "python{}.{}".format(*sys.version_info)
    venv = tmp_path / "real" / "venv"
    subprocess.run([str(base_python), "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    assert str(home) in (venv / "pyvenv.cfg").read_text()
    (tmp_path / "venvlink").symlink_to(venv)
    # numpy (the wire format's) from this venv, on both sides of the sandbox
    site = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    said = _start_through(tmp_path / "venvlink" / "bin" / "python", standin, site,
                          env={"PYTHONPATH": site})
    assert said["isolation"] == "bwrap" and said["value"] == 42
    args = bwrap_args(LIMITS)
    assert all(os.path.realpath(args[i + 1]) == args[i + 1]
               for i, a in enumerate(args) if a == "--ro-bind")


def test_uid_blocks_are_exclusive_per_sandbox(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "UID_LOCKS", tmp_path / "uids")
    first, lock = pool.claim_uid_block(3)
    second, lock2 = pool.claim_uid_block(3)  # block 3 is held: the next one is used
    assert (first, second) == (pool.UID_BASE + 3 * pool.UID_BLOCK,
                               pool.UID_BASE + 4 * pool.UID_BLOCK)
    os.close(lock)
    third, lock3 = pool.claim_uid_block(3)  # released with its fd
    assert third == first
    os.close(lock2), os.close(lock3)
