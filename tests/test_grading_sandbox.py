"""Isolation rules of the bulk grader, each exercised by real hostile code in the real sandbox.

Bounded: the memory tests run with a 512 MB address-space limit, and every test checks that no
process it started survives the grading.
"""
from __future__ import annotations

from pathlib import Path

import psutil
import pytest
from support import REPOSITORY, SOLUTIONS, demo_submission, grade, notebook as _notebook

from autograder.assignment.cases.seeded import seeded_cases
from autograder.assignment.release import release
from autograder.grading.options import GradeOptions
from autograder.sandbox.execute import ExerciseJob, execute
from autograder.sandbox.launch import bwrap_works
from autograder.sandbox.limits import Limits

SANDBOXES = ["bwrap", "rlimit"]


def _jobs(*names: str) -> dict[str, ExerciseJob]:
    return {n: ExerciseJob([(c.args, dict(c.kwargs)) for c in seeded_cases(n)]) for n in names}


def _strays(marker: str) -> list[psutil.Process]:
    """Live processes whose command line holds `marker` (a zombie is dead: this machine's init may be
    slow to reap the orphans of the rlimit sandbox)."""
    return [p for p in psutil.process_iter(["cmdline", "status"])
            if marker in " ".join(p.info["cmdline"] or []) and p.info["status"] != psutil.STATUS_ZOMBIE]


@pytest.fixture(scope="module", autouse=True)
def bubblewrap_is_installed() -> None:
    # CI installs bubblewrap (make test → system-packages); its absence is a failure, not a skip.
    assert bwrap_works(), "bubblewrap (/usr/bin/bwrap) must work here: see `make system-packages`"


def test_course_grader_and_network_are_invisible(tmp_path: Path) -> None:
    course = tmp_path / "course"
    (course / "submitted" / "other" / "cnn_step_by_step").mkdir(parents=True)
    (course / "submitted" / "other" / "cnn_step_by_step" / "cnn_step_by_step.ipynb").write_text("{}")
    (course / "gradebook.db").write_text("secret")
    secrets = [REPOSITORY / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb",
               REPOSITORY / "cnn_reference" / "loops.py", REPOSITORY / "autograder" / "checking" / "exercise.py",
               course / "gradebook.db", course / "submitted" / "other" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"]
    for secret in secrets:
        assert secret.exists()
    cells = [f"open({str(p)!r}).read()" for p in secrets]
    cells += ["import cnn_reference", "import autograder", "import nbgrader", "import torch",
              "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=2)",
              "open('/job/../etc/passwd').read()"]
    run = execute(cells, {}, Limits(seconds=5), "bwrap")
    assert run.failure is None
    errors = [cell["error"] for cell in run.cells]
    assert all(errors), [c for c in run.cells if not c["error"]]
    assert {e["type"] for e in errors[:len(secrets)]} <= {"FileNotFoundError", "PermissionError"}
    assert [e["type"] for e in errors[len(secrets):len(secrets) + 4]] == ["ModuleNotFoundError"] * 4
    assert errors[-2]["type"] in ("OSError", "PermissionError", "ConnectionRefusedError", "TimeoutError")


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_no_process_outlives_grading(sandbox: str) -> None:
    marker = f"65{SANDBOXES.index(sandbox)}7"
    cells = [
        f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'])",
        f"import os, time\nfor _ in range(20):\n    if os.fork() == 0:\n"
        f"        os.execvp('sleep', ['sleep', '{marker}'])",
    ]
    if sandbox == "bwrap":
        # A daemon in its own session escapes a process group, not bubblewrap's PID namespace.
        cells.append(f"import os\nif os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '{marker}'])")
    run = execute([*cells, "def zero_pad(X, pad):\n    return X"], {}, Limits(seconds=5), sandbox)
    assert run.failure is None and run.defined == []  # no exercise jobs were asked for
    assert not [c for c in run.cells if c["error"]]
    assert _strays(marker) == []


@pytest.mark.slow
@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_timeout_costs_one_exercise_and_ignored_signals_get_sigkill(sandbox: str) -> None:
    stubborn = (
        "import signal\n"
        "def zero_pad(X, pad):\n"
        "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "    signal.signal(signal.SIGXCPU, signal.SIG_IGN)\n"
        "    import time\n"
        "    while True:\n"
        "        time.sleep(0.01)\n"
    )
    cells = [SOLUTIONS, stubborn, "while True:\n    pass"]  # the stubborn zero_pad is defined last
    run = execute(cells, _jobs("zero_pad", "conv_single_step"), Limits(seconds=1), sandbox)
    assert run.failure is None
    assert run.cells[2]["error"]["type"] == "Timeout"
    assert run.exercises["zero_pad"].status == "timeout"
    assert run.exercises["conv_single_step"].status == "done"
    assert run.exercises["conv_single_step"].outcomes[0]["error"] is None


def test_memory_hog_gets_error_with_memory_limit() -> None:
    hog = "import numpy as np\ndef conv_single_step(a, W, b):\n    return np.ones(10**9).sum()\n"
    options = GradeOptions(
        sandbox="bwrap", limits=Limits(seconds=5, memory_mb=512), drop_cells=release().locked_test_cells
    )
    record = grade(_notebook("big = bytearray(3 * 2**30)", SOLUTIONS, hog), "hog.ipynb", "frank", options)
    assert record["status"] == "graded"
    assert record["details"]["cell_errors"][0]["type"] == "MemoryError"
    assert "memory limit" in record["details"]["cell_errors"][0]["message"]
    result = record["exercises"]["conv_single_step"]
    assert result["status"] == "error" and "memory limit" in result["feedback"] and result["score"] == 0
    assert record["exercises"]["conv_forward"]["status"] == "passed"  # graded with the answer key's helpers


def test_lying_return_values_and_patched_numpy_gain_nothing() -> None:
    options = GradeOptions(sandbox="bwrap", limits=Limits(seconds=5))
    data = demo_submission("mallory_lying_results.py")
    record = grade(data, "mallory.py", "mallory", options)
    assert record["exercises"]["conv_single_step"]["score"] == 0
    assert record["exercises"]["zero_pad"]["score"] == 0
    assert record["exercises"]["conv_forward"]["status"] == "passed"  # graded with the answer key's helpers


def test_output_is_truncated_and_cells_fail_alone() -> None:
    cells = [
        "print('x' * 10**6)",
        "def broken(:\n    pass",
        "def zero_pad(X, pad):\n    return X",
        "raise SystemExit(3)",
        "def zero_pad(X, pad):\n    import numpy as np\n    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))",
    ]
    run = execute(cells, _jobs("zero_pad"), Limits(seconds=5, max_log_chars=1000), "bwrap")
    assert run.failure is None
    assert len(run.log) < 1100 and "more characters not kept" in run.log
    assert [bool(c["error"]) for c in run.cells] == [False, True, False, True, False]
    assert run.cells[1]["error"]["type"] == "SyntaxError"
    outcome = run.exercises["zero_pad"].outcomes[0]
    assert outcome["error"] is None and outcome["value"].shape == (4, 7, 7, 2)  # the last definition won


def test_a_submission_that_kills_the_runner_is_recorded_as_crashed() -> None:
    code = b"import os\n\ndef zero_pad(X, pad):\n    return X\n\nos._exit(0)\n"
    record = grade(code, "quitter.py", "quitter", GradeOptions(sandbox="bwrap", limits=Limits(seconds=5)))
    assert record["status"] == "crashed" and "without sending its results" in record["message"]
    assert all(e["status"] == "error" and e["score"] == 0 for e in record["exercises"].values())


def test_the_solved_notebook_scores_full_marks_in_the_sandbox() -> None:
    """Every cell the grade depends on (the functions, the padding figure) runs in the sandbox, where
    the course's helper modules (cnn_figures, visible_checks) are not: nothing graded may need them."""
    solved = (REPOSITORY / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb").read_bytes()
    options = GradeOptions(sandbox="bwrap", limits=Limits(seconds=10), drop_cells=release().locked_test_cells)
    record = grade(solved, "cnn_step_by_step.ipynb", "solved", options)
    assert record["score"] == record["max_score"] == 18, {
        n: e["feedback"] for n, e in record["exercises"].items() if e["status"] != "passed"
    }
