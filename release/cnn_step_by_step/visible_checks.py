"""The notebook's visible tests: the published example outputs beside yours, and a PASS/FAIL line.

Each exercise has its published seeded cases plus a few extra cases of every kind the hidden
grading uses (pad = 0, stride >= 2, f = 1, non-square inputs, a batch of 1, tied maxima in max
pooling), so no hidden case is of a kind you have not seen.  Inputs and expected outputs are read from `visible_expected.npz`,
written by `make reference` from the answer key; only numpy is needed here.
"""
from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

DATA_FILE = Path(__file__).with_name("visible_expected.npz")
RTOL, ATOL = 1e-5, 1e-7


def load_cases(path: Path = DATA_FILE) -> dict[str, list[dict]]:
    """Every visible case by exercise, with its arguments and expected output decoded."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    manifest = json.loads(str(arrays.pop("manifest")))
    for cases in manifest.values():
        for case in cases:
            for key in ("args", "kwargs", "expected", "accepted"):
                if key in case:
                    case[key] = _decode(case[key], arrays)
    return manifest


def _decode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if isinstance(value, dict):
        if "array" in value:
            return arrays[value["array"]].copy()
        if "tuple" in value:
            return tuple(_decode(v, arrays) for v in value["tuple"])
        return {k: _decode(v, arrays) for k, v in value["dict"].items()}
    return value


@contextlib.contextmanager
def skip_if_unanswered() -> Iterator[None]:
    """Run the block; if it calls an exercise still raising NotImplementedError, print one line.

    Only the stub's NotImplementedError is softened: any other error in your code shows its full
    traceback, and stops Run All as usual.
    """
    try:
        yield
    except NotImplementedError as error:
        print(f"{_innermost(error)}: not implemented yet: write your code between the markers")


def check(exercise: str, function: Callable) -> None:
    """Run `function` on every visible case of `exercise`, print expected vs yours and PASS/FAIL.

    An unanswered exercise prints one line; any other error raised by your function is not
    caught: you see your own traceback, with a note naming the case.
    """
    with skip_if_unanswered():
        _check_cases(exercise, function)


def _check_cases(exercise: str, function: Callable) -> None:
    cases = load_cases()[exercise]
    failures = []
    for number, case in enumerate(cases, start=1):
        try:
            output = function(*case["args"], **case["kwargs"])
        except Exception as error:
            error.add_note(f"(raised in visible case {number}: {case['label']})")
            raise
        # Printed after the call, so that an unanswered exercise prints nothing but its one line.
        print(f"Case {number}: {case['label']}")
        for row in case["show"]:
            print(f"    {row['what']}")
            expected = _evaluate(row["what"], case["outputs"], case["expected"])
            print(_pair(expected, _evaluate(row["what"], case["outputs"], output)))
        problems = _differences(output, case)
        if problems:
            print("\n".join(problems))
        elif _problems(output, case["expected"], case["outputs"]):
            print("    PASS (the other convention on ties: only the first tied maximum; also accepted)")
        else:
            print("    PASS")
        if problems:
            failures.append(number)
    if failures:
        print(f"\n{exercise}: FAIL ({len(failures)} of {len(cases)} cases differ: {failures})")
    else:
        print(f"\n{exercise}: PASS (all {len(cases)} visible cases)")


def _named(names: list[str], output: Any) -> dict[str, Any]:
    values = output if len(names) > 1 and isinstance(output, tuple) else (output,)
    return dict(zip(names, values))


def _evaluate(what: str, names: list[str], output: Any) -> Any:
    """The value `what` selects (e.g. "mean(Z)", "dA_prev[0, :2, :4, 0]") from `output`, or the
    error selecting it raised (a wrong type or shape: the FAIL line says which)."""
    # `what` comes from our data file, never from students.
    scope = {"__builtins__": {}, "mean": np.mean, "sum": np.sum, **_named(names, output)}
    try:
        return eval(what, scope)
    except Exception as error:
        return error


INDENT = " " * 6


def _pair(expected: Any, yours: Any, differs: np.ndarray | None = None) -> str:
    """The lines "expected: ...", "yours: ..." (and "differs: ..." marking entries with X), with
    arrays printed as numpy prints them, their entries in one width so that the rows line up."""
    lines = [("expected", expected), ("yours", yours)]
    if differs is not None:
        lines.append(("differs", np.where(differs, "X", ".")))
    arrays = [np.asarray(v) for _, v in lines if _is_array(v)]
    width = max((len(_entry(x)) for a in arrays for x in a.ravel()), default=0)
    return "\n".join(f"{INDENT}{label + ':':10}" + format_value(value, width, INDENT + " " * 10)
                     for label, value in lines)


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.ndim > 0


def _entry(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.8f}"
    return str(value)


def format_value(value: Any, width: int = 0, prefix: str = "") -> str:
    """Shapes as tuples, scalars with every digit, arrays as numpy prints them (8 decimals), their
    entries right-aligned to `width`; continuation lines are indented by the length of `prefix`."""
    if isinstance(value, BaseException):
        return f"(cannot compute: {type(value).__name__}: {value})"
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return str(value)
    array = np.asarray(value)
    if array.ndim == 0:
        return repr(array.item())
    return np.array2string(array, max_line_width=200, threshold=400, prefix=prefix,
                           formatter={"all": lambda x: _entry(x).rjust(width)})


def _differences(actual: Any, case: dict) -> list[str]:
    """The FAIL lines of a case (empty when it passes): what differs, with the differing array
    beside the expected one.  A tie case also accepts its other convention (`accepted`)."""
    names = case["outputs"]
    problems = _problems(actual, case["expected"], names)
    if problems and any(not _problems(actual, other, names) for other in case.get("accepted", [])):
        return []
    return problems


def _problems(actual: Any, expected: Any, names: list[str]) -> list[str]:
    if len(names) > 1:
        if not isinstance(actual, tuple) or len(actual) != len(names):
            return [f"    FAIL: expected a tuple ({', '.join(names)}), got {type(actual).__name__}"]
        return [p for name, a, e in zip(names, actual, expected) for p in _compare(a, e, name)]
    return _compare(actual, expected, names[0])


def _compare(actual: Any, expected: Any, where: str) -> list[str]:
    """The FAIL lines for `actual` against `expected` (named `where`): none when they match."""
    if isinstance(expected, tuple):
        if not isinstance(actual, tuple) or len(actual) != len(expected):
            return [f"    FAIL: {where} should be a tuple of {len(expected)} items"]
        return [p for index, (a, e) in enumerate(zip(actual, expected)) for p in _compare(a, e, f"{where}[{index}]")]
    if isinstance(expected, dict):
        return [] if actual == expected else [f"    FAIL: {where} should be {expected}"]
    problem = _problem(actual, expected, where)
    return [] if problem is None else [f"    FAIL: {problem}"] + _where_it_differs(actual, expected, where)


def _problem(actual: Any, expected: Any, where: str) -> str | None:
    """One sentence saying how `actual` differs from the array or number `expected`, or None."""
    expected = np.asarray(expected)
    if expected.ndim == 0 and np.ndim(actual) != 0:
        return f"{where} should be a scalar (0-d), got shape {np.shape(actual)}; b.item() gives a number"
    try:
        values = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return f"{where} should be numbers, got {type(actual).__name__}"
    if values.shape != expected.shape:
        return f"{where} has shape {values.shape}, expected {expected.shape}"
    differs = _differing(values, expected)
    if not differs.any():
        return None
    if expected.ndim == 0:
        return f"{where} is {values.item()!r}, expected {expected.item()!r}"
    first = tuple(int(i) for i in np.argwhere(differs)[0])
    return f"{where} differs in {int(differs.sum())} of {differs.size} entries, the first at {where}{list(first)}"


def _differing(values: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return ~np.isclose(values, expected.astype(float), rtol=RTOL, atol=ATOL)


# The axes kept in the slice shown of a 4-D array: height and width (NHWC), a filter's f x f, or
# the biases (db: (1, 1, 1, n_C)).
SHOWN_AXES = {"dW": (0, 1), "db": (3,)}


def _where_it_differs(actual: Any, expected: Any, where: str) -> list[str]:
    """Yours beside the expected, the differing entries marked: a 1-D or 2-D array whole, a larger
    one as the 2-D slice (rows and columns of one image and channel) holding the first difference."""
    expected = np.asarray(expected)
    try:
        values = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return []
    if expected.ndim == 0 or values.shape != expected.shape:
        return []
    differs = _differing(values, expected)
    index: tuple = (slice(None),) * expected.ndim
    if expected.ndim > 2:
        first = np.argwhere(differs)[0]
        kept = SHOWN_AXES.get(where, (1, 2) if expected.ndim == 4 else (expected.ndim - 2, expected.ndim - 1))
        index = tuple(slice(None) if axis in kept else int(i) for axis, i in enumerate(first))
    shown = where + ("" if all(i == slice(None) for i in index) else
                     "[" + ", ".join(":" if i == slice(None) else str(i) for i in index) + "]")
    yours = actual[index] if isinstance(actual, np.ndarray) else values[index]
    return [f"    {shown}", _pair(expected[index], yours, differs[index])]


def gradient_check(forward: Callable, backward: Callable, inputs: dict[str, np.ndarray],
                   forward_args: tuple = (), backward_args: tuple = (), epsilon: float = 1e-6) -> None:
    """
    Compare your backward pass with centred differences of your forward pass.

    The cost is J = sum(out * G) for a fixed random G, so dJ/d(out) = G is what backward receives;
    each entry x of each input gets (J(x + eps) - J(x - eps)) / (2 eps).

    Arguments:
    forward -- e.g. conv_forward; called as forward(*inputs.values(), *forward_args) -> (out, cache)
    backward -- e.g. conv_backward; called as backward(G, cache, *backward_args) -> one gradient or a
                tuple of gradients in input order
    inputs -- the arrays to differentiate, in forward's argument order, by name
    forward_args -- the remaining arguments of forward (hparameters, mode, ...)
    backward_args -- the remaining arguments of backward (mode for pooling)

    If forward or backward is still unanswered, prints one line instead of a traceback.
    """
    with skip_if_unanswered():
        _gradient_check(forward, backward, inputs, forward_args, backward_args, epsilon)


def _gradient_check(forward: Callable, backward: Callable, inputs: dict[str, np.ndarray],
                    forward_args: tuple, backward_args: tuple, epsilon: float) -> None:
    names, arrays = list(inputs), [np.array(a, dtype=float) for a in inputs.values()]
    out, cache = forward(*arrays, *forward_args)
    G = np.random.default_rng(0).standard_normal(np.shape(out))
    analytic = backward(G, cache, *backward_args)
    analytic = analytic if isinstance(analytic, tuple) else (analytic,)
    for name, array, grad in zip(names, arrays, analytic):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + epsilon
            plus = np.sum(forward(*arrays, *forward_args)[0] * G)
            array[index] = saved - epsilon
            minus = np.sum(forward(*arrays, *forward_args)[0] * G)
            array[index] = saved
            numeric[index] = (plus - minus) / (2 * epsilon)
        error = np.linalg.norm(grad - numeric) / max(np.linalg.norm(grad) + np.linalg.norm(numeric), 1e-12)
        verdict = "PASS" if error < 1e-6 else "FAIL (your backward pass and your forward pass disagree)"
        print(f"d{name}: relative error {error:.2e}  {verdict}")


class CheckFailed(AssertionError):
    """A grading cell's verdict on your own machine: its one line is all a notebook shows of it.

    IPython prints what `_render_traceback_` returns in place of a traceback; the cell still ends in
    an error, which is how nbgrader's Validate (and autograde) count it as failed.
    """

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


def visible_grade(exercise: str, namespace: dict) -> None:
    """What a grading cell runs where the course's grader is not installed (your own machine).

    The grader (hidden cases, feedback, points) is installed only where your instructor grades.
    Here the exercise's visible cases run again without printing; if one fails, or the exercise is
    not answered, a CheckFailed says so in one line ("FAIL: zero_pad: ..."), so that nbgrader's
    Validate lists the cell.  The cell is tagged `raises-exception`: Run All carries on past it.
    """
    problem = _padding_figure_problem(namespace) if exercise == "padding_figure" else _function_problem(
        exercise, namespace)
    if problem:
        raise CheckFailed(f"FAIL: {exercise}: {problem}")
    print(f"{exercise}: the visible cases pass; the hidden cases and the points come when your instructor grades")


def _function_problem(exercise: str, namespace: dict) -> str | None:
    function = namespace.get(exercise)
    if not callable(function):
        return f"{exercise} is not defined: run the cell that defines it"
    failed = []
    for number, case in enumerate(load_cases()[exercise], start=1):
        try:
            output = function(*case["args"], **case["kwargs"])
        except NotImplementedError as error:
            helper = _innermost(error)
            return ("not answered yet: write your code between the markers" if helper == exercise else
                    f"{helper}, which it calls, is not answered yet: write your code between its markers")
        except Exception as error:
            return (f"visible case {number} raises {type(error).__name__}: {error} "
                    f"(the visible test above shows the traceback)")
        if _differences(output, case):
            failed.append(number)
    if failed:
        return f"visible case(s) {failed} differ; the visible test above shows yours beside the expected"
    return None


def _innermost(error: BaseException) -> str:
    """The function that raised `error` (the unanswered exercise, even when another one called it)."""
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame.tb_frame.f_code.co_name if frame is not None else "the exercise"


def _padding_figure_problem(namespace: dict) -> str | None:
    """What is wrong with the padding figure's arrays (its cell draws x and x_pad = zero_pad(x, 2))."""
    x, x_pad = namespace.get("x"), namespace.get("x_pad")
    if not (isinstance(x, np.ndarray) and isinstance(x_pad, np.ndarray)):
        return "x_pad is not drawn yet: answer zero_pad, then run the figure's cell above"
    return _problem(x_pad, np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0))), "x_pad")
