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
