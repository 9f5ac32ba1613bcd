"""The entry point of the notebook's locked test cells (run by ``nbgrader autograde`` in the kernel).

The notebook's locked "load the grader" cell imports this module with the submission's folder off
``sys.path`` (so that no file a student hands in can pose as it) and binds ``grade`` to the name
``_autograde``; a test cell reads::

    _autograde("conv_forward", globals())

``grade`` runs the student's function on the exercise's cases in the kernel (with the student's
own helpers, and where they fail their own checks once more with the answer key's, keeping the
better score, as the bulk grader does), checks the outcomes with ``autograder.checking``, prints
the feedback to stdout and returns the points, which nbgrader records as the cell's partial
credit.  It never writes to stderr: nbgrader would zero a test cell that does.

The kernel's working folder is the student's submission, on ``sys.path`` ahead of site-packages:
a folder ``numpy/`` or ``cnn_reference/`` handed in would replace the real one for whatever imports
it.  So the submission's folder is off the path while grading (as in cnn-grade's sandbox, where
only the notebook is), and a submission whose files already replaced an installed module scores
nothing (the feedback says which).
Student code still shares this kernel: ``cnn-grade`` is the sandboxed path.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.machinery
import inspect
import io
import os
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .assignment.cases import COURSE_SEED, cases_for, seed_for
from .assignment.exercises import EXERCISES, Kind
from .checking.exercise import (
    Substitution,
    case_passes,
    check_exercise,
    helper_source,
    helpers_to_substitute,
    with_substitution,
)
from .checking.figure import HelperCalls, check_figure
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


@functools.cache
def answer_key_helpers(names: tuple[str, ...]) -> dict[str, Callable[..., Any]]:
    """The answer key's helper functions, built from the same source the sandbox child gets."""
    namespace: dict[str, Any] = {}
    exec(compile(helper_source(names), "<answer key helpers>", "exec"), namespace)
    return {name: namespace[name] for name in names}


def _as_sent(value: Any) -> Any:
    """The case's arguments as the sandbox's calls receive them: every string a new object, equal to
    the case's (a string literal in code is one object, shared by the cases and, often, the student's
    own literals; the sandbox's arguments are decoded copies), so a comparison with `is` against a
    literal fails here as it does in cnn-grade."""
    if isinstance(value, str):
        return "".join([value[:1], value[1:]]) if len(value) > 1 else value
    if isinstance(value, tuple):
        return tuple(_as_sent(item) for item in value)
    if isinstance(value, list):
        return [_as_sent(item) for item in value]
    if isinstance(value, dict):
        return {_as_sent(key): _as_sent(item) for key, item in value.items()}
    return value


def _source_of(function: Any) -> list[str]:
    """The source of the student's function, as one cell ([] when it cannot be read)."""
    try:
        return [textwrap.dedent(inspect.getsource(function))]
    except Exception:  # noqa: BLE001 - no source (a builtin, a lambda's odd cell): no observation from it
        return []


def check_function(exercise: str, function: Any, seed: int) -> ExerciseResult:
    """Run `function` on the exercise's cases in this process and check it; where it fails and a
    helper it calls (from its own globals) fails its own check, the better of that and a run with
    the answer key's helper in its place."""
    if not callable(function):
        return missing_result(exercise, f"{exercise} is not defined: run the cell that defines it "
                                        f"(and keep its name and signature).")
    cases = cases_for(exercise, seed)
    calls = [(_as_sent(case.args), _as_sent(dict(case.kwargs))) for case in cases]
    result = check_exercise(exercise, cases, call_cases(function, calls), _source_of(function))
    own = getattr(function, "__globals__", {})
    failing = helpers_to_substitute(exercise, result, lambda helper: check_function(helper, own.get(helper), seed))
    if not failing:
        return result
    substituted = call_cases(function, calls, helpers=answer_key_helpers(failing))
    return with_substitution(result, Substitution(failing, case_passes(exercise, cases, substituted)), cases)


def own_calls(helpers: tuple[str, ...], namespace: dict[str, Any], seed: int) -> HelperCalls:
    """The student's own calls of each helper on its cases (None for a helper that is not defined)."""
    calls: HelperCalls = {}
    for helper in helpers:
        cases, function = cases_for(helper, seed), namespace.get(helper)
        own = call_cases(function, [(c.args, c.kwargs) for c in cases]) if callable(function) else None
        calls[helper] = (cases, own)
    return calls


def check_in_notebook(exercise: str, namespace: dict[str, Any], seed: int | None = None) -> ExerciseResult:
    """The result of one exercise for the functions (or figures) defined in `namespace`."""
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; expected one of {sorted(EXERCISES)}")
    seed = notebook_seed() if seed is None else seed
    if EXERCISES[exercise].kind is Kind.FIGURE:
        helpers = own_calls(EXERCISES[exercise].helpers, namespace, seed)
        return check_figure(exercise, extract_figures(namespace), helpers)
    return check_function(exercise, namespace.get(exercise), seed)


def _elsewhere(folder: Path) -> list[str]:
    """sys.path without `folder` (the kernel adds its working folder, as "" or as a path)."""
    return [p for p in sys.path if Path(p or ".").resolve() != folder]


@contextlib.contextmanager
def _off_path(folder: Path) -> Iterator[None]:
    """`folder` is off sys.path inside the block, so nothing imported there can come from it."""
    saved = sys.path[:]
    sys.path[:] = _elsewhere(folder)
    try:
        yield
    finally:
        sys.path[:] = saved


def _loaded_from(folder: Path, name: str, module: Any) -> bool:
    """True when the top-level module `name` was found in `folder` itself (`folder/name.py`,
    `folder/name/__init__.py`), i.e. through the path entry of the kernel's working folder."""
    file = getattr(module, "__file__", None)
    if not isinstance(file, str):
        return False
    origin = Path(file).resolve()
    return origin.parent == folder or (origin.parent.parent == folder and origin.parent.name == name)


def shadowing_modules(folder: Path) -> list[str]:
    """The loaded top-level modules found in `folder` that stand in for an installed module of the
    same name (e.g. a `numpy/` or `cnn_reference/` folder handed in and imported)."""
    folder = folder.resolve()
    elsewhere = _elsewhere(folder)
    return sorted(name for name, module in list(sys.modules.items())
                  if "." not in name and _loaded_from(folder, name, module)
                  and importlib.machinery.PathFinder.find_spec(name, elsewhere) is not None)


def grade(exercise: str, namespace: dict[str, Any]) -> float:
    """Print the feedback for `exercise` and return the points earned (stdout only, never stderr)."""
    folder = Path(os.getcwd()).resolve()
    shadowed = shadowing_modules(folder)
    if shadowed:
        print(f"{exercise}: not graded: files in your folder replace the installed {', '.join(shadowed)}; "
              f"rename them and submit again. 0 points")
        return 0.0
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()), _off_path(folder):
        warnings.simplefilter("ignore")
        try:
            result = check_in_notebook(exercise, namespace)
        except Exception as error:  # noqa: BLE001  a grader bug must not cost the student the cell's output
            print(f"{exercise}: the grader failed ({type(error).__name__}: {error}); tell your instructor.")
            return 0.0
    print(result.feedback)
    return result.score
