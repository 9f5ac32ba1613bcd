"""One submission, end to end, as a declared list of steps.  Never raises.

    sanitize → plan → execute → check → record

Each step is a small function of the `Grading` state; a step that decides the record early (an
unreadable file, a sandbox that never finished) sets `grading.record` and the rest are skipped.
`grade_submission` takes bytes and a file name (not a path), so it runs the same on a Dask
worker without a shared file system.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

from ..assignment.cases import Case, cases_for, seed_for
from ..assignment.exercises import EXERCISES, FUNCTIONS, Kind
from ..checking.exercise import check_exercise, helper_source
from ..checking.figure import HelperCalls, check_figure
from ..checking.result import ExerciseResult, error_result, missing_result, timeout_result
from ..results.record import Details, SubmissionRecord, SubmissionStatus, all_exercises, crashed_record
from ..sandbox.execute import ExerciseJob, RawRun, RunStatus, execute
from ..sandbox.limits import Limits
from ..sandbox.zygotes import Zygote
from .discover import Submission
from .load import UnreadableSubmission, forbidden_imports, load_cells
from .options import GradeOptions

FORBIDDEN_MODULES = ("autograder", "cnn_reference")
MAX_LOG_IN_RECORD = 4000


@dataclass
class Grading:
    """What grading one submission knows so far; each step adds its part."""

    submission: Submission
    data: bytes
    options: GradeOptions
    zygote: Zygote | None
    details: Details
    cells: list[str] = field(default_factory=list)
    cases: dict[str, list[Case]] = field(default_factory=dict)
    jobs: dict[str, ExerciseJob] = field(default_factory=dict)
    run: RawRun | None = None
    results: dict[str, ExerciseResult] = field(default_factory=dict)
    record: SubmissionRecord | None = None     # set by the step that decides it


def sanitize(grading: Grading) -> None:
    """Bytes → the code cells the sandbox runs (grading/load.py), or an unreadable record."""
    try:
        grading.cells = load_cells(grading.data, grading.submission.filename, grading.options.drop_cells)
    except UnreadableSubmission as error:
        message = str(error)
        grading.record = SubmissionRecord(
            grading.submission.student, grading.submission.path, SubmissionStatus.UNREADABLE, message,
            all_exercises(lambda name: missing_result(name, message)), grading.details)


def plan(grading: Grading) -> None:
    """The cases of every function exercise for this student, and the sandbox's jobs."""
    seed = seed_for(grading.submission.student)
    grading.cases = {name: cases_for(name, seed) for name in FUNCTIONS}
    grading.jobs = {name: ExerciseJob([(c.args, dict(c.kwargs)) for c in cases], EXERCISES[name].helpers,
                                      helper_source(EXERCISES[name].helpers) if EXERCISES[name].helpers else "")
                    for name, cases in grading.cases.items()}


def run_in_sandbox(grading: Grading) -> None:
    """Execute the cells and the calls in the sandbox; a sandbox that never finished is a crash."""
    options = grading.options
    run = execute(grading.cells, grading.jobs, options.limits, options.sandbox, grading.zygote)
    if run.failure is not None and not run.timed_out:
        # Once more, in a fresh sandbox, before calling it a crash: a busy machine can fail to set one up.
        grading.details.first_failure = run.failure
        run = execute(grading.cells, grading.jobs, options.limits, options.sandbox)
    if run.failure is not None:
        grading.record = crashed_record(grading.submission.student, grading.submission.path, run.failure,
                                        grading.details)
        return
    grading.run = run
    cell_errors = _cell_errors(run)
    grading.details.cell_errors = cell_errors
    grading.details.log = run.log[-MAX_LOG_IN_RECORD:]
    grading.details.flags = _flags(grading.cells, cell_errors)
    grading.details.sandbox_seconds = round(run.seconds, 3)
    grading.details.timings = run.timings


def check(grading: Grading) -> None:
    """Every exercise's score, status, feedback and diagnosis (checking/)."""
    run, limits = grading.run, grading.options.limits
    for name, spec in EXERCISES.items():
        if spec.kind is Kind.FIGURE:
            grading.results[name] = check_figure(name, run.figures, _own_calls(grading, spec.helpers))
        else:
            grading.results[name] = _check_function(name, grading.cases[name], run, limits)


def record(grading: Grading) -> None:
    grading.record = SubmissionRecord(grading.submission.student, grading.submission.path, SubmissionStatus.GRADED,
                                      "; ".join(grading.details.flags), grading.results, grading.details)


STEPS: tuple[Callable[[Grading], None], ...] = (sanitize, plan, run_in_sandbox, check, record)


def grade_submission(submission: Submission, data: bytes, options: GradeOptions,
                     zygote: Zygote | None = None) -> SubmissionRecord:
    """The record of one submission (`data`: its bytes); never raises (a grader bug makes that
    submission `crashed`).  With a zygote (bubblewrap only) the sandbox is forked from it."""
    start = time.perf_counter()
    grading = Grading(submission, data, options, zygote,
                      Details(sandbox=options.sandbox, key=options.key(data, submission.student)))
    try:
        for step in STEPS:
            step(grading)
            if grading.record is not None:
                break
        result = grading.record
    except Exception as error:  # noqa: BLE001 - a grader bug on one submission must not stop the class
        message = f"the grader failed on this submission: {type(error).__name__}: {error}"
        grading.details.grader_traceback = traceback.format_exc()[-3000:]
        result = crashed_record(submission.student, submission.path, message, grading.details)
    grading.details.seconds = round(time.perf_counter() - start, 3)
    return result


def _cell_errors(run: RawRun) -> list[dict]:
    return [{"cell": c.get("cell"), **c["error"]} for c in run.cells if isinstance(c.get("error"), dict)]


def _flags(cells: list[str], cell_errors: list[dict]) -> list[str]:
    modules = set(forbidden_imports(cells))
    modules |= {str(e.get("module")).split(".")[0] for e in cell_errors
                if e.get("type") in ("ModuleNotFoundError", "ImportError")
                and str(e.get("module")).split(".")[0] in FORBIDDEN_MODULES}
    return [f"tries to import {m} (the {'grader' if m == 'autograder' else 'answer key'}), which is not "
            f"available while grading; flagged for the instructor" for m in sorted(modules)]


def _own_calls(grading: Grading, helpers: tuple[str, ...]) -> HelperCalls:
    """The student's own calls of each helper on its cases, from that helper's graded run (a figure
    shows what the student's own helper returned)."""
    entries = {h: grading.run.exercises.get(h) for h in helpers}
    return {h: (grading.cases[h], e.outcomes if e is not None and e.status is RunStatus.DONE else None)
            for h, e in entries.items()}


def _check_function(name: str, cases: list[Case], run: RawRun, limits: Limits) -> ExerciseResult:
    entry = run.exercises.get(name)
    if name not in run.defined or entry is None:
        broken = [f"cell {e['cell']} ({e['type']})" for e in _cell_errors(run)
                  if e["type"] in ("SyntaxError", "IndentationError")]
        hint = f"; these cells could not be run: {', '.join(broken)}" if broken else ""
        return missing_result(name, f"no function named {name} is defined{hint}")
    if entry.status is RunStatus.TIMEOUT:
        return timeout_result(name, limits.seconds)
    if entry.status is RunStatus.MEMORY:
        return error_result(name, f"{name} went over the memory limit ({limits.memory_mb} MB) and was stopped")
    if entry.status is RunStatus.CRASHED:
        return error_result(name, f"{name} crashed the grading process ({entry.status}: {entry.detail})")
    return check_exercise(name, cases, entry.outcomes, entry.own_helper_outcomes)
