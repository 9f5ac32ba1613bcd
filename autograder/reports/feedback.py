"""A feedback page per student: per-exercise score, diagnosis hints and their own traceback lines.

Only what the checks put in `feedback`/`diagnosis` is shown (never hidden inputs or expected
values), plus the errors of the student's own cells.
"""
from __future__ import annotations

from typing import Any

from ..exercises import EXERCISES
from .render import render


def feedback_html(record: dict[str, Any], assignment: str) -> str:
    details = record.get("details", {})
    rows = [{"name": name, "optional": EXERCISES[name].optional, **record["exercises"][name]}
            for name in EXERCISES if name in record.get("exercises", {})]
    return render("feedback.html", record=record, rows=rows, assignment=assignment,
                  flags=details.get("flags", []), cell_errors=details.get("cell_errors", []))
