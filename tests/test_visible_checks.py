"""The notebook's visible checks (source/cnn_step_by_step/visible_checks.py) on unanswered and broken code."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import cnn_reference

ASSIGNMENT = Path(__file__).resolve().parent.parent / "source" / "cnn_step_by_step"


@pytest.fixture(scope="module")
def visible_checks():
    spec = importlib.util.spec_from_file_location("visible_checks", ASSIGNMENT / "visible_checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def zero_pad(X, pad):
    raise NotImplementedError()


def conv_forward(A_prev, W, b, hparameters):
    raise NotImplementedError()


def unanswered(name: str) -> str:
    return f"{name}: not implemented yet: write your code between the markers\n"


def test_an_unanswered_exercise_prints_one_line(visible_checks, capsys):
    visible_checks.check("zero_pad", zero_pad)
    assert capsys.readouterr().out == unanswered("zero_pad")


def test_the_line_names_the_unanswered_helper_another_exercise_calls(visible_checks, capsys):
    def answered_conv_forward(A_prev, W, b, hparameters):
        zero_pad(A_prev, hparameters["pad"])

    visible_checks.check("conv_forward", answered_conv_forward)
    assert capsys.readouterr().out == unanswered("zero_pad")


def test_a_real_error_keeps_its_traceback_and_names_the_case(visible_checks, capsys):
    def broken(X, pad):
        return X[pad:-pad] + undefined_name  # noqa: F821 - the student's bug

    with pytest.raises(NameError) as raised:
        visible_checks.check("zero_pad", broken)
    assert any("visible case 1" in note for note in raised.value.__notes__)
    assert "not implemented yet" not in capsys.readouterr().out


def test_gradient_check_of_an_unanswered_exercise_prints_one_line(visible_checks, capsys):
    inputs = {"A_prev": np.ones((1, 3, 3, 1)), "W": np.ones((2, 2, 1, 1)), "b": np.zeros((1, 1, 1, 1))}
    visible_checks.gradient_check(conv_forward, cnn_reference.conv_backward, inputs,
                                  forward_args=({"pad": 0, "stride": 1},))
    assert capsys.readouterr().out == unanswered("conv_forward")


def test_skip_if_unanswered_lets_other_errors_through(visible_checks, capsys):
    with pytest.raises(ValueError), visible_checks.skip_if_unanswered():
        raise ValueError("a real error")
    assert capsys.readouterr().out == ""


def test_answered_exercises_pass(visible_checks, capsys):
    for exercise in cnn_reference.FUNCTIONS:
        visible_checks.check(exercise, getattr(cnn_reference.loops, exercise))
        assert f"{exercise}: PASS (all" in capsys.readouterr().out


def printed(visible_checks, capsys, exercise: str, function) -> str:
    visible_checks.check(exercise, function)
    return capsys.readouterr().out


def case_text(output: str, number: int) -> str:
    """What one case printed, from its "Case N:" line to the next one."""
    return output.split(f"Case {number}: ")[1].split("\nCase ")[0]


def test_arrays_print_nested_with_their_rows(visible_checks, capsys):
    output = printed(visible_checks, capsys, "zero_pad", cnn_reference.loops.zero_pad)
    # x_pad[1, 1] is 7 rows of 2 channels, as numpy prints it, not 14 numbers in a row.
    first = case_text(output, 1)
    rows = [line.strip() for line in first.splitlines()]
    assert rows.count("expected: [[0.00000000 0.00000000]") == 1
    assert rows.count("[0.00000000 0.00000000]") == 10 and rows.count("[0.00000000 0.00000000]]") == 2
    assert "0.0, 0.0" not in output


def test_a_scalar_that_differs_says_both_values_not_an_index(visible_checks, capsys):
    output = printed(visible_checks, capsys, "conv_single_step", lambda a, W, b: np.sum(a * W))
    assert "FAIL: Z is " in output and ", expected -6.999089450680221" in output
    assert "index ()" not in output


def test_conv_backward_names_its_outputs_and_shows_the_one_that_differs(visible_checks, capsys):
    def wrong_dW(dZ, cache):
        dA_prev, dW, db = cnn_reference.loops.conv_backward(dZ, cache)
        dW = dW.copy()
        dW[0, 0, 0, -1] += 1.0
        return dA_prev, dW, db

    output = printed(visible_checks, capsys, "conv_backward", wrong_dW)
    assert "mean(dA_prev)" in output and "mean(dA)" not in output
    # An extra case shows only shapes and means: the differing dW slice must be printed beside the expected.
    extra = case_text(output, 2)
    assert "FAIL: dW differs in 1 of 54 entries, the first at dW[0, 0, 0, 2]" in extra
    assert "    dW[:, :, 0, 2]\n      expected: [[" in extra and "\n      yours:    [[" in extra
    marks = extra.split("differs:  ")[1]
    assert marks.count("X") == 1 and marks.count(".") == 8


def test_a_shape_only_case_shows_Z_where_it_differs(visible_checks, capsys):
    def wrong_corner(A_prev, W, b, hparameters):
        Z, cache = cnn_reference.loops.conv_forward(A_prev, W, b, hparameters)
        Z = Z.copy()
        if Z.shape == (2, 2, 3, 8):
            Z[1, 1, 2, 0] = 0.0
        return Z, cache

    case_5 = case_text(printed(visible_checks, capsys, "conv_forward", wrong_corner), 5)
    assert "pad = 0, stride = 2" in case_5
    assert "FAIL: Z differs in 1 of 96 entries, the first at Z[1, 1, 2, 0]" in case_5
    assert "    Z[1, :, :, 0]\n      expected: [[" in case_5 and "differs:" in case_5


def first_maximum_mask(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(x), x.shape)] = True
    return mask


def last_maximum_mask(x):
    flipped = first_maximum_mask(x[::-1, ::-1])
    return flipped[::-1, ::-1]


def test_ties_accept_every_tied_maximum_or_only_the_first(visible_checks, capsys):
    output = printed(visible_checks, capsys, "create_mask_from_window", first_maximum_mask)
    assert "create_mask_from_window: PASS (all" in output and "PASS (the other convention on ties" in output

    def pool_backward_first(dA, cache, mode="max"):
        return _pool_backward(dA, cache, mode, first_maximum_mask)

    assert "pool_backward: PASS (all" in printed(visible_checks, capsys, "pool_backward", pool_backward_first)
    # Neither convention: the last tied maximum.
    output = printed(visible_checks, capsys, "create_mask_from_window", last_maximum_mask)
    assert "create_mask_from_window: FAIL (1 of" in output


def _pool_backward(dA, cache, mode, create_mask):
    """pool_backward with a given mask function (the loops of the answer key)."""
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    dA_prev = np.zeros(A_prev.shape)
    for i, h, w, c in np.ndindex(dA.shape):
        rows, cols = slice(h * stride, h * stride + f), slice(w * stride, w * stride + f)
        if mode == "max":
            dA_prev[i, rows, cols, c] += create_mask(A_prev[i, rows, cols, c]) * dA[i, h, w, c]
        else:
            dA_prev[i, rows, cols, c] += dA[i, h, w, c] / (f * f)
    return dA_prev


def test_a_grading_cell_fails_in_one_line_without_a_traceback(visible_checks):
    with pytest.raises(visible_checks.CheckFailed) as unanswered_cell:
        visible_checks.visible_grade("conv_forward", {"conv_forward": conv_forward})
    assert unanswered_cell.value._render_traceback_() == [
        "FAIL: conv_forward: not answered yet: write your code between the markers"]
    with pytest.raises(visible_checks.CheckFailed) as failing_cell:
        visible_checks.visible_grade("conv_single_step", {"conv_single_step": lambda a, W, b: np.sum(a * W)})
    assert str(failing_cell.value) == ("FAIL: conv_single_step: visible case(s) [1, 2, 3] differ; the visible test "
                                       "above shows yours beside the expected")
    with pytest.raises(visible_checks.CheckFailed, match=r"^FAIL: padding_figure: x_pad is not drawn yet"):
        visible_checks.visible_grade("padding_figure", {})
    # It is an AssertionError, as nbgrader's Validate expects of a failing test cell.
    assert issubclass(visible_checks.CheckFailed, AssertionError)
