"""CSV text that spreadsheets open as data, never as formulas.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` as a formula
(a tab or a carriage return in front is skipped by some of them), so a student id, a name copied
from a roster or any text we pass on could run a formula on the instructor's machine (CSV
injection).  Every cell we write goes through `safe_cell`, which puts the spreadsheets' own "this
is text" mark, a leading apostrophe, in front of such a cell.  Scores are never negative, so no
number is changed.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """`value` as CSV cell text that no spreadsheet runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """The CSV text of `rows`, every cell made safe (lines end with \\n)."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return stream.getvalue()


def number(value: float) -> str:
    """A score as spreadsheets and learning platforms read it: 18, 9.5 (never 18.0)."""
    return f"{float(value):g}"
