"""Shared test helpers (imported by the tests as `support`; conftest.py puts the repository on the
path): the repository's paths, the notebook's solutions, notebooks built from sources, the release
with some answers filled in, the demo class's submissions, and grading one submission as
results.json stores it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat

from autograder.grading.discover import Submission
from autograder.grading.options import GradeOptions
from autograder.grading.pipeline import grade_submission
from tools.demo import EXAMPLES, example_bytes

REPOSITORY = Path(__file__).resolve().parents[1]

SOLUTIONS_FILE = REPOSITORY / "cnn_reference" / "notebook_solutions.py"
SOLUTIONS = SOLUTIONS_FILE.read_text(encoding="utf-8")
SOURCE_NOTEBOOK = REPOSITORY / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"
RELEASE_NOTEBOOK = REPOSITORY / "release" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"


def notebook(*sources: str, nbformat: int = 4) -> bytes:
    """An .ipynb file whose code cells are `sources` (nbformat 3 or 4)."""
    if nbformat == 3:
        cells = [{"cell_type": "code", "input": s, "outputs": [], "language": "python"} for s in sources]
        return json.dumps({"nbformat": 3, "worksheets": [{"cells": cells}]}).encode()
    return json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": s.splitlines(True),
                                                 "outputs": []} for s in sources]}).encode()


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solutions() -> dict[str, str]:
    """The source notebook's answer cells by grade_id (the exercise's name)."""
    source = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    return {_nbgrader(c)["grade_id"]: c.source for c in source.cells if _nbgrader(c).get("solution")}


def with_bug(name: str, line: str, buggy: str) -> dict[str, str]:
    """The solutions with `line` of exercise `name` replaced by `buggy`."""
    answers = solutions()
    assert answers[name].count(line) == 1, line
    answers[name] = answers[name].replace(line, buggy)
    return answers


def submission(answers: dict[str, str]) -> nbformat.NotebookNode:
    """The release notebook with the given answer cells' sources replaced (by grade_id)."""
    notebook = nbformat.read(RELEASE_NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if _nbgrader(cell).get("grade_id") in answers:
            cell.source = answers[_nbgrader(cell)["grade_id"]]
    return notebook


def demo_submission(name: str) -> bytes:
    """The bytes the demo hands in for tools/demo_submissions/<name> (solutions in front where it says so)."""
    return example_bytes(EXAMPLES / name)


def grade(data: bytes, filename: str, student: str, options: GradeOptions) -> dict[str, Any]:
    """One submission graded through the whole pipeline, as its results.json record."""
    return grade_submission(Submission(student, filename, filename), data, options).to_json()
