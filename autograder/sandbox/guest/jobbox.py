"""A fresh box for every job, built below the zygote (guest/zygote.py) from kernel primitives.

The zygote forks a *monitor* per job, which calls ``enter_namespaces`` (new user, mount, IPC,
UTS, network, PID and cgroup namespaces), ``map_ids`` and ``mount_private_areas`` (a sized tmpfs
on /tmp and /dev/shm, a devpts of its own), then forks the job's *init*, PID 1 of the new PID
namespace.  The init calls ``mount_proc`` (a proc showing only the job's processes, or nothing),
``own_fds`` and ``drop_privileges``, installs the seccomp filter, proves who it is to the host
(``send_ready``: the kernel translates its PID for the host, which then moves it into the job's
cgroup) and, once the host says go, forks the runner.  When the init exits the kernel ends every
process of the namespace: nothing a submission starts outlives it.

So System V IPC, POSIX message queues, /tmp, /dev/shm, hostnames, sockets and processes are new
for every job, and the zygote, its control socket and every other job are outside anything a job
can name.  Runs in forked children of the zygote only; stdlib (ctypes) only.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import socket
import struct

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
libc.close_range.argtypes = [ctypes.c_uint, ctypes.c_uint, ctypes.c_int]
libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]

JOB_NAMESPACES = (0x10000000      # CLONE_NEWUSER
                  | 0x00020000    # CLONE_NEWNS
                  | 0x08000000    # CLONE_NEWIPC
                  | 0x04000000    # CLONE_NEWUTS
                  | 0x40000000    # CLONE_NEWNET
                  | 0x20000000    # CLONE_NEWPID
                  | 0x02000000)   # CLONE_NEWCGROUP
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 1 << 14, 1 << 18

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 1, 4, 24, 28
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
# NOROOT, NO_SETUID_FIXUP, KEEP_CAPS (locked), NO_CAP_AMBIENT_RAISE: exec never regains a capability.
SECUREBITS_LOCKED = 0x1 | 0x2 | 0x4 | 0x8 | 0x20 | 0x40 | 0x80
CAPABILITY_VERSION_3 = 0x20080522

JOB_UID = JOB_GID = 1000     # the job's only user inside its namespace (not 0: it owns nothing)
JOB_FD = 3                   # the job's socket to the host, in the init and the runner


class SetupError(Exception):
    """A step of building the box failed; the job is not run."""


def _check(what: str, result: int) -> None:
    if result == -1:
        code = ctypes.get_errno()
        raise SetupError(f"{what}: {errno.errorcode.get(code, code)} ({os.strerror(code)})")


def prctl(option: int, argument: int = 0) -> None:
    _check(f"prctl({option})", libc.prctl(option, argument, 0, 0, 0))


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str | None = None) -> None:
    def raw(text: str | None) -> bytes | None:
        return None if text is None else text.encode()
    _check(f"mount {kind or ''} on {target}", libc.mount(raw(source), raw(target), raw(kind), flags, raw(data)))


def last_capability() -> int:
    """Read in the zygote: the job's own proc has no /proc/sys."""
    try:
        with open("/proc/sys/kernel/cap_last_cap") as file:
            return int(file.read())
    except OSError:
        return 63


# --------------------------------------------------------------- the monitor (in the zygote's namespaces)
def enter_namespaces() -> tuple[int, int]:
    """unshare every namespace of the job; returns the (uid, gid) this process had before."""
    uid, gid = os.geteuid(), os.getegid()
    _check("unshare", libc.unshare(JOB_NAMESPACES))
    return uid, gid


def map_ids(outer_uid: int, outer_gid: int) -> None:
    """The job's only user and group are ours (no setgroups: it cannot drop a group to gain access)."""
    for name, line in (("setgroups", "deny"), ("uid_map", f"{JOB_UID} {outer_uid} 1"),
                       ("gid_map", f"{JOB_GID} {outer_gid} 1")):
        fd = os.open(f"/proc/self/{name}", os.O_WRONLY)
        try:
            os.write(fd, line.encode())
        except OSError as error:
            raise SetupError(f"write /proc/self/{name}: {error.strerror}") from None
        finally:
            os.close(fd)


def mount_private_areas(tmp_bytes: int, inodes: int) -> None:
    """Nothing propagates back; /tmp and /dev/shm are new size-bounded tmpfs, /dev/pts a new devpts
    where the kernel allows one (a pseudo-terminal lives only as long as the job's descriptors anyway)."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    flags = MS_NOSUID | MS_NODEV
    _mount("tmpfs", "/tmp", "tmpfs", flags, f"size={tmp_bytes},nr_inodes={inodes},mode=1777")
    _mount("tmpfs", "/dev/shm", "tmpfs", flags | MS_NOEXEC, f"size={tmp_bytes},nr_inodes={inodes},mode=1777")
    with contextlib.suppress(SetupError):
        _mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620")
    _check("sethostname", libc.sethostname(b"job", 3))


# --------------------------------------------------------------- the job's init (PID 1 of its namespace)
def mount_proc() -> None:
    """A proc of the job's own PID namespace with only the process folders (subset=pid: no /proc/sys,
    nothing of the machine); where the kernel refuses one, an empty read-only /proc."""
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "subset=pid")
    except SetupError:
        _mount("tmpfs", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,nr_inodes=2,mode=0555")


def own_fds(job_fd: int, output_fd: int) -> None:
    """0 = /dev/null, 1 = 2 = the output pipe, JOB_FD = the job's socket; every other descriptor closed."""
    null = os.open(os.devnull, os.O_RDONLY)
    job, output = os.dup(job_fd), os.dup(output_fd)    # out of the way of 0..3 first
    os.dup2(null, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.dup2(job, JOB_FD)
    _check("close_range", libc.close_range(JOB_FD + 1, 0xFFFFFFFF, 0))


def drop_privileges(last_cap: int) -> None:
    """Lock the securebits, empty the bounding and ambient sets, then no capability at all."""
    prctl(PR_SET_SECUREBITS, SECUREBITS_LOCKED)
    for capability in range(last_cap + 1):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) == -1 and ctypes.get_errno() != errno.EINVAL:
            _check(f"PR_CAPBSET_DROP {capability}", -1)
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    header = struct.pack("Ii", CAPABILITY_VERSION_3, 0)
    _check("capset", libc.capset(ctypes.c_char_p(header), ctypes.create_string_buffer(24)))


def send_ready(sock: socket.socket) -> None:
    """Our PID (1 here) as SCM_CREDENTIALS: the kernel translates it into the host's PID namespace."""
    credentials = struct.pack("iII", os.getpid(), os.getuid(), os.getgid())
    sock.sendmsg([b"ready"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, credentials)])
