"""The program that runs INSIDE the sandbox: execute a submission's cells, call its functions.

It reads the job folder the host wrote and writes its results back, as ``protocol`` describes
(plain data only: JSON and .npy).  It decides nothing (no comparisons, no scores): the host
reads the results back and checks them in its own process.  One child per exercise (os.fork
after the notebook ran), each with a CPU limit, so an infinite loop in one function costs that
exercise only.  Imports only the stdlib, numpy and its siblings in this folder.
"""
from __future__ import annotations

import ast
import io
import json
import linecache
import os
import resource
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from . import protocol, wire
from .calls import call_case, student_traceback, with_helpers
from .figures import extract_figures

MEMORY_WORDS = "memory limit"


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


class CellTimeout(BaseException):
    """Raised by SIGALRM in a cell that runs longer than its wall-clock budget."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise CellTimeout()


class _BoundedLog(io.TextIOBase):
    """stdout/stderr of the student's cells, kept up to a bound (a print loop cannot fill memory)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.parts, self.size, self.dropped = limit, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(len(text), room)
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def text(self) -> str:
        suffix = f"\n... [{self.dropped} more characters not kept]" if self.dropped else ""
        return "".join(self.parts) + suffix


def _error_record(error: BaseException, cell_seconds: float) -> dict[str, Any]:
    if isinstance(error, CellTimeout):
        return {"type": "Timeout", "message": f"the cell ran longer than {cell_seconds:g} s and was stopped",
                "traceback": []}
    if isinstance(error, MemoryError):
        return {"type": "MemoryError", "message": f"the cell went over the {MEMORY_WORDS}", "traceback": []}
    record = {"type": type(error).__name__, "message": str(error)[:500], "traceback": student_traceback(error)}
    if isinstance(error, ImportError):
        record["module"] = getattr(error, "name", None)
    return record


def _run_statement(statement: ast.stmt, filename: str, namespace: dict, seconds: float) -> None:
    code = compile(ast.Module([statement], type_ignores=[]), filename, "exec")
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        exec(code, namespace)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def run_cells(cells: list[str], namespace: dict, cell_seconds: float) -> list[dict[str, Any]]:
    """exec every cell in one namespace, in order; errors are recorded per cell and grading goes on.

    More forgiving than a notebook: a cell runs statement by statement, so a failing line (say
    `import h5py` or `from public_tests import *`) does not keep the definitions after it from
    running.  After a timeout only definitions and imports of that cell still run, so one cell
    costs at most about `cell_seconds`.
    """
    results = []
    for index, source in enumerate(cells, start=1):
        filename = f"<cell {index}>"
        # Registered so that tracebacks show the student's own line of code.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        errors: list[dict[str, Any]] = []
        try:
            statements = ast.parse(source, filename).body
        except (SyntaxError, ValueError) as exc:
            statements = []
            errors.append({"type": type(exc).__name__, "message": str(exc)[:500], "traceback": []})
        timed_out = False
        for statement in statements:
            if timed_out and not isinstance(statement, _DEFINITIONS):
                continue
            try:
                _run_statement(statement, filename, namespace, cell_seconds)
            except BaseException as exc:  # student code may raise anything, SystemExit included
                timed_out = timed_out or isinstance(exc, CellTimeout)
                errors.append(_error_record(exc, cell_seconds))
        results.append({"cell": index, "error": errors[0] if errors else None, "more_errors": len(errors[1:])})
    return results


def _grade_in_child(name: str, spec: dict, namespace: dict, out: Path, seconds: float) -> None:
    """In the forked child: call the student's function on every case, write plain outcomes."""
    cpu = max(1, int(seconds) + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(cpu + 1)
    function = namespace[name]
    cases = wire.decode(spec["cases"], out.parent / protocol.CASES_DIR)
    helpers: dict[str, Any] = {}
    if spec["helper_source"]:
        exec(compile(spec["helper_source"], "<answer key helpers>", "exec"), helpers)
    answer_helpers = {h: helpers[h] for h in spec["helpers"] if h in helpers}
    try:
        outcomes = _call_all(function, cases, answer_helpers)
        # With the student's own helpers the calls only feed a feedback note: a helper that
        # hits the memory limit there is charged to the helper's own exercise, not this one.
        own = _call_all(function, cases, {}) if spec["helpers"] and outcomes is not None else None
        if outcomes is None:
            data = {"error": f"went over the {MEMORY_WORDS}"}
        else:
            data = {"outcomes": wire.encode(outcomes, out, name),
                    "own_helper_outcomes": wire.encode(own, out, name + "_own") if own is not None else None}
    except MemoryError:
        data = {"error": f"went over the {MEMORY_WORDS}"}
    wire.dump_json(data, out / protocol.result_file(name))


def _call_all(function: Any, cases: list, helpers: dict) -> list[dict[str, Any]] | None:
    """call_case on every case; None as soon as one call hits the memory limit (the rest would too)."""
    bound = with_helpers(function, helpers)
    outcomes = []
    for args, kwargs in cases:
        outcome = call_case(bound, args, kwargs)
        if (outcome.get("error") or {}).get("type") == "MemoryError":
            return None
        outcomes.append(outcome)
    return outcomes


def grade_exercises(job: dict, namespace: dict, out: Path, timings: dict[str, float]) -> None:
    """One child per exercise; the parent kills a child that outlives its wall-clock budget."""
    seconds = float(job["exercise_seconds"])
    for name, spec in job["exercises"].items():
        if not callable(namespace.get(name)):
            continue
        start = time.perf_counter()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _grade_in_child(name, spec, namespace, out, seconds)
            except MemoryError:
                code = 3
            except BaseException:  # noqa: BLE001 - any failure here is reported by the exit code
                code = 4
            os._exit(code)
        (out / protocol.status_file(name)).write_text(_wait(pid, seconds + 2.0))
        timings[name] = round(time.perf_counter() - start, 4)


def _wait(pid: int, seconds: float) -> str:
    """Wait for a child by polling (student code may have changed signal handlers); SIGKILL when late."""
    deadline = time.monotonic() + seconds
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return protocol.TIMEOUT
        time.sleep(0.005)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return protocol.TIMEOUT if sig in (signal.SIGXCPU, signal.SIGALRM, signal.SIGKILL) else f"{protocol.CRASHED}: signal {sig}"
    code = os.WEXITSTATUS(status)
    return {0: protocol.DONE, 3: protocol.MEMORY}.get(code, f"{protocol.CRASHED}: exit status {code}")


def main(job_dir: str) -> int:
    job_path = Path(job_dir)
    job = json.loads((job_path / protocol.JOB_FILE).read_text())
    cells = json.loads((job_path / protocol.CELLS_FILE).read_text())
    out = job_path / protocol.OUT_DIR
    out.mkdir(exist_ok=True)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    # Pre-import what student code imports anyway, before the memory limit: its cost is paid once.
    import numpy  # noqa: F401
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        pass
    limit = int(job["memory_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Bounded files and no core dumps: a student cannot fill the disk or /tmp.
    files = int(job["max_file_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (files, files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    log = _BoundedLog(int(job["max_log_chars"]))
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = log
    namespace: dict[str, Any] = {"__name__": "__main__"}
    timings["imports"] = round(time.perf_counter() - start, 4)
    try:
        start = time.perf_counter()
        cells_result = run_cells(cells, namespace, float(job["cell_seconds"]))
        timings["cells"] = round(time.perf_counter() - start, 4)
        figures = _figures(namespace)
        grade_exercises(job, namespace, out, timings)
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr
    defined = [name for name in job["exercises"] if callable(namespace.get(name))]
    wire.dump_json({"cells": cells_result, "log": log.text(), "defined": defined, "timings": timings,
                     "figures": wire.encode(figures, out, "figure")}, out / protocol.NOTEBOOK_FILE)
    return 0


def _figures(namespace: dict) -> list:
    try:
        return extract_figures(namespace)
    except Exception:  # noqa: BLE001 - a broken figure is the padding check's business, not a crash
        traceback.print_exc()
        return []
