"""grades.csv: one row per student, one column per exercise, then the totals."""
from __future__ import annotations

import csv
import io

from ...assignment.exercises import EXERCISES, EXTRA_POINTS, REQUIRED_POINTS, required_and_extra
from ..record import SubmissionRecord


def grades_csv(records: list[SubmissionRecord]) -> str:
    """CSV text: student, status, every exercise's score, then the totals: required (out of
    REQUIRED_POINTS), extra (out of EXTRA_POINTS), score and max_score (both parts)."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["student", "status", *EXERCISES, f"required (of {REQUIRED_POINTS:g})",
                     f"extra (of {EXTRA_POINTS:g})", "score", "max_score"])
    for record in records:
        scores = {name: e.score for name, e in record.exercises.items()}
        writer.writerow([record.student, str(record.status),
                         *(_number(scores.get(name, 0.0)) for name in EXERCISES),
                         *(_number(part) for part in required_and_extra(scores)),
                         _number(record.score), _number(record.max_score)])
    return stream.getvalue()


def _number(value: float) -> str:
    return f"{float(value):g}"
