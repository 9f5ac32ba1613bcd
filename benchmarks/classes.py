"""The classes the grading benchmarks grade: real nbgrader courses made from this repository's source.

`full`: the release notebook as students get it (every cell: figures, visible checks, the gradient
check), with the solutions pasted into its answer cells, or the solutions with one known bug, or
left untouched.  `lean`: the same assignment cut down to what grading needs, the cell that binds
`_autograde`, then the eight solution cells each followed by its grading cell (no figure, so the
padding figure is not part of it).  Both are generated with `nbgrader generate_assignment`, so
`nbgrader autograde` and `cnn-grade grade` grade the same submissions in the same layout.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.assignment.exercises import EXERCISES, FUNCTIONS
from autograder.nbgrader_env import nbgrader_env

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "cnn_step_by_step"
BIN = Path(sys.executable).parent
BUGS = {  # one known mistake each: (answer cell, line in the solution, the line with the bug)
    "no_stride": ("conv_forward", "vert_start = h * stride", "vert_start = h"),
    "no_bias": ("conv_single_step", "Z = Z + b.item()", "Z = Z"),
    "max_in_average": ("pool_forward", "A[i, h, w, c] = np.mean(a_prev_slice)", "A[i, h, w, c] = np.max(a_prev_slice)"),
    "pad_every_axis": ("zero_pad", "((0, 0), (pad, pad), (pad, pad), (0, 0))", "pad"),
}
KINDS = ("solved", *BUGS, "solved", "unmodified")


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def nbgrader(course: Path, *args: str) -> None:
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=nbgrader_env(), capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.exit(f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def _lean(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """numpy, the locked cell binding `_autograde`, and each function exercise's solution and grading cells."""
    keep = {"load_grader"} | set(FUNCTIONS) | {f"test_{name}" for name in FUNCTIONS}
    notebook.cells = [nbformat.v4.new_code_cell("import numpy as np")] + [
        cell for cell in notebook.cells if _meta(cell).get("grade_id") in keep]
    return notebook


def build_class(course: Path, students: int, lean: bool = False) -> dict[str, str]:
    """An nbgrader course in `course` with `students` submissions; returns student -> kind
    (solved, a bug's name, or unmodified)."""
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(
        ROOT / "source", course / "source", ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    )
    source_file = course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    source = nbformat.read(source_file, as_version=4)
    if lean:
        nbformat.write(_lean(source), source_file)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    solutions = {_meta(c)["grade_id"]: c.source for c in source.cells if _meta(c).get("solution")}
    handed_in = {}
    for n in range(students):
        kind = KINDS[n % len(KINDS)]
        answers = {} if kind == "unmodified" else dict(solutions)
        if kind in BUGS:
            cell, line, buggy = BUGS[kind]
            assert answers[cell].count(line) == 1, (kind, line)
            answers[cell] = answers[cell].replace(line, buggy)
        notebook = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        for cell in notebook.cells:
            if _meta(cell).get("grade_id") in answers:
                cell.source = answers[_meta(cell)["grade_id"]]
        student = f"student{n:03d}_{kind}"
        folder = course / "submitted" / student / ASSIGNMENT
        shutil.copytree(course / "release" / ASSIGNMENT, folder)
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
        handed_in[student] = kind
    return handed_in


def graded_exercises(lean: bool) -> tuple[str, ...]:
    """The exercises the class's notebook has a grading cell for."""
    return FUNCTIONS if lean else tuple(EXERCISES)
