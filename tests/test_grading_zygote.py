"""The per-thread zygote: submissions graded one after another in one sandbox see nothing of each other.

Each test grades real hostile code through real bubblewrap zygotes (autograder.sandbox.zygotes)
and checks that nothing outlives the batch.
"""
from __future__ import annotations

import psutil
import pytest

from autograder.assignment.cases.seeded import seeded_cases
from autograder.sandbox.execute import ExerciseJob, RawRun, execute
from autograder.sandbox.limits import Limits
from autograder.sandbox.zygotes import ZygotePool

# Each test here runs real nbgrader, kernels or sandboxes for several seconds.
pytestmark = pytest.mark.slow

LIMITS = Limits(seconds=5)
ZERO_PAD = "import numpy as np\ndef zero_pad(X, pad):\n    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))"


def _jobs() -> dict[str, ExerciseJob]:
    return {"zero_pad": ExerciseJob([(c.args, dict(c.kwargs)) for c in seeded_cases("zero_pad")])}


class _Batch:
    """A ZygotePool used as a batch uses it (one slot per submission); `pid` is the last zygote's."""

    def __init__(self) -> None:
        self.pool, self.pid = ZygotePool(LIMITS.tmp_mb), 0

    def execute(self, cells: list[str], jobs: dict[str, ExerciseJob], limits: Limits = LIMITS) -> RawRun:
        with self.pool.slot() as zygote:
            self.pid = zygote.process.pid
            return execute(cells, jobs, limits, "bwrap", zygote)

    def __enter__(self) -> "_Batch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.close()


def _strays(marker: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"]) if marker in " ".join(p.info["cmdline"] or [])]


def _gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def _assert_clean_runs(*runs) -> None:
    for run in runs:
        assert run.failure is None and not [c for c in run.cells if c["error"]], run.cells
        assert run.exercises["zero_pad"].status == "done"


def test_processes_and_files_of_one_submission_are_gone_before_the_next() -> None:
    marker = "7651"
    leave = [f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'])",
             f"import os\nif os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '{marker}'])",
             "open('/tmp/left.txt', 'w').write('secret')\nimport os\nos.makedirs('/tmp/locked/in')\n"
             "os.chmod('/tmp/locked', 0)",
             "open('/job/left.txt', 'w').write('secret')"]
    look = ["import os\nseen = [open(f'/proc/{p}/cmdline').read() for p in os.listdir('/proc') if p.isdigit()]\n"
            f"assert not [c for c in seen if '{marker}' in c], seen",
            "import os\nassert os.listdir('/tmp') in ([], ['runner.stderr']), os.listdir('/tmp')",
            "import os\nassert not os.path.exists('/job/left.txt')"]
    with _Batch() as batch:
        first = batch.execute(leave + [ZERO_PAD], _jobs(), LIMITS)
        zygote = batch.pid
        assert _strays(marker) == []
        second = batch.execute(look + [ZERO_PAD], _jobs(), LIMITS)
        assert batch.pid == zygote            # both ran in the same zygote
    _assert_clean_runs(first, second)
    assert _gone(zygote)                          # the batch's end stops its zygotes


def test_a_submission_that_changes_the_sandbox_retires_its_zygote() -> None:
    marker = "7652"
    leave = ["open('/dev/shm/left.txt', 'w').write('secret')",
             f"import ctypes\nassert ctypes.CDLL(None).shmget({marker}, 4096, 0o1600) >= 0"]
    look = ["import os\nassert os.listdir('/dev/shm') == []",
            f"import ctypes\nassert ctypes.CDLL(None).shmget({marker}, 0, 0) == -1"]
    with _Batch() as batch:
        first = batch.execute(leave + [ZERO_PAD], _jobs(), LIMITS)
        retired = batch.pid
        second = batch.execute(look + [ZERO_PAD], _jobs(), LIMITS)
        assert batch.pid != retired and _gone(retired)
    _assert_clean_runs(first, second)


def test_student_code_cannot_trace_or_read_the_zygote() -> None:
    probe = ("import ctypes, os\n"
             "zygote = os.getppid()\n"
             "libc = ctypes.CDLL(None, use_errno=True)\n"
             "PTRACE_ATTACH = 16\n"
             "traced = libc.ptrace(PTRACE_ATTACH, zygote, None, None)\n"
             "try:\n"
             "    memory = open(f'/proc/{zygote}/mem', 'rb').read(1)\n"
             "except OSError:\n"
             "    memory = None\n"
             "try:\n"
             "    environ = open(f'/proc/{zygote}/environ', 'rb').read()\n"
             "except OSError:\n"
             "    environ = None\n"
             "print('RESULT', traced, memory, environ, open(f'/proc/{zygote}/cmdline').read().count('zygote'))")
    with _Batch() as batch:
        run = batch.execute([probe], {}, LIMITS)
    assert run.failure is None and not run.cells[0]["error"], run.cells
    assert "RESULT -1 None None 1" in run.log, run.log   # the parent is the zygote, and it is closed


def test_a_submission_that_kills_the_zygote_is_still_graded() -> None:
    killer = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
    with _Batch() as batch:
        batch.execute([ZERO_PAD], _jobs(), LIMITS)
        killed = batch.pid
        run = batch.execute([killer, ZERO_PAD], _jobs(), LIMITS)    # again, in a fresh sandbox
        after = batch.execute([ZERO_PAD], _jobs(), LIMITS)
        assert batch.pid != killed and _gone(killed)
    _assert_clean_runs(run, after)
    assert run.exercises["zero_pad"].outcomes[0]["error"] is None


class _ShortBudget(Limits):
    """Limits whose whole-runner budget is a few seconds, so that the tests of it stay short."""

    def wall_budget(self, n_cells: int, n_exercises: int) -> float:
        return 8.0


def test_a_runaway_submission_is_stopped_by_the_zygote_and_the_zygote_kept() -> None:
    runaway = ("import signal\ndef run_away():\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
               "    while True:\n        pass\nrun_away()")
    with _Batch() as batch:
        run = batch.execute([runaway], {}, _ShortBudget(seconds=1))
        zygote = batch.pid
        after = batch.execute([ZERO_PAD], _jobs(), _ShortBudget(seconds=5))
        assert batch.pid == zygote
    assert run.timed_out and "time limit" in run.failure
    _assert_clean_runs(after)


def test_a_zygote_that_stops_answering_is_replaced_and_the_job_run_afresh() -> None:
    freeze = "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)"
    with _Batch() as batch:
        batch.execute([ZERO_PAD], _jobs(), LIMITS)
        frozen = batch.pid
        run = batch.execute([freeze, ZERO_PAD], _jobs(), _ShortBudget(seconds=5))
        assert _gone(frozen)
        after = batch.execute([ZERO_PAD], _jobs(), LIMITS)
        assert batch.pid != frozen
    _assert_clean_runs(run, after)
