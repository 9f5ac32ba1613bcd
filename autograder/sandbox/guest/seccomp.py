"""The system-call filter of every job: what no namespace can hide, denied outright.

Keyrings have no namespace of their own (their quota is per host user), so one submission could
leave a key for the next; mount, unshare, setns and clone with namespace flags would let a job
build itself a new view of the system; ptrace, process_vm_*, bpf, perf_event_open, userfaultfd and
io_uring are kernel attack surface a numpy exercise never needs; AF_VSOCK and AF_PACKET sockets
reach past the empty network namespace (AF_VSOCK talks to the hypervisor on a VM).  Everything
else is allowed: the namespaces, the read-only file system and the cgroup do the rest.

A classic BPF program assembled here (no libseccomp in the sandbox): native architecture only
(an i386 or x32 system call kills the process), a deny list answered with EPERM, clone3 with
ENOSYS (the C library then falls back to clone, whose flags a filter can read), and socket families
outside AF_UNIX / AF_INET / AF_INET6 / AF_NETLINK refused with EAFNOSUPPORT.  The system-call
numbers were checked against libseccomp's tables for both architectures.
"""
from __future__ import annotations

import ctypes
import errno
import platform
import struct

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_SYSCALL_BIT = 0x40000000

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

CLONE_NAMESPACE_FLAGS = 0x7E020000   # NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
ALLOWED_FAMILIES = (1, 2, 10, 16)    # AF_UNIX, AF_INET, AF_INET6, AF_NETLINK

DENIED = ("keyctl", "add_key", "request_key", "unshare", "setns", "mount", "umount2", "pivot_root",
          "chroot", "ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open",
          "userfaultfd", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
          "mount_setattr", "pidfd_getfd", "kcmp", "io_uring_setup", "io_uring_enter",
          "io_uring_register", "syslog")

SYSCALLS = {
    "x86_64": {"keyctl": 250, "add_key": 248, "request_key": 249, "unshare": 272, "setns": 308, "mount": 165,
               "umount2": 166, "pivot_root": 155, "chroot": 161, "ptrace": 101, "process_vm_readv": 310,
               "process_vm_writev": 311, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
               "kcmp": 312, "syslog": 103, "clone": 56, "socket": 41, "socketpair": 53},
    "aarch64": {"keyctl": 219, "add_key": 217, "request_key": 218, "unshare": 97, "setns": 268, "mount": 40,
                "umount2": 39, "pivot_root": 41, "chroot": 51, "ptrace": 117, "process_vm_readv": 270,
                "process_vm_writev": 271, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
                "kcmp": 272, "syslog": 116, "clone": 220, "socket": 198, "socketpair": 199},
}
for _table in SYSCALLS.values():   # numbers from 424 on are the same on every architecture
    _table.update({"io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
                   "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
                   "clone3": 435, "pidfd_getfd": 438, "mount_setattr": 442})

# classic BPF: load word (absolute), jumps on ==, >=, & and return
LD_W_ABS, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0 = 0, 4, 16   # struct seccomp_data; args[0]'s low word (little-endian)

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
# (code, jump-if-true label or 0, jump-if-false label or 0, k), or (a label,)
_Item = tuple[int, object, object, int] | tuple[str]


def assemble(machine: str | None = None) -> bytes:
    """The filter as struct sock_filter[] bytes (u16 code, u8 jt, u8 jf, u32 k) for `machine`."""
    machine = machine or platform.machine()
    number = SYSCALLS[machine]
    program: list[_Item] = []

    def op(code: int, k: int, true: object = 0, false: object = 0) -> None:
        program.append((code, true, false, k))

    def label(name: str) -> None:
        program.append((name,))

    op(LD_W_ABS, OFFSET_ARCH)
    op(JEQ_K, AUDIT_ARCH[machine], 0, "kill")
    op(LD_W_ABS, OFFSET_NR)
    if machine == "x86_64":       # x32 numbers share x86_64's AUDIT_ARCH (-1, "no call", passes as libseccomp does)
        op(JGE_K, X32_SYSCALL_BIT, 0, "native")
        op(JEQ_K, 0xFFFFFFFF, "allow", "kill")
        label("native")
    for name in DENIED:
        op(JEQ_K, number[name], "eperm")
    op(JEQ_K, number["clone3"], "enosys")
    op(JEQ_K, number["clone"], "clone")
    op(JEQ_K, number["socket"], "family")
    op(JEQ_K, number["socketpair"], "family")
    op(RET_K, SECCOMP_RET_ALLOW)
    label("clone")
    op(LD_W_ABS, OFFSET_ARG0)
    op(JSET_K, CLONE_NAMESPACE_FLAGS, "eperm")
    op(RET_K, SECCOMP_RET_ALLOW)
    label("family")
    op(LD_W_ABS, OFFSET_ARG0)
    for family in ALLOWED_FAMILIES:
        op(JEQ_K, family, "allow")
    op(RET_K, SECCOMP_RET_ERRNO | errno.EAFNOSUPPORT)
    label("eperm")
    op(RET_K, SECCOMP_RET_ERRNO | errno.EPERM)
    label("enosys")
    op(RET_K, SECCOMP_RET_ERRNO | errno.ENOSYS)
    label("kill")
    op(RET_K, SECCOMP_RET_KILL_PROCESS)
    label("allow")
    op(RET_K, SECCOMP_RET_ALLOW)
    return _link(program)


def _link(program: list[_Item]) -> bytes:
    """Resolve the labels into relative jumps (classic BPF jumps only forward, at most 255)."""
    positions: dict[object, int] = {}
    index = 0
    for item in program:
        if len(item) == 1:
            positions[item[0]] = index
        else:
            index += 1
    out: list[bytes] = []
    index = 0
    for item in program:
        if len(item) == 1:
            continue
        code, true, false, k = item
        jt, jf = (0 if target == 0 else positions[target] - index - 1 for target in (true, false))
        assert 0 <= jt < 256 and 0 <= jf < 256, item
        out.append(struct.pack("HBBI", code, jt, jf, k))
        index += 1
    return b"".join(out)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class Filter:
    """Assembled once (in the zygote); `install` in each job is two prctl calls."""

    def __init__(self) -> None:
        code = assemble()
        self._buffer = ctypes.create_string_buffer(code, len(code))
        self._program = _SockFprog(len(code) // 8, ctypes.addressof(self._buffer))
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]

    def install(self) -> None:
        """No new privileges (required for an unprivileged filter), then the filter; never undone."""
        if self._libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) == -1:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        if self._libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(self._program), 0, 0) == -1:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")
