"""Many submissions: skip the up-to-date ones, grade the rest on an engine, store each as it finishes."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Iterable

from ..results.record import SubmissionRecord
from ..results.store import is_current, write_record
from .discover import Submission
from .engines import Engine, LocalEngine, Task
from .options import GradeOptions


def _progress(total: int, enabled: bool | None):
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total == 0:
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit="submission", desc="grading", file=sys.stderr)


def grade_all(submissions: Iterable[Submission], out: Path, options: GradeOptions, *,
              engine: Engine | None = None, progress: bool | None = None,
              on_record: Callable[[SubmissionRecord], None] | None = None) -> list[str]:
    """Grade every submission whose record is missing or stale; returns the students graded now."""
    todo = []
    for submission in submissions:
        data = submission.read()
        if not is_current(out, submission.student, options.key(data, submission.student)):
            todo.append(Task(submission, data))
    bar = _progress(len(todo), progress)
    graded = []
    try:
        for task, record in (engine or LocalEngine()).grade(todo, options):
            write_record(out, record)
            graded.append(task.submission.student)
            if on_record:
                on_record(record)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return graded
