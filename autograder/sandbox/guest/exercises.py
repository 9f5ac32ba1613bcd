"""The exercises' calls, in a child of the runner: one child for all of them, a new one only after a death.

Forking a child per exercise cost about as much as the student's code itself (a fork of the
runner, its copy-on-write faults and its exit, for every exercise).  So one child calls every
defined exercise in turn and sends each one's outcomes as a frame on its pipe as soon as it has
them; the runner forwards every whole frame and gives each exercise its own deadline from the
moment the one before it finished.  An exercise that ends its child (``os._exit``, a signal, the
memory limit) or runs past its deadline (the runner kills the child) costs that exercise alone:
the runner reports it, and a new child, forked from the runner's own state after the cells, goes
on with the exercises after it.

Time per exercise: wall time, ``exercise_seconds`` + 2, enforced by the runner with SIGKILL (and
an alarm in the child); CPU time, a soft limit of ``exercise_seconds`` + 1 set again before each
exercise, under a hard limit of the whole child's share (student code may raise the soft limit
up to that hard limit, never past it).  Imports only the stdlib, numpy and its siblings here.
"""
from __future__ import annotations

import contextlib
import os
import resource
import select
import signal
import time
from typing import Any

from . import protocol, wire
from .calls import call_case, with_helpers

MEMORY_WORDS = "memory limit"
EXIT_MEMORY = 3
EXIT_FAILED = 4
GRACE_SECONDS = 2.0      # beyond exercise_seconds: forking, sending the outcomes


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _call_all(names: list[str], job: dict[str, Any], namespace: dict[str, Any], out: int) -> None:
    """In the child: each exercise's calls on its cases, its outcomes sent as one frame."""
    seconds = max(1, int(job["limits"]["exercise_seconds"]) + 1)
    hard = int(_cpu_seconds()) + len(names) * seconds + 1
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    helpers: dict[str, Any] = {}
    if any(job["exercises"][name]["substitute"] for name in names):
        exec(compile(job["helper_source"], "<answer key helpers>", "exec"), helpers)
    for name in names:
        spec = job["exercises"][name]
        resource.setrlimit(resource.RLIMIT_CPU, (min(hard, int(_cpu_seconds()) + seconds), hard))
        signal.alarm(seconds + 1)
        bound = with_helpers(namespace[name], {helper: helpers[helper] for helper in spec["substitute"]})
        outcomes = []
        for args, kwargs in spec["cases"]:
            outcome = call_case(bound, args, kwargs)
            if (outcome.get("error") or {}).get("type") == "MemoryError":
                os._exit(EXIT_MEMORY)     # the remaining cases would hit the limit too
            outcomes.append(outcome)
        wire.write_frame(out, wire.pack({"kind": protocol.EXERCISE, "name": name, "status": protocol.DONE,
                                         "detail": "", "outcomes": outcomes}))


def _fork_child(names: list[str], job: dict[str, Any], namespace: dict[str, Any]) -> tuple[int, int]:
    """(the child's pid, the read end of its pipe)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(read_end)
            _call_all(names, job, namespace, write_end)
        except MemoryError:
            code = EXIT_MEMORY
        except BaseException:  # noqa: BLE001 - any failure here is reported by the exit code
            code = EXIT_FAILED
        os._exit(code)
    os.close(write_end)
    return pid, read_end


class _Frames:
    """The messages of the whole frames a child sent so far, each at most `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.data = max_bytes, bytearray()

    def add(self, chunk: bytes) -> None:
        self.data += chunk

    def too_large(self) -> bool:
        return len(self.data) >= 4 and int.from_bytes(self.data[:4], "little") > self.max_bytes

    def pop(self) -> bytes | None:
        if len(self.data) < 4 or self.too_large():
            return None
        end = 4 + int.from_bytes(self.data[:4], "little")
        if len(self.data) < end:
            return None
        message = bytes(self.data[4:end])
        del self.data[:end]
        return message


def _ended(status: int, killed: bool) -> tuple[str, str]:
    """How an exercise ended when its child did, from the child's wait status."""
    if killed or (os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGALRM)):
        return protocol.TIMEOUT, ""
    if os.WIFSIGNALED(status):
        return protocol.CRASHED, f"killed by signal {os.WTERMSIG(status)}"
    code = os.WEXITSTATUS(status)
    if code == EXIT_MEMORY:
        return protocol.MEMORY, f"went over the {MEMORY_WORDS}"
    if code != 0:
        return protocol.CRASHED, f"exit status {code}"
    return protocol.CRASHED, "it exited without sending its results"


def _supervise(names: list[str], job: dict[str, Any], namespace: dict[str, Any], channel: int,
               timings: dict[str, float]) -> list[str]:
    """Run one child on `names`; forward each whole frame as its exercise's answer.  Returns the
    exercises after the one the child did not finish (empty when it finished them all)."""
    limits = job["limits"]
    seconds, max_bytes = float(limits["exercise_seconds"]) + GRACE_SECONDS, int(limits["max_message_bytes"])
    pid, pipe = _fork_child(names, job, namespace)
    handle, frames, done, killed = os.pidfd_open(pid), _Frames(max_bytes), 0, False
    started = time.perf_counter()
    deadline = time.monotonic() + seconds
    os.set_blocking(pipe, False)
    try:
        while done < len(names):
            left = deadline - time.monotonic()
            if (left <= 0 or frames.too_large()) and not killed:
                os.kill(pid, signal.SIGKILL)
                killed = True
            ready = select.select([pipe, handle], [], [], None if killed else max(left, 0.0))[0]
            ended = handle in ready
            if pipe in ready or ended:
                frames.add(_drain(pipe, max_bytes + 4 - len(frames.data)))
            while done < len(names) and (message := frames.pop()) is not None:
                wire.write_frame(channel, message)
                timings[names[done]] = round(time.perf_counter() - started, 4)
                done += 1
                started, deadline = time.perf_counter(), time.monotonic() + seconds
            if ended:
                break
    finally:
        os.close(handle)
        os.close(pipe)
    with contextlib.suppress(ProcessLookupError):   # done, or ended: a child that lingers goes now
        os.kill(pid, signal.SIGKILL)
    status = os.waitpid(pid, 0)[1]
    if done == len(names):
        return []
    state, detail = _ended(status, killed)
    if frames.too_large():
        state, detail = protocol.CRASHED, f"its results are larger than {max_bytes} bytes"
    wire.write_frame(channel, wire.pack({"kind": protocol.EXERCISE, "name": names[done], "status": state,
                                         "detail": detail, "outcomes": None}))
    timings[names[done]] = round(time.perf_counter() - started, 4)
    return names[done + 1:]


def _drain(fd: int, room: int) -> bytes:
    """What the pipe holds now, up to `room` bytes (a child cannot make the runner hold more)."""
    chunks = []
    while room > 0:
        try:
            chunk = os.read(fd, min(1 << 16, room))
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
        room -= len(chunk)
    return b"".join(chunks)


def grade_exercises(job: dict[str, Any], namespace: dict[str, Any], channel: int, timings: dict[str, float]) -> None:
    """Every defined exercise's outcomes forwarded whole, or its end reported, in the job's order."""
    names = [name for name in job["exercises"] if callable(namespace.get(name))]
    while names:
        names = _supervise(names, job, namespace, channel, timings)
