"""Contract checks, partial credit, isolation feedback and what feedback may show."""
import numpy as np
import pytest

import cnn_reference
from autograder.assignment.cases import cases_for, seed_for
from autograder.assignment.exercises import EXERCISES
from autograder.checking.contracts import CACHE_HINT, IN_PLACE_HINT, SCALAR_HINT
from autograder.checking.exercise import check_exercise, helper_source
from autograder.checking.scoring import partial_credit
from autograder.notebook import check_function
from autograder.sandbox.guest import wire
from autograder.sandbox.guest.calls import call_cases

key = cnn_reference.vectorized


def grade_function(exercise, function):
    return check_function(exercise, function, seed_for("test-student"))


def test_conv_single_step_must_return_a_scalar_not_a_one_element_array():
    as_array = grade_function("conv_single_step", lambda a, W, b: np.sum(a * W) + b)
    assert as_array.score == 0 and SCALAR_HINT in as_array.feedback
    assert "returned an array of shape (1, 1, 1), not a scalar" in as_array.feedback
    for scalar in (lambda a, W, b: float(np.sum(a * W) + b.item()),      # a Python float
                   lambda a, W, b: np.sum(a * W) + b.item(),             # a NumPy scalar
                   lambda a, W, b: np.array(np.sum(a * W) + b.item())):  # a 0-d array
        assert grade_function("conv_single_step", scalar).status == "passed"



def test_the_scalar_contracts_hint_guesses_no_cause():
    # A one-element array from keepdims, not from adding b: the contract's hint must not blame b.
    kept = grade_function("conv_single_step", lambda a, W, b: np.sum(a * W, keepdims=True) + b.item())
    assert kept.score == 0 and SCALAR_HINT in kept.feedback and "adding b" not in kept.feedback


def test_changing_an_input_in_place_fails_with_a_hint():
    def zero_pad(X, pad):
        out = key.zero_pad(X, pad)
        X *= 0
        return out

    result = grade_function("zero_pad", zero_pad)
    assert result.score == 0 and "changed its input X in place" in result.feedback and IN_PLACE_HINT in result.feedback


def test_the_cache_must_hold_the_inputs():
    def padded_cache(A_prev, W, b, hparameters):
        Z, _ = key.conv_forward(A_prev, W, b, hparameters)
        return Z, (key.zero_pad(A_prev, hparameters["pad"]), W, b, hparameters)

    result = grade_function("conv_forward", padded_cache)
    # Only the pad = 0 cases pass: there the padded input is the input.
    assert [r.passed for r in result.cases] == ["pad = 0," in r.label for r in result.cases]
    assert result.score < 4 and "cache[0] is not the input A_prev" in result.feedback
    short = grade_function(
        "pool_forward", lambda A_prev, hp, mode="max": (key.pool_forward(A_prev, hp, mode)[0], (A_prev,))
    )
    assert short.score == 0 and "cache has 1 items, expected 2: (A_prev, hparameters)" in short.feedback
    assert CACHE_HINT in short.feedback


@pytest.mark.parametrize("dtype", [bool, int, float])
def test_masks_may_be_boolean_or_zeros_and_ones(dtype):
    assert grade_function("create_mask_from_window", lambda x: (x == x.max()).astype(dtype)).status == "passed"


def test_a_mask_with_other_values_fails():
    result = grade_function("create_mask_from_window", lambda x: (x == x.max()) * 2.0)
    assert result.score == 0 and "entries other than True/False" in result.feedback


def test_partial_credit_rule():
    assert partial_credit(4.0, 7, 8, 0.5) == 3.5
    assert partial_credit(4.0, 5, 8, 0.5) == 2.5
    assert partial_credit(3.0, 1, 7, 0.5) == 0.0  # 0.43 rounds down to 0
    assert partial_credit(3.0, 2, 7, 0.5) == 0.5  # 0.86 rounds down to 0.5
    assert partial_credit(2.0, 0, 5, 0.5) == 0.0
    assert partial_credit(1.0, 3, 3, 0.5) == 1.0
    assert partial_credit(2.0, 1, 3, 1.0) == 0.0


def test_partial_credit_is_the_fraction_of_cases_passed():
    # Max pooling right, average pooling wrong (except with f = 1, where they agree).
    def pool_forward(A_prev, hp, mode="max"):
        return key.pool_forward(A_prev, hp, "max")

    result = grade_function("pool_forward", pool_forward)
    passed = sum(r.passed for r in result.cases)
    assert [r.passed for r in result.cases] == [("mode = max" in r.label or "f = 1," in r.label) for r in result.cases]
    assert passed == 10 and len(result.cases) == 18 and result.status == "failed"
    assert result.score == partial_credit(2.0, passed, len(result.cases), EXERCISES["pool_forward"].granularity) == 1.0


def test_an_exercise_that_errors_on_every_case_scores_zero_with_the_students_traceback():
    def zero_pad(X, pad):
        return X[pad:-pad] + undefined_name  # noqa: F821

    result = grade_function("zero_pad", zero_pad)
    assert (result.score, result.status) == (0, "error")
    assert "in zero_pad: return X[pad:-pad] + undefined_name" in result.feedback
    assert "NameError: name 'undefined_name' is not defined" in result.feedback
    assert "calls.py" not in result.feedback


def test_not_implemented_everywhere_is_reported_as_unanswered():
    def conv_forward(A_prev, W, b, hparameters):
        raise NotImplementedError()

    result = grade_function("conv_forward", conv_forward)
    assert (result.score, result.status) == (0, "unanswered") and "not answered yet" in result.feedback


def test_a_broken_helper_is_charged_once_and_named():
    namespace: dict = {"np": np}
    exec(
        "def zero_pad(X, pad):\n    return np.pad(X, pad)\n"
        "def conv_single_step(a, W, b):\n    return np.sum(a * W) + b.item()\n",
        namespace,
    )
    exec(helper_source(["conv_forward"]), namespace)
    result = grade_function("conv_forward", namespace["conv_forward"])
    assert (result.score, result.status, result.diagnosis) == (4.0, "passed", [])
    # Only the helper that fails its own check is taken from the answer key.
    assert result.feedback.startswith(
        "conv_forward: 4 / 4 points, graded with the answer key's zero_pad (yours fails its own check)"
    )


def test_a_helper_substitution_can_only_add_points():
    namespace: dict = {"np": np}
    exec(
        "def zero_pad(X, pad):\n    return np.pad(X, pad)\n"
        "def conv_single_step(a, W, b):\n    return np.sum(a * W) + b.item()\n"
        "def conv_forward(A_prev, W, b, hparameters):\n    raise ValueError('mine')\n",
        namespace,
    )
    result = grade_function("conv_forward", namespace["conv_forward"])
    assert (result.score, result.status) == (0.0, "error") and "graded with the answer key" not in result.feedback


def test_feedback_never_shows_hidden_inputs_or_expected_values():
    cases = cases_for("pool_forward", seed_for("someone"))
    outcomes = call_cases(
        lambda A, hp, mode="max": (A[:, ::2, ::2] * 1.5, (A, hp)), [(c.args, c.kwargs) for c in cases]
    )
    result = check_exercise("pool_forward", cases, outcomes)
    hidden_numbers = {f"{v:.4f}" for c in cases if c.kind == "hidden" for v in np.ravel(c.args[0])[:20]}
    hidden_numbers |= {
        f"{v:.4f}" for c in cases if c.kind == "hidden" for v in np.ravel(key.pool_forward(*c.args, **c.kwargs)[0])[:20]
    }
    assert not any(number in result.feedback for number in hidden_numbers)
    assert "[hidden] A_prev: (1, 4, 6, 2), f = 2, stride = 2, mode = max" in result.feedback


def test_the_bulk_graders_plain_data_round_trip_gives_the_same_result():
    cases = cases_for("conv_backward", seed_for("someone"))
    outcomes = call_cases(cnn_reference.loops.conv_backward, [(c.args, c.kwargs) for c in cases])
    decoded = wire.unpack(wire.pack(outcomes))
    direct, round_trip = (
        check_exercise("conv_backward", cases, outcomes),
        check_exercise("conv_backward", cases, decoded),
    )
    assert direct.to_json() == round_trip.to_json() and direct.status == "passed"


def test_hidden_cases_depend_on_the_student_and_on_nothing_else():
    a, b = cases_for("conv_forward", seed_for("ana")), cases_for("conv_forward", seed_for("ben"))
    again = cases_for("conv_forward", seed_for("ana"))
    hidden = [i for i, c in enumerate(a) if c.kind == "hidden"]
    assert [a[i].label for i in hidden] == [b[i].label for i in hidden]
    assert not np.array_equal(a[hidden[0]].args[0], b[hidden[0]].args[0])
    assert all(np.array_equal(x.args[0], y.args[0]) for x, y in zip(a, again))
    assert isinstance(seed_for("ana"), int) and seed_for("ana") != seed_for("ben")
