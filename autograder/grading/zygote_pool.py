"""One long-lived bubblewrap sandbox per grading thread that forks a runner per submission.

Starting Python and importing numpy and matplotlib is most of what a fresh sandbox costs; the
zygote (autograder/untrusted/zygote.py) pays it once per thread.  It runs in the sandbox a lone
runner gets (same command line, sandbox.runner_command), with the thread's own job folder bound
where the runner finds its job; the grader puts exactly one job in that folder at a time and
empties it after.  Between jobs the zygote kills every process left in its PID namespace and
empties /tmp.  Zygotes are used only while a batch is `serving()` and only under bubblewrap; one
that dies or does not answer in time is killed, and `Zygote.run` returns None so the caller
grades that submission in a fresh sandbox instead (nothing is lost); the next job starts a new one.
"""
from __future__ import annotations

import atexit
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

from .sandbox import MPLCONFIG, Limits, environment, matplotlib_cache, runner_command

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
        with _lock:
            _live.discard(self)


_local = threading.local()
_lock = threading.Lock()
_live: set[Zygote] = set()
_serving = 0


@contextlib.contextmanager
def serving() -> Iterator[None]:
    """While inside (a batch), bubblewrap jobs go through per-thread zygotes; all stop at the end."""
    global _serving
    with _lock:
        _serving += 1
    try:
        yield
    finally:
        with _lock:
            _serving -= 1
            last = _serving == 0
        if last:
            stop_all()


def for_this_thread(sandbox: str, tmp_mb: int) -> Zygote | None:
    """This thread's zygote (started if needed), or None: not serving, not bubblewrap, or it cannot start."""
    if sandbox != "bwrap" or not _serving:
        return None
    zygote = getattr(_local, "zygote", None)
    if zygote is not None and (zygote.tmp_mb != tmp_mb or not zygote.alive()):
        zygote.stop()
        zygote = None
    if zygote is None:
        try:
            zygote = Zygote(tmp_mb)
        except (OSError, ValueError, TimeoutError, subprocess.SubprocessError):
            return None
        with _lock:
            _live.add(zygote)
        _local.zygote = zygote
    return zygote


def stop_all() -> None:
    with _lock:
        zygotes = list(_live)
    for zygote in zygotes:
        zygote.stop()


atexit.register(stop_all)
