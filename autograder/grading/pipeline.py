"""One submission, end to end: load → execute in the sandbox → check → record.  Never raises.

`grade_submission` takes bytes and a file name (not a path) and returns a plain dict, so it can
run on a worker without a shared file system (the Dask engine) and its result is JSON-ready.
"""
from __future__ import annotations

import hashlib
import json
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any

from ..cases import Case, cases_for, seed_for
from ..exercises import EXERCISES
from .execute import ExerciseJob, RawRun, execute
from .load import UnreadableSubmission, forbidden_imports, load_cells
from .sandbox import Limits

GRADER_VERSION = "1"
FORBIDDEN_MODULES = ("autograder", "cnn_reference")
MAX_LOG_IN_RECORD = 4000


@dataclass(frozen=True)
class GradeOptions:
    """Everything that decides a submission's result besides its bytes (part of the record's key)."""

    sandbox: str = "bwrap"                       # already resolved: "bwrap" | "rlimit"
    limits: Limits = field(default_factory=Limits)
    drop_cells: frozenset[str] = frozenset()     # the release's locked test cells

    def key(self, data: bytes) -> str:
        """Hash of the submission and of everything else its result depends on (for resumability)."""
        digest = hashlib.sha256(data)
        digest.update(json.dumps([GRADER_VERSION, self.sandbox, asdict(self.limits)]).encode())
        return digest.hexdigest()


def _check_api():
    # Imported here so that a missing or broken checks module is reported per submission.
    from .. import check
    return check


def _function_jobs(student: str) -> tuple[dict[str, ExerciseJob], dict[str, list[Case]]]:
    check = _check_api()
    seed = seed_for(student)
    cases = {name: cases_for(name, seed) for name, e in EXERCISES.items() if e.is_function}
    jobs = {name: ExerciseJob([(c.args, dict(c.kwargs)) for c in cases[name]], EXERCISES[name].helpers,
                              check.helper_source(EXERCISES[name].helpers) if EXERCISES[name].helpers else "")
            for name in cases}
    return jobs, cases


def _cell_errors(run: RawRun) -> list[dict[str, Any]]:
    return [{"cell": c.get("cell"), **c["error"]} for c in run.cells if isinstance(c.get("error"), dict)]


def _flags(cells: list[str], cell_errors: list[dict[str, Any]]) -> list[str]:
    modules = set(forbidden_imports(cells))
    modules |= {str(e.get("module")).split(".")[0] for e in cell_errors
                if e.get("type") in ("ModuleNotFoundError", "ImportError")
                and str(e.get("module")).split(".")[0] in FORBIDDEN_MODULES}
    return [f"tries to import {m} (the {'grader' if m == 'autograder' else 'answer key'}), which is not "
            f"available while grading; flagged for the instructor" for m in sorted(modules)]


def _check_function(name: str, cases: list[Case], run: RawRun, cell_errors: list[dict], limits: Limits) -> dict:
    check = _check_api()
    entry = run.exercises.get(name)
    memory = f"{name} went over the memory limit ({limits.memory_mb} MB) and was stopped"
    if name not in run.defined or entry is None:
        broken = [f"cell {e['cell']} ({e['type']})" for e in cell_errors if e["type"] in ("SyntaxError", "IndentationError")]
        hint = f"; these cells could not be run: {', '.join(broken)}" if broken else ""
        return check.missing_result(name, f"no function named {name} is defined{hint}").to_dict()
    status = entry["status"]
    if status == "timeout":
        return check.timeout_result(name, limits.seconds).to_dict()
    if status == "memory" or entry.get("error"):
        return check.error_result(name, memory).to_dict()
    if status != "done":
        return check.error_result(name, f"{name} crashed the grading process ({status})").to_dict()
    return check.check_exercise(name, cases, entry["outcomes"], entry.get("own_helper_outcomes")).to_dict()


def _exercises_all(result_for) -> dict[str, dict]:
    return {name: result_for(name).to_dict() for name in EXERCISES}


def _record(student: str, filename: str, status: str, message: str, exercises: dict[str, dict],
            details: dict[str, Any]) -> dict[str, Any]:
    return {"student": student, "path": filename, "status": status, "message": message,
            "score": float(sum(e["score"] for e in exercises.values())),
            "max_score": float(sum(e["max_score"] for e in exercises.values())),
            "exercises": exercises, "details": details}


def crashed_record(student: str, filename: str, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """The record of a submission whose grading never finished: the sandbox failed, the grader
    itself failed, or every Dask worker running it died.

    `details` without a "key" (the Dask case) makes the store treat the record as missing, so the
    next run grades the submission again.
    """
    return _record(student, filename, "crashed", message,
                   _exercises_all(lambda n: _check_api().error_result(n, message)), details)


def grade_submission(data: bytes, filename: str, student: str, options: GradeOptions) -> dict[str, Any]:
    """The results.json record of one submission (see issue 5 for the schema); never raises."""
    start = time.perf_counter()
    details: dict[str, Any] = {"sandbox": options.sandbox, "key": options.key(data), "flags": [],
                               "cell_errors": [], "log": "", "seconds": 0.0}
    try:
        record = _grade(data, filename, student, options, details)
    except Exception as error:  # noqa: BLE001 - a grader bug on one submission must not stop the class
        message = f"the grader failed on this submission: {type(error).__name__}: {error}"
        details["grader_traceback"] = traceback.format_exc()[-3000:]
        record = crashed_record(student, filename, message, details)
    details["seconds"] = round(time.perf_counter() - start, 3)
    return record


def _grade(data: bytes, filename: str, student: str, options: GradeOptions, details: dict) -> dict[str, Any]:
    check = _check_api()
    try:
        cells = load_cells(data, filename, options.drop_cells)
    except UnreadableSubmission as error:
        return _record(student, filename, "unreadable", str(error),
                       _exercises_all(lambda n: check.missing_result(n, str(error))), details)
    jobs, cases = _function_jobs(student)
    run = execute(cells, jobs, options.limits, options.sandbox)
    if run.failure is not None and not run.timed_out:
        # Once more before calling it a crash: a busy machine can fail to set up a sandbox.
        details["first_failure"] = run.failure
        run = execute(cells, jobs, options.limits, options.sandbox)
    if run.failure is not None:
        return crashed_record(student, filename, run.failure, details)
    cell_errors = _cell_errors(run)
    details.update(cell_errors=cell_errors, log=run.log[-MAX_LOG_IN_RECORD:], flags=_flags(cells, cell_errors),
                   sandbox_seconds=round(run.seconds, 3), timings=run.timings)
    exercises = {name: _check_function(name, cases[name], run, cell_errors, options.limits) for name in cases}
    exercises["padding_figure"] = check.check_padding_figure(run.figures).to_dict()
    exercises = {name: exercises[name] for name in EXERCISES}
    message = "; ".join(details["flags"])
    return _record(student, filename, "graded", message, exercises, details)
