"""Scores → the nbgrader gradebook (its own `Gradebook` API, any SQLAlchemy URL; SQLite by default).

One grade cell per exercise, named as the release's locked test cells (assignment.release), so
`nbgrader export`, formgrader and `nbgrader generate_feedback` see our scores as autograded ones
(and, through the autograded notebook's outputs, the feedback).
"""
from __future__ import annotations

import contextlib
import datetime
import os
import warnings
from pathlib import Path

from ..assignment.release import release
from ..local_files import UnreadableFile, copy_regular_tree, read_regular
from ..nbgrader_env import nbgrader_env
from .autograded_notebook import write_autograded_notebook
from .record import SubmissionRecord

TIMESTAMP_BYTES = 1000


def load_nbgrader() -> None:
    """Import nbgrader's gradebook API and nbformat, which take about a second (jsonschema's format
    checkers among them): a caller can have it done while it waits for something else."""
    import nbformat  # noqa: F401 - imported for its cost, not its name
    import nbgrader.api  # noqa: F401 - imported for its cost, not its name


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def _submitted_timestamp(course_root: Path, student: str, assignment: str) -> datetime.datetime | None:
    from nbgrader.utils import parse_utc

    path = course_root / "submitted" / student / assignment / "timestamp.txt"
    try:
        parsed: datetime.datetime = parse_utc(read_regular(path, TIMESTAMP_BYTES).decode("utf-8").strip())
        return parsed
    except (UnreadableFile, ValueError, OverflowError):
        return None


def _mark_autograded(course_root: Path, student: str, assignment: str) -> None:
    """nbgrader counts a submission as autograded (formgrader shows its scores per student) only
    when autograded/<student>/<assignment>/ exists and the gradebook's timestamp equals the one in
    submitted/ (NbGraderAPI.get_autograded_students): give it the folder, as `nbgrader autograde` does.
    Only regular files and real folders are copied: a link in submitted/ (to the answer key, another
    student's work, /dev/zero) is left out, and a linked student folder gets no copy at all."""
    student_dir = course_root / "submitted" / student
    if not student_dir.is_symlink():
        with contextlib.suppress(UnreadableFile, OSError):
            copy_regular_tree(student_dir / assignment, course_root / "autograded" / student / assignment)


def write_scores(url: str, records: list[SubmissionRecord], course_root: Path | None = None, *,
                 assignment: str | None = None, notebook: str | None = None) -> int:
    """Set auto_score of every exercise of every record; students and submissions are created as needed.

    `assignment` and `notebook` are the names the course gave them (default: the release's); the
    grade cells keep the release's ids.  With `course_root` (an nbgrader course), submissions also
    get their submitted timestamp and an autograded/ folder, so formgrader treats them exactly like
    `nbgrader autograde`'s; the autograded notebook is made safe to render for the instructor and
    gets each grading cell's feedback as its output, so `nbgrader generate_feedback` hands the
    students their hints (autograded_notebook.py)."""
    from nbgrader.api import Grade, Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    # The Gradebook API runs `alembic` in a child that inherits this process's environment.
    os.environ["PATH"] = nbgrader_env()["PATH"]
    assignment, notebook = assignment or release().assignment, notebook or release().notebook
    cells = release().grade_cells
    written = 0
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
            student = record.student
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
                _mark_autograded(course_root, student, assignment)
                autograded = course_root / "autograded" / student / assignment / f"{notebook}.ipynb"
                write_autograded_notebook(autograded, record)
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
