"""The autograded notebook: what formgrader shows the instructor, and nbgrader's feedback channel.

`nbgrader generate_feedback` (and `release_feedback`, which hands out what it made) renders
autograded/<student>/<assignment>/<notebook>.ipynb to HTML beside the gradebook's scores, and
formgrader renders the same file in the instructor's Jupyter session.  Under `nbgrader autograde`
the kernel fills each locked grading cell's output with what ``autograder.notebook.grade`` printed:
the exercise's feedback.  cnn-grade grades in its sandbox instead of the kernel, so it writes the
notebook itself: the student's notebook made safe to render (safe_notebook: nothing a student
wrote becomes live HTML), and in each grading cell, found by its nbgrader grade_id
(``assignment.release``), the exercise's feedback text as its stdout, the same text results.json
and the feedback page hold (the student's own traceback lines, the named mistake or what the
cases show; never a hidden input or expected value).
"""
from __future__ import annotations

import contextlib
import json
from pathlib import Path

from ..assignment.release import release
from ..local_files import MAX_JSON_VALUES, MAX_SUBMISSION_BYTES, json_value_bound, read_regular
from ..sandbox.guest.wire import text as valid_text
from .record import SubmissionRecord
from .safe_notebook import safe_notebook
from .store import write_text_atomic


def write_autograded_notebook(source: Path, notebook_path: Path, record: SubmissionRecord) -> bool:
    """Write the graded notebook `source` to `notebook_path` (atomically) as safe_notebook makes it,
    each grading cell's output its exercise's feedback; True when a grading cell got feedback.
    A source that is no JSON (or too large, or no regular file) leaves no notebook at `notebook_path`:
    formgrader must never render one unsanitised (submitted/ keeps the student's file)."""
    import nbformat

    exercise_of = {cell.grade_id: name for name, cell in release().grade_cells.items()}
    try:
        # Never through a link, never more than a submission may hold, in bytes or JSON values;
        # not validated (a student's file is not ours to correct): parsed and made safe.
        text = read_regular(source, MAX_SUBMISSION_BYTES).decode("utf-8-sig")
        if json_value_bound(text) > MAX_JSON_VALUES:
            raise ValueError("too many JSON values")
        notebook = safe_notebook(json.loads(text))
    except Exception:  # noqa: BLE001 - the student's file: anything that is no JSON is not shown
        with contextlib.suppress(OSError):   # (not there, or a folder: nothing formgrader renders)
            notebook_path.unlink()
        return False
    written = False
    for cell in notebook.cells:
        name = exercise_of.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if cell.cell_type == "code" and name in record.exercises:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                   text=record.exercises[name].feedback + "\n")]
            written = True
    text = nbformat.v4.writes(notebook)
    if valid_text(text) != text:   # a lone surrogate the student's JSON escaped: escaped again, as JSON
        text = nbformat.v4.writes(notebook, ensure_ascii=True)
    write_text_atomic(text, notebook_path)
    return written

