"""What the feedback says when no catalogued mistake explains a failure (observations), and how it
shows errors: each distinct traceback once, and never a hidden input's value."""
from __future__ import annotations

import linecache

import pytest

from autograder.assignment.cases import cases_for, seed_for
from autograder.checking.mistakes import SOLUTIONS_FILE
from autograder.notebook import check_function

SEED = seed_for("test-student")
SOURCE = SOLUTIONS_FILE.read_text()


def student(exercise: str, old: str, new: str):
    """The answer key with one line changed the way a student got it wrong (off the catalog), run
    from a named cell so tracebacks show the student's lines, as in the sandbox and the kernel."""
    start = SOURCE.index(f"\ndef {exercise}(")
    end = SOURCE.find("\ndef ", start + 1) % (len(SOURCE) + 1)
    function = SOURCE[start:end]
    assert function.count(old) == 1, old
    source, filename = SOURCE[:start] + function.replace(old, new) + SOURCE[end:], f"<cell: {exercise}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[exercise]


# One bug off the catalog for each rule: the failing cases are exactly one kind of case.
RULES = [
    (
        "conv_forward",
        "n_H = (n_H_prev - f + 2 * pad) // stride + 1\n    n_W = (n_W_prev - f + 2 * pad) // stride + 1",
        "n_H = n_H_prev - f + 2 * pad + 1\n    n_W = n_W_prev - f + 2 * pad + 1",
        "every case with stride 1 passes, every case with stride >= 2 fails",
        "Look at how the stride enters your indices.",
    ),
    (
        "zero_pad",
        'X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)',
        "X_pad = np.zeros((X.shape[0], X.shape[1] + 2 * pad, X.shape[2] + 2 * pad, X.shape[3])); "
        "X_pad[:, pad:-pad, pad:-pad, :] = X",
        "every case with pad > 0 passes, every case with pad = 0 fails (it raises ValueError)",
        "Look at your slices when pad = 0.",
    ),
    (
        "conv_backward",
        "db[:, :, :, c] += dZ[i, h, w, c]",
        "db[:, :, :, c] += dZ[0, h, w, c]",
        "every batch of one passes, every batch of more than one example fails (db is wrong; dA_prev and dW are "
        "right in every case)",
        "Something depends on the example index",
    ),
    (
        "zero_pad",
        'X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)',
        "X_pad = np.zeros((X.shape[0], X.shape[1] + 2 * pad, X.shape[1] + 2 * pad, X.shape[3])); "
        "X_pad[:, pad:pad + X.shape[1], pad:pad + X.shape[2], :] = X",
        "every square input passes, every non-square input fails",
        "Height and width are mixed up somewhere: swapped, or one of them used for both.",
    ),
    (
        "pool_forward",
        'elif mode == "average":',
        'elif mode == "avg":',
        'every case with mode = "max" passes, every case with mode = "average" fails (A is wrong)',
        'Look at the "average" branch.',
    ),
]


@pytest.mark.parametrize("exercise, old, new, seen, pointer", RULES, ids=lambda v: str(v)[:30])
def test_without_a_confirmed_mistake_the_feedback_says_what_the_cases_show(exercise, old, new, seen, pointer):
    result = check_function(exercise, student(exercise, old, new), SEED)
    assert result.diagnosis == [] and "Likely mistake" not in result.feedback, result.feedback
    assert f"Hint: What the cases show: {seen}" in result.feedback and pointer in result.feedback, result.feedback


def test_failures_of_no_single_kind_are_only_counted():
    # Average pooling divided by f instead of f * f: right only where f = 1, which is no rule's kind.
    result = check_function(
        "pool_forward",
        student("pool_forward", "A[i, h, w, c] = np.mean(a_prev_slice)", "A[i, h, w, c] = np.sum(a_prev_slice) / f"),
        SEED,
    )
    assert result.diagnosis == [] and result.feedback.endswith(
        "Hint: What the cases show: 8 of 18 cases fail (A is wrong)."
    )


def test_one_traceback_for_the_same_error_in_every_case():
    result = check_function(
        "conv_single_step", student("conv_single_step", "Z = Z + b.item()", "Z = Z + float(b)"), SEED
    )
    assert result.feedback.count("TypeError: only 0-dimensional arrays") == 1
    assert result.feedback.count("in conv_single_step: Z = Z + float(b)") == 1
    assert "(the same error in 4 more cases)" in result.feedback
    assert result.feedback.count("raised TypeError") == 5  # every case still has its own line


def test_a_students_error_message_never_shows_a_hidden_inputs_value():
    # An error whose message carries an input's value: shown on the published cases, blanked on hidden ones.
    result = check_function(
        "conv_forward",
        student(
            "conv_forward",
            "(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape",
            "(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape; raise ValueError(f'sum {A_prev.sum()!r}')",
        ),
        SEED,
    )
    hidden = [c for c in cases_for("conv_forward", SEED) if c.kind == "hidden"]
    assert "ValueError: sum np.float64(<number>)" in result.feedback
    for case in hidden:
        for value in (case.args[0].sum(), *case.args[0].ravel()[:5]):
            assert f"{value:.5f}" not in result.feedback and repr(float(value)) not in result.feedback
