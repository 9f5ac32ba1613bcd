"""Where the batch's submissions are graded: one interface, a local thread pool or a Dask cluster.

An engine takes the batch's tasks and yields each task with its record as soon as it is ready,
in any order.  Nothing here writes: the batch stores every record as it arrives.
"""
from __future__ import annotations

import concurrent.futures
import os
from dataclasses import dataclass
from typing import Iterator, Protocol

from ..results.record import SubmissionRecord
from ..sandbox.zygotes import ZygotePool
from .discover import Submission
from .options import GradeOptions
from .pipeline import grade_submission


@dataclass(frozen=True)
class Task:
    submission: Submission
    data: bytes


class Engine(Protocol):
    def grade(self, tasks: list[Task], options: GradeOptions) -> Iterator[tuple[Task, SubmissionRecord]]:
        """Grade every task with `options`, yielding (task, record) as each finishes."""


def default_jobs() -> int:
    return os.cpu_count() or 1


class LocalEngine:
    """`jobs` submissions at a time on this machine, each in one of the batch's zygotes (bubblewrap).

    Threads are enough: each one only waits on its sandbox.
    """

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or default_jobs())

    def grade(self, tasks: list[Task], options: GradeOptions) -> Iterator[tuple[Task, SubmissionRecord]]:
        zygotes = ZygotePool(options.limits.tmp_mb) if options.sandbox == "bwrap" else None
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs)
        try:
            futures = {pool.submit(_grade_in_slot, task, options, zygotes): task for task in tasks}
            for future in concurrent.futures.as_completed(futures):
                yield futures[future], future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if zygotes is not None:
                zygotes.close()


def _grade_in_slot(task: Task, options: GradeOptions, zygotes: ZygotePool | None) -> SubmissionRecord:
    if zygotes is None:
        return grade_submission(task.submission, task.data, options)
    with zygotes.slot() as zygote:
        return grade_submission(task.submission, task.data, options, zygote)
