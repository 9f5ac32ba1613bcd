"""Scores → the nbgrader gradebook (its own `Gradebook` API, any SQLAlchemy URL; SQLite by default).

One grade cell per exercise, named as the release's locked test cells (assignment.release), so
`nbgrader export`, formgrader and `nbgrader generate_feedback` see our scores as autograded ones
(and, through the autograded notebook's outputs, the feedback).
"""
from __future__ import annotations

import datetime
import os
import re
import secrets
import shutil
import warnings
from pathlib import Path
from typing import Any

from ..assignment.release import release
from ..local_files import UnreadableFile, read_regular
from ..nbgrader_env import nbgrader_env
from .autograded_notebook import write_autograded_notebook
from .host_steps import HostFailures
from .record import SubmissionRecord
from .store import write_text_atomic
from .timestamp import parse_timestamp

TIMESTAMP_BYTES = 1000
SECRET_BYTES = 1000
NBGRADER_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f UTC"   # what `nbgrader submit` writes (naive UTC, said)
_HEX = re.compile(r"[0-9a-f]{16,256}", re.ASCII)


def load_nbgrader() -> None:
    """Import nbgrader's gradebook API and nbformat, which take about a second (jsonschema's format
    checkers among them): a caller can have it done while it waits for something else."""
    import nbformat  # noqa: F401
    import nbgrader.api  # noqa: F401


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def _submitted_timestamp(course_root: Path, student: str, assignment: str) -> datetime.datetime | None:
    path = course_root / "submitted" / student / assignment / "timestamp.txt"
    try:
        return parse_timestamp(read_regular(path, TIMESTAMP_BYTES).decode("utf-8"))
    except (UnreadableFile, UnicodeDecodeError):
        return None


def _submission_secret(course_root: Path, student: str, assignment: str) -> str:
    """The secret `nbgrader submit` wrote (hex), which names the student's released feedback; one
    that is missing or no hex is replaced by a fresh one, so that `nbgrader release_feedback` (which
    opens it for every student) runs for the class, that student's feedback only unfetchable."""
    path = course_root / "submitted" / student / assignment / "submission_secret.txt"
    try:
        secret = read_regular(path, SECRET_BYTES).decode("ascii").strip()
    except (UnreadableFile, UnicodeDecodeError):
        secret = ""
    return secret if _HEX.fullmatch(secret) else secrets.token_hex(64)


def _write_autograded(course_root: Path, record: SubmissionRecord, assignment: str, notebook: str,
                      timestamp: datetime.datetime | None) -> None:
    """nbgrader counts a submission as autograded (formgrader shows its scores per student) only
    when autograded/<student>/<assignment>/ exists and the gradebook's timestamp equals the one in
    submitted/ (NbGraderAPI.get_autograded_students).  The folder holds what formgrader and
    `nbgrader generate_feedback` / `release_feedback` read, all written by us: the notebook that was
    graded, under the course's notebook name, made safe to render (autograded_notebook); its
    timestamp.txt in nbgrader's format as our strict grammar read it (empty when it read none:
    nbgrader then warns, never stops); submission_secret.txt, hex only.  No other file of the
    student's reaches formgrader or the feedback."""
    handed_in = course_root / "submitted" / record.student
    if any(p.is_symlink() for p in (handed_in, handed_in / assignment, Path(record.path))):
        return   # a linked submission (unreadable, said in its record): nothing is made for it
    folder = course_root / "autograded" / record.student / assignment
    if folder.is_symlink() or (folder.parent.is_symlink()):
        raise ValueError("a link where the autograded folder goes")
    folder.mkdir(parents=True, exist_ok=True)
    ours = {f"{notebook}.ipynb", "timestamp.txt", "submission_secret.txt"}
    for stale in folder.iterdir():     # left by an earlier run or an older grader: never another student's file
        if stale.name not in ours or stale.is_symlink() or not stale.is_file():
            shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
    write_text_atomic(timestamp.strftime(NBGRADER_TIMESTAMP) if timestamp else "", folder / "timestamp.txt")
    write_text_atomic(_submission_secret(course_root, record.student, assignment), folder / "submission_secret.txt")
    write_autograded_notebook(Path(record.path), folder / f"{notebook}.ipynb", record)


def write_scores(url: str, records: list[SubmissionRecord], course_root: Path | None = None, *,
                 assignment: str | None = None, notebook: str | None = None,
                 failures: HostFailures | None = None) -> int:
    """Set auto_score of every exercise of every record; students and submissions are created as needed.

    `assignment` and `notebook` are the names the course gave them (default: the release's); the
    grade cells keep the release's ids.  With `course_root` (an nbgrader course), submissions also
    get their submitted timestamp and an autograded/ folder, so formgrader treats them exactly like
    `nbgrader autograde`'s; the autograded notebook is made safe to render for the instructor and
    gets each grading cell's feedback as its output, so `nbgrader generate_feedback` hands the
    students their hints (autograded_notebook.py).  Each student's writes are guarded (in
    `failures`, step "gradebook") and rolled back on failure, so the next one starts clean.  Returns
    the number of grades set."""
    from nbgrader.api import Gradebook, MissingEntry

    # The Gradebook API runs `alembic` in a child that inherits this process's environment.
    os.environ["PATH"] = nbgrader_env()["PATH"]
    assignment, notebook = assignment or release().assignment, notebook or release().notebook
    cells = release().grade_cells
    written, failures = 0, failures if failures is not None else HostFailures()
    with Gradebook(url) as gradebook:
        gradebook.update_or_create_assignment(assignment)
        gradebook.update_or_create_notebook(notebook, assignment)
        cell_ids = {}
        for name, cell in cells.items():
            try:
                grade_cell = gradebook.find_grade_cell(cell.grade_id, notebook, assignment)
            except MissingEntry:
                grade_cell = gradebook.update_or_create_grade_cell(cell.grade_id, notebook, assignment,
                                                                   max_score=cell.points, cell_type="code")
            cell_ids[name] = grade_cell.id
        for record in records:
            with failures.guard("gradebook", record.student):
                try:
                    written += _write_one(gradebook, record, cells, cell_ids, course_root, assignment, notebook)
                except BaseException:
                    gradebook.db.rollback()
                    raise
    return written


def _write_one(gradebook: Any, record: SubmissionRecord, cells: dict[str, Any], cell_ids: dict[str, Any],
               course_root: Path | None, assignment: str, notebook: str) -> int:
    from nbgrader.api import Grade, MissingEntry
    from sqlalchemy.exc import SAWarning

    student, written = record.student, 0
    try:
        gradebook.find_student(student)
    except MissingEntry:
        gradebook.add_student(student)
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        with warnings.catch_warnings():
            # nbgrader's add_submission builds its objects in a way SQLAlchemy 2 warns
            # about (autoflush); it is nbgrader's own code path for autograde too.
            warnings.filterwarnings("ignore", category=SAWarning)
            submission = gradebook.add_submission(assignment, student)
    if course_root is not None:
        submission.timestamp = _submitted_timestamp(course_root, student, assignment)
        _write_autograded(course_root, record, assignment, notebook, submission.timestamp)
    submitted = next(nb for nb in submission.notebooks if nb.name == notebook)
    grades = {grade.cell_id: grade for grade in submitted.grades}    # one query, not one per cell
    for name, result in record.exercises.items():
        if name not in cells:
            continue
        grade = grades.get(cell_ids[name])
        if grade is None:
            grade = Grade(cell_id=cell_ids[name], notebook=submitted)
            gradebook.db.add(grade)
        grade.auto_score = float(result.score)
        written += 1
    gradebook.db.commit()
    return written
