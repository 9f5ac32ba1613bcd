"""Many submissions: skip the up-to-date ones, grade the rest in parallel, store each as it finishes.

The pool is pluggable: anything with `submit(fn, *args) -> future` whose futures have
`.result()` and work with `concurrent.futures.as_completed`-style iteration (`as_completed` is a
parameter).  The default is a thread pool: each thread only waits on its sandbox subprocess.
A Dask `distributed.Client` fits with `as_completed=distributed.as_completed`.
"""
from __future__ import annotations

import concurrent.futures
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

from .discover import Submission
from .pipeline import GradeOptions, grade_submission
from .store import is_current, write_record
from .zygote_pool import serving


def default_jobs() -> int:
    return os.cpu_count() or 1


def _progress(total: int, enabled: bool | None):
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total == 0:
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit="submission", desc="grading", file=sys.stderr)


def grade_all(submissions: Iterable[Submission], out: Path, options: GradeOptions, *, jobs: int | None = None,
              pool: Any = None, as_completed: Callable = concurrent.futures.as_completed,
              progress: bool | None = None, on_record: Callable[[dict], None] | None = None) -> list[str]:
    """Grade every submission whose record is missing or stale; returns the students graded now."""
    todo = []
    for submission in submissions:
        data = submission.read()
        if not is_current(out, submission.student, options.key(data)):
            todo.append((submission, data))
    own_pool = pool is None
    if own_pool:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs or default_jobs()))
    bar = _progress(len(todo), progress)
    graded = []
    with serving():
        try:
            futures = {pool.submit(grade_submission, data, submission.filename, submission.student, options): submission
                       for submission, data in todo}
            for future in as_completed(list(futures)):
                submission = futures[future]
                record = future.result()
                record["path"] = submission.path
                write_record(out, record)
                graded.append(submission.student)
                if on_record:
                    on_record(record)
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
            if own_pool:
                pool.shutdown(wait=True, cancel_futures=True)
        return graded
