"""One submission, end to end, as a declared list of steps.  Never raises.

    sanitize → plan → run_in_sandbox → check → substitute_helpers → record

Each step is a small function of the `Grading` state; a step that decides the record early (an
unreadable file, a sandbox that never finished) sets `grading.record` and the rest are skipped.
`grade_submission` takes bytes and a file name (not a path), so it runs the same on a Dask
worker without a shared file system.

The answer key never enters a run whose output can reach a score or a message: the first run has
the student's code alone, and everything the record says comes from it.  Only where an exercise
that calls earlier ones (its helpers) failed, and a helper failed its own check, does a second run
bind the answer key's helper in its place; of that run the grader takes nothing but pass or fail
per case of those exercises, which can only add points (checking.exercise.with_substitution).
"""
from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..assignment.cases import Case, cases_for, seed_for
from ..assignment.exercises import EXERCISES, FUNCTIONS, Kind
from ..checking.exercise import (
    Substitution,
    case_passes,
    check_exercise,
    helper_source,
    helpers_to_substitute,
    with_substitution,
)
from ..checking.figure import HelperCalls, check_figure
from ..checking.result import ExerciseResult, error_result, missing_result, timeout_result
from ..results.record import Details, SubmissionRecord, SubmissionStatus, crashed_record, unreadable_record
from ..sandbox.execute import ExerciseJob, execute
from ..sandbox.limits import Limits
from ..sandbox.pool import SandboxPool, Slot
from ..sandbox.readback import RawRun, RunStatus
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
    slot: Slot
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
        grading.record = unreadable_record(grading.submission.student, grading.submission.path, str(error),
                                           grading.details)


def _job(cases: list[Case], substitute: tuple[str, ...] = ()) -> ExerciseJob:
    return ExerciseJob([(c.args, dict(c.kwargs)) for c in cases], substitute)


def plan(grading: Grading) -> None:
    """The cases of every function exercise for this student, and the sandbox's jobs (no answer key)."""
    seed = seed_for(grading.submission.student, grading.data)
    grading.cases = {name: cases_for(name, seed) for name in FUNCTIONS}
    grading.jobs = {name: _job(cases) for name, cases in grading.cases.items()}


def run_in_sandbox(grading: Grading) -> None:
    """Execute the cells and the calls in the sandbox; a sandbox that never finished is a crash."""
    options = grading.options
    run = execute(grading.cells, grading.jobs, options.limits, grading.slot)
    grading.details.first_failure = run.first_failure
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
    assert grading.details.timings is not None    # grade_submission starts it
    grading.details.timings.update(run.timings)


def check(grading: Grading) -> None:
    """Every exercise's score, status, feedback and diagnosis (checking/)."""
    run, limits = grading.run, grading.options.limits
    assert run is not None    # else run_in_sandbox made the record and the steps stopped
    for name, spec in EXERCISES.items():
        if spec.kind is Kind.FIGURE:
            grading.results[name] = check_figure(name, run.figures, _own_calls(grading, spec.helpers))
        else:
            grading.results[name] = _check_function(name, grading.cases[name], run, limits, grading.cells)


def substitute_helpers(grading: Grading) -> None:
    """Run 2, for the exercises that failed where a helper failed its own check: the same cells
    with the answer key's helper bound in that exercise's globals.  Only pass or fail per case is
    taken from it; a run that crashes or times out changes nothing."""
    substitutes = {name: helpers for name in FUNCTIONS
                   if (helpers := helpers_to_substitute(name, grading.results[name], grading.results.__getitem__))}
    if not substitutes:
        return
    jobs = {name: _job(grading.cases[name], helpers) for name, helpers in substitutes.items()}
    source = helper_source({helper for helpers in substitutes.values() for helper in helpers})
    run = execute(grading.cells, jobs, grading.options.limits, grading.slot, helper_source=source)
    if run.failure is not None:
        return
    for name, helpers in substitutes.items():
        entry = run.exercises.get(name)
        if entry is not None and entry.status is RunStatus.DONE:
            assert entry.outcomes is not None    # a DONE run has them (readback)
            passes = case_passes(name, grading.cases[name], entry.outcomes)
            grading.results[name] = with_substitution(grading.results[name], Substitution(helpers, passes),
                                                       grading.cases[name])


def record(grading: Grading) -> None:
    grading.record = SubmissionRecord(grading.submission.student, grading.submission.path, SubmissionStatus.GRADED,
                                      "; ".join(grading.details.flags), grading.results, grading.details)


STEPS: tuple[Callable[[Grading], None], ...] = (sanitize, plan, run_in_sandbox, check, substitute_helpers, record)


def grade_submission(submission: Submission, data: bytes, options: GradeOptions,
                     slot: Slot | None = None) -> SubmissionRecord:
    """The record of one submission (`data`: its bytes); never raises (a grader bug makes that
    submission `crashed`).  `slot`: a sandbox of the batch's pool; without one, a sandbox is
    started for this submission alone."""
    if slot is None:
        with SandboxPool(options.sandbox) as pool, pool.slot() as own:
            return grade_submission(submission, data, options, own)
    start = time.perf_counter()
    grading = Grading(submission, data, options, slot,
                      Details(sandbox=options.sandbox, key=options.key(data, submission.student), timings={}))
    try:
        for step in STEPS:
            begun = time.perf_counter()
            step(grading)
            assert grading.details.timings is not None
            grading.details.timings[step.__name__] = round(time.perf_counter() - begun, 4)
            if grading.record is not None:
                break
        result = grading.record
        assert result is not None    # the last step makes it
    except Exception as error:  # noqa: BLE001 - a grader bug on one submission must not stop the class
        message = f"the grader failed on this submission: {type(error).__name__}: {error}"
        grading.details.grader_traceback = traceback.format_exc()[-3000:]
        result = crashed_record(submission.student, submission.path, message, grading.details)
    grading.details.seconds = round(time.perf_counter() - start, 3)
    return result


def _cell_errors(run: RawRun) -> list[dict[str, Any]]:
    return [{"cell": c.get("cell"), **c["error"]} for c in run.cells if isinstance(c.get("error"), dict)]


def _flags(cells: list[str], cell_errors: list[dict[str, Any]]) -> list[str]:
    modules = set(forbidden_imports(cells))
    modules |= {str(e.get("module")).split(".")[0] for e in cell_errors
                if e.get("type") in ("ModuleNotFoundError", "ImportError")
                and str(e.get("module")).split(".")[0] in FORBIDDEN_MODULES}
    return [f"tries to import {m} (the {'grader' if m == 'autograder' else 'answer key'}), which is not "
            f"available while grading; flagged for the instructor" for m in sorted(modules)]


def _own_calls(grading: Grading, helpers: tuple[str, ...]) -> HelperCalls:
    """The student's own calls of each helper on its cases, from that helper's graded run (a figure
    shows what the student's own helper returned)."""
    assert grading.run is not None
    entries = {h: grading.run.exercises.get(h) for h in helpers}
    return {h: (grading.cases[h], e.outcomes if e is not None and e.status is RunStatus.DONE else None)
            for h, e in entries.items()}


def _check_function(name: str, cases: list[Case], run: RawRun, limits: Limits, cells: list[str]) -> ExerciseResult:
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
    assert entry.outcomes is not None    # a DONE run has them (readback)
    return check_exercise(name, cases, entry.outcomes, cells)
