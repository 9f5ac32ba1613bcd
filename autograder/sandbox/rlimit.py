"""The fallback sandbox without bubblewrap: the runner in a fresh process per job, limits only.

It runs in its own session and working folder, with resource limits set by the runner itself;
the job travels on a socket as under bubblewrap (no job or result files).  It cannot hide the
file system or the network, and a process that leaves its session outlives the job unless the
job's cgroup lists it; the grader warns whenever this sandbox is used.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

from .cgroups import JobCgroup
from .channel import JobEnd, exchange
from .launch import environment, runner_command


class Runners:
    """The runner processes of a batch, so that stopping the batch kills them all: also one started
    while it stops (a submission's next job), which would otherwise run to its own time limit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopped = False

    def add(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.add(process)
            stopped = self._stopped
        if stopped:
            _kill_session(process)

    def discard(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.discard(process)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            running = list(self._running)
        for process in running:      # its session: the runner and what it started there
            _kill_session(process)


def _kill_session(process: subprocess.Popen[bytes]) -> None:
    if process.returncode is None:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)


def run_fresh(folder: Path, job: bytes, deadline: float, max_bytes: int, cgroup: JobCgroup | None,
              started: Runners) -> JobEnd:
    """One job in a fresh runner process; `folder` as prepared by launch.prepare_rlimit_folder.

    `started` holds the process while it runs, so that whoever stops the batch can kill it."""
    home = Path(tempfile.mkdtemp(prefix="job-", dir=folder))
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    output, output_theirs = os.pipe()
    try:
        try:
            process = subprocess.Popen(
                runner_command(folder, theirs.fileno()), env=environment(str(home), str(folder / "matplotlib")),
                cwd=home, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=output_theirs,
                stderr=output_theirs, start_new_session=True)
        finally:
            theirs.close()
            os.close(output_theirs)
        started.add(process)

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            if cgroup is not None:
                cgroup.kill_all()

        main = os.pidfd_open(process.pid)
        try:
            if cgroup is not None:   # before the job is sent: no student code runs outside it
                cgroup.add(process.pid)
            end = exchange(ours, output, job, deadline, max_bytes, main, kill)
        finally:
            os.close(main)
            kill()    # whatever the job left running in its session (and, with a cgroup, anywhere)
            process.wait()
            started.discard(process)
        end.status = process.returncode
        return end
    finally:
        ours.close()
        os.close(output)
        shutil.rmtree(home, ignore_errors=True)
