"""Grading on real Dask clusters on localhost: a LocalCluster, and `dask scheduler` + `dask worker`.

The cluster must give the local pool's results, submission for submission; a worker killed
mid-run must cost no submission its result and give none two; a submission whose workers keep
dying is recorded as crashed and graded again by the next run.  No test leaves a process behind.
"""
from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from autograder.cli import main
from autograder.grading import distributed as cluster
from autograder.grading.batch import grade_all
from autograder.grading.discover import discover
from autograder.grading.engines import LocalEngine
from autograder.grading.options import GradeOptions
from autograder.results.record import SubmissionRecord
from autograder.results.store import all_records
from autograder.sandbox.launch import resolve

SOLUTIONS = Path(__file__).resolve().parent.parent / "cnn_reference" / "notebook_solutions.py"
SOURCE_NOTEBOOK = Path(__file__).resolve().parent.parent / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"
# Only the grading time may differ between two runs of the same submission.
TIMING_FIELDS = ("seconds", "sandbox_seconds", "timings")


def _mixed_class(folder: Path) -> Path:
    """Correct, buggy, hostile and unreadable submissions, one per file (the stem is the student)."""
    solutions = SOLUTIONS.read_text()
    folder.mkdir()
    (folder / "notebook.ipynb").write_bytes(SOURCE_NOTEBOOK.read_bytes())
    # Pads with ones: zero_pad fails, conv_forward is still graded (with the answer key's zero_pad).
    (folder / "pads_ones.py").write_text(_with_bug(solutions, "constant_values=0", "constant_values=1"))
    (folder / "peeks.py").write_text("import autograder.exercises\n" + solutions)
    (folder / "syntax.py").write_text("def zero_pad(X, pad):\n    return X[\n")
    (folder / "empty.ipynb").write_text("")
    return folder


def _with_bug(source: str, right: str, wrong: str) -> str:
    assert right in source
    return source.replace(right, wrong)


def _without_timing(record: dict[str, Any]) -> dict[str, Any]:
    details = {k: v for k, v in record.get("details", {}).items() if k not in TIMING_FIELDS}
    return {**record, "details": details}


@pytest.fixture(autouse=True)
def no_process_left_behind():
    """Every process a test starts (scheduler, nannies, workers, sandboxes) is gone when it ends."""
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    yield
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before and _not_tracker(p)]
    _gone, alive = psutil.wait_procs(left, timeout=10)
    assert not alive, [p.cmdline() for p in alive]


def _not_tracker(process: psutil.Process) -> bool:
    # multiprocessing's resource tracker is one per interpreter by design and exits with it.
    try:
        return "resource_tracker" not in " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("text, expected", [
    ("local:2", cluster.Scheduler(local_workers=2)),
    ("local", cluster.Scheduler(local_workers=os.cpu_count() or 1)),
    ("tcp://10.0.0.5:8786", cluster.Scheduler(address="tcp://10.0.0.5:8786")),
])
def test_scheduler_values(text: str, expected: cluster.Scheduler) -> None:
    assert cluster.parse_scheduler(text) == expected


@pytest.mark.parametrize("text", ["local:0", "localhost:8786", "10.0.0.5:8786", "local:two", ""])
def test_bad_scheduler_values_are_explained(text: str) -> None:
    with pytest.raises(cluster.SchedulerError, match=r"tcp://HOST:PORT|at least 1 worker"):
        cluster.parse_scheduler(text)


def test_an_unreachable_scheduler_is_a_grader_error() -> None:
    with (pytest.raises(cluster.SchedulerError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"),
          cluster.connect(cluster.parse_scheduler("tcp://127.0.0.1:9"), connect_seconds=1)):
        pass


def test_bad_scheduler_on_the_command_line_is_a_clear_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "alice.py").write_text(SOLUTIONS.read_text())
    assert main(["grade", str(tmp_path / "alice.py"), "--out", str(tmp_path / "out"), "--scheduler", "8786"]) == 2
    assert "expected tcp://HOST:PORT" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_missing_dask_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # what `import distributed` meets without Dask
    with (pytest.raises(cluster.SchedulerError, match=r"pip install 'cnn-step-by-step\[dask\]'"),
          cluster.dask_engine("local:1")):
        pass


def test_the_local_path_never_imports_dask() -> None:
    code = ("import sys, autograder.cli, autograder.grading.grade_class; "
            "assert not {'dask', 'distributed'} & set(sys.modules), 'dask imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_cluster_results_equal_local_pool_results(tmp_path: Path) -> None:
    submissions = _mixed_class(tmp_path / "class")
    assert main(["grade", str(submissions), "--out", str(tmp_path / "local"), "--jobs", "2"]) == 0
    assert main(["grade", str(submissions), "--out", str(tmp_path / "dask"), "--scheduler", "local:2"]) == 0
    local_records = json.loads((tmp_path / "local" / "results.json").read_text())["submissions"]
    dask_records = json.loads((tmp_path / "dask" / "results.json").read_text())["submissions"]
    assert [r["student"] for r in dask_records] == sorted(s.stem for s in submissions.iterdir())
    assert [_without_timing(r) for r in dask_records] == [_without_timing(r) for r in local_records]
    by_student = {r["student"]: r for r in dask_records}
    # The class is really mixed, so the equality above compares every kind of outcome.
    assert by_student["notebook"]["exercises"]["conv_forward"]["status"] == "passed"
    assert by_student["pads_ones"]["exercises"]["zero_pad"]["status"] == "failed"
    assert by_student["peeks"]["details"]["flags"]
    assert by_student["empty"]["status"] == "unreadable"
    assert (tmp_path / "dask" / "grades.csv").read_text() == (tmp_path / "local" / "grades.csv").read_text()


def _kill_a_busy_worker(client: Any, pids: dict[str, int]) -> str:
    """SIGKILL the process of a worker that is grading a submission right now; its address.

    The scheduler learns of a task's start a moment after it is submitted: asked too early, it
    sees no busy worker yet, so it is asked again for a few seconds."""
    deadline = time.monotonic() + 10
    while not (busy := [a for a, keys in client.processing().items() if keys and a in pids]):
        assert time.monotonic() < deadline, "no worker is grading anything"
        time.sleep(0.05)
    os.kill(pids[busy[0]], signal.SIGKILL)
    return busy[0]


def _class_of(folder: Path, size: int) -> list:
    folder.mkdir()
    for index in range(size):
        (folder / f"student{index:02d}.py").write_text(SOLUTIONS.read_text())
    return discover([folder])


@pytest.mark.slow
def test_a_killed_worker_costs_no_result_and_duplicates_none(tmp_path: Path) -> None:
    submissions = _class_of(tmp_path / "class", 5)
    options = GradeOptions(sandbox=resolve("auto"))
    seen: list[SubmissionRecord] = []
    killed: list[str] = []
    with cluster.dask_engine("local:2") as engine:
        pids = engine.client.run(os.getpid)

        def kill_once(record: SubmissionRecord) -> None:
            seen.append(record)
            if not killed:
                killed.append(_kill_a_busy_worker(engine.client, pids))

        graded = grade_all(submissions, tmp_path / "out", options, engine=engine, progress=False, on_record=kill_once)
        assert engine.client.run(os.getpid) != pids, "the killed worker was not replaced"
    students = [s.student for s in submissions]
    assert killed
    assert collections.Counter(r.student for r in seen) == collections.Counter(students)
    assert sorted(graded) == students
    records = all_records(tmp_path / "out")
    assert [r.student for r in records] == students
    assert {r.status for r in records} == {"graded"}
    assert {r.score for r in records} == {records[0].score} and records[0].score > 0


@pytest.fixture
def dask_command_line_cluster(tmp_path: Path):
    """A cluster started as on real machines: `dask scheduler`, then `dask worker` (2 processes).

    The scheduler gives up on a task after one worker died under it (its own setting, from the
    environment where it starts), so the crashed path needs only one kill.
    """
    dask = str(Path(sys.executable).parent / "dask")
    file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(file)], **quiet)
    workers = None
    try:
        while not file.exists() and scheduler.poll() is None:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        workers = subprocess.Popen([dask, "worker", address, "--nworkers", "2", "--nthreads", "1",
                                    "--host", "127.0.0.1", "--no-dashboard"], **quiet)
        yield address
    finally:
        for process in (workers, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)


@pytest.mark.slow
def test_a_submission_whose_workers_die_is_crashed_then_regraded(tmp_path: Path,
                                                                  dask_command_line_cluster: str) -> None:
    submissions = _class_of(tmp_path / "class", 4)
    options = GradeOptions(sandbox=resolve("auto"))
    killed: list[str] = []
    with cluster.dask_engine(dask_command_line_cluster) as engine:
        engine.client.wait_for_workers(2, timeout=120)
        pids = engine.client.run(os.getpid)

        def kill_once(record: SubmissionRecord) -> None:
            if not killed:
                killed.append(_kill_a_busy_worker(engine.client, pids))

        grade_all(submissions, tmp_path / "out", options, engine=engine, progress=False, on_record=kill_once)
    records = {r.student: r for r in all_records(tmp_path / "out")}
    assert sorted(records) == [s.student for s in submissions]
    crashed = [r for r in records.values() if r.status == "crashed"]
    assert len(crashed) == 1, [(r.student, r.status) for r in records.values()]
    assert f"died 1 time(s) (killed or out of memory; last one: {killed[0]})" in crashed[0].message
    assert all(e.status == "error" and e.score == 0 for e in crashed[0].exercises.values())
    # The crash was the cluster's, not the submission's: the next run grades that one again.
    again = grade_all(submissions, tmp_path / "out", options, engine=LocalEngine(2), progress=False)
    assert again == [crashed[0].student]
    assert json.loads((tmp_path / "out" / "records" / f"{again[0]}.json").read_text())["status"] == "graded"
