"""Write every report of a graded class into the output folder (atomically, file by file)."""
from __future__ import annotations

from pathlib import Path

from ..checks import Check
from ..host_steps import HostFailures
from ..record import SubmissionRecord
from ..similarity import MAX_COMPARED_CHARS, Similarity
from ..store import write_text_atomic
from .class_report import class_report_html
from .feedback import feedback_html
from .grades_csv import grades_csv
from .render import render


def write_similarity(out: Path, assignment: str, similarity: Similarity) -> None:
    """similarity.html: the groups, those similar to many, and the shown pairs side by side."""
    write_text_atomic(render("similarity.html", assignment=assignment, similarity=similarity,
                             shown=similarity.shown, max_chars=MAX_COMPARED_CHARS), out / "similarity.html")


def write_feedback_pages(out: Path, records: list[SubmissionRecord], assignment: str, failures: HostFailures,
                         students: set[str] | None = None) -> None:
    """feedback/<student>.html (only `students`' pages when given), each in its student's guard."""
    for record in records:
        if students is None or record.student in students:
            with failures.guard("feedback page", record.student):
                write_text_atomic(feedback_html(record, assignment), out / "feedback" / f"{record.student}.html")


def write_reports(out: Path, records: list[SubmissionRecord], assignment: str, similarity: Similarity,
                  failures: HostFailures, warning: str = "", checks: list[Check] | None = None) -> None:
    """grades.csv (a row per student, each in its guard), similarity.html and report.html (with the
    check history when `checks` is given)."""
    write_text_atomic(grades_csv(records, failures), out / "grades.csv")
    write_similarity(out, assignment, similarity)
    write_text_atomic(class_report_html(records, assignment, similarity, warning, checks), out / "report.html")
