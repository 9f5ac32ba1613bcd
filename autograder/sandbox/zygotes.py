"""Long-lived bubblewrap sandboxes that fork a fresh box per job (guest/zygote.py): the host's side.

Starting Python and importing numpy and matplotlib is most of what a fresh sandbox costs; a
zygote pays it once per grading slot.  Per job the host creates the job's socket and output
pipe and hands them to the zygote with the request; the zygote builds the job's box and its
init answers "ready" with SCM_CREDENTIALS, so the kernel tells the host the init's PID (nothing
the job says is believed: the runner has not started yet).  The host opens a pidfd on it and puts
it into the job's cgroup; the box then waits (it is built right after the previous job, ahead of
its own).  Right before the job the host asks the zygote whether it is unchanged, then says "go"
to the init; from then on the job's socket is the only way back.  On the deadline the host kills
the init through the pidfd, which ends the job's PID namespace.

The control socket is the zygote's only descriptor; no job holds it or can see the zygote.  A
zygote that dies, stops answering, or retires (its own state changed) makes `run` raise
ZygoteFailed: the caller replaces it and runs the job again in the new one (nothing is lost).
"""
from __future__ import annotations

import array
import concurrent.futures
import contextlib
import itertools
import json
import os
import select
import signal
import socket
import struct
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cgroups import JobCgroup
from .channel import JobEnd, exchange
from .launch import environment, zygote_command
from .limits import Limits

START_SECONDS = 120.0    # importing numpy and matplotlib (and its font list) on a busy machine
READY_SECONDS = 30.0     # building one job's box
STATUS_SECONDS = 10.0    # for the zygote's word on a job whose processes are gone
MAX_CONTROL_BYTES = 4096
CREDENTIALS = struct.Struct("iII")


class ZygoteFailed(Exception):
    """The zygote, not the job, failed: replace it and run the job again."""


@dataclass
class _Box:
    """A job's box, built and in its own cgroup, its init waiting for the host's go."""

    number: int
    limits: Limits
    ours: socket.socket            # the job's socket
    output: int                    # the read end of the job's output pipe
    cgroups: contextlib.ExitStack  # the job's cgroup, removed (its processes killed) on close
    cgroup: JobCgroup | None = None
    handle: int = -1               # a pidfd of the init

    def close(self) -> None:
        if self.handle >= 0:
            os.close(self.handle)
        self.ours.close()
        os.close(self.output)
        self.cgroups.close()


class Zygote:
    """A running zygote: its bubblewrap process and the control socket.

    Started in the constructor, ready after `wait_started`.  bubblewrap dies with the thread that
    started it (--die-with-parent), so a zygote is started by a thread that outlives the batch.
    `job_cgroup(limits)` gives a job's cgroup (a context manager, None where there is none).  After
    each job the next job's box is built at once, in a thread (the zygote builds it, the thread
    waits for its init and moves it into its cgroup: a write the kernel makes wait for an RCU grace
    period), so that the next job finds it ready while the grader checks this one's results."""

    def __init__(self, job_cgroup: Callable[[Limits], contextlib.AbstractContextManager[JobCgroup | None]]) -> None:
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._ids = itertools.count(1)
        self._job_cgroup = job_cgroup
        self._builder = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="box")
        self._spare: concurrent.futures.Future[_Box] | None = None
        try:
            self.process = subprocess.Popen(
                zygote_command(theirs.fileno()), env=environment("/tmp", "/tmp/matplotlib"), pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        finally:
            theirs.close()

    def wait_started(self) -> None:
        """Until it has imported what it needs; ZygoteFailed when it does not start."""
        if self._message(START_SECONDS) != {"ready": True}:
            raise ZygoteFailed("the zygote did not start")

    def alive(self) -> bool:
        return self.process.poll() is None

    def run(self, job: bytes, deadline: float, limits: Limits) -> JobEnd:
        """One job in a fresh box; raises ZygoteFailed when the zygote (not the job) failed."""
        box = self._take(limits)
        try:
            self._ask(box.number)
            box.ours.sendall(b"go")
            end = exchange(box.ours, box.output, job, deadline, limits.answer_bytes, box.handle,
                           kill=lambda: _kill(box.handle))
            end.status = self._status(box.number)
            end.oom_kills = box.cgroup.oom_kills() if box.cgroup else 0
        finally:
            box.close()
        self._spare = self._prepare(limits)
        return end

    def _prepare(self, limits: Limits) -> concurrent.futures.Future[_Box] | None:
        """The next job's box, built in the background; None when the zygote is gone (the next job
        finds that out and is run in another, while this job's answer stands)."""
        try:
            return self._builder.submit(self._finish, *self._request(limits))
        except ZygoteFailed:
            return None

    def _take(self, limits: Limits) -> _Box:
        """The box built after the last job, if it has these limits, else one built now."""
        spare, self._spare = self._spare, None
        if spare is not None:
            box = spare.result()
            if box.limits == limits:
                return box
            box.close()                 # its init gives up without a go
            self._status(box.number)
        return self._finish(*self._request(limits))

    def _request(self, limits: Limits) -> tuple[int, Limits, socket.socket, int]:
        """Ask the zygote for a box; (its number, the limits, the job's socket, the output pipe)."""
        number = next(self._ids)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        output, output_theirs = os.pipe()
        try:
            ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            request = json.dumps({"op": "job", "id": number, "tmp_mb": limits.tmp_mb}).encode()
            self.control.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                               array.array("i", [theirs.fileno(), output_theirs]))])
        except OSError as error:
            ours.close()
            os.close(output)
            raise ZygoteFailed(f"the zygote is gone ({error})") from None
        finally:   # the job holds them now: the end of file comes when its processes are gone
            theirs.close()
            os.close(output_theirs)
        return number, limits, ours, output

    def _finish(self, number: int, limits: Limits, ours: socket.socket, output: int) -> _Box:
        """The box once its init is ready and in the job's cgroup."""
        box = _Box(number, limits, ours, output, contextlib.ExitStack())
        try:
            pid = self._ready(ours, number, output)
            box.handle = os.pidfd_open(pid)
            box.cgroup = box.cgroups.enter_context(self._job_cgroup(limits))
            if box.cgroup is not None:
                box.cgroup.add(pid)
        except BaseException:
            box.close()
            raise
        return box

    def _ready(self, ours: socket.socket, number: int, output: int) -> int:
        """The host PID of the job's init, from the kernel's translation of its credentials."""
        if not select.select([ours], [], [], READY_SECONDS)[0]:
            raise ZygoteFailed("the job's box was not ready in time")
        data, ancillary, _, _ = ours.recvmsg(16, socket.CMSG_SPACE(CREDENTIALS.size))
        for level, kind, payload in ancillary:
            if data == b"ready" and level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid: int = CREDENTIALS.unpack(payload[:CREDENTIALS.size])[0]
                if _is_job_init(pid):
                    return pid
        self._status(number)
        raise ZygoteFailed(f"the job's box could not be built: {_tail(output)}")

    def _ask(self, number: int) -> None:
        """Right before a job starts: the zygote is unchanged (else it retires: ZygoteFailed)."""
        self.control.send(json.dumps({"op": "check", "id": number}).encode())
        answer = self._message(STATUS_SECONDS)
        if answer != {"id": number, "unchanged": True}:
            raise ZygoteFailed(f"the zygote answered {str(answer)[:100]}")

    def _status(self, number: int) -> int:
        """The runner's exit code, as the zygote saw the job's monitor end."""
        answer = self._message(STATUS_SECONDS)
        if answer.get("id") != number or not isinstance(answer.get("status"), int):
            raise ZygoteFailed(f"the zygote answered {str(answer)[:100]}")
        return os.waitstatus_to_exitcode(answer["status"])

    def _message(self, seconds: float) -> dict[str, Any]:
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
        """Kill its sandbox (jobs and all: nothing there needs an orderly end), then, once the box
        being built is given up (its thread sees the sandbox gone), close the box and the control socket."""
        self.kill()
        self.process.wait()
        self._builder.shutdown(wait=True)
        if self._spare is not None and self._spare.exception() is None:
            self._spare.result().close()
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

