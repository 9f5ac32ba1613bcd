"""Shared test helpers (imported by the tests as `support`; conftest.py puts the repository on the
path): the repository's paths, the notebook's solutions, notebooks built from sources, the demo
class's submissions, and grading one submission as results.json stores it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autograder.grading.discover import Submission
from autograder.grading.options import GradeOptions
from autograder.grading.pipeline import grade_submission
from tools.demo import EXAMPLES, example_bytes

REPOSITORY = Path(__file__).resolve().parents[1]

SOLUTIONS_FILE = REPOSITORY / "cnn_reference" / "notebook_solutions.py"
SOLUTIONS = SOLUTIONS_FILE.read_text(encoding="utf-8")


def notebook(*sources: str, nbformat: int = 4) -> bytes:
    """An .ipynb file whose code cells are `sources` (nbformat 3 or 4)."""
    if nbformat == 3:
        cells = [{"cell_type": "code", "input": s, "outputs": [], "language": "python"} for s in sources]
        return json.dumps({"nbformat": 3, "worksheets": [{"cells": cells}]}).encode()
    return json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": s.splitlines(True),
                                                 "outputs": []} for s in sources]}).encode()


def demo_submission(name: str) -> bytes:
    """The bytes the demo hands in for tools/demo_submissions/<name> (solutions in front where it says so)."""
    return example_bytes(EXAMPLES / name)


def grade(data: bytes, filename: str, student: str, options: GradeOptions) -> dict[str, Any]:
    """One submission graded through the whole pipeline, as its results.json record."""
    return grade_submission(Submission(student, filename, filename), data, options).to_json()


def course_of(root: Path, students: dict[str, list[str]]) -> Path:
    """An nbgrader course root whose submitted/<student>/cnn_step_by_step/ holds a notebook of the given cells."""
    for student, cells in students.items():
        folder = root / "submitted" / student / "cnn_step_by_step"
        folder.mkdir(parents=True)
        (folder / "cnn_step_by_step.ipynb").write_bytes(notebook(*cells))
    return root
