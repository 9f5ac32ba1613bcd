"""The sandboxes of one batch: a slot per submission, a cgroup per job, everything stopped at the end.

With bubblewrap a slot holds a zygote (zygotes.py), kept for the next submission; a zygote that
fails is replaced and the job run again once in the new one.  Without it (`rlimit`) every job is a
fresh process (rlimit.py).  Either way each job runs in a cgroup of its own when the machine
offers one (cgroups.py).  `close` kills every sandbox process the batch started, removes its
cgroups and its scratch folder; it runs when the batch ends, on Ctrl-C or SIGTERM (the CLI turns
both into an exception, so every `finally` runs), and at interpreter exit.  `stop` alone kills
(from any thread), so that the threads of running jobs can end before the folders are removed.
"""
from __future__ import annotations

import atexit
import contextlib
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .cgroups import Cgroups, JobCgroup, unavailable
from .channel import JobEnd
from .launch import prepare_rlimit_folder
from .limits import Limits
from .rlimit import Runners, run_fresh
from .zygotes import Zygote, ZygoteFailed

ATTEMPTS = 2      # a zygote that fails is replaced once per job


class SandboxPool:
    """The batch's sandboxes of one kind ("bwrap" or "rlimit"); `slot` lends one to a submission."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._lock = threading.Lock()
        self._free: list[Zygote] = []
        self._zygotes: set[Zygote] = set()
        self.runners = Runners()
        self._folder: Path | None = None
        self._closed = False
        try:
            self.cgroups: Cgroups | None = Cgroups.open()
        except OSError:
            unavailable()            # as root: refuses, since nothing else would bound the processes
            self.cgroups = None
        atexit.register(self.close)

    @contextlib.contextmanager
    def slot(self) -> Iterator[Slot]:
        """A sandbox for one submission's jobs (run one after the other)."""
        slot = Slot(self)
        try:
            yield slot
        finally:
            slot.release()

    def start(self, count: int) -> None:
        """Start `count` zygotes at once (bwrap), so that the batch's first submissions do not wait
        for them one by one; one that fails to start is started again when a slot needs it.  Call it
        from a thread that outlives the batch (each zygote dies with the thread that started it)."""
        if self.kind != "bwrap":
            return
        starting = []
        with contextlib.suppress(ZygoteFailed):      # the grader is stopping
            starting += [self._new_zygote() for _ in range(count)]
        for zygote in starting:
            try:
                zygote.wait_started()
            except (ZygoteFailed, OSError, ValueError):
                self.retire(zygote)
            else:
                self.give_back(zygote)

    def take_zygote(self) -> Zygote:
        with self._lock:
            if self._closed:
                raise ZygoteFailed("the grader is stopping")
            if self._free:
                return self._free.pop()
        zygote = self._new_zygote()
        try:
            zygote.wait_started()
        except BaseException:
            self.retire(zygote)
            raise
        return zygote

    def _new_zygote(self) -> Zygote:
        zygote = Zygote(self.job_cgroup)
        with self._lock:
            self._zygotes.add(zygote)
            if not self._closed:
                return zygote
        zygote.stop()
        raise ZygoteFailed("the grader is stopping")

    def give_back(self, zygote: Zygote) -> None:
        with self._lock:
            if zygote.alive() and not self._closed:
                self._free.append(zygote)
                return
            self._zygotes.discard(zygote)
        zygote.stop()

    def retire(self, zygote: Zygote) -> None:
        with self._lock:
            self._zygotes.discard(zygote)
        zygote.stop()

    def rlimit_folder(self) -> Path:
        with self._lock:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="cnn-grade-rlimit-"))
                prepare_rlimit_folder(self._folder)
            return self._folder

    @contextlib.contextmanager
    def job_cgroup(self, limits: Limits) -> Iterator[JobCgroup | None]:
        if self.cgroups is None:
            yield None
            return
        with self.cgroups.job(limits.memory_mb, limits.processes) as cgroup:
            yield cgroup

    def stop(self) -> None:
        """Kill every sandbox process of the batch: running jobs end at once (safe from any thread)."""
        with self._lock:
            self._closed = True
            free, self._free = self._free, []
            busy = [zygote for zygote in self._zygotes if zygote not in free]
            self._zygotes -= set(free)
        for zygote in busy:           # their slots' threads see their jobs end, and stop them
            zygote.kill()
        self.runners.stop()
        for zygote in free:
            zygote.stop()

    def close(self) -> None:
        """`stop`, then remove the batch's cgroups and scratch folder (once no slot is in use)."""
        self.stop()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        if self.cgroups is not None:
            self.cgroups.close()
        atexit.unregister(self.close)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Slot:
    """One submission's sandbox: its jobs run one after another, in the same zygote when there is one."""

    def __init__(self, pool: SandboxPool) -> None:
        self.pool = pool
        self.kind = pool.kind
        self.zygote: Zygote | None = None

    def run(self, job: bytes, limits: Limits, seconds: float) -> tuple[JobEnd, str | None]:
        """(how the job ended, the failure of a sandbox replaced on the way or None)."""
        if self.kind != "bwrap":
            with self.pool.job_cgroup(limits) as cgroup:
                end = run_fresh(self.pool.rlimit_folder(), job, time.monotonic() + seconds,
                                limits.answer_bytes, cgroup, self.pool.runners)
                end.oom_kills = cgroup.oom_kills() if cgroup else 0
            return end, None
        failures: list[str] = []
        for _ in range(ATTEMPTS):
            try:
                if self.zygote is None:
                    self.zygote = self.pool.take_zygote()
                return self.zygote.run(job, time.monotonic() + seconds, limits), failures[0] if failures else None
            except (ZygoteFailed, OSError, ValueError, subprocess.SubprocessError) as error:
                failures.append(str(error) if isinstance(error, ZygoteFailed) else f"{type(error).__name__}: {error}")
                if self.zygote is not None:
                    self.pool.retire(self.zygote)
                    self.zygote = None
        return JobEnd(failure=f"the sandbox failed: {failures[-1]}"), failures[0]

    def release(self) -> None:
        if self.zygote is not None:
            self.pool.give_back(self.zygote)
            self.zygote = None
