"""The checks' public entry points, end to end on the answer key (fast)."""
import numpy as np

import cnn_reference
from autograder.assignment.cases import Case, cases_for, seed_for
from autograder.assignment.exercises import EXERCISES
from autograder.checking.exercise import check_exercise, helper_source
from autograder.checking.result import error_result, missing_result, timeout_result
from autograder.notebook import grade
from autograder.sandbox.guest.calls import call_cases


def test_answer_key_scores_full_marks_through_check_exercise():
    for exercise, spec in EXERCISES.items():
        if not spec.is_function:
            continue
        cases = cases_for(exercise, seed_for("smoke"))
        assert all(isinstance(case, Case) for case in cases)
        assert {case.kind for case in cases} == {"seeded", "hidden"}
        outcomes = call_cases(getattr(cnn_reference.vectorized, exercise), [(c.args, c.kwargs) for c in cases])
        result = check_exercise(exercise, cases, outcomes)
        assert (result.score, result.status, result.diagnosis) == (spec.points, "passed", []), result.feedback
        assert set(result.to_json()) == {"score", "max_score", "status", "feedback", "diagnosis"}


def test_grade_in_a_namespace_prints_and_returns_points(capsys):
    namespace = {"zero_pad": lambda X, pad: np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))}
    assert grade("zero_pad", namespace) == EXERCISES["zero_pad"].points
    assert grade("pool_forward", namespace) == 0.0
    out, err = capsys.readouterr()
    assert "zero_pad: 1 / 1 points" in out and "pool_forward is not defined" in out and err == ""


def test_results_of_exercises_that_never_ran():
    assert missing_result("conv_forward", "gone").to_json() == {
        "score": 0.0, "max_score": 4.0, "status": "missing", "feedback": "gone", "diagnosis": []}
    assert timeout_result("pool_forward", 3).status == "timeout"
    assert error_result("pool_forward", "memory limit").feedback == "memory limit"


def test_helper_source_defines_the_answer_key_helpers_from_the_notebook_text():
    namespace: dict = {}
    exec(helper_source(["zero_pad", "conv_single_step"]), namespace)
    x = np.ones((1, 2, 2, 1))
    assert namespace["zero_pad"](x, 1).shape == (1, 4, 4, 1)
    assert set(namespace) >= {"np", "zero_pad", "conv_single_step"} and "conv_forward" not in namespace
