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
from ..sandbox.pool import SandboxPool
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
    """`jobs` submissions at a time on this machine, each in a slot of the batch's sandboxes
    (a zygote under bubblewrap).

    Threads are enough: each one only waits on its sandbox.  However grading ends (done, Ctrl-C,
    SIGTERM, a crash), the sandboxes are stopped first, so that running jobs end at once and the
    threads with them.
    """

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or default_jobs())

    def grade(self, tasks: list[Task], options: GradeOptions) -> Iterator[tuple[Task, SubmissionRecord]]:
        sandboxes = SandboxPool(options.sandbox)
        threads = concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs)
        try:
            sandboxes.start(min(self.jobs, len(tasks)))
            futures = {threads.submit(_grade_in_slot, task, options, sandboxes): task for task in tasks}
            for future in concurrent.futures.as_completed(futures):
                yield futures[future], future.result()
        finally:
            sandboxes.stop()
            threads.shutdown(wait=True, cancel_futures=True)
            sandboxes.close()


def _grade_in_slot(task: Task, options: GradeOptions, sandboxes: SandboxPool) -> SubmissionRecord:
    with sandboxes.slot() as slot:
        return grade_submission(task.submission, task.data, options, slot)
