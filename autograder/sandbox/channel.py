"""The host's end of one job: send the job, read the answer, bounded in bytes and in time.

The job's socket and output pipe are created by the host and handed to the job; nothing else
connects the two.  The answer is collected up to `max_bytes` (the job is stopped beyond that) and
the output only as a short tail, and both until the job's processes are gone (end of file on both)
or the deadline, when the job is killed.  When the job's main process ends, whatever it left
running is killed too (a leftover holding the socket would otherwise keep it open).  Nothing is
decoded here (see readback).
"""
from __future__ import annotations

import contextlib
import os
import select
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

OUTPUT_TAIL = 2000
AFTER_KILL_SECONDS = 5.0     # for the end of file once a stopped job's processes are gone
CHUNK = 1 << 16


@dataclass
class JobEnd:
    """How a job ended, as the host saw it (undecoded)."""

    answer: bytes = b""
    output: str = ""             # the tail of what the job wrote on stdout/stderr
    timed_out: bool = False
    too_large: bool = False      # it sent more than the host accepts and was stopped
    status: int | None = None    # the runner's exit code (negative: killed by that signal), when known
    oom_kills: int = 0           # processes the job's cgroup killed for memory
    failure: str = ""            # the sandbox itself failed (not the submission)


def exchange(channel: socket.socket, output: int, job: bytes, deadline: float, max_bytes: int,
             main: int, kill: Callable[[], None]) -> JobEnd:
    """Write `job` to the channel (then shut our sending side), read the answer and the output.

    main -- a pidfd of the job's main process (readable once it has ended)
    kill -- kills every process of the job
    """
    channel.setblocking(False)
    os.set_blocking(output, False)
    end, answer, tail = JobEnd(), bytearray(), bytearray()
    pending, killed_at = memoryview(job), None
    reading = {channel.fileno(), output, main}

    def stop(now: float) -> None:
        nonlocal killed_at
        if killed_at is None:
            killed_at = now
            kill()

    while reading - {main}:
        now = time.monotonic()
        if now >= deadline and not (end.timed_out or killed_at):
            end.timed_out = True
            stop(now)
        if killed_at is not None and now > killed_at + AFTER_KILL_SECONDS:
            break
        wait = (deadline - now) if killed_at is None else killed_at + AFTER_KILL_SECONDS - now
        readable, writable, _ = select.select(list(reading), [channel] if pending else [], [], max(wait, 0.0))
        if writable:
            pending = _send(channel, pending)
        if main in readable:      # the job is over: what it left running goes too (its answer is sent)
            reading.discard(main)
            stop(time.monotonic())
        for fd in set(readable) - {main}:
            chunk = _read(channel, fd, output)
            if chunk is None:
                continue
            if not chunk:
                reading.discard(fd)
            elif fd == output:
                tail = (tail + chunk)[-OUTPUT_TAIL:]
            elif not (end.timed_out or end.too_large):
                answer += chunk
                if len(answer) > max_bytes:
                    end.too_large = True
                    stop(time.monotonic())
    end.answer = bytes(answer[:max_bytes])
    end.output = tail.decode("utf-8", "replace")
    return end


def _send(channel: socket.socket, pending: memoryview) -> memoryview:
    try:
        pending = pending[channel.send(pending):]
    except (BlockingIOError, InterruptedError):
        return pending
    except OSError:                    # the job is gone: nobody reads any more
        return memoryview(b"")
    if not pending:
        with contextlib.suppress(OSError):
            channel.shutdown(socket.SHUT_WR)
    return pending


def _read(channel: socket.socket, fd: int, output: int) -> bytes | None:
    """A chunk, b"" at the end (or when the job is gone), None when there is nothing after all."""
    try:
        return os.read(output, CHUNK) if fd == output else channel.recv(CHUNK)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return b""
