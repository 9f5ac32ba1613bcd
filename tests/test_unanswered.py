"""An exercise that still holds a template's placeholders is "not answered", not a wrong answer:
its own status ("unanswered") and message, in the record, the feedback page and nbgrader's
autograded cells; a half-written function is graded as written.  The templates below are in the
shape of the assignment's published versions (`X_pad = None`, loops over `range(None)`)."""
from __future__ import annotations

import pytest
from support import RELEASE_NOTEBOOK, SOLUTIONS, notebook

from autograder import grade_notebook
from autograder.checking.unanswered import placeholder_line
from autograder.results.reports.feedback import feedback_html

ZERO_PAD_TEMPLATE = '''
def zero_pad(X, pad):
    """Pad with zeros."""
    ### START CODE HERE ### (≈ 1 line)
    X_pad = None
    ### END CODE HERE ###

    return X_pad
'''

CONV_FORWARD_TEMPLATE = '''
def conv_forward(A_prev, W, b, hparameters):
    # Retrieve dimensions from A_prev's shape
    ### START CODE HERE ###
    (m, n_H_prev, n_W_prev, n_C_prev) = None
    (f, f, n_C_prev, n_C) = None
    stride = None
    pad = None
    Z = None
    A_prev_pad = None
    for i in range(None):
        a_prev_pad = None
        for h in range(None):
            vert_start = None
            for w in range(None):
                for c in range(None):
                    a_slice_prev = None
                    Z[i, h, w, c] = None
    ### END CODE HERE ###
    assert(Z.shape == (m, n_H, n_W, n_C))
    cache = (A_prev, W, b, hparameters)
    return Z, cache
'''

HALF_WRITTEN = '''
def zero_pad(X, pad):
    ### START CODE HERE ###
    X_pad = np.pad(X, ((0, 0), (pad, pad), (0, 0), (0, 0)), mode="constant")
    ### END CODE HERE ###
    ### START CODE HERE ###
    extra = None
    ### END CODE HERE ###
    return X_pad
'''


@pytest.mark.parametrize(("exercise", "source", "shown"), [
    ("zero_pad", ZERO_PAD_TEMPLATE, "`X_pad = None`"),
    ("conv_forward", CONV_FORWARD_TEMPLATE, "`(m, n_H_prev, n_W_prev, n_C_prev) = None`"),
    ("zero_pad", "def zero_pad(X, pad):\n    ### START CODE HERE ###\n    raise NotImplementedError()\n"
                 "    ### END CODE HERE ###\n", "`raise NotImplementedError()`"),
    ("zero_pad", "def zero_pad(X, pad):\n    ### START CODE HERE ###\n    # pad it\n    ### END CODE HERE ###\n"
                 "    return None\n", "nothing but comments"),
])
def test_a_template_region_is_read_as_unanswered(exercise: str, source: str, shown: str) -> None:
    assert placeholder_line(exercise, ["import numpy as np", source]) == shown


@pytest.mark.parametrize(
    "source",
    [
        HALF_WRITTEN,
        SOLUTIONS,
        "def zero_pad(X, pad):\n    return None\n",  # no markers: graded as it stands
        ZERO_PAD_TEMPLATE
        + "\ndef zero_pad(X, pad):\n    ### START CODE HERE ###\n    return X\n    ### END CODE HERE ###\n",
    ],
)
def test_written_code_is_never_unanswered(source: str) -> None:
    assert placeholder_line("zero_pad", [source]) is None


@pytest.mark.slow
def test_a_template_is_not_answered_in_every_output() -> None:
    # zero_pad and conv_forward still the template; the rest solved (defined before, so the
    # templates below replace the solutions' zero_pad and conv_forward as Python would).
    record = grade_notebook(
        notebook(SOLUTIONS, "import numpy as np", ZERO_PAD_TEMPLATE, CONV_FORWARD_TEMPLATE), student="tess"
    )
    for name in ("zero_pad", "conv_forward"):
        result = record.exercises[name]
        assert (result.score, str(result.status)) == (0.0, "unanswered"), result.feedback
        assert result.feedback.startswith(f"{name}: not answered yet"), result.feedback
        assert (
            "None" in result.feedback
            and "NoneType" not in result.feedback
            and "return statement" not in result.feedback
        )
    assert str(record.exercises["conv_single_step"].status) == "passed"
    page = feedback_html(record, "cnn_step_by_step")
    assert page.count('class="unanswered">unanswered<') == 2 and "not answered yet" in page


@pytest.mark.slow
def test_the_untouched_release_is_not_answered_everywhere() -> None:
    record = grade_notebook(RELEASE_NOTEBOOK, student="new")
    functions = {n: e for n, e in record.exercises.items() if n != "padding_figure"}
    assert {str(e.status) for e in functions.values()} == {"unanswered"}, {n: e.feedback for n, e in functions.items()}
    assert record.score == 0
