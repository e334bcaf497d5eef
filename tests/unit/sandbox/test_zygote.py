"""The zygote's seccomp filter, run through a small classic-BPF interpreter (both machines it
has tables for), and installed for real in a forked process of this one."""

from __future__ import annotations

import errno
import os
import signal
import struct
import threading

import pytest

from autograder.sandbox import zygote
from autograder.sandbox.zygote import (CLONE_THREAD, SECCOMP_SYSCALLS, SPAWN_SYSCALLS,
                                       seccomp_program)

ALLOW, KILL = 0x7FFF0000, 0x80000000
EPERM, ENOSYS = 0x50000 | errno.EPERM, 0x50000 | errno.ENOSYS
SIGCHLD = int(signal.SIGCHLD)
CLONE_VM, CLONE_VFORK, CLONE_FS, CLONE_FILES = 0x100, 0x4000, 0x200, 0x400
CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_SETTLS = 0x800, 0x40000, 0x80000
PTHREAD = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM
           | CLONE_SETTLS)  # (what glibc's pthread_create passes, less the tid flags)
CLONE_NEWUSER = 0x10000000


def run_filter(program: bytes, arch: int, nr: int, arg0: int = 0) -> int:
    """What the kernel would return for a syscall: the classic-BPF subset the filter uses."""
    data = struct.pack("<iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)  # struct seccomp_data
    code = [struct.unpack("HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]
    acc, pc = 0, 0
    while True:
        op, jt, jf, k = code[pc]
        pc += 1
        if op == 0x20:  # BPF_LD | BPF_W | BPF_ABS
            acc = struct.unpack_from("<I", data, k)[0]
        elif op == 0x06:  # BPF_RET | BPF_K
            return k
        elif op in (0x15, 0x35, 0x45):  # BPF_JMP | JEQ / JGE / JSET | BPF_K
            hit = {0x15: acc == k, 0x35: acc >= k, 0x45: bool(acc & k)}[op]
            pc += jt if hit else jf
        else:
            raise AssertionError(f"opcode {op:#x} not expected in the filter")


@pytest.mark.parametrize("machine", sorted(SECCOMP_SYSCALLS))
def test_process_creation_is_refused_and_threads_are_not(machine):
    arch, blocked, clone, clone3 = SECCOMP_SYSCALLS[machine]
    program = seccomp_program(machine)

    def verdict(nr: int, arg0: int = 0) -> int:
        return run_filter(program, arch, nr, arg0)

    for name, nr in SPAWN_SYSCALLS[machine].items():
        assert verdict(nr) == EPERM, name
    assert {"execve", "execveat"} <= set(SPAWN_SYSCALLS[machine])
    assert verdict(clone, SIGCHLD) == EPERM  # glibc's fork()
    assert verdict(clone, CLONE_VM | CLONE_VFORK | SIGCHLD) == EPERM  # posix_spawn, vfork()
    assert verdict(clone, PTHREAD) == ALLOW  # a thread
    assert verdict(clone, PTHREAD | CLONE_NEWUSER) == EPERM
    assert verdict(clone3) == ENOSYS  # libc falls back to clone
    for name, nr in blocked.items():
        assert verdict(nr) == EPERM, name
    assert verdict(0 if machine == "x86_64" else 63) == ALLOW  # read
    assert verdict(0x40000000) == EPERM  # the x32 ABI
    assert run_filter(program, 0x40000003, 0) == KILL  # another architecture (i386)


@pytest.mark.parametrize("machine", sorted(SECCOMP_SYSCALLS))
def test_the_second_layer_filter_allows_processes_only(machine):
    """``processes=True`` (tests of the reaper) differs in process creation and nothing else."""
    arch, blocked, clone, _ = SECCOMP_SYSCALLS[machine]
    program = seccomp_program(machine, processes=True)
    for nr in SPAWN_SYSCALLS[machine].values():
        assert run_filter(program, arch, nr) == ALLOW
    assert run_filter(program, arch, clone, SIGCHLD) == ALLOW
    assert run_filter(program, arch, clone, SIGCHLD | CLONE_NEWUSER) == EPERM
    assert all(run_filter(program, arch, nr) == EPERM for nr in blocked.values())


def test_an_unknown_machine_gets_no_filter():
    assert seccomp_program("riscv64") is None


@pytest.mark.skipif(os.uname().machine not in SECCOMP_SYSCALLS, reason="no syscall table here")
def test_the_filter_installed_stops_fork_and_exec_in_this_process():
    """Installed for real in a forked copy of this process: fork, exec and posix_spawn fail
    with EPERM, a thread runs."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report on the pipe, never return into pytest
        code = 1
        try:
            os.close(r)
            zygote.prctl(zygote.PR_SET_NO_NEW_PRIVS, 1)
            zygote.install_seccomp()
            seen = []
            for attempt in (os.fork, lambda: os.execv("/bin/true", ["true"]),
                            lambda: os.posix_spawn("/bin/true", ["true"], {})):
                try:
                    attempt()
                    seen.append("ok")
                except OSError as exc:
                    seen.append(errno.errorcode.get(exc.errno, str(exc.errno)))
            box = []
            thread = threading.Thread(target=box.append, args=("thread",))
            thread.start()
            thread.join()
            os.write(w, " ".join([*seen, *box]).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        said = pipe.read().decode()
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert said == "EPERM EPERM EPERM thread"
