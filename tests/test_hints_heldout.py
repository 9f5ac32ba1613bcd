"""Held-out student mistakes (none of them in the catalog as written), graded in the real sandbox:
each hint must be true of the student's code, and of the exercise it is shown under."""
from __future__ import annotations

import pytest
from support import FIGURE_CELL, SOLUTIONS, grade, notebook

from autograder.grading.options import GradeOptions
from autograder.sandbox.limits import Limits

pytestmark = pytest.mark.slow

OPTIONS = GradeOptions(sandbox="bwrap", limits=Limits(seconds=10))
FIGURE = "import matplotlib\nmatplotlib.use('Agg')\n" + FIGURE_CELL


def with_bugs(*edits: tuple[str, str, str]) -> str:
    """The notebook's solutions with each (function, old, new) edit made inside that function."""
    source = SOLUTIONS
    for function, old, new in edits:
        start = source.index(f"\ndef {function}(")
        end = source.find("\ndef ", start + 1) % (len(source) + 1)
        assert source[start:end].count(old) == 1, old
        source = source[:start] + source[start:end].replace(old, new) + source[end:]
    return source


def graded(source: str, student: str = "kim") -> dict:
    return grade(notebook(source, FIGURE), "kim.ipynb", student, OPTIONS)["exercises"]


def hints(result: dict) -> list[str]:
    return [line.strip() for line in result["feedback"].splitlines() if line.strip().startswith("Hint:")]


def test_a_helpers_error_is_not_named_as_the_callers_mistake() -> None:
    # float(b) in conv_single_step (it raises on NumPy >= 2.4) and, in conv_forward, the loops over
    # the output rows and columns take each other's range.  conv_forward's own run raises in
    # conv_single_step: that is conv_single_step's mistake, named there; conv_forward has another.
    exercises = graded(with_bugs(("conv_single_step", "Z = Z + b.item()", "Z = Z + float(b)"),
                                 ("conv_forward", "for h in range(n_H):", "for h in range(n_W):"),
                                 ("conv_forward", "for w in range(n_W):", "for w in range(n_H):")))
    step, conv = exercises["conv_single_step"], exercises["conv_forward"]
    assert step["diagnosis"] == ["float(b) on a (1, 1, 1) array"]
    assert 0 < conv["score"] < 4 and conv["status"] == "failed"
    assert conv["diagnosis"] == [] and "Likely mistake" not in conv["feedback"], conv["feedback"]
    assert "graded with the answer key's conv_single_step" in conv["feedback"]
