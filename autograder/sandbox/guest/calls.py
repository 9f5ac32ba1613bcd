"""Call one student function on a list of cases and record what happened, as plain data.

This is the only grading step that touches student code, and it is the same in both places a
student is graded: in the notebook's locked test cells (nbgrader autograde, in the kernel) and
in the sandboxed child of the bulk grader.  It decides nothing: every comparison happens later,
in the grader's process (autograder.checking).

This module runs beside student code, so it imports nothing from the grader.
"""
from __future__ import annotations

import contextlib
import copy
import io
import time
import traceback
import types
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from .wire import to_plain

MAX_CAPTURED_CHARS = 2000
# Frames from files with these names are grader frames: feedback shows the student's own lines.
GRADER_FILES = ("calls.py", "runner.py", "wire.py", "notebook.py")


def with_helpers(function: Callable[..., Any], helpers: Mapping[str, Callable[..., Any]]) -> Callable[..., Any]:
    """A copy of `function` whose global names in `helpers` resolve to the given functions.

    Used to grade e.g. conv_forward with the answer key's zero_pad, so a bug in the student's
    zero_pad is charged to zero_pad alone.
    """
    if not helpers or not isinstance(function, types.FunctionType):
        return function
    namespace = dict(function.__globals__)
    namespace.update(helpers)
    clone = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__
    )
    clone.__kwdefaults__ = function.__kwdefaults__
    return clone


def student_traceback(error: BaseException, limit: int = 8) -> list[str]:
    """The traceback lines of the student's own code (cell or file and line), grader frames trimmed."""
    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.endswith(GRADER_FILES) and "/numpy/" not in frame.filename
    ]
    lines = [f'{_where(frame.filename)}, line {frame.lineno}, in {frame.name}: {(frame.line or "").strip()}'
             for frame in frames[-limit:]]
    return [*lines, f"{type(error).__name__}: {_truncate(str(error), 300)}"]


def _where(filename: str) -> str:
    # ipykernel names cells "/tmp/ipykernel_<pid>/<hash>.py"; the runner names them "<cell N>".
    return "In a notebook cell" if "ipykernel_" in filename else filename


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters]"


def call_case(function: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Call function(*args, **kwargs) on private copies of the inputs.

    Returns {"value", "error", "inputs_after", "output", "seconds"}: the return value and the
    inputs after the call as plain data (the grader checks for in-place changes), the error
    with the student's traceback, and what the call printed (stdout, stderr, warnings).
    """
    args, kwargs = copy.deepcopy(args), copy.deepcopy(dict(kwargs))
    printed = io.StringIO()
    record: dict[str, Any] = {"value": None, "error": None}
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        warnings.simplefilter("always")
        try:
            record["value"] = to_plain(function(*args, **kwargs))
        except (Exception, SystemExit, RecursionError) as error:  # noqa: BLE001 - student code may raise anything
            record["error"] = {
                "type": type(error).__name__,
                "message": _truncate(str(error), 500),
                "traceback": student_traceback(error),
            }
    record["seconds"] = time.perf_counter() - start
    output = printed.getvalue() + "".join(f"warning: {w.message}\n" for w in caught)
    record["output"] = _truncate(output, MAX_CAPTURED_CHARS)
    record["inputs_after"] = to_plain((tuple(args), dict(kwargs)))
    return record


def call_cases(
    function: Callable[..., Any],
    cases: list[tuple[tuple[Any, ...], Mapping[str, Any]]],
    helpers: Mapping[str, Callable[..., Any]] | None = None,
) -> list[dict[str, Any]]:
    """call_case on every (args, kwargs), with `helpers` bound in the function's globals."""
    bound = with_helpers(function, helpers or {})
    return [call_case(bound, args, kwargs) for args, kwargs in cases]
