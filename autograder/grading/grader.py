"""The library's entry point: grade one notebook (`grade_notebook`), or many with warm sandboxes (`Grader`).

`Grader` holds a pool of sandbox slots (a zygote each under bubblewrap) and a thread per slot, so
that grading a submission costs its own run and no sandbox start-up.  The CLI's local engine, the
Dask workers and the grading service all grade through one; `grade_notebook` is a `Grader` of one
slot used once.  Every grade is the same record `cnn-grade grade` writes (results.json's submission
schema): the same cases (seeded by the student id and the bytes), sandbox, limits and checks.
"""
from __future__ import annotations

import concurrent.futures
import os
from pathlib import Path
from types import TracebackType

from ..assignment.cases import generator_digest
from ..assignment.release import release
from ..local_files import MAX_SUBMISSION_BYTES, UnreadableFile, read_regular
from ..results.record import Details, SubmissionRecord, unreadable_record
from ..sandbox.cgroups import unavailable as cgroups_unavailable
from ..sandbox.launch import RLIMIT_WARNING, resolve
from ..sandbox.limits import Limits
from ..sandbox.pool import SandboxPool
from .discover import Submission
from .fingerprint import grader_fingerprint
from .options import GradeOptions
from .pipeline import grade_submission


def grade_options(*, timeout: float = 10.0, memory_mb: int = 1024,
                  sandbox: str = "auto") -> tuple[GradeOptions, list[str]]:
    """The options every grade of this grader uses, and the warnings to show about its sandbox
    (no bubblewrap, no cgroups); raises GraderError when the sandbox asked for cannot run here."""
    kind = resolve(sandbox)
    per_process_only = cgroups_unavailable()
    warnings = [w for w in (RLIMIT_WARNING if kind == "rlimit" else "", per_process_only) if w]
    options = GradeOptions(sandbox=kind, cgroups=not per_process_only,
                           limits=Limits(seconds=timeout, memory_mb=memory_mb),
                           drop_cells=release().locked_test_cells, fingerprint=grader_fingerprint(),
                           cases=generator_digest())
    return options, warnings


class Grader:
    """Grades submissions, `slots` at a time, each in a warm sandbox; safe to call from any thread.

    Use it as a context manager (or call `close`): closing stops every sandbox process it started.
    """

    def __init__(self, *, slots: int = 1, timeout: float = 10.0, memory_mb: int = 1024, sandbox: str = "auto",
                 options: GradeOptions | None = None) -> None:
        if options is None:
            options, self.warnings = grade_options(timeout=timeout, memory_mb=memory_mb, sandbox=sandbox)
        else:
            self.warnings = []
        self.options = options
        self.slots = max(1, slots)
        self._sandboxes = SandboxPool(options.sandbox)
        # One thread per slot: a zygote dies with the thread that started it, and these live as long as the grader.
        self._threads = concurrent.futures.ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="slot")
        self._threads.submit(self._sandboxes.start, self.slots).result()

    def key(self, data: bytes, student: str) -> str:
        """The resume key of a record of `data` for `student` (grading.options.GradeOptions.key)."""
        return self.options.key(data, student)

    def submit(self, data: bytes, *, student: str = "student", filename: str = "submission.ipynb",
               path: str | None = None) -> concurrent.futures.Future[SubmissionRecord]:
        """Grade `data` (a notebook's or a .py file's bytes, `filename` telling which) in the next free
        slot; the future's result is its record (grading never raises: a failure is a crashed record)."""
        submission = Submission(student, path or filename, filename)
        return self._threads.submit(self._grade, submission, data)

    def grade(self, data: bytes, *, student: str = "student", filename: str = "submission.ipynb",
              path: str | None = None) -> SubmissionRecord:
        """`submit`, waiting for the record."""
        return self.submit(data, student=student, filename=filename, path=path).result()

    def _grade(self, submission: Submission, data: bytes) -> SubmissionRecord:
        with self._sandboxes.slot() as slot:
            return grade_submission(submission, data, self.options, slot)

    def stop(self) -> None:
        """Kill every sandbox process now (from any thread): grades under way end as crashed records."""
        self._sandboxes.stop()

    def close(self) -> None:
        self._sandboxes.stop()
        self._threads.shutdown(wait=True, cancel_futures=True)
        self._sandboxes.close()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def grade_notebook(source: bytes | str | os.PathLike[str], *, student: str = "student", filename: str | None = None,
                   timeout: float = 10.0, memory_mb: int = 1024, sandbox: str = "auto") -> SubmissionRecord:
    """Grade one submission in a sandbox, with no course folder: its record, as results.json holds it.

    source -- the notebook's (or .py file's) bytes, or the path of the file
    student -- the id its hidden cases are seeded with (with the bytes), and the record's student
    filename -- tells a notebook from a .py file for bytes (default: the path's name, else an .ipynb)

    >>> record = grade_notebook("cnn_step_by_step.ipynb", student="alice")   # doctest: +SKIP
    >>> record.score, record.exercises["conv_forward"].status                 # doctest: +SKIP
    (18.0, <ExerciseStatus.PASSED: 'passed'>)
    """
    if isinstance(source, bytes):
        data, name, path = source, filename or "submission.ipynb", filename or "submission.ipynb"
    else:
        file = Path(source)
        name, path = filename or file.name, str(file)
        try:
            data = read_regular(file, MAX_SUBMISSION_BYTES)
        except UnreadableFile as error:
            return unreadable_record(student, path, str(error), Details())
    with Grader(slots=1, timeout=timeout, memory_mb=memory_mb, sandbox=sandbox) as grader:
        return grader.grade(data, student=student, filename=name, path=path)
