"""Shared test helpers (imported by the tests as `support`; conftest.py puts the repository on the
path): the repository's paths, the notebook's solutions, notebooks built from sources, the release
with some answers filled in, the demo class's submissions, grading one submission as results.json
stores it, and real nbgrader courses (generated from the source, submissions made from the release)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat

from autograder.assignment.cases import seed_for
from autograder.grading.discover import Submission, discover
from autograder.grading.options import GradeOptions
from autograder.grading.pipeline import grade_submission
from autograder.nbgrader_env import nbgrader_env
from tools.demo import EXAMPLES, example_bytes

REPOSITORY = Path(__file__).resolve().parents[1]

SOLUTIONS_FILE = REPOSITORY / "cnn_reference" / "notebook_solutions.py"
SOLUTIONS = SOLUTIONS_FILE.read_text(encoding="utf-8")
ASSIGNMENT = "cnn_step_by_step"
SOURCE_NOTEBOOK = REPOSITORY / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE = REPOSITORY / "release" / ASSIGNMENT
RELEASE_NOTEBOOK = RELEASE / f"{ASSIGNMENT}.ipynb"
VENV_BIN = Path(sys.executable).parent


def _figure_cell() -> str:
    """The notebook's padding-figure cell, with the imports the notebook's first cell gives it."""
    cells = json.loads(SOURCE_NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    source = next("".join(c["source"]) for c in cells if 'axarr[1].set_title("x_pad")' in "".join(c["source"]))
    return "import numpy as np\nimport matplotlib.pyplot as plt\n" + source + "\n"


# The release's padding-figure cell, as students run it (the figure shows x and zero_pad(x, 2)).
FIGURE_CELL = _figure_cell()


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


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run a real `nbgrader` command in `course`; it must succeed."""
    # nbgrader runs `alembic` from PATH when it creates the gradebook.
    result = subprocess.run([str(VENV_BIN / "nbgrader"), *args], cwd=course, env=nbgrader_env(),
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def released_course(root: Path) -> Path:
    """`root` made a course holding the repository's config and source, with the release generated
    (and so the gradebook, with every cell of the notebook)."""
    shutil.copy(REPOSITORY / "nbgrader_config.py", root)
    shutil.copytree(REPOSITORY / "source", root / "source",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    return root


def meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def submission(answers: dict[str, str]) -> nbformat.NotebookNode:
    """The release notebook with the given answer cells' sources replaced (by grade_id)."""
    notebook = nbformat.read(RELEASE / f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in notebook.cells:
        if meta(cell).get("grade_id") in answers:
            cell.source = answers[meta(cell)["grade_id"]]
    return notebook


def solutions() -> dict[str, str]:
    """The source notebook's answer cells, by grade_id."""
    source = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    return {meta(c)["grade_id"]: c.source for c in source.cells if meta(c).get("solution")}


def with_bug(name: str, line: str, buggy: str) -> dict[str, str]:
    """The solutions with `line` of answer cell `name` replaced by `buggy`."""
    answers = solutions()
    assert answers[name].count(line) == 1, line
    answers[name] = answers[name].replace(line, buggy)
    return answers


def course_of(root: Path, students: dict[str, list[str]]) -> Path:
    """An nbgrader course root whose submitted/<student>/cnn_step_by_step/ holds a notebook of the given cells."""
    for student, cells in students.items():
        folder = root / "submitted" / student / "cnn_step_by_step"
        folder.mkdir(parents=True)
        (folder / "cnn_step_by_step.ipynb").write_bytes(notebook(*cells))
    return root


def submitted_seed(course: Path, student: str) -> int:
    """The seed of the hidden cases `student`'s submission in the course root `course` was graded on
    (from the file the grader's discovery picks, and its bytes)."""
    (submission,) = [s for s in discover([course]) if s.student == student]
    return seed_for(student, submission.read())
