"""grades.csv: one row per student, one column per exercise, then the totals.

Every cell is written so that a spreadsheet reads it as text or a number, never as a formula:
a cell that starts with a character a spreadsheet may take as the start of one (= + - @, a tab,
a carriage return, or their full-width forms) gets a leading apostrophe.  Student ids come from
file names and can start with any of them.
"""
from __future__ import annotations

import csv
import io

from ...assignment.exercises import EXERCISES, EXTRA_POINTS, REQUIRED_POINTS, required_and_extra
from ..record import SubmissionRecord

FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def grades_csv(records: list[SubmissionRecord]) -> str:
    """CSV text: student, status, every exercise's score, then the totals: required (out of
    REQUIRED_POINTS), extra (out of EXTRA_POINTS), score and max_score (both parts)."""
    stream = io.StringIO()
    writer = csv.writer(stream)   # CRLF rows (RFC 4180): a CR or LF inside a cell gets it quoted
    rows = [["student", "status", *EXERCISES, f"required (of {REQUIRED_POINTS:g})",
             f"extra (of {EXTRA_POINTS:g})", "score", "max_score"]]
    for record in records:
        scores = {name: e.score for name, e in record.exercises.items()}
        rows.append([record.student, str(record.status), *(_number(scores.get(name, 0.0)) for name in EXERCISES),
                     *(_number(part) for part in required_and_extra(scores)),
                     _number(record.score), _number(record.max_score)])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return stream.getvalue()


def neutralise(cell: str) -> str:
    """`cell` as a spreadsheet shows it but never evaluates it."""
    return "'" + cell if cell[:1] in FORMULA_STARTS else cell


def _number(value: float) -> str:
    return f"{float(value):g}"
