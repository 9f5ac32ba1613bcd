"""grades.csv: one row per student, one column per exercise, then the totals."""
from __future__ import annotations

import csv
import io
from typing import Any

from ..exercises import EXERCISES


def grades_csv(records: list[dict[str, Any]]) -> str:
    """CSV text: student, status, every exercise's score, score, max_score."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["student", "status", *EXERCISES, "score", "max_score"])
    for record in records:
        exercises = record.get("exercises", {})
        writer.writerow([record["student"], record["status"],
                         *(_number(exercises.get(name, {}).get("score", 0.0)) for name in EXERCISES),
                         _number(record["score"]), _number(record["max_score"])])
    return stream.getvalue()


def _number(value: float) -> str:
    return f"{float(value):g}"
