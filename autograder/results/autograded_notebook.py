"""Feedback into the autograded notebook, the file nbgrader's own feedback channel reads.

`nbgrader generate_feedback` (and `release_feedback`, which hands out what it made) renders
autograded/<student>/<assignment>/<notebook>.ipynb to HTML beside the gradebook's scores.  Under
`nbgrader autograde` the kernel fills each locked grading cell's output with what
``autograder.notebook.grade`` printed: the exercise's feedback.  cnn-grade grades in its sandbox
instead of the kernel, so it writes that output itself: each grading cell, found by its nbgrader
grade_id (``assignment.release``), gets the exercise's feedback text as its stdout, the same text
results.json and the feedback page hold (the student's own traceback lines, the named mistake or
what the cases show; never a hidden input or expected value).  Every other cell stays as the
student handed it in.
"""
from __future__ import annotations

import warnings
from pathlib import Path

from ..assignment.release import release
from ..local_files import MAX_SUBMISSION_BYTES, read_regular
from .record import SubmissionRecord
from .store import write_text_atomic


def write_feedback_outputs(notebook_path: Path, record: SubmissionRecord) -> bool:
    """Put each exercise's feedback into its grading cell's output in `notebook_path` (rewritten
    atomically); False, and nothing written, when the file is not a notebook with grading cells
    (a .py submission, an unreadable file, a notebook of another version of the assignment)."""
    import nbformat

    exercise_of = {cell.grade_id: name for name, cell in release().grade_cells.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat's validation warnings about a student's file
        try:
            # Never through a link, never more than a submission may hold.  Not validated (nbformat's
            # validation only logs, and a student's file is not ours to correct): read and converted.
            notebook = nbformat.convert(nbformat.reader.reads(
                read_regular(notebook_path, MAX_SUBMISSION_BYTES).decode("utf-8-sig")), 4)
        except Exception:  # noqa: BLE001 - the student's file: anything nbformat cannot take gets no outputs
            return False
        written = False
        for cell in notebook.cells:
            name = exercise_of.get(_grade_id(cell))
            if cell.get("cell_type") != "code" or name not in record.exercises:
                continue
            cell.outputs = [nbformat.from_dict({"output_type": "stream", "name": "stdout",
                                                "text": record.exercises[name].feedback + "\n"})]
            written = True
        if written:
            text = nbformat.v4.writes(notebook)
            if not _is_text(text):   # a lone surrogate the student's JSON escaped: escaped again, as JSON
                text = nbformat.v4.writes(notebook, ensure_ascii=True)
            write_text_atomic(text, notebook_path)
    return written


def _grade_id(cell: dict) -> str | None:
    """The cell's nbgrader grade_id; None where the student's metadata is not nbgrader's shape."""
    metadata = cell.get("metadata")
    nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
