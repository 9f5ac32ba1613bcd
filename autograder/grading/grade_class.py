"""`cnn-grade grade` as a library call: discover → grade the missing records → results.json, reports, gradebook."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..assignment.release import release
from ..errors import GraderError
from ..results.gradebook import sqlite_url, write_scores
from ..results.reports.write import write_reports
from ..results.store import all_records, results, write_json_atomic
from ..sandbox.cgroups import unavailable as cgroups_unavailable
from ..sandbox.launch import RLIMIT_WARNING, resolve
from ..sandbox.limits import Limits
from .batch import grade_all
from .discover import discover, is_course_root
from .engines import Engine, LocalEngine
from .fingerprint import grader_fingerprint
from .options import GradeOptions


@dataclass(frozen=True)
class ClassRun:
    results: dict[str, Any]      # the results.json document
    graded_now: list[str]
    out: Path
    gradebook: str | None


def grade_class(paths: list[Path], out: Path, *, jobs: int | None = None, timeout: float = 10.0,
                memory_mb: int = 1024, sandbox: str = "auto", gradebook: str | None = None,
                student: str | None = None, progress: bool | None = None,
                engine: Engine | None = None) -> ClassRun:
    """Grade the submissions under `paths` into `out`; only missing or stale records are (re)graded.

    The engine defaults to a local pool of `jobs` threads."""
    kind = resolve(sandbox)
    per_process_only = cgroups_unavailable()
    warnings = [w for w in (RLIMIT_WARNING if kind == "rlimit" else "", per_process_only) if w]
    for text in warnings:
        print(f"warning: {text}", file=sys.stderr)
    warning = " ".join(warnings)
    submissions = discover(paths)
    if student is not None:
        submissions = [s for s in submissions if s.student == student]
        if not submissions:
            raise GraderError(f"no submission of student {student!r} under {', '.join(map(str, paths))}")
    roots = [p for p in paths if is_course_root(p)]
    if gradebook is None:
        gradebook = sqlite_url(roots[0] / "gradebook.db") if roots else None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GraderError(f"cannot create the output folder {out}: {error}") from None
    fingerprint = grader_fingerprint()
    options = GradeOptions(sandbox=kind, cgroups=not per_process_only,
                           limits=Limits(seconds=timeout, memory_mb=memory_mb),
                           drop_cells=release().locked_test_cells, fingerprint=fingerprint)
    graded = grade_all(submissions, out, options, engine=engine or LocalEngine(jobs), progress=progress)
    records = all_records(out)
    document = results(records, release().assignment, fingerprint, warning)
    write_json_atomic(document, out / "results.json")
    # Feedback pages are rewritten only for the students graded now (and any page that is missing).
    pages = set(graded) | {r.student for r in records if not (out / "feedback" / f"{r.student}.html").exists()}
    write_reports(out, records, release().assignment, warning, pages)
    if gradebook:
        current = {s.student for s in submissions}
        write_scores(gradebook, [r for r in records if r.student in current],
                     course_root=roots[0] if roots else None)
    return ClassRun(document, graded, out, gradebook)
