"""`cnn-grade grade` as a library call: discover → grade the missing records → results.json, reports, gradebook."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .batch import grade_all
from .discover import ASSIGNMENT, discover, is_course_root
from .errors import GraderError
from .gradebook import sqlite_url, write_scores
from .load import locked_test_cells
from .pipeline import GradeOptions
from .sandbox import RLIMIT_WARNING, Limits, resolve
from .store import all_records, results, write_json_atomic


@dataclass(frozen=True)
class ClassRun:
    results: dict[str, Any]
    graded_now: list[str]
    out: Path
    gradebook: str | None


def grade_class(paths: list[Path], out: Path, *, jobs: int | None = None, timeout: float = 10.0,
                memory_mb: int = 1024, sandbox: str = "auto", gradebook: str | None = None,
                student: str | None = None, progress: bool | None = None, pool: Any = None,
                as_completed: Callable | None = None) -> ClassRun:
    """Grade the submissions under `paths` into `out`; only missing or stale records are (re)graded."""
    kind = resolve(sandbox)
    warning = RLIMIT_WARNING if kind == "rlimit" else ""
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
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
    options = GradeOptions(sandbox=kind, limits=Limits(seconds=timeout, memory_mb=memory_mb),
                           drop_cells=locked_test_cells())
    extra = {"as_completed": as_completed} if as_completed is not None else {}
    graded = grade_all(submissions, out, options, jobs=jobs, pool=pool, progress=progress, **extra)
    records = all_records(out)
    document = results(records, ASSIGNMENT, warning)
    write_json_atomic(document, out / "results.json")
    from ..reports.write import write_reports
    # Feedback pages are rewritten only for the students graded now (and any page that is missing).
    pages = set(graded) | {r["student"] for r in records if not (out / "feedback" / f"{r['student']}.html").exists()}
    write_reports(out, document, pages)
    if gradebook:
        current = {s.student for s in submissions}
        write_scores(gradebook, [r for r in records if r["student"] in current],
                     course_root=roots[0] if roots else None)
    return ClassRun(document, graded, out, gradebook)
