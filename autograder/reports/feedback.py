"""A feedback page per student: per-exercise score, diagnosis hints and their own traceback lines.

Only what the checks put in `feedback`/`diagnosis` is shown (never hidden inputs or expected
values), plus the errors of the student's own cells.
"""
from __future__ import annotations

from typing import Any

from ..exercises import EXERCISES, EXTRA_POINTS, REQUIRED_POINTS, required_and_extra
from .render import render


def feedback_html(record: dict[str, Any], assignment: str) -> str:
    details = record.get("details", {})
    rows = [{"name": name, "optional": EXERCISES[name].optional, **record["exercises"][name]}
            for name in EXERCISES if name in record.get("exercises", {})]
    required, extra = required_and_extra({name: e["score"] for name, e in record.get("exercises", {}).items()})
    parts = {"required": required, "required_max": REQUIRED_POINTS, "extra": extra, "extra_max": EXTRA_POINTS}
    return render("feedback.html", record=record, rows=rows, assignment=assignment, parts=parts,
                  flags=details.get("flags", []), cell_errors=details.get("cell_errors", []))
