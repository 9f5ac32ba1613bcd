"""The grader cleans up on every exit path: stopped with SIGTERM or Ctrl-C mid-class, it kills every
sandbox process it started, removes its cgroups and temporary folders, keeps the records already
written, and exits with 143 or 130."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from support import REPOSITORY, SOLUTIONS, course_of

from autograder.sandbox.cgroups import ROOT, TOP

pytestmark = pytest.mark.slow

SLOW = "import time\ntime.sleep(60)"


def _sandbox_processes(grader: psutil.Process) -> list[psutil.Process]:
    return [p for p in grader.children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.parametrize("stop, sandbox", [(signal.SIGTERM, "bwrap"), (signal.SIGINT, "rlimit")])
def test_a_stopped_grader_leaves_no_process_folder_or_cgroup(tmp_path: Path, stop: signal.Signals,
                                                            sandbox: str) -> None:
    course = course_of(tmp_path / "course", {f"s{i}": [SOLUTIONS, SLOW] for i in range(4)})
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    command = [sys.executable, "-m", "autograder", "grade", str(course), "--out", str(tmp_path / "out"),
               "--jobs", "2", "--timeout", "60", "--gradebook", "", "--sandbox", sandbox]
    grader = subprocess.Popen(command, cwd=REPOSITORY, env={**os.environ, "TMPDIR": str(temporary)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(_sandbox_processes(psutil.Process(grader.pid))) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)                                   # two students' slow cells are running
        started = _sandbox_processes(psutil.Process(grader.pid))
        assert len(started) >= 2, started
        grader.send_signal(stop)
        _, errors = grader.communicate(timeout=60)
        assert grader.returncode == 128 + stop, errors[-2000:]
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
            grader.communicate()
    time.sleep(0.5)
    assert [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
    assert list(temporary.iterdir()) == []
    assert not list(ROOT.glob(f"*/{TOP}/{grader.pid}")) + list(ROOT.glob(f"{TOP}/{grader.pid}"))
