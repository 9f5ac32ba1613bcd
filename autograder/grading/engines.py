"""Where the batch's submissions are graded: one interface, a local pool of warm sandboxes or a Dask cluster.

An engine takes the batch's tasks and yields each task with its record as soon as it is ready,
in any order.  Nothing here writes: the batch stores every record as it arrives.
"""
from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from ..results.record import SubmissionRecord
from .discover import Submission
from .grader import Grader
from .options import GradeOptions


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
    """`jobs` submissions at a time on this machine, in a Grader's warm slots (a zygote each under
    bubblewrap).  However grading ends (done, Ctrl-C, SIGTERM, a crash), the sandboxes are stopped
    first, so that running jobs end at once and their threads with them."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or default_jobs())

    def grade(self, tasks: list[Task], options: GradeOptions) -> Iterator[tuple[Task, SubmissionRecord]]:
        if not tasks:
            return
        with Grader(slots=min(self.jobs, len(tasks)), options=options) as grader:
            futures = {grader.submit(task.data, student=task.submission.student, filename=task.submission.filename,
                                     path=task.submission.path): task for task in tasks}
            try:
                for future in concurrent.futures.as_completed(futures):
                    yield futures[future], future.result()
            finally:
                grader.stop()
