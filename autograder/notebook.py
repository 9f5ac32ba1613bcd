"""The entry point of the notebook's locked test cells (run by ``nbgrader autograde`` in the kernel).

A test cell reads::

    from autograder.notebook import grade
    grade("conv_forward", globals())

``grade`` runs the student's function on the exercise's cases in the kernel (with the student's
own helpers, and where they fail their own checks once more with the answer key's, keeping the
better score, as the bulk grader does), checks the outcomes with ``autograder.checking``, prints
the feedback to stdout and returns the points, which nbgrader records as the cell's partial
credit.  It never writes to stderr: nbgrader would zero a test cell that does.
"""
from __future__ import annotations

import contextlib
import functools
import io
import warnings
from pathlib import Path
from typing import Any, Callable

from .assignment.cases import COURSE_SEED, cases_for, seed_for
from .assignment.exercises import EXERCISES, Kind
from .checking.exercise import (Substitution, case_passes, check_exercise, helper_source, helpers_to_substitute,
                                with_substitution)
from .checking.figure import check_figure
from .checking.result import ExerciseResult, missing_result
from .sandbox.guest.calls import call_cases
from .sandbox.guest.figures import extract_figures


def student_from_path(folder: Path) -> str | None:
    """The student id of nbgrader's autograded/<student>/<assignment>/ layout, else None."""
    parts = folder.resolve().parts
    return parts[-2] if len(parts) >= 3 and parts[-3] == "autograded" else None


def notebook_seed(folder: Path | None = None) -> int:
    """The hidden cases' seed: the student's (from the autograded/ folder) or the course's."""
    student = student_from_path(folder or Path.cwd())
    return seed_for(student) if student else COURSE_SEED


@functools.lru_cache(maxsize=None)
def answer_key_helpers(names: tuple[str, ...]) -> dict[str, Callable]:
    """The answer key's helper functions, built from the same source the sandbox child gets."""
    namespace: dict[str, Any] = {}
    exec(compile(helper_source(names), "<answer key helpers>", "exec"), namespace)
    return {name: namespace[name] for name in names}


def check_function(exercise: str, function: Any, seed: int) -> ExerciseResult:
    """Run `function` on the exercise's cases in this process and check it; where it fails and a
    helper it calls (from its own globals) fails its own check, the better of that and a run with
    the answer key's helper in its place."""
    if not callable(function):
        return missing_result(exercise, f"{exercise} is not defined: run the cell that defines it "
                                        f"(and keep its name and signature).")
    cases = cases_for(exercise, seed)
    calls = [(case.args, case.kwargs) for case in cases]
    result = check_exercise(exercise, cases, call_cases(function, calls))
    own = getattr(function, "__globals__", {})
    failing = helpers_to_substitute(exercise, result, lambda helper: check_function(helper, own.get(helper), seed))
    if not failing:
        return result
    substituted = call_cases(function, calls, helpers=answer_key_helpers(failing))
    return with_substitution(result, Substitution(failing, case_passes(exercise, cases, substituted)))


def check_in_notebook(exercise: str, namespace: dict, seed: int | None = None) -> ExerciseResult:
    """The result of one exercise for the functions (or figures) defined in `namespace`."""
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; expected one of {sorted(EXERCISES)}")
    if EXERCISES[exercise].kind is Kind.FIGURE:
        return check_figure(exercise, extract_figures(namespace))
    return check_function(exercise, namespace.get(exercise), notebook_seed() if seed is None else seed)


def grade(exercise: str, namespace: dict) -> float:
    """Print the feedback for `exercise` and return the points earned (stdout only, never stderr)."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            result = check_in_notebook(exercise, namespace)
        except Exception as error:  # a grader bug must not cost the student the cell's output
            print(f"{exercise}: the grader failed ({type(error).__name__}: {error}); tell your instructor.")
            return 0.0
    print(result.feedback)
    return result.score
