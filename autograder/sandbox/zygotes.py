"""Long-lived bubblewrap sandboxes that fork a runner per submission (guest/zygote.py), one per grading slot.

Starting Python and importing numpy and matplotlib is most of what a fresh sandbox costs; a
zygote pays it once per slot.  It runs in the sandbox a lone runner gets (same command line,
launch.runner_command), with the zygote's own job folder bound where the runner finds its job;
the grader puts exactly one job in that folder at a time and empties it after.  Between jobs
the zygote kills every process left in its PID namespace and empties /tmp.  A zygote that dies
or does not answer in time is killed, and `Zygote.run` returns None so the caller grades that
submission in a fresh sandbox instead (nothing is lost); the pool starts a new one next time.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from .launch import MPLCONFIG, environment, matplotlib_cache, runner_command
from .limits import Limits

START_SECONDS = 120.0    # importing numpy and matplotlib on a busy machine
ANSWER_MARGIN = 15.0     # beyond the job's own budget: killing leftovers and emptying /tmp
MAX_ANSWER_BYTES = 2**16


class Zygote:
    """A running zygote, its job folder (bound at the sandbox's job folder) and its pipes."""

    def __init__(self, tmp_mb: int) -> None:
        self.tmp_mb = tmp_mb
        self.dirty = False      # the last job changed the sandbox beyond what the zygote cleans
        self.folder = Path(tempfile.mkdtemp(prefix="cnn-zygote-"))
        # matplotlib reads its font list once, on the zygote's import; each job brings its own copy.
        shutil.copytree(matplotlib_cache("bwrap"), self.folder / MPLCONFIG)
        self.process = subprocess.Popen(
            runner_command("bwrap", self.folder, Limits(tmp_mb=tmp_mb), entry="zygote"),
            env=environment("bwrap", self.folder), cwd=self.folder, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            if self._answer(time.monotonic() + START_SECONDS) != {"ready": True}:
                raise ValueError("the zygote did not start")
            self._empty_folder()
        except BaseException:
            self.stop()
            raise

    def alive(self) -> bool:
        return self.process.poll() is None

    @contextlib.contextmanager
    def job(self) -> Iterator[Path]:
        """The folder to write one job into; emptied afterwards, or the zygote stops (dirty, or it cannot be emptied)."""
        try:
            yield self.folder
        finally:
            try:
                if not self.dirty:
                    self._empty_folder()
            except OSError:
                self.dirty = True
            if self.dirty:
                self.stop()

    def run(self, seconds: float) -> dict[str, Any] | None:
        """Run the job in the folder: {"returncode": n, "stderr": tail} or {"timed_out": True}.

        None when the zygote failed (died, said nothing sensible, or nothing within
        `seconds` + a margin); it stops when the job's folder is released, and the job must
        run in a fresh sandbox.
        """
        try:
            self.process.stdin.write(json.dumps({"seconds": seconds}).encode() + b"\n")
            self.process.stdin.flush()
            answer = self._answer(time.monotonic() + seconds + ANSWER_MARGIN)
            if answer.get("timed_out") is True or isinstance(answer.get("returncode"), int):
                self.dirty = answer.get("dirty") is not False
                return answer
        except (OSError, ValueError, TimeoutError):
            pass
        self.dirty = True
        return None

    def _answer(self, deadline: float) -> dict[str, Any]:
        """One JSON line from the zygote, read straight from the pipe with a deadline."""
        fd, data = self.process.stdout.fileno(), b""
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("the zygote did not answer in time")
            chunk = os.read(fd, MAX_ANSWER_BYTES)
            if not chunk or len(data) + len(chunk) > MAX_ANSWER_BYTES:
                raise ValueError("the zygote stopped or said too much")
            data += chunk
        answer = json.loads(data)
        if not isinstance(answer, dict):
            raise ValueError("the zygote's answer is not an object")
        return answer

    def _empty_folder(self) -> None:
        for path in self.folder.iterdir():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()

    def stop(self) -> None:
        """Close its stdin (it exits), then SIGKILL whatever is left of its sandbox; remove the folder."""
        if self.process.stdin and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class ZygotePool:
    """The zygotes of one batch: a slot takes a free running zygote or starts one; `close` stops them all.

    Owned by the engine that grades the batch (autograder.grading.engines), which gives each
    submission one slot for the time it runs.
    """

    def __init__(self, tmp_mb: int) -> None:
        self.tmp_mb = tmp_mb
        self._lock = threading.Lock()
        self._free: list[Zygote] = []
        self._all: set[Zygote] = set()
        self._closed = False

    @contextlib.contextmanager
    def slot(self) -> Iterator[Zygote | None]:
        """A zygote for one submission, or None when none can start (the caller uses a fresh sandbox)."""
        zygote = self._take()
        try:
            yield zygote
        finally:
            if zygote is not None:
                self._give_back(zygote)

    def _take(self) -> Zygote | None:
        with self._lock:
            while self._free:
                zygote = self._free.pop()
                if zygote.alive():
                    return zygote
                self._all.discard(zygote)
                zygote.stop()
            if self._closed:
                return None
        try:
            zygote = Zygote(self.tmp_mb)
        except (OSError, ValueError, TimeoutError, subprocess.SubprocessError):
            return None
        with self._lock:
            self._all.add(zygote)
        return zygote

    def _give_back(self, zygote: Zygote) -> None:
        with self._lock:
            if zygote.alive() and not self._closed:
                self._free.append(zygote)
                return
            self._all.discard(zygote)
        zygote.stop()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            zygotes, self._free, self._all = list(self._all), [], set()
        for zygote in zygotes:
            zygote.stop()

    def __enter__(self) -> "ZygotePool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
