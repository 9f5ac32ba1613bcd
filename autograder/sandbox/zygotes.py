"""Long-lived bubblewrap sandboxes that fork a fresh box per job (guest/zygote.py): the host's side.

Starting Python and importing numpy and matplotlib is most of what a fresh sandbox costs; a
zygote pays it once per grading slot.  Per job the host creates the job's socket and output
pipe and hands them to the zygote with the request; the zygote builds the job's box and its
init answers "ready" with SCM_CREDENTIALS, so the kernel tells the host the init's PID (nothing
the job says is believed: the runner has not started yet).  The host opens a pidfd on it, puts it
into the job's cgroup and says "go"; from then on the job's socket is the only way back.  On
the deadline the host kills the init through the pidfd, which ends the job's PID namespace.

The control socket is the zygote's only descriptor; no job holds it or can see the zygote.  A
zygote that dies, stops answering, or retires (its own state changed) makes `run` return None:
the caller replaces it and runs the job again in the new one (nothing is lost).
"""
from __future__ import annotations

import array
import contextlib
import itertools
import json
import os
import select
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

from .cgroups import JobCgroup
from .channel import JobEnd, exchange
from .launch import environment, zygote_command

START_SECONDS = 120.0    # importing numpy and matplotlib (and its font list) on a busy machine
READY_SECONDS = 30.0     # building one job's box
STATUS_SECONDS = 10.0    # for the zygote's word on a job whose processes are gone
MAX_CONTROL_BYTES = 4096
CREDENTIALS = struct.Struct("iII")


class ZygoteFailed(Exception):
    """The zygote, not the job, failed: replace it and run the job again."""


class Zygote:
    """A running zygote: its bubblewrap process and the control socket."""

    def __init__(self) -> None:
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._ids = itertools.count(1)
        try:
            self.process = subprocess.Popen(
                zygote_command(theirs.fileno()), env=environment("/tmp", "/tmp/matplotlib"), pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        finally:
            theirs.close()
        try:
            if self._message(START_SECONDS) != {"ready": True}:
                raise ZygoteFailed("the zygote did not start")
        except BaseException:
            self.stop()
            raise

    def alive(self) -> bool:
        return self.process.poll() is None

    def run(self, job: bytes, deadline: float, max_bytes: int, tmp_mb: int, cgroup: JobCgroup | None) -> JobEnd:
        """One job in a fresh box; raises ZygoteFailed when the zygote (not the job) failed."""
        number = next(self._ids)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        output, output_theirs = os.pipe()
        try:
            ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            request = json.dumps({"op": "job", "id": number, "tmp_mb": tmp_mb}).encode()
            try:
                self.control.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                                   array.array("i", [theirs.fileno(), output_theirs]))])
            except OSError as error:
                raise ZygoteFailed(f"the zygote is gone ({error})") from None
            finally:   # the job holds them now: the end of file comes when its processes are gone
                theirs.close()
                os.close(output_theirs)
            pid = self._ready(ours, number, output)
            handle = os.pidfd_open(pid)
            try:
                if cgroup is not None:
                    cgroup.add(pid)
                ours.sendall(b"go")
                end = exchange(ours, output, job, deadline, max_bytes, handle, kill=lambda: _kill(handle))
            finally:
                os.close(handle)
            end.status = self._status(number)
            return end
        finally:
            ours.close()
            os.close(output)

    def _ready(self, ours: socket.socket, number: int, output: int) -> int:
        """The host PID of the job's init, from the kernel's translation of its credentials."""
        if not select.select([ours], [], [], READY_SECONDS)[0]:
            raise ZygoteFailed("the job's box was not ready in time")
        data, ancillary, _, _ = ours.recvmsg(16, socket.CMSG_SPACE(CREDENTIALS.size))
        for level, kind, payload in ancillary:
            if data == b"ready" and level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = CREDENTIALS.unpack(payload[:CREDENTIALS.size])[0]
                if _is_job_init(pid):
                    return pid
        self._status(number)
        raise ZygoteFailed(f"the job's box could not be built: {_tail(output)}")

    def _status(self, number: int) -> int:
        """The runner's exit code, as the zygote saw the job's monitor end."""
        answer = self._message(STATUS_SECONDS)
        if answer.get("id") != number or not isinstance(answer.get("status"), int):
            raise ZygoteFailed(f"the zygote answered {str(answer)[:100]}")
        return os.waitstatus_to_exitcode(answer["status"])

    def _message(self, seconds: float) -> dict:
        if not select.select([self.control], [], [], seconds)[0]:
            raise ZygoteFailed("the zygote did not answer in time")
        data = self.control.recv(MAX_CONTROL_BYTES)
        if not data:
            raise ZygoteFailed("the zygote stopped")
        answer = json.loads(data)
        if not isinstance(answer, dict) or "retire" in answer:
            raise ZygoteFailed(f"the zygote retired: {answer.get('retire') if isinstance(answer, dict) else answer}")
        return answer

    def kill(self) -> None:
        """SIGKILL the whole sandbox (safe from any thread; its owner still calls `stop`)."""
        if self.process.returncode is None:      # not reaped yet: its process group is still its own
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        """Kill its sandbox (jobs and all: nothing there needs an orderly end) and close the control socket."""
        self.kill()
        self.process.wait()
        self.control.close()


def _kill(handle: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        signal.pidfd_send_signal(handle, signal.SIGKILL)


def _is_job_init(pid: int) -> bool:
    """PID 1 of a namespace two levels below ours (bubblewrap's, then the job's)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    nspid = next((line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:")), [])
    return len(nspid) == 3 and nspid[-1] == "1"


def _tail(output: int) -> str:
    os.set_blocking(output, False)
    with contextlib.suppress(OSError):
        return os.read(output, 2000).decode("utf-8", "replace").strip()
    return ""

