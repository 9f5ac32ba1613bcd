"""CSV text that spreadsheets open as data, never as formulas.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` as a formula
(a tab or a line break in front is skipped by some of them, and some read the full-width forms
＝ ＋ － ＠ as well), so a student id, a name copied from a roster or any text we pass on could run
a formula on the instructor's machine (CSV injection).  Every cell we write goes through
`safe_cell`, which puts the spreadsheets' own "this is text" mark, a leading apostrophe, in front
of such a cell.  Scores are never negative, so no number is changed.  Rows end with CRLF (RFC
4180), so that a line break inside a cell is quoted rather than read as the end of a row.
"""  # noqa: RUF002 - the full-width forms above are the point, not a typo
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: object) -> str:
    """`value` as CSV cell text that no spreadsheet runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """The CSV text of `rows`, every cell made safe (rows end with CRLF)."""
    stream = io.StringIO()
    writer = csv.writer(stream)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return stream.getvalue()


def number(value: float) -> str:
    """A score as spreadsheets and learning platforms read it: 18, 9.5 (never 18.0)."""
    return f"{float(value):g}"
