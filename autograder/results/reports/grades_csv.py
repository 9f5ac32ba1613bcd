"""grades.csv: one row per student, one column per exercise, then the totals.

It is also the plain per-exercise file for a learning platform other than Canvas (which has
`cnn-grade export canvas`): every cell is safe to open in a spreadsheet (results.spreadsheet).
"""
from __future__ import annotations

from ...assignment.exercises import EXERCISES, EXTRA_POINTS, REQUIRED_POINTS, required_and_extra
from ..host_steps import HostFailures
from ..record import SubmissionRecord
from ..spreadsheet import csv_text, number


def grades_csv(records: list[SubmissionRecord], failures: HostFailures | None = None) -> str:
    """CSV text: student, status, every exercise's score, then the totals: required (out of
    REQUIRED_POINTS), extra (out of EXTRA_POINTS), score and max_score (both parts).  A row that
    cannot be made is left out and said in `failures` (step "grades.csv")."""
    failures = failures if failures is not None else HostFailures()
    header = ["student", "status", *EXERCISES, f"required (of {REQUIRED_POINTS:g})",
              f"extra (of {EXTRA_POINTS:g})", "score", "max_score"]
    rows = []
    for record in records:
        with failures.guard("grades.csv", record.student):
            rows.append(_row(record))
    return csv_text([header, *rows])


def _row(record: SubmissionRecord) -> list[str]:
    scores = {name: e.score for name, e in record.exercises.items()}
    return [record.student, str(record.status), *(number(scores.get(name, 0.0)) for name in EXERCISES),
            *(number(part) for part in required_and_extra(scores)), number(record.score), number(record.max_score)]
