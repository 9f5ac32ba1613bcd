"""The grader of "Convolutional Neural Networks: Step by Step".

The public API (typed: the package ships ``py.typed``)::

    from autograder import grade_notebook
    record = grade_notebook("cnn_step_by_step.ipynb", student="alice")   # sandboxed; no course folder
    print(record.score, record.exercises["conv_forward"].status)

``Grader`` grades many submissions with warm sandboxes (``with Grader(slots=2) as grader:
grader.grade(data, student=...)``); ``SubmissionRecord`` is what both return (results.json's
submission schema: ``record.to_json()``).

The folders, along the way a submission travels (each layer imports only the layers before it):
``assignment/`` (exercises, cases, expected outputs), ``sandbox/`` (where a submission is executed;
``guest/`` runs beside student code), ``checking/`` (where an exercise is checked: verdicts,
scores, the catalog of mistakes), ``results/`` (records, gradebook, reports), ``grading/``
(discovery, the pipeline, engines), and ``cli`` (``cnn-grade``) and ``notebook`` (the notebook's
locked cells) on top.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .grading.grader import Grader, grade_notebook
    from .results.record import SubmissionRecord

__all__ = ["Grader", "SubmissionRecord", "grade_notebook"]

# Imported on first use: `import autograder` (the notebook's locked cell, the CLI) stays light.
_EXPORTS = {"Grader": ".grading.grader", "grade_notebook": ".grading.grader", "SubmissionRecord": ".results.record"}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
