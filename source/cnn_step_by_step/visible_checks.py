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
            for key in ("args", "kwargs", "expected"):
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
        # The innermost frame is the function that raised: the unanswered exercise itself, even
        # when it was called by another one (conv_forward calling zero_pad).
        frame = error.__traceback__
        while frame.tb_next is not None:
            frame = frame.tb_next
        print(f"{frame.tb_frame.f_code.co_name}: not implemented yet: write your code between the markers")


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
            print(f"      expected: {row['expected']}")
            # Published rows are printed flat ("[0.0, 0.0, ...]"): show yours the same way.
            flat = not row["expected"].startswith("[[")
            print(f"      yours:    {_show(row['what'], case['outputs'], output, flat)}")
        problem = _difference(output, case["expected"], case["outputs"])
        print(f"    {'PASS' if problem is None else 'FAIL: ' + problem}")
        if problem is not None:
            failures.append(number)
    if failures:
        print(f"\n{exercise}: FAIL ({len(failures)} of {len(cases)} cases differ: {failures})")
    else:
        print(f"\n{exercise}: PASS (all {len(cases)} visible cases)")


def _named(names: list[str], output: Any) -> dict[str, Any]:
    values = output if len(names) > 1 and isinstance(output, tuple) else (output,)
    return dict(zip(names, values))


def _show(what: str, names: list[str], output: Any, flat: bool) -> str:
    # `what` comes from our data file (e.g. "mean(Z)", "cache_conv[0][1][2][3]"), never from students.
    scope = {"__builtins__": {}, "mean": np.mean, "sum": np.sum, **_named(names, output)}
    try:
        value = eval(what, scope)
    except Exception as error:  # a wrong type or shape shows up here; the FAIL line says which
        return f"(cannot compute: {type(error).__name__}: {error})"
    return format_value(np.ravel(value) if flat and np.ndim(value) > 1 else value)


def format_value(value: Any) -> str:
    """One line: shapes as tuples, scalars with every digit, arrays to 8 decimals."""
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return str(value)
    array = np.asarray(value)
    if array.ndim == 0 and array.dtype.kind in "iuf":
        return repr(array.item())
    if array.dtype.kind == "f":
        array = array.round(8)
    return str(array.tolist())


def _difference(actual: Any, expected: Any, names: list[str]) -> str | None:
    """None when `actual` matches `expected`, else a sentence saying where it first differs."""
    if len(names) > 1:
        if not isinstance(actual, tuple) or len(actual) != len(names):
            return f"expected a tuple ({', '.join(names)}), got {type(actual).__name__}"
        for name, a, e in zip(names, actual, expected):
            problem = _compare(a, e, name)
            if problem:
                return problem
        return None
    return _compare(actual, expected, names[0])


def _compare(actual: Any, expected: Any, where: str) -> str | None:
    if isinstance(expected, tuple):
        if not isinstance(actual, tuple) or len(actual) != len(expected):
            return f"{where} should be a tuple of {len(expected)} items"
        for index, (a, e) in enumerate(zip(actual, expected)):
            problem = _compare(a, e, f"{where}[{index}]")
            if problem:
                return problem
        return None
    if isinstance(expected, dict):
        return None if actual == expected else f"{where} should be {expected}"
    expected = np.asarray(expected)
    if expected.ndim == 0 and np.ndim(actual) != 0:
        return f"{where} should be a scalar (0-d), got shape {np.shape(actual)}; b.item() gives a number"
    try:
        actual = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return f"{where} should be numbers, got {type(actual).__name__}"
    if actual.shape != expected.shape:
        return f"{where} has shape {actual.shape}, expected {expected.shape}"
    if not np.allclose(actual, expected.astype(float), rtol=RTOL, atol=ATOL):
        worst = np.unravel_index(np.argmax(np.abs(actual - expected)), actual.shape) if actual.ndim else ()
        return f"{where} differs, e.g. at index {tuple(int(i) for i in worst)}"
    return None


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


def visible_grade(exercise: str, namespace: dict) -> None:
    """What a grading cell runs where the course's grader is not installed (your own machine).

    The grader (hidden cases, feedback, points) is installed only where your instructor grades.
    Here the exercise's visible cases run again without printing, and an AssertionError is raised
    if one fails, so that nbgrader's Validate lists the cell.  An exercise you have not answered
    raises its NotImplementedError; an error in your code shows its traceback.
    """
    if exercise == "padding_figure":
        problem = _padding_figure_problem(namespace)
    else:
        function = namespace.get(exercise)
        if not callable(function):
            raise NameError(f"{exercise} is not defined: run the cell that defines it")
        failed = [number for number, case in enumerate(load_cases()[exercise], start=1)
                  if _difference(function(*case["args"], **case["kwargs"]), case["expected"], case["outputs"])]
        problem = f"visible case(s) {failed} fail; the cell above shows yours beside the expected" if failed else None
    if problem:
        raise AssertionError(f"{exercise}: {problem}")
    print(f"{exercise}: the visible cases pass; the hidden cases and the points come when your instructor grades")


def _padding_figure_problem(namespace: dict) -> str | None:
    """What is wrong with the padding figure's arrays (its cell draws x and x_pad = zero_pad(x, 2))."""
    x, x_pad = namespace.get("x"), namespace.get("x_pad")
    if not (isinstance(x, np.ndarray) and isinstance(x_pad, np.ndarray)):
        return "x and x_pad are not defined: run the padding figure's cell once zero_pad works"
    return _compare(x_pad, np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0))), "x_pad")
