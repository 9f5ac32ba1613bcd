"""Write every report of a graded class into the output folder (atomically, file by file)."""
from __future__ import annotations

from pathlib import Path

from ..checks import Check
from ..record import SubmissionRecord
from ..similarity import MAX_COMPARED_CHARS, Similarity
from ..store import write_text_atomic
from .class_report import class_report_html
from .feedback import feedback_html
from .grades_csv import grades_csv
from .render import render

# Each pair shown side by side costs both students' code on the page: past this many, the groups say the rest.
MAX_PAIRS_SHOWN = 200


def write_reports(out: Path, records: list[SubmissionRecord], assignment: str, similarity: Similarity,
                  sandbox_warning: str = "", students: set[str] | None = None,
                  checks: list[Check] | None = None) -> None:
    """grades.csv, report.html (with the check history when `checks` is given), similarity.html and
    feedback/<student>.html (only `students`' pages when given)."""
    write_text_atomic(grades_csv(records), out / "grades.csv")
    for record in records:
        if students is None or record.student in students:
            write_text_atomic(feedback_html(record, assignment), out / "feedback" / f"{record.student}.html")
    write_text_atomic(render("similarity.html", assignment=assignment, similarity=similarity,
                             shown=similarity.pairs[:MAX_PAIRS_SHOWN], max_chars=MAX_COMPARED_CHARS),
                      out / "similarity.html")
    write_text_atomic(class_report_html(records, assignment, similarity, sandbox_warning, checks), out / "report.html")
