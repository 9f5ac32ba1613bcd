"""Many submissions: skip the up-to-date ones, grade the rest on an engine, store each as it finishes.

Each submission is read and stored inside its own guard: a file that will not be read (a link, a
FIFO, too large) becomes that student's `unreadable` record, and a record that cannot be stored
(text that is not valid UTF-8, a number JSON cannot hold) becomes that student's `crashed` record
saying so; the other students, results.json, the reports and the gradebook are never affected.
"""
from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ..local_files import UnreadableFile
from ..results.record import Details, SubmissionRecord, crashed_record, unreadable_record
from ..results.store import is_current, write_record
from ..sandbox.guest.wire import text as valid_text
from .discover import Submission
from .engines import Engine, LocalEngine, Task
from .options import GradeOptions

if TYPE_CHECKING:
    from tqdm import tqdm


def _progress(total: int, enabled: bool | None) -> tqdm[NoReturn] | None:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total == 0:
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit="submission", desc="grading", file=sys.stderr)


def grade_all(submissions: Iterable[Submission], out: Path, options: GradeOptions, *,
              engine: Engine | None = None, progress: bool | None = None,
              on_record: Callable[[SubmissionRecord], None] | None = None,
              reuse: Callable[[str], SubmissionRecord | None] | None = None) -> list[str]:
    """Grade every submission whose record is missing or stale; returns the students graded now.

    `reuse(key)` may give a record already made with that resume key (a "Check my work" check of the
    same bytes, grader and limits), which is stored instead of grading the submission again."""
    todo, graded = [], []
    for submission in submissions:
        try:
            data = submission.read()
        except UnreadableFile as error:
            _store(out, unreadable_record(submission.student, submission.path, str(error),
                                          Details(sandbox=options.sandbox)))
            graded.append(submission.student)
            continue
        key = options.key(data, submission.student)
        if is_current(out, submission.student, key):
            continue
        checked = reuse(key) if reuse else None
        if checked is not None and checked.student == submission.student:
            _store(out, dataclasses.replace(checked, path=submission.path))
            graded.append(submission.student)
        else:
            todo.append(Task(submission, data))
    bar = _progress(len(todo), progress)
    try:
        for task, record in (engine or LocalEngine()).grade(todo, options):
            record = _store(out, record)
            graded.append(task.submission.student)
            if on_record:
                on_record(record)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return graded


def _store(out: Path, record: SubmissionRecord) -> SubmissionRecord:
    """Write the record; one that cannot be written is replaced by a crashed record that says why."""
    try:
        write_record(out, record)
        return record
    except (ValueError, TypeError, UnicodeError) as error:
        why = valid_text(str(error)[:200])
        stored = crashed_record(record.student, record.path, f"the grader could not store this submission's "
                                f"record ({type(error).__name__}: {why}); re-run to grade it again",
                                Details(sandbox=record.details.sandbox))
        write_record(out, stored)
        return stored
