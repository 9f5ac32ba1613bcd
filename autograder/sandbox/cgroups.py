"""Limits per submission, not per process: one cgroup per job for its memory and its process count.

A resource limit (setrlimit) binds one process; four forked children under `--memory 512` could
use 2 GB between them.  A job's cgroup bounds all its processes together: memory (tmpfs pages
of its /tmp and /dev/shm included) and the number of processes, and it lists every process of
the job so that none can be missed when the job is stopped.

Layout: ``<hierarchy>/cnn-grade/<grader pid>/job-<n>``, in the cgroup v1 `memory` and `pids`
hierarchies (and `cpu` where it is mounted), or in the v2 unified hierarchy (memory.max, pids.max,
and the cpu controller where the machine has it).  As root the folders are
created (and removed when the batch ends; folders of graders that no longer run are removed on
the next start).  As another user this works only where an administrator delegated
``cnn-grade`` to that user (created it and chowned it); otherwise the grader falls back to the
per-process limits and says so (``unavailable``).
"""
from __future__ import annotations

import contextlib
import errno
import itertools
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import GraderError

ROOT = Path("/sys/fs/cgroup")
TOP = "cnn-grade"
V1_HIERARCHIES = ("memory", "pids")
# Where the machine has the cpu controller, each job is a CPU group of its own too: jobs graded at
# the same time share the CPUs in equal parts, however many processes one of them keeps busy (120
# busy processes otherwise left a job beside them a small fraction of a CPU, and a correct solution
# ran out of time).  The top folder weighs as much as one busy process per CPU, as the jobs did.
CPU_WEIGHT = {1: ("cpu.shares", 1024, 262_144), 2: ("cpu.weight", 100, 10_000)}   # file, one task's, most
SETTLE_SECONDS = 5.0
FALLBACK_WARNING = ("memory and process count are limited per process only, not per submission: no writable "
                    "cgroup ({reason}). Run the grader as root, or delegate {top} in the cgroup hierarchy "
                    "to its user (see docs/sandbox.md, 'What falls back').")
_names = itertools.count(1)


@dataclass(frozen=True)
class JobCgroup:
    """The cgroup(s) of one job: v1 one folder per hierarchy, v2 one folder."""

    folders: tuple[Path, ...]    # v1: memory, pids (and cpu); v2: one
    version: int

    @property
    def _pids(self) -> Path:
        return self.folders[1] if self.version == 1 else self.folders[0]

    def add(self, pid: int) -> None:
        for folder in self.folders:
            fd = os.open(folder / "cgroup.procs", os.O_WRONLY)
            try:
                os.write(fd, str(pid).encode())
            finally:
                os.close(fd)

    def processes(self) -> list[int]:
        return [int(pid) for pid in (self._pids / "cgroup.procs").read_text().split()]

    def oom_kills(self) -> int:
        """How many of the job's processes the kernel killed for going over the memory limit."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            lines = (self.folders[0] / name).read_text().splitlines()
        except OSError:
            return 0
        return sum(int(line.split()[1]) for line in lines if line.startswith("oom_kill "))

    def kill_all(self) -> None:
        """SIGKILL every process of the job until none is left (a fork between listing and kill is
        caught next round)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while (pids := self.processes()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        """rmdir (busy while a process remains: the caller has stopped them)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        for folder in self.folders:
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as error:
                    if error.errno != errno.EBUSY or time.monotonic() > deadline:
                        break
                    time.sleep(0.01)


class Cgroups:
    """This grader's cgroup folder(s); `job` makes one job's cgroup, `close` removes them all."""

    def __init__(self, version: int, parents: tuple[Path, ...], cpu: bool = False) -> None:
        self.version, self.parents, self.cpu = version, parents, cpu

    @classmethod
    def open(cls) -> Cgroups:
        """This process's folder in every hierarchy; raises OSError (with the reason) when there is none."""
        tops: tuple[Path, ...]
        if (ROOT / "cgroup.controllers").exists():
            found = set((ROOT / "cgroup.controllers").read_text().split())
            if not {"memory", "pids"} <= found:
                raise OSError(errno.ENOTSUP, "the cgroup v2 hierarchy lacks the memory or pids controller")
            _enable_controllers(ROOT, cpu=False)
            # The cpu group is a bonus: a user delegated memory and pids alone grades without it.
            cpu = "cpu" in found and _succeeds(lambda: _enable_controllers(ROOT, cpu=True))
            tops, version = (ROOT / TOP,), 2
        elif all((ROOT / name / "cgroup.procs").exists() for name in V1_HIERARCHIES):
            cpu_top = ROOT / "cpu" / TOP
            cpu = (ROOT / "cpu" / "cgroup.procs").exists() and _succeeds(lambda: cpu_top.mkdir(exist_ok=True))
            tops, version = tuple(ROOT / name / TOP for name in V1_HIERARCHIES + ("cpu",) * cpu), 1
        else:
            raise OSError(errno.ENOENT, "no cgroup v2 hierarchy with memory and pids, nor v1 memory and pids")
        for top in tops:
            top.mkdir(exist_ok=True)
            _remove_stale(top)
        cgroups = cls(version, tuple(top / str(os.getpid()) for top in tops), cpu)
        cgroups._make_parents()
        return cgroups

    def _make_parents(self) -> None:
        """This grader's folders, and the top folder above them (again, after a batch of this process
        or another grader, ending, removed them while they were empty)."""
        for parent in self.parents:
            if not parent.is_dir():
                parent.mkdir(parents=True, exist_ok=True)
                if self.version == 2:
                    _enable_controllers(parent.parent, self.cpu)
                    _enable_controllers(parent, self.cpu)
                if self.cpu and parent == self.parents[-1]:   # the cpu hierarchy's (v1), the one (v2)
                    name, one, most = CPU_WEIGHT[self.version]
                    weight = str(min(most, one * (os.cpu_count() or 1)))
                    _succeeds(lambda: (parent.parent / name).write_text(weight))  # noqa: B023 - called at once

    @contextlib.contextmanager
    def job(self, memory_mb: int, processes: int) -> Iterator[JobCgroup]:
        """A fresh cgroup for one job, removed afterwards (its processes killed first)."""
        name = f"job-{next(_names)}"
        self._make_parents()
        folders = tuple(parent / name for parent in self.parents)
        for folder in folders:
            folder.mkdir()
        cgroup = JobCgroup(folders, self.version)
        try:
            self._limit(cgroup, memory_mb * 2**20, processes)
            yield cgroup
        finally:
            cgroup.kill_all()
            cgroup.remove()

    def _limit(self, cgroup: JobCgroup, memory: int, processes: int) -> None:
        if self.version == 1:
            memory_dir, pids_dir = cgroup.folders[:2]     # a cpu folder keeps its default share
            (memory_dir / "memory.limit_in_bytes").write_text(str(memory))
            if (memory_dir / "memory.memsw.limit_in_bytes").exists():   # swap accounting: no swapping past it
                (memory_dir / "memory.memsw.limit_in_bytes").write_text(str(memory))
            (pids_dir / "pids.max").write_text(str(processes))
            return
        (folder,) = cgroup.folders
        (folder / "memory.max").write_text(str(memory))
        if (folder / "memory.swap.max").exists():
            (folder / "memory.swap.max").write_text("0")
        (folder / "pids.max").write_text(str(processes))

    def close(self) -> None:
        """Remove this grader's folders (and the shared top folder when it is empty and ours to remove)."""
        for parent in self.parents:
            for folder in (parent, parent.parent):
                with contextlib.suppress(OSError):
                    folder.rmdir()


def _succeeds(action: Callable[[], object]) -> bool:
    """Whether `action` ran without an OSError (an optional step of the set-up)."""
    try:
        action()
    except OSError:
        return False
    return True


def _enable_controllers(folder: Path, cpu: bool) -> None:
    """v2: the memory and pids (and cpu) controllers for `folder`'s children."""
    control = folder / "cgroup.subtree_control"
    wanted = {"memory", "pids"} | ({"cpu"} if cpu else set())
    if not wanted <= set(control.read_text().split()):
        control.write_text(" ".join(f"+{name}" for name in sorted(wanted)))


def _remove_stale(top: Path) -> None:
    """Folders left by graders that were killed (SIGKILL leaves no chance to clean up)."""
    for parent in top.iterdir():
        if parent.is_dir() and parent.name.isdigit() and not Path(f"/proc/{parent.name}").exists():
            for folder in [*parent.iterdir(), parent]:
                if folder.is_dir():
                    with contextlib.suppress(OSError):
                        folder.rmdir()


class UnboundedProcesses(GraderError):
    """Root without a writable cgroup: nothing would bound a submission's processes."""


def unavailable() -> str:
    """'' when per-job cgroups work here; else the warning to show (stderr, results.json, report).

    As root there is no fallback: the job's user is root on the host, which no per-user process
    limit stops, so a fork bomb would take the machine; the grader refuses to start instead."""
    try:
        Cgroups.open().close()
    except OSError as error:
        reason = error.strerror or str(error)
        if os.geteuid() == 0:
            raise UnboundedProcesses(
                f"cnn-grade runs as root but cannot make its cgroups here ({reason}), and as root nothing else "
                "bounds a submission's processes. Make the cgroup file system writable (in a container: a "
                "private cgroup namespace with /sys/fs/cgroup mounted read-write), or run cnn-grade as an "
                "ordinary user (see docs/sandbox.md, 'What falls back').") from None
        return FALLBACK_WARNING.format(reason=reason, top=TOP)
    return ""
