"""A feedback page per student: per-exercise score, diagnosis hints and their own traceback lines.

Only what the checks put in `feedback`/`diagnosis` is shown (never hidden inputs or expected
values), plus the errors of the student's own cells.
"""
from __future__ import annotations

from ...assignment.exercises import EXERCISES, EXTRA_POINTS, REQUIRED_POINTS, required_and_extra
from ..record import SubmissionRecord
from .render import render


def feedback_html(record: SubmissionRecord, assignment: str) -> str:
    rows = [{"name": name, "optional": EXERCISES[name].optional, **record.exercises[name].to_json()}
            for name in EXERCISES if name in record.exercises]
    required, extra = required_and_extra({name: e.score for name, e in record.exercises.items()})
    parts = {"required": required, "required_max": REQUIRED_POINTS, "extra": extra, "extra_max": EXTRA_POINTS}
    return render("feedback.html", record=record, rows=rows, assignment=assignment, parts=parts,
                  flags=record.details.flags, cell_errors=record.details.cell_errors)
