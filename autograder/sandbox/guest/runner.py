"""The program that runs INSIDE the sandbox, beside student code: run the cells, call the functions.

It reads its job from the socket the host handed it and answers on the same socket, as
``protocol`` describes (plain data only, ``wire`` messages).  It decides nothing (no comparisons,
no scores): the host validates what comes back and checks it in its own process.

Time: each cell has one timer for the whole cell, and all cells together one budget; once a
cell's timer or the budget is spent, only definitions (def, class, import) still run, under one
shared grace period, so the cells cost at most ``notebook_seconds`` + ``cell_seconds`` however
many there are.  Then the exercises' calls run in a child (``exercises``), each exercise with its
own CPU limit and wall-clock deadline, so an endless loop in one function costs that exercise
only.  Imports only the stdlib, numpy and its siblings in this folder.
"""
from __future__ import annotations

import ast
import contextlib
import ctypes
import io
import linecache
import os
import resource
import signal
import sys
import time
import traceback
from typing import Any

from . import protocol, wire
from .calls import student_traceback
from .exercises import MEMORY_WORDS, grade_exercises
from .figures import Figure, extract_figures

MAX_JOB_BYTES = 256 * 2**20
OPEN_FILES = 1024
PR_SET_PDEATHSIG = 1
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


class CellTimeout(BaseException):
    """Raised by SIGALRM in a cell that runs past its deadline."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise CellTimeout()


class _BoundedLog(io.TextIOBase):
    """stdout/stderr of the student's cells, kept up to a bound (a print loop cannot fill memory)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size, self.dropped = limit, 0, 0
        self.parts: list[str] = []

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
        return {"type": "Timeout", "message": f"the cell ran longer than {cell_seconds:g} s, or the cells "
                                              f"together longer than their budget, and was stopped",
                "traceback": []}
    if isinstance(error, MemoryError):
        return {"type": "MemoryError", "message": f"the cell went over the {MEMORY_WORDS}", "traceback": []}
    record: dict[str, Any] = {"type": type(error).__name__, "message": str(error)[:500],
                              "traceback": student_traceback(error)}
    if isinstance(error, ImportError):
        record["module"] = getattr(error, "name", None)
    return record


def _run_statement(statement: ast.stmt, filename: str, namespace: dict[str, Any], deadline: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise CellTimeout()
    code = compile(ast.Module([statement], type_ignores=[]), filename, "exec")
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, left)
    try:
        exec(code, namespace)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def run_cells(cells: list[str], namespace: dict[str, Any], cell_seconds: float,
              notebook_seconds: float) -> list[dict[str, Any]]:
    """exec every cell in one namespace, in order; errors are recorded per cell and grading goes on.

    More forgiving than a notebook: a cell runs statement by statement, so a failing line (say
    `import h5py` or `from public_tests import *`) does not keep the definitions after it from
    running.  A cell's timer covers the whole cell; after it (or the cells' budget) runs out,
    only definitions and imports still run, all of them within one grace period of `cell_seconds`.
    """
    budget_end = time.monotonic() + notebook_seconds
    grace_end = budget_end + cell_seconds
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
        cell_end = min(time.monotonic() + cell_seconds, budget_end)
        for statement in statements:
            late = time.monotonic() >= cell_end
            if late and not isinstance(statement, _DEFINITIONS):
                continue
            try:
                _run_statement(statement, filename, namespace, grace_end if late else cell_end)
            except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit included
                errors.append(_error_record(exc, cell_seconds))
                if isinstance(exc, CellTimeout):
                    cell_end = time.monotonic()
        results.append({"cell": index, "error": errors[0] if errors else None, "more_errors": len(errors[1:])})
    return results


def _set_limits(limits: dict[str, Any]) -> None:
    """Soft = hard for every limit, so that student code cannot raise any of them again."""
    memory = int(limits["memory_mb"]) * 2**20
    files = int(limits["file_mb"]) * 2**20
    chosen = {resource.RLIMIT_AS: memory, resource.RLIMIT_FSIZE: files, resource.RLIMIT_CORE: 0,
              resource.RLIMIT_NOFILE: OPEN_FILES}
    if limits.get("max_processes"):
        chosen[resource.RLIMIT_NPROC] = int(limits["max_processes"])
    for name in dir(resource):
        if name.startswith("RLIMIT_"):
            kind = getattr(resource, name)
            soft, hard = resource.getrlimit(kind)
            value = chosen.get(kind, soft)
            if hard != resource.RLIM_INFINITY and (value == resource.RLIM_INFINITY or value > hard):
                value = hard      # a limit can only be lowered
            resource.setrlimit(kind, (value, value))


def _read_job(channel: int) -> dict[str, Any]:
    data = bytearray()
    while chunk := os.read(channel, 1 << 20):
        data += chunk
        if len(data) > MAX_JOB_BYTES:
            raise ValueError("the job is larger than the runner accepts")
    job: dict[str, Any] = wire.unpack(bytes(data))    # the host's own message
    return job


def main(channel: int) -> int:
    """Run the job read from the socket `channel`; answer on it."""
    # Ends with the process that started it (the fallback sandbox has no PID namespace to do it).
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    # Imported before the memory limit (in a zygote they already are): their cost is paid once.
    import numpy  # noqa: F401 - imported for its cost, not its name
    with contextlib.suppress(ImportError):
        import matplotlib.pyplot  # noqa: F401 - imported for its cost, not its name
    job = _read_job(channel)
    limits = job["limits"]
    _set_limits(limits)
    log = _BoundedLog(int(limits["max_log_chars"]))
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = log
    namespace: dict[str, Any] = {"__name__": "__main__"}
    timings["imports"] = round(time.perf_counter() - start, 4)
    try:
        start = time.perf_counter()
        cells = run_cells(job["cells"], namespace, float(limits["cell_seconds"]), float(limits["notebook_seconds"]))
        timings["cells"] = round(time.perf_counter() - start, 4)
        figures = _figures(namespace)
        grade_exercises(job, namespace, channel, timings)
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr
    defined = [name for name in job["exercises"] if callable(namespace.get(name))]
    wire.write_frame(channel, wire.pack({"kind": protocol.NOTEBOOK, "cells": cells, "log": log.text(),
                                         "figures": figures, "defined": defined, "timings": timings}))
    return 0


def _figures(namespace: dict[str, Any]) -> list[Figure]:
    try:
        return extract_figures(namespace)
    except Exception:  # noqa: BLE001 - a broken figure is the padding check's business, not a crash
        traceback.print_exc()
        return []
