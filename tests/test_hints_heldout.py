"""Held-out student mistakes (none of them in the catalog as written), graded in the real sandbox:
each hint must be true of the student's code, and of the exercise it is shown under."""
from __future__ import annotations

import pytest
from support import FIGURE_CELL, SOLUTIONS, grade, notebook

from autograder.grading.options import GradeOptions
from autograder.sandbox.limits import Limits

pytestmark = pytest.mark.slow

OPTIONS = GradeOptions(sandbox="bwrap", limits=Limits(seconds=10))
FIGURE = "import matplotlib\nmatplotlib.use('Agg')\n" + FIGURE_CELL


def with_bugs(*edits: tuple[str, str, str]) -> str:
    """The notebook's solutions with each (function, old, new) edit made inside that function."""
    source = SOLUTIONS
    for function, old, new in edits:
        start = source.index(f"\ndef {function}(")
        end = source.find("\ndef ", start + 1) % (len(source) + 1)
        assert source[start:end].count(old) == 1, old
        source = source[:start] + source[start:end].replace(old, new) + source[end:]
    return source


def graded(source: str, student: str = "kim") -> dict:
    return grade(notebook(source, FIGURE), "kim.ipynb", student, OPTIONS)["exercises"]


def hints(result: dict) -> list[str]:
    return [line.strip() for line in result["feedback"].splitlines() if line.strip().startswith("Hint:")]


def test_a_helpers_error_is_not_named_as_the_callers_mistake() -> None:
    # float(b) in conv_single_step (it raises on NumPy >= 2.4) and, in conv_forward, the loops over
    # the output rows and columns take each other's range.  conv_forward's own run raises in
    # conv_single_step: that is conv_single_step's mistake, named there; conv_forward has another.
    exercises = graded(with_bugs(("conv_single_step", "Z = Z + b.item()", "Z = Z + float(b)"),
                                 ("conv_forward", "for h in range(n_H):", "for h in range(n_W):"),
                                 ("conv_forward", "for w in range(n_W):", "for w in range(n_H):")))
    step, conv = exercises["conv_single_step"], exercises["conv_forward"]
    assert step["diagnosis"] == ["float(b) on a (1, 1, 1) array"]
    assert 0 < conv["score"] < 4 and conv["status"] == "failed"
    assert conv["diagnosis"] == [] and "Likely mistake" not in conv["feedback"], conv["feedback"]
    assert "graded with the answer key's conv_single_step" in conv["feedback"]


IS_MAX = (("pool_forward", 'if mode == "max":', 'if mode is "max":'),
          ("pool_forward", 'elif mode == "average":', 'elif mode is "average":'))


def test_a_comparison_with_is_against_a_literal_is_pointed_at_and_scored_alike_everywhere() -> None:
    # `mode is "max"` holds for the literals in the student's own calls, not for the grader's strings,
    # which are equal but other objects: every case fails in the sandbox.  The feedback must say why
    # (the cases alone only show that A is wrong), and the notebook's own check must agree with the
    # sandbox's score instead of promising full marks.
    import linecache
    import warnings

    from autograder.assignment.cases import seed_for
    from autograder.notebook import check_function

    source = with_bugs(*IS_MAX)
    pool = graded(source)["pool_forward"]
    assert pool["score"] == 0 and pool["diagnosis"] == []
    assert "Your pool_forward compares with `is` (or `is not`) against 'max' and 'average'" in pool["feedback"]
    namespace: dict = {}
    linecache.cache["<student cell>"] = (len(source), None, source.splitlines(True), "<student cell>")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)     # Python's own warning about it, as a kernel shows it
        exec(compile(source, "<student cell>", "exec"), namespace)
    in_notebook = check_function("pool_forward", namespace["pool_forward"], seed_for("kim"))
    assert in_notebook.score == pool["score"]
    assert "compares with `is`" in in_notebook.feedback


def test_no_identity_hint_for_is_none_or_a_passing_exercise() -> None:
    source = with_bugs(("pool_forward", 'if mode == "max":', 'if mode is None or mode == "max":'),
                       ("conv_forward", "Z = np.zeros((m, n_H, n_W, n_C))",
                        "Z = np.zeros((m, n_H, n_W, n_C))\n    assert hparameters is not 'x'"))
    exercises = graded(source)
    assert exercises["pool_forward"]["status"] == "passed" and exercises["conv_forward"]["status"] == "passed"
    assert "Hint" not in exercises["pool_forward"]["feedback"] + exercises["conv_forward"]["feedback"]


ZERO_PAD_MINUS_PAD = ("zero_pad",
                      'X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)',
                      "X_pad = np.zeros((X.shape[0], X.shape[1] + 2 * pad, X.shape[2] + 2 * pad, X.shape[3]))\n"
                      "    X_pad[:, pad:-pad, pad:-pad, :] = X")
STRIP = "dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]"


def test_an_error_raised_in_a_helper_matches_no_mistake_of_the_caller() -> None:
    # zero_pad strips with [pad:-pad] (ValueError when pad = 0); conv_backward's own code is right.
    # The catalog's conv_backward "[pad:-pad]" mutant also raises ValueError on exactly the pad = 0
    # cases, but in conv_backward: the error types agree, the places do not.
    conv = graded(with_bugs(ZERO_PAD_MINUS_PAD))["conv_backward"]
    assert conv["status"] == "passed" and "Your conv_backward is right" in conv["feedback"]
    assert "Likely mistake" not in conv["feedback"], conv["feedback"]


def test_a_callers_own_mistake_is_not_named_after_its_helpers_error() -> None:
    # As above, and conv_backward copies dA_prev out only when pad > 0 (right slice, no else):
    # its pad = 0 cases fail with the answer key's zero_pad too.  Its mistake is not "[pad:-pad]".
    exercises = graded(with_bugs(ZERO_PAD_MINUS_PAD, ("conv_backward", STRIP, "if pad > 0:\n            " + STRIP)))
    conv = exercises["conv_backward"]
    assert (conv["score"], conv["status"]) == (1.5, "failed")
    assert conv["diagnosis"] == [] and "Likely mistake" not in conv["feedback"], conv["feedback"]
    assert ("Hint: What the cases show: every case with pad > 0 passes, every case with pad = 0 fails"
            in conv["feedback"])


def test_a_callers_mistake_named_through_a_failing_helper_must_hold_with_the_answer_keys_helper() -> None:
    # conv_single_step forgets the bias; conv_forward passes filter 0's bias to every filter.  With
    # the student's own conv_single_step no entry has a bias, which is what the catalog's "bias left
    # out" (of conv_forward) gives, but conv_forward does add a bias: with the answer key's
    # conv_single_step it passes the cases with one filter, which "bias left out" fails.
    exercises = graded(with_bugs(("conv_single_step", "Z = Z + b.item()", "Z = Z"),
                                 ("conv_forward", "b[:, :, :, c])", "b[:, :, :, 0])")))
    step, conv = exercises["conv_single_step"], exercises["conv_forward"]
    assert step["diagnosis"] == ["bias forgotten"]
    assert conv["score"] == 0 and conv["diagnosis"] == [], conv["feedback"]
    assert "Likely mistake" not in conv["feedback"]
    assert "Hint: What the cases show: every case fails" in conv["feedback"]


def test_windows_cut_from_the_unpadded_input_are_described_by_the_pad() -> None:
    # conv_forward cuts its windows from A_prev instead of A_prev_pad: right exactly where pad = 0.
    conv = graded(with_bugs(("conv_forward", "a_prev_pad = A_prev_pad[i]", "a_prev_pad = A_prev[i]")))["conv_forward"]
    assert conv["diagnosis"] == [] and conv["score"] == 1.0
    assert ("Hint: What the cases show: every case with pad = 0 passes, every case with pad > 0 fails. "
            "Look at where pad enters your code") in conv["feedback"], conv["feedback"]


FLOAT32_GRADIENTS = (("conv_backward", "dA_prev = np.zeros(A_prev.shape)",
                      "dA_prev = np.zeros(A_prev.shape, dtype=np.float32)"),
                     ("conv_backward", "dW = np.zeros(W.shape)", "dW = np.zeros(W.shape, dtype=np.float32)"),
                     ("conv_backward", "db = np.zeros(b.shape)", "db = np.zeros(b.shape, dtype=np.float32)"))


def test_float32_gradients_score_alike_for_every_student() -> None:
    # Right up to float32 rounding.  An entry that cancels to near zero differs from the float64 key
    # by more than 1e-5 of itself but not of the array's scale: such an entry is in some students'
    # hidden cases only ("s56"'s, for this file), which failed there as "dW is wrong", and passed elsewhere.
    from autograder.assignment.cases import seed_for
    from autograder.notebook import check_function

    source = with_bugs(*FLOAT32_GRADIENTS)
    conv = graded(source, student="s56")["conv_backward"]
    assert (conv["score"], conv["status"]) == (3.0, "passed"), conv["feedback"]
    namespace: dict = {}
    exec(compile(source, "<student cell>", "exec"), namespace)
    for n in range(30):
        result = check_function("conv_backward", namespace["conv_backward"], seed_for(f"student-{n}"))
        assert result.status == "passed", result.feedback


def test_passing_only_the_published_cases_is_not_called_hard_coding() -> None:
    # int(dz): the published dz (2 and 100) are whole numbers, every hidden dz is not.  Every
    # published case passes and every hidden one fails, as hard-coded outputs would; the hint says
    # what is seen and where to look, not that the outputs were copied.
    dist = graded(with_bugs(("distribute_value", "average = dz / (f_H * f_W)",
                             "average = int(dz) / (f_H * f_W)")))["distribute_value"]
    assert dist["score"] == 0 and dist["diagnosis"] == ["matches the published example only"]
    assert "Something your code relies on holds for the published examples only" in dist["feedback"]
    assert "whole numbers" in dist["feedback"]


def test_a_height_used_for_both_sides_is_not_called_swapped() -> None:
    # dz / f_H ** 2: right on every square window, wrong on the (2, 5) one; nothing is swapped.
    dist = graded(with_bugs(("distribute_value", "average = dz / (f_H * f_W)", "average = dz / f_H ** 2")))
    hint = [line for line in dist["distribute_value"]["feedback"].splitlines() if "Hint:" in line]
    assert hint == ["  Hint: What the cases show: every square input passes, every non-square input fails (a is "
                    "wrong). Height and width are mixed up somewhere: swapped, or one of them used for both."]


def test_float_of_another_one_element_array_is_not_called_float_of_b() -> None:
    # float() of np.sum(..., keepdims=True), a (1, 1, 1) array, raises the same TypeError with the
    # same message as float(b) on every case; b itself is handled right (b.item()).  Only the line
    # tells them apart, and it does not name b: the general float()-of-an-array mistake, not float(b).
    step = graded(with_bugs(("conv_single_step", "Z = np.sum(s)", "Z = float(np.sum(s, keepdims=True))")))
    step = step["conv_single_step"]
    assert step["score"] == 0 and step["diagnosis"] == ["float() or int() of an array"], step["feedback"]
    assert "float(b)" not in step["feedback"]


@pytest.mark.parametrize(("exercise", "line", "buggy", "name"), [
    # int() of an array inline in conv_forward (the size as an array); np.int in distribute_value
    ("conv_forward", "n_H = (n_H_prev - f + 2 * pad) // stride + 1",
     "n_H = int(np.array([n_H_prev, f]) - f + 2 * pad) // stride + 1", "float() or int() of an array"),
    ("distribute_value", "a = np.ones(shape) * average", "a = np.ones(shape, dtype=np.float) * average",
     "NumPy's removed type aliases"),
    ("pool_backward", "mask = create_mask_from_window(a_prev_slice)",
     "mask = create_mask_from_window(a_prev_slice.astype(np.int))", "NumPy's removed type aliases"),
])
def test_a_mistake_read_from_the_line_that_raised(exercise: str, line: str, buggy: str, name: str) -> None:
    result = graded(with_bugs((exercise, line, buggy)))[exercise]
    assert name in result["diagnosis"], result["feedback"]


def test_an_unanswered_helper_does_not_make_its_callers_unanswered() -> None:
    # zero_pad still raises the template's NotImplementedError; conv_forward and conv_backward are
    # written and right.  Every call of theirs raises NotImplementedError, from zero_pad: they are
    # not "not answered yet" (which also skipped the run with the answer key's zero_pad).
    exercises = graded(with_bugs(("zero_pad", 'X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), '
                                  'mode="constant", constant_values=0)', "raise NotImplementedError()")))
    assert exercises["zero_pad"]["status"] == "unanswered"
    for name, points in (("conv_forward", 4.0), ("conv_backward", 3.0)):
        result = exercises[name]
        assert (result["score"], result["status"]) == (points, "passed"), result["feedback"]
        assert "graded with the answer key's zero_pad" in result["feedback"]
        assert "not answered yet" not in result["feedback"]


def test_float_of_a_sum_with_b_is_float_of_b() -> None:
    # float(Z + b): the sum is a (1, 1, 1) array because of b; the line names b inside float().
    step = graded(with_bugs(("conv_single_step", "Z = Z + b.item()", "Z = float(Z + b)")))["conv_single_step"]
    assert step["diagnosis"] == ["float(b) on a (1, 1, 1) array"], step["feedback"]


def test_pad_minus_pad_is_named_from_its_line_under_a_second_mistake() -> None:
    # [pad:-pad] with any name, beside db summed over one example: the cases fit neither mutant alone,
    # the line that raised on pad = 0 names the first.
    result = graded(with_bugs(
        ("conv_backward", "dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]",
         "dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]"),
        ("conv_backward", "db[:, :, :, c] += dZ[i, h, w, c]", "db[:, :, :, c] = np.sum(dZ[i, :, :, c])")))
    assert result["conv_backward"]["diagnosis"] == ["X[pad:-pad] with pad = 0"], result["conv_backward"]["feedback"]
