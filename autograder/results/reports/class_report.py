"""The class report: score histogram, pass rate per exercise, commonest diagnosed mistakes, the pairs
of similar submissions (results.similarity), slowest runs, and the "Check my work" history when the
course has a checks database (check_history.py).

Plots are drawn with matplotlib (Agg) and embedded as base64 PNG, so report.html is one file.
"""
from __future__ import annotations

import base64
import io
from collections import Counter
from typing import TYPE_CHECKING, Any

from ...assignment.exercises import EXERCISES, EXTRA_POINTS, REQUIRED_POINTS, required_and_extra
from ..checks import Check
from ..record import SubmissionRecord, SubmissionStatus
from ..similarity import Similarity
from .check_history import check_history
from .render import render

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TOP_MISTAKES = 10
SLOWEST = 5


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _plots(records: list[SubmissionRecord], pass_rates: dict[str, float]) -> dict[str, str]:
    from matplotlib.figure import Figure  # the object API: no pyplot state, safe in threads

    histogram = Figure(figsize=(6, 3))
    ax = histogram.subplots()
    ax.hist([r.score for r in records], bins=20, color="#4472c4")
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.set_title("Total scores")
    rates = Figure(figsize=(6, 3))
    ax = rates.subplots()
    ax.barh(list(pass_rates), [100 * v for v in pass_rates.values()], color="#70ad47")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of submissions with full marks")
    ax.set_title("Pass rate per exercise")
    return {"histogram": _png(histogram), "pass_rates": _png(rates)}


def summary(records: list[SubmissionRecord]) -> dict[str, Any]:
    """The numbers the report shows (also printed by `cnn-grade demo`)."""
    graded = [r for r in records if r.status is SubmissionStatus.GRADED]
    pass_rates = {name: (sum(r.exercises[name].status == "passed" for r in graded) / len(graded)
                         if graded else 0.0) for name in EXERCISES}
    mistakes = Counter((name, hint) for r in graded for name, e in r.exercises.items() for hint in e.diagnosis)
    slowest = sorted(records, key=lambda r: r.details.seconds, reverse=True)[:SLOWEST]
    statuses = Counter(str(r.status) for r in records)
    return {"pass_rates": pass_rates, "mistakes": mistakes.most_common(TOP_MISTAKES), "slowest": slowest,
            "statuses": dict(statuses), "count": len(records),
            "mean": sum(r.score for r in records) / len(records) if records else 0.0,
            "mean_required": _mean_part(records, 0), "mean_extra": _mean_part(records, 1)}


def _mean_part(records: list[SubmissionRecord], part: int) -> float:
    """Mean of the required (part 0) or extra (part 1) points over all submissions."""
    if not records:
        return 0.0
    return sum(required_and_extra({n: e.score for n, e in r.exercises.items()})[part]
               for r in records) / len(records)


def class_report_html(records: list[SubmissionRecord], assignment: str, similarity: Similarity,
                      sandbox_warning: str = "", checks: list[Check] | None = None) -> str:
    """The report; `checks` (the checks database's rows, None when there is none) adds what "Check my work" saw."""
    numbers = summary(records)
    return render("report.html", assignment=assignment, records=records, numbers=numbers, similarity=similarity,
                  plots=_plots(records, numbers["pass_rates"]), sandbox_warning=sandbox_warning,
                  flagged=[r for r in records if r.details.flags],
                  max_score=max((r.max_score for r in records), default=0.0),
                  required_max=REQUIRED_POINTS, extra_max=EXTRA_POINTS,
                  checks=check_history(checks, list(EXERCISES)) if checks else None)
