"""`cnn-grade grade` as a library call: discover → grade the missing records → results.json, reports, gradebook."""
from __future__ import annotations

import concurrent.futures
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..assignment.cases import generator_digest
from ..assignment.release import release
from ..errors import GraderError
from ..results.checks import CHECKS_FILE, CheckStore
from ..results.gradebook import load_nbgrader, sqlite_url, write_scores
from ..results.host_steps import HostFailures
from ..results.record import SubmissionStatus
from ..results.reports.write import write_feedback_pages, write_reports
from ..results.similarity import DEFAULT_THRESHOLD, Similarity, compare
from ..results.store import all_records, results, write_json_atomic
from ..sandbox.cgroups import unavailable as cgroups_unavailable
from ..sandbox.launch import RLIMIT_WARNING, resolve
from ..sandbox.limits import Limits
from .batch import grade_all
from .course import CourseAssignment, course_assignment
from .discover import Submission, discover, is_course_root
from .engines import Engine, LocalEngine
from .fingerprint import grader_fingerprint
from .load import load_cells
from .options import GradeOptions


@dataclass(frozen=True)
class ClassRun:
    results: dict[str, Any]      # the results.json document
    graded_now: list[str]
    out: Path
    gradebook: str | None
    seconds: dict[str, float]    # per phase of the run: discover, grade, results, similarity, reports, gradebook
    warnings: list[str]          # for the instructor: the sandbox's limits, the students a host-side step failed for


class _Phases:
    """Seconds per phase of a run, each phase timed from the end of the one before."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def done(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = round(now - self._last, 4)
        self._last = now


def course_of(roots: list[Path], requested: str | None) -> CourseAssignment:
    """The course's assignment (grading.course) when a course root is graded, else the one asked for
    (default: the release's)."""
    if roots:
        return course_assignment(roots[0], requested)
    return CourseAssignment(requested or release().assignment, release().notebook)


def written_cells(submissions: list[Submission], drop: frozenset[str], failures: HostFailures) -> dict[str, list[str]]:
    """Each readable submission's code cells, as the sandbox would get them (for the similarity report)."""
    cells = {}
    for submission in submissions:
        with failures.guard("similarity", submission.student):
            cells[submission.student] = load_cells(submission.read(), submission.filename, drop)
    return cells


def _similarity(submissions: list[Submission], drop: frozenset[str], threshold: float,
                failures: HostFailures) -> Similarity:
    return compare(written_cells(submissions, drop, failures), list(release().scaffold), threshold)


def grade_class(paths: list[Path], out: Path, *, jobs: int | None = None, timeout: float = 10.0,
                memory_mb: int = 1024, sandbox: str = "auto", gradebook: str | None = None,
                student: str | None = None, progress: bool | None = None,
                engine: Engine | None = None, assignment: str | None = None,
                similarity_threshold: float = DEFAULT_THRESHOLD, checks: str | None = None) -> ClassRun:
    """Grade the submissions under `paths` into `out`; only missing or stale records are (re)graded.

    The engine defaults to a local pool of `jobs` threads; `assignment` names the assignment of a
    course root (default: the course's only one).  Every submission (not only those graded now) is
    compared with every other for the similarity report.  `checks` is the checks database of
    `cnn-grade serve` (default: the course root's checks.sqlite, if any) whose records are reused."""
    phases = _Phases()
    kind = resolve(sandbox)
    per_process_only = cgroups_unavailable()
    warnings = [w for w in (RLIMIT_WARNING if kind == "rlimit" else "", per_process_only) if w]
    warning = " ".join(warnings)
    roots = [p for p in paths if is_course_root(p)]
    course = course_of(roots, assignment)
    everyone = discover(paths, course.name)
    submissions = everyone
    if student is not None:
        submissions = [s for s in everyone if s.student == student]
        if not submissions:
            raise GraderError(f"no submission of student {student!r} under {', '.join(map(str, paths))}")
    if gradebook is None:
        gradebook = sqlite_url(roots[0] / "gradebook.db") if roots else None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GraderError(f"cannot create the output folder {out}: {error}") from None
    fingerprint = grader_fingerprint()
    options = GradeOptions(sandbox=kind, cgroups=not per_process_only,
                           limits=Limits(seconds=timeout, memory_mb=memory_mb),
                           drop_cells=release().locked_test_cells, fingerprint=fingerprint, cases=generator_digest())
    phases.done("discover")
    # The similarity report needs only the code, and the gradebook's modules only importing: both
    # done while the class is graded (the grading threads mostly wait for their sandboxes);
    # "similarity" is what is left of it afterwards.
    unread = HostFailures()    # the background's: a file the similarity report could not read
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="background") as background:
        similar = background.submit(_similarity, everyone, options.drop_cells, similarity_threshold, unread)
        if gradebook:
            background.submit(load_nbgrader)
        if checks is None and roots and (roots[0] / CHECKS_FILE).is_file():
            checks = sqlite_url(roots[0] / CHECKS_FILE)
        with contextlib.closing(CheckStore(checks)) if checks else contextlib.nullcontext() as store:
            graded = grade_all(submissions, out, options, engine=engine or LocalEngine(jobs), progress=progress,
                               reuse=store.record_for if store else None)
            history = store.history(None) if store else None
        phases.done("grade")
        records = all_records(out)
        similarity = similar.result()
        phases.done("similarity")
    # Every host-side step below runs per student in its own guard (results.host_steps). A submission
    # the pipeline found unreadable is said in its record already, not again as a similarity failure.
    readable = {r.student for r in records if r.status is SubmissionStatus.GRADED}
    failures = HostFailures({s: steps for s, steps in unread.by_student.items() if s in readable})
    if gradebook:
        current = {s.student for s in submissions}
        write_scores(gradebook, [r for r in records if r.student in current],
                     course_root=roots[0] if roots else None, assignment=course.name,
                     notebook=course.notebook, failures=failures)
    phases.done("gradebook")
    # Feedback pages are rewritten only for the students graded now (and any page that is missing).
    pages = set(graded) | {r.student for r in records if not (out / "feedback" / f"{r.student}.html").exists()}
    write_feedback_pages(out, records, course.name, failures, pages)
    write_reports(out, records, course.name, similarity, failures, warning, history)
    warnings += failures.warnings()
    phases.done("reports")
    document = results(records, course.name, fingerprint, warning, failures.by_student)
    write_json_atomic(document, out / "results.json")
    phases.done("results")
    return ClassRun(document, graded, out, gradebook, phases.seconds, warnings)
