"""A fork server inside one long-lived bubblewrap sandbox: Python, numpy and matplotlib start once.

Started by autograder.sandbox.zygotes with its control socket (a SOCK_SEQPACKET the host owns)
as the only descriptor besides /dev/null.  One job at a time:

  host -> zygote  {"op": "job", "id": n, "tmp_mb": int}  with SCM_RIGHTS [job socket, output pipe]
                  {"op": "check", "id": n}  while job n's box waits for its job: is the zygote unchanged?
  zygote -> host  {"ready": true} once, at start
                  {"id": n, "unchanged": true}  the answer to a check
                  {"id": n, "status": wait status}  when the job's monitor ended
                  {"id": n, "retire": what changed}  instead, when the zygote's own state changed
                                                      (it then exits; the host starts another)

Per job it forks a monitor that builds a fresh box below it (guest/jobbox.py: new namespaces,
a sized /tmp and /dev/shm, a proc of the job's own) and the job's init inside it, which runs
the runner (guest/runner.py) on the job socket.  The job sees neither the zygote nor its
control socket nor any other job, and nothing it does changes the zygote; still, before it builds
a box, and again when the host asks right before the box's job starts (the host builds the next
box while it checks the last job's results), the zygote compares its own resource limits,
priority and CPU affinity with those it started with and retires if any differs.  It is not
dumpable (no ptrace, no /proc/<pid>/mem).
"""
from __future__ import annotations

import array
import fcntl
import gc
import json
import os
import resource
import select
import signal
import socket
import sys
import traceback
from typing import Any

from . import jobbox, runner
from .seccomp import Filter

EXIT_SETUP_FAILED = 70
MAX_REQUEST_BYTES = 4096


def own_state() -> dict[str, object]:
    """What a job could try to change of the zygote to reach the next one: its limits, priority, CPUs."""
    limits = {name: resource.getrlimit(getattr(resource, name)) for name in dir(resource) if name.startswith("RLIMIT_")}
    return {"rlimits": limits, "nice": os.getpriority(os.PRIO_PROCESS, 0),
            "affinity": sorted(os.sched_getaffinity(0))}


def _changed(start: dict[str, object]) -> str:
    now = own_state()
    return ", ".join(f"{key} {start[key]} -> {now[key]}" for key in start if now[key] != start[key])


def _exit_code(status: int) -> int:
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def _job_init(seccomp: Filter, last_cap: int) -> None:
    """PID 1 of the job's namespaces: finish the box, wait for the host's go, run the runner. Never returns."""
    jobbox.prctl(jobbox.PR_SET_PDEATHSIG, signal.SIGKILL)
    os.setsid()       # out of the zygote's session and process group (kill(0, ...), PRIO_PGRP)
    jobbox.mount_proc()
    jobbox.own_fds(jobbox.JOB_FD, jobbox.JOB_FD + 1)
    jobbox.drop_privileges(last_cap)
    seccomp.install()
    channel = socket.socket(fileno=jobbox.JOB_FD)
    jobbox.send_ready(channel)
    if channel.recv(2, socket.MSG_WAITALL) != b"go":
        os._exit(EXIT_SETUP_FAILED)
    child = os.fork()
    if child == 0:
        code = 1
        try:
            code = runner.main(jobbox.JOB_FD)
        except BaseException:  # noqa: BLE001 - reported like a fresh interpreter would: traceback, status 1
            traceback.print_exc()
        finally:
            os._exit(code)   # never back into this loop, whatever student code left behind
    channel.close()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)
    os.dup2(null, 2)
    jobbox.prctl(jobbox.PR_SET_DUMPABLE, 0)
    while True:   # reap every orphan; leave with the runner's status (the namespace ends with us)
        pid, status = os.wait()
        if pid == child:
            os._exit(_exit_code(status))


def _monitor(request: dict[str, Any], job_fd: int, output_fd: int, zygote: int, seccomp: Filter, last_cap: int) -> None:
    """The job's monitor, in the zygote's namespaces: build the box, fork its init, wait. Never returns."""
    try:
        jobbox.prctl(jobbox.PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != zygote:
            os._exit(EXIT_SETUP_FAILED)
        jobbox.prctl(jobbox.PR_SET_DUMPABLE, 1)    # its own /proc/self (uid_map) belongs to it again
        high_job, high_output = (fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in (job_fd, output_fd))
        os.dup2(high_job, jobbox.JOB_FD)
        os.dup2(high_output, jobbox.JOB_FD + 1)
        jobbox.libc.close_range(jobbox.JOB_FD + 2, 0xFFFFFFFF, 0)   # the control socket above all
        os.dup2(jobbox.JOB_FD + 1, 2)
        uid, gid = jobbox.enter_namespaces()
        jobbox.map_ids(uid, gid)
        tmp_mb = int(request["tmp_mb"])
        jobbox.mount_private_areas(tmp_mb * 2**20, inodes=max(1024, tmp_mb * 256))
        init = os.fork()
        if init == 0:
            _job_init(seccomp, last_cap)
        os.closerange(0, jobbox.JOB_FD + 2)
        os._exit(_exit_code(os.waitpid(init, 0)[1]))
    except BaseException as error:  # noqa: BLE001 - the host reads this line as the reason
        os.write(2, f"sandbox setup failed: {type(error).__name__}: {error}\n".encode(errors="replace"))
        os._exit(EXIT_SETUP_FAILED)


def _receive(control: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    fds = array.array("i")
    data, ancillary, _, _ = control.recvmsg(MAX_REQUEST_BYTES, socket.CMSG_SPACE(2 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    return (json.loads(data) if data else None), list(fds)


def _warm_up() -> None:
    """What every job would otherwise pay again: numpy and matplotlib imported, pyplot's backend
    loaded (on its first figure, which is closed again), and every object made so far frozen out
    of the cyclic garbage collector, whose passes would otherwise touch, and so copy, the
    inherited pages in every job."""
    import numpy  # noqa: F401 - imported for its cost, not its name
    try:
        import matplotlib.pyplot
    except ImportError:
        pass
    else:
        matplotlib.pyplot.close(matplotlib.pyplot.figure())
    gc.collect()
    gc.freeze()


def _retire(control: socket.socket, request: dict[str, Any], why: str, fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)
    control.send(json.dumps({"id": request.get("id"), "retire": why}).encode())


def _await_job(control: socket.socket, request: dict[str, Any], monitor: int, start: dict[str, object]) -> bool:
    """Until the job's monitor ends (then its status is sent), answer the host's checks: the host
    may build a job's box ahead of its job and asks, right before the job starts, whether this
    zygote is unchanged.  False when the zygote must stop (it changed, or the host left)."""
    handle = os.pidfd_open(monitor)
    waiting: list[socket.socket | int] = [control, handle]
    try:
        while control in select.select(waiting, [], [])[0]:     # else the monitor ended
            check, fds = _receive(control)
            if check is None:
                return False
            changed = _changed(start)
            if changed or fds or check.get("op") != "check":
                _retire(control, check, changed or "bad request", fds)
                return False
            control.send(json.dumps({"id": check.get("id"), "unchanged": True}).encode())
    finally:
        os.close(handle)
    control.send(json.dumps({"id": request["id"], "status": os.waitpid(monitor, 0)[1]}).encode())
    return True


def main(control_fd: int) -> int:
    """Serve jobs until the host closes the control socket or the zygote's state changes."""
    jobbox.prctl(jobbox.PR_SET_DUMPABLE, 0)
    _warm_up()
    control = socket.socket(fileno=control_fd)
    seccomp, last_cap, start, me = Filter(), jobbox.last_capability(), own_state(), os.getpid()
    control.send(json.dumps({"ready": True}).encode())
    while True:
        request, fds = _receive(control)
        if request is None:
            return 0
        changed = _changed(start)
        if changed or len(fds) != 2 or request.get("op") != "job":
            _retire(control, request, changed or "bad request", fds)
            return 0
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _monitor(request, fds[0], fds[1], me, seccomp, last_cap)
        for fd in fds:
            os.close(fd)
        if not _await_job(control, request, pid, start):
            return 0
