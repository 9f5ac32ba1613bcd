"""What a check answers: the record in results.json's submission schema, less what the student is not shown.

The grader's own details (resume key, timings, sandbox log) are left out, the notebook's cell errors
kept; with `Show.HINTS` (the instructor's switch) the scores are left out too, so that a student
sees the hints and the failing cases before the deadline, not a grade.
"""
from __future__ import annotations

import enum
from typing import Any

from ..results.checks import Check, iso
from ..results.record import SubmissionRecord

_SCORES = ("score", "max_score")


class Show(enum.StrEnum):
    HINTS = "hints"
    SCORE = "score"


def answer(check: Check, record: SubmissionRecord, show: Show) -> dict[str, Any]:
    shown = record.to_json()
    shown["cell_errors"] = shown.pop("details").get("cell_errors", [])
    del shown["path"]
    if show is Show.HINTS:
        for part in (shown, *shown["exercises"].values()):
            for name in _SCORES:
                part.pop(name, None)
    shown["check"] = {"id": check.id, "created": iso(check.created), "sha256": check.sha256, "show": str(show)}
    return shown
