"""Every published output of the assignment, reproduced to the digits shown by both answer keys."""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

import cnn_reference
from autograder.assignment.cases.seeded import (
    PUBLISHED_POOL_BACKWARD_MEAN_DA,
    PUBLISHED_X_1_1,
    Published,
    SeededCase,
    all_seeded_cases,
    seeded_cases,
)
from cnn_reference import loops, vectorized

IMPLEMENTATIONS = [pytest.param(loops, id="loops"), pytest.param(vectorized, id="vectorized")]
CASES = [pytest.param(case, id=f"{case.exercise}[{case.label}]") for case in all_seeded_cases()]
# The oldest published version added b inside the sum, np.sum(a * W + b); that number is wrong.
ERRATUM_CONV_SINGLE_STEP = -23.1602122025


def run(impl: ModuleType, case: SeededCase) -> Any:
    return getattr(impl, case.exercise)(*case.args, **case.kwargs)


def first(output: Any) -> Any:
    return output[0] if isinstance(output, tuple) else output


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("case", CASES)
def test_published_outputs_are_reproduced(impl: ModuleType, case: SeededCase) -> None:
    output = run(impl, case)
    for published in case.published:
        assert published.matches(output), (
            f"{published.what}: published {published.printed}, got {published.select(output)!r}")
    if case.shape is not None:
        assert np.shape(first(output)) == case.shape


@pytest.mark.parametrize("case", CASES)
def test_every_case_checks_something(case: SeededCase) -> None:
    assert case.published or case.shape is not None


def test_every_function_has_a_published_number() -> None:
    assert {case.exercise for case in all_seeded_cases() if case.published} == set(cnn_reference.FUNCTIONS)


@pytest.mark.parametrize("case", CASES)
def test_published_check_rejects_the_last_digit_off(case: SeededCase) -> None:
    """Moving each number by one unit in its last printed digit breaks the match: the check is that tight."""
    output = run(vectorized, case)
    for published in case.published:
        nudged = Published(
            published.what,
            lambda out, p=published: np.ravel(np.asarray(p.select(out), dtype=float)) + 2 * p.tolerances(),
            published.printed,
        )
        assert not nudged.matches(output), published.what


def test_zero_pad_draws_are_in_published_order() -> None:
    for case in seeded_cases("zero_pad"):
        x = case.args[0]
        assert Published("x[1,1]", lambda x: x[1, 1], PUBLISHED_X_1_1).matches(x)


def test_create_mask_draws_are_in_published_order() -> None:
    (x,) = seeded_cases("create_mask_from_window")[0].args
    printed = "[[1.62434536, -0.61175641, -0.52817175], [-1.07296862, 0.86540763, -2.3015387]]"
    assert Published("x", lambda x: x, printed).matches(x)


def test_pool_backward_draws_are_in_published_order() -> None:
    for case in seeded_cases("pool_backward"):
        dA = case.args[0]
        assert dA.shape == (5, 4, 2, 2)
        assert Published("mean(dA)", np.mean, PUBLISHED_POOL_BACKWARD_MEAN_DA).matches(dA)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_zero_pad_pad_3_keeps_x_inside_a_zero_border(impl: ModuleType) -> None:
    (case,) = [c for c in seeded_cases("zero_pad") if c.args[1] == 3]
    x = case.args[0]
    x_pad = impl.zero_pad(x, 3)
    np.testing.assert_array_equal(x_pad[:, 3:-3, 3:-3, :], x)
    border = np.ones(x_pad.shape, dtype=bool)
    border[:, 3:-3, 3:-3, :] = False
    assert not np.any(x_pad[border])


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_conv_single_step_is_not_the_historical_erratum(impl: ModuleType) -> None:
    (case,) = seeded_cases("conv_single_step")
    a_slice_prev, W, b = case.args
    # The erratum is what adding b inside the sum gives, so the two numbers really differ by a formula.
    assert np.sum(a_slice_prev * W + b) == pytest.approx(ERRATUM_CONV_SINGLE_STEP, abs=1e-9)
    Z = impl.conv_single_step(a_slice_prev, W, b)
    assert pytest.approx(ERRATUM_CONV_SINGLE_STEP, abs=1e-3) != Z
    assert pytest.approx(-6.999089450680221, abs=1e-12) == Z
    assert type(Z) is np.float64
