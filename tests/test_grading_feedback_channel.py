"""Feedback reaches students the way nbgrader courses send it: after `cnn-grade grade` on a course
root, `nbgrader generate_feedback` (real nbgrader, real gradebook) renders the autograded notebooks
with each grading cell's feedback, hints included, and never a hidden input or expected value."""
from __future__ import annotations

import html
from pathlib import Path

import nbformat
import numpy as np
import pytest
from support import ASSIGNMENT, nbgrader, released_course, solutions, submission, submitted_seed, with_bug

from autograder.assignment.cases import cases_for
from autograder.assignment.exercises import FUNCTIONS
from autograder.checking.verdict import expected_outputs
from autograder.cli import main

# Each test here runs real nbgrader and sandboxes for several seconds.
pytestmark = pytest.mark.slow

STUDENTS = {
    "stride": lambda: with_bug("conv_forward", "vert_start = h * stride", "vert_start = h"),
    "float_b": lambda: with_bug("conv_single_step", "Z = Z + b.item()", "Z = Z + float(b)"),
    "solved": solutions,
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The course, and per student the feedback page `nbgrader generate_feedback` made (its text, unescaped)."""
    course = released_course(tmp_path_factory.mktemp("course"))
    for student, answers in STUDENTS.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(submission(answers()), folder / f"{ASSIGNMENT}.ipynb")
    assert main(["grade", str(course), "--out", str(course / "graded"), "--jobs", "2"]) == 0
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    pages: dict[str, str] = {}
    for student in STUDENTS:
        page: Path = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        pages[student] = html.unescape(page.read_text(encoding="utf-8"))
    return {"course": course, "pages": pages}


def test_nbgraders_feedback_carries_the_hints(graded: dict) -> None:
    feedback = graded["pages"]
    assert "conv_forward: 1 / 4 points" in feedback["stride"]
    assert "Likely mistake, slice corners ignore the stride" in feedback["stride"]
    assert "Likely mistake, float(b) on a (1, 1, 1) array" in feedback["float_b"]
    assert "in conv_single_step: Z = Z + float(b)" in feedback["float_b"]        # the student's own line
    assert "(the same error in 4 more cases)" in feedback["float_b"]
    assert "conv_forward: 4 / 4 points" in feedback["float_b"]                   # charged once
    assert "pool_backward: 3 / 3 points" in feedback["solved"] and "Hint" not in feedback["solved"]


def _numbers(value: object) -> list[float]:
    """The first few non-integer numbers of every array or float in `value` (a case's arguments, a cache)."""
    if isinstance(value, (tuple, list)):
        return [v for item in value for v in _numbers(item)]
    if isinstance(value, dict):
        return _numbers(list(value.values()))
    if isinstance(value, (np.ndarray, float)):
        return [float(v) for v in np.ravel(value)[:6] if float(v) != int(v)]
    return []


def _printed(value: float) -> str:
    """How any printout of `value` starts: its sign, integer part and six decimals (truncated)."""
    text = f"{abs(value):.12f}"
    return text[: text.index(".") + 7]


def test_nbgraders_feedback_never_shows_a_hidden_input_or_expected_value(graded: dict) -> None:
    for student, page in graded["pages"].items():
        for exercise in FUNCTIONS:
            for case in cases_for(exercise, submitted_seed(graded["course"], student)):
                if case.kind != "hidden":
                    continue
                values = _numbers([case.args, list(expected_outputs(case).values())])
                leaked = [v for v in values if _printed(v) in page]
                assert not leaked, (student, exercise, case.label, leaked)
