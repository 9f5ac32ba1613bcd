"""Where a submission is executed: write the job folder, run the sandboxed runner, read plain data back.

The runner (guest/runner.py) is the only code that runs beside student code; the job folder's
layout is ``guest/protocol``.  With a zygote (a slot of the batch's ZygotePool) the job is forked
by it; without one, or when it fails, the job gets a fresh sandbox.  Everything crossing back is
JSON or .npy read with allow_pickle=False and a size bound (wire.decode); nothing here compares
or scores.
"""
from __future__ import annotations

import enum
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .guest import protocol, wire
from .launch import MPLCONFIG, environment, matplotlib_cache, runner_command
from .limits import Limits
from .zygotes import Zygote

MAX_RESULT_FILE_BYTES = 64 * 2**20


@dataclass(frozen=True)
class ExerciseJob:
    """What the sandbox needs to call one student function: inputs and the answer key's helpers."""

    cases: list[tuple[tuple, dict]]
    helpers: tuple[str, ...] = ()
    helper_source: str = ""


class RunStatus(enum.StrEnum):
    """How an exercise's calls in the sandbox ended."""

    DONE = protocol.DONE          # every case was called; the outcomes are there
    TIMEOUT = protocol.TIMEOUT    # stopped at the time limit
    MEMORY = protocol.MEMORY      # went over the memory limit
    CRASHED = protocol.CRASHED    # the child died otherwise, or said nothing readable (see detail)


@dataclass(frozen=True)
class ExerciseRun:
    """One exercise's calls, as the sandbox reported them (decoded, unjudged)."""

    status: RunStatus
    detail: str = ""                                   # why it crashed, in a few words
    outcomes: list[dict[str, Any]] | None = None       # one call record per case (guest/calls.py)
    own_helper_outcomes: list[dict[str, Any]] | None = None


@dataclass
class RawRun:
    """What came back from the sandbox, decoded but unjudged."""

    cells: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""
    figures: list[dict] = field(default_factory=list)
    defined: list[str] = field(default_factory=list)
    exercises: dict[str, ExerciseRun] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)   # seconds per phase inside the sandbox
    failure: str | None = None   # the runner itself did not finish (then the fields above are empty)
    timed_out: bool = False      # ... because it ran out of its wall-clock budget
    seconds: float = 0.0


def _write_job(folder: Path, cells: list[str], jobs: dict[str, ExerciseJob], limits: Limits, sandbox: str) -> None:
    shutil.copytree(matplotlib_cache(sandbox), folder / MPLCONFIG)
    cases_dir = folder / protocol.CASES_DIR
    cases_dir.mkdir()
    spec = {name: {"cases": wire.encode([(tuple(a), dict(k)) for a, k in job.cases], cases_dir, name),
                   "helpers": list(job.helpers), "helper_source": job.helper_source}
            for name, job in jobs.items()}
    (folder / protocol.CELLS_FILE).write_text(json.dumps(cells))
    (folder / protocol.JOB_FILE).write_text(json.dumps({
        "exercises": spec, "cell_seconds": limits.seconds, "exercise_seconds": limits.seconds,
        "memory_mb": limits.memory_mb, "max_log_chars": limits.max_log_chars, "max_file_mb": limits.tmp_mb,
    }))


def _read_json(path: Path) -> Any:
    if path.stat().st_size > MAX_RESULT_FILE_BYTES:
        raise ValueError(f"{path.name} is larger than the grader accepts")
    return json.loads(path.read_text())


def _exercise_run(out: Path, name: str) -> ExerciseRun | None:
    status_path = out / protocol.status_file(name)
    if not status_path.exists():
        return None
    word, _, detail = status_path.read_text()[:200].partition(": ")
    status = RunStatus(word) if word in protocol.STATUSES else RunStatus.CRASHED
    if status is not RunStatus.DONE:
        return ExerciseRun(status, detail if word in protocol.STATUSES else f"unknown status {word!r}")
    result_path = out / protocol.result_file(name)
    if not result_path.exists():
        return ExerciseRun(RunStatus.CRASHED, "the child exited without writing its results")
    data = _read_json(result_path)
    if data.get("error"):
        return ExerciseRun(RunStatus.MEMORY, str(data["error"]))
    own = data.get("own_helper_outcomes")
    return ExerciseRun(RunStatus.DONE, outcomes=wire.decode(data.get("outcomes"), out),
                       own_helper_outcomes=wire.decode(own, out) if own is not None else None)


def _read_back(out: Path, names: list[str]) -> RawRun:
    notebook = _read_json(out / protocol.NOTEBOOK_FILE)
    run = RawRun(cells=list(notebook.get("cells", [])), log=str(notebook.get("log", "")),
                 figures=wire.decode(notebook.get("figures", []), out),
                 defined=[str(n) for n in notebook.get("defined", [])],
                 timings={str(k): float(v) for k, v in dict(notebook.get("timings", {})).items()})
    for name in names:
        exercise = _exercise_run(out, name)
        if exercise is not None:
            run.exercises[name] = exercise
    return run


def _collect(folder: Path, names: list[str], returncode: int | None, stderr_tail: str, timed_out: bool) -> RawRun:
    """The RawRun of a finished runner: its failure, or what it wrote into folder/out."""
    failure = None
    if timed_out:
        failure = "the submission did not finish within the time limit and was stopped"
    elif returncode != 0:
        failure = f"the runner stopped with status {returncode}: {stderr_tail}"
    out = folder / protocol.OUT_DIR
    if failure is None and not (out / protocol.NOTEBOOK_FILE).exists():
        failure = "the runner finished without writing its results"
    if failure is not None:
        return RawRun(failure=failure, timed_out=timed_out)
    try:
        return _read_back(out, names)
    except (OSError, ValueError, KeyError, TypeError) as error:
        return RawRun(failure=f"the sandbox's results could not be read: {error}")


def _execute_in_zygote(zygote: Zygote, cells: list[str], jobs: dict[str, ExerciseJob],
                       limits: Limits, budget: float) -> RawRun | None:
    """Through a zygote; None when the zygote failed (the caller runs a fresh sandbox)."""
    with zygote.job() as folder:
        _write_job(folder, cells, jobs, limits, "bwrap")
        answer = zygote.run(budget)
        if answer is None:
            return None
        return _collect(folder, list(jobs), answer.get("returncode"), str(answer.get("stderr", "")),
                        answer.get("timed_out") is True)


def _execute_fresh(cells: list[str], jobs: dict[str, ExerciseJob], limits: Limits, sandbox: str,
                   budget: float) -> RawRun:
    """In a sandbox started for this submission alone, ended with it."""
    with tempfile.TemporaryDirectory(prefix="cnn-job-") as tmp:
        folder = Path(tmp) / "job"
        folder.mkdir()
        _write_job(folder, cells, jobs, limits, sandbox)
        # The runner's stderr goes to a file outside the job folder: a pipe would stay open as long
        # as any background process the student started, and only the runner's own crash matters.
        stderr_path = Path(tmp) / "runner.stderr"
        with open(stderr_path, "wb") as stderr:
            process = subprocess.Popen(runner_command(sandbox, folder, limits), env=environment(sandbox, folder),
                                       cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=stderr, start_new_session=True)
        timed_out = False
        try:
            process.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            # Whatever the student left running in this session (rlimit mode) goes with it;
            # under bubblewrap the PID namespace already ended with the runner.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
        tail = stderr_path.read_bytes()[-500:].decode(errors="replace")
        return _collect(folder, list(jobs), process.returncode, tail, timed_out)


def execute(cells: list[str], jobs: dict[str, ExerciseJob], limits: Limits, sandbox: str,
            zygote: Zygote | None = None) -> RawRun:
    """Run the cells and call every defined exercise function on its cases, inside the sandbox
    (through `zygote` when one is given and the sandbox is bubblewrap)."""
    start = time.perf_counter()
    budget = limits.wall_budget(len(cells), len(jobs))
    run = None
    if zygote is not None and sandbox == "bwrap":
        run = _execute_in_zygote(zygote, cells, jobs, limits, budget)
    if run is None:
        run = _execute_fresh(cells, jobs, limits, sandbox, budget)
    run.seconds = time.perf_counter() - start
    return run
