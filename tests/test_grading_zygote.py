"""The per-slot zygote: submissions graded one after another in one zygote see nothing of each other,
and nothing a submission does reaches the zygote; the host replaces a zygote that fails or changed.

Each test grades real hostile code through real bubblewrap zygotes (autograder.sandbox.pool) and
checks that nothing outlives the batch.
"""
from __future__ import annotations

import resource
import signal

import psutil
import pytest

from autograder.assignment.cases.seeded import seeded_cases
from autograder.sandbox.execute import ExerciseJob, execute
from autograder.sandbox.limits import Limits
from autograder.sandbox.pool import SandboxPool
from autograder.sandbox.readback import RawRun

# Each test here runs real sandboxes for several seconds.
pytestmark = pytest.mark.slow

LIMITS = Limits(seconds=5)
ZERO_PAD = "import numpy as np\ndef zero_pad(X, pad):\n    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))"


def _jobs() -> dict[str, ExerciseJob]:
    return {"zero_pad": ExerciseJob([(c.args, dict(c.kwargs)) for c in seeded_cases("zero_pad")])}


class _Batch:
    """A SandboxPool used as a batch uses it (one slot per submission); `zygote` is the last one used."""

    def __init__(self) -> None:
        self.pool, self.zygote = SandboxPool("bwrap"), None

    def execute(self, cells: list[str], jobs: dict[str, ExerciseJob], limits: Limits = LIMITS) -> RawRun:
        with self.pool.slot() as slot:
            run = execute(cells, jobs, limits, slot)
            self.zygote = slot.zygote
            return run

    def zygote_pid(self) -> int:
        """The host PID of the zygote's Python (right below its bubblewrap; the next job's box, built
        ahead of its job, is below the zygote and has its command line)."""
        below = psutil.Process(self.zygote.process.pid).children(recursive=True)
        (found,) = [p.pid for p in below if p.name() != "bwrap" and p.parent().name() == "bwrap"
                    and "cnn_untrusted.zygote" in " ".join(p.cmdline())]
        return found

    def __enter__(self) -> _Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.close()


def _strays(marker: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline", "status"])
            if marker in " ".join(p.info["cmdline"] or []) and p.info["status"] != psutil.STATUS_ZOMBIE]


def _gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def _assert_clean_runs(*runs: RawRun) -> None:
    for run in runs:
        assert run.failure is None and not [c for c in run.cells if c["error"]], (run.failure, run.cells)
        assert run.exercises["zero_pad"].status == "done"
        assert run.exercises["zero_pad"].outcomes[0]["error"] is None


def test_processes_files_and_ipc_of_one_submission_are_gone_before_the_next() -> None:
    marker = "7651"
    leave = [f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'])",
             f"import os\nif os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '{marker}'])",
             "open('/tmp/left.txt', 'w').write('secret')\nimport os\nos.makedirs('/tmp/locked/in')\n"
             "os.chmod('/tmp/locked', 0)",
             "open('/dev/shm/left.txt', 'w').write('secret')",
             f"import ctypes\nassert ctypes.CDLL(None).shmget({marker}, 4096, 0o1600) >= 0"]
    look = ["import os\nassert os.listdir('/tmp') == [], os.listdir('/tmp')",
            "import os\nassert os.listdir('/dev/shm') == [], os.listdir('/dev/shm')",
            f"import ctypes\nassert ctypes.CDLL(None).shmget({marker}, 0, 0) == -1"]
    with _Batch() as batch:
        first = batch.execute([*leave, ZERO_PAD], _jobs())
        zygote = batch.zygote
        assert _strays(marker) == []          # gone with the job, while its zygote lives on
        second = batch.execute([*look, ZERO_PAD], _jobs())
        assert batch.zygote is zygote         # both ran in the same zygote, which had nothing to clean
    _assert_clean_runs(first, second)
    assert _gone(zygote.process.pid)          # the batch's end stops its zygotes


def test_student_code_sees_no_process_but_its_own() -> None:
    probe = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "visible = []\n"
        "for pid in range(1, 5000):\n"
        "    try:\n"
        "        os.kill(pid, 0)\n"
        "        visible.append(pid)\n"
        "    except ProcessLookupError:\n"
        "        pass\n"
        "    except PermissionError:\n"
        "        visible.append(pid)\n"
        "PTRACE_ATTACH = 16\n"
        "print('RESULT', os.getpid(), os.getppid(), visible, "
        "libc.ptrace(PTRACE_ATTACH, 1, None, None), os.listdir('/proc'))"
    )
    with _Batch() as batch:
        run = batch.execute([probe], {})
    assert run.failure is None and not run.cells[0]["error"], run.cells
    # The runner is PID 2 below its own init, PID 1: no zygote, no bubblewrap, no other job.
    assert "RESULT 2 1 [1, 2] -1 []" in run.log, run.log


def test_signals_to_its_parent_change_nothing() -> None:
    attack = "import os, signal\nfor sig in (signal.SIGSTOP, signal.SIGKILL):\n    os.kill(os.getppid(), sig)"
    with _Batch() as batch:
        before = batch.execute([ZERO_PAD], _jobs())
        zygote = batch.zygote
        run = batch.execute([attack, ZERO_PAD], _jobs())
        after = batch.execute([ZERO_PAD], _jobs())
        assert batch.zygote is zygote and zygote.alive()
    _assert_clean_runs(before, run, after)


class _ShortBudget(Limits):
    """Limits whose whole-job budget is a few seconds, so that the tests of it stay short."""

    def wall_budget(self, n_exercises: int) -> float:
        return 8.0


def test_a_runaway_submission_is_stopped_and_the_zygote_kept() -> None:
    runaway = (
        "import signal\ndef run_away():\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    while True:\n        pass\nrun_away()"
    )
    with _Batch() as batch:
        run = batch.execute([runaway], {}, _ShortBudget(seconds=1))
        zygote = batch.zygote
        after = batch.execute([ZERO_PAD], _jobs(), _ShortBudget(seconds=5))
        assert batch.zygote is zygote
    assert run.timed_out and "time limit" in run.failure
    _assert_clean_runs(after)


def test_a_zygote_that_dies_is_replaced_and_the_job_run_afresh() -> None:
    with _Batch() as batch:
        batch.execute([ZERO_PAD], _jobs())
        killed = batch.zygote
        psutil.Process(batch.zygote_pid()).send_signal(signal.SIGKILL)
        run = batch.execute([ZERO_PAD], _jobs())
        assert batch.zygote is not killed and _gone(killed.process.pid)
    _assert_clean_runs(run)
    assert run.first_failure


def test_a_zygote_whose_own_limits_changed_retires_before_the_next_job() -> None:
    with _Batch() as batch:
        batch.execute([ZERO_PAD], _jobs())
        tampered = batch.zygote
        soft, hard = resource.prlimit(batch.zygote_pid(), resource.RLIMIT_NOFILE)
        resource.prlimit(batch.zygote_pid(), resource.RLIMIT_NOFILE, (soft - 1, hard))
        run = batch.execute([ZERO_PAD], _jobs())
        assert batch.zygote is not tampered and _gone(tampered.process.pid)
    _assert_clean_runs(run)
    assert "retired" in run.first_failure and "rlimits" in run.first_failure
