"""A fork server inside one long-lived sandbox: pay Python's start and numpy/matplotlib's import once.

Started by autograder.grading.zygote_pool in the same bubblewrap sandbox a single submission
gets, with the worker's job folder bound where a lone runner finds its own.  It loops on stdin,
one JSON line per job: {"seconds": wall budget}.  For each it forks a child that runs
`runner.main` on the job folder exactly as a fresh sandbox would (the memory limit and the alarms
are set there, in the child), waits for it up to the budget, then — before answering — kills
every other process in the sandbox's PID namespace and empties /tmp, so nothing a submission
started or wrote reaches the next one.  Answer on stdout, one JSON line: {"returncode": n,
"stderr": tail} (negative: killed by signal -n) or {"timed_out": true}, with "dirty": true when
the job changed anything else of the sandbox (its files outside /tmp, System V IPC): the grader
then retires this server rather than let the change reach the next job.

The server itself is not dumpable (prctl), so student code can neither ptrace it nor read its
memory through /proc, and the child holds no end of the grader's pipes.
"""
from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import stat
import sys
import time
import traceback

from . import runner

PR_SET_DUMPABLE = 4
SANDBOX_TMP = "/tmp"
INIT_PID = 1                 # bubblewrap's own init: the namespace ends with it
SETTLE_SECONDS = 5.0         # how long killed processes may take to vanish before the server gives up


def _not_dumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def _run_child(job_dir: str) -> None:
    """In the forked child: the grader's pipes become /dev/null, stderr a file, then the runner."""
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        stderr = os.open(os.path.join(SANDBOX_TMP, "runner.stderr"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(stderr, 2)
        os.close(devnull)
        os.close(stderr)
        code = runner.main(job_dir)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported like a fresh interpreter would: traceback, status 1
        traceback.print_exc()
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)   # never back into the server's loop, whatever student code left behind


def _wait(pid: int, seconds: float) -> dict[str, object]:
    """The child's status as {"returncode": n}, or SIGKILL and {"timed_out": True} after `seconds`."""
    handle = os.pidfd_open(pid)
    try:
        if not select.select([handle], [], [], seconds)[0]:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"timed_out": True}
    finally:
        os.close(handle)
    return {"returncode": os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}


def _others() -> list[int]:
    spared = {INIT_PID, os.getpid()}
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) not in spared]


def kill_others() -> None:
    """SIGKILL every process of the namespace but init and this one, until none is left.

    Repeated because a process may fork between the listing and the kill; orphans are reaped by
    bubblewrap's init, this server's own children here.
    """
    deadline = time.monotonic() + SETTLE_SECONDS
    while others := _others():
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes {others} survived SIGKILL")
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        time.sleep(0.001)


def _remove(path: str) -> None:
    """Delete a file or a tree; student code may have taken its own permissions away (and we have no caps)."""
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, stat.S_IRWXU)
        for name in os.listdir(path):
            _remove(os.path.join(path, name))
        os.rmdir(path)
    else:
        os.unlink(path)


def wipe_tmp() -> None:
    os.chmod(SANDBOX_TMP, 0o1777)
    for name in os.listdir(SANDBOX_TMP):
        _remove(os.path.join(SANDBOX_TMP, name))


def _walk(path: str, device: int, seen: list) -> None:
    for entry in sorted(os.scandir(path), key=lambda e: e.name):
        info = entry.stat(follow_symlinks=False)
        target = os.readlink(entry.path) if entry.is_symlink() else None
        changed = info.st_mtime_ns if stat.S_ISREG(info.st_mode) else 0
        seen.append((entry.path, info.st_mode, info.st_uid, info.st_gid, info.st_rdev, target, changed))
        if entry.is_dir(follow_symlinks=False) and info.st_dev == device:
            _walk(entry.path, device, seen)


def sandbox_state() -> list:
    """Everything a process could change outside /tmp and the job folder: the sandbox's own
    file systems (/ and /dev, mount points included, not what is mounted on them) and System V IPC."""
    seen: list = []
    for top in ("/", "/dev"):
        _walk(top, os.stat(top).st_dev, seen)
    for kind in ("shm", "sem", "msg"):
        with open(f"/proc/sysvipc/{kind}") as table:
            seen.append(table.read())
    return seen


def _serve_one(job_dir: str, seconds: float, clean: list) -> dict[str, object]:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _run_child(job_dir)
    status = _wait(pid, seconds)
    kill_others()
    if "returncode" in status and status["returncode"] != 0:
        status["stderr"] = _tail(os.path.join(SANDBOX_TMP, "runner.stderr"))
    wipe_tmp()
    # Anything else left behind would reach the next job: this server retires, the grader starts another.
    status["dirty"] = sandbox_state() != clean
    return status


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as file:
            file.seek(max(0, os.fstat(file.fileno()).st_size - 500))
            return file.read().decode(errors="replace")
    except OSError:
        return ""


def main(job_dir: str) -> int:
    """Serve jobs from stdin until it closes; any failure of the server itself ends it (the grader restarts it)."""
    _not_dumpable()
    import numpy  # noqa: F401 - imported once here, inherited by every child
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        pass
    wipe_tmp()
    clean = sandbox_state()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(_serve_one(job_dir, float(request["seconds"]), clean)), flush=True)
    return 0
