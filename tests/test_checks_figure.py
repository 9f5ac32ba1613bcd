"""The padding figure: found among a notebook's globals (or pyplot's open figures) and checked on what
it is for (x and the student's own x_pad), so a zero_pad mistake is charged to zero_pad alone."""
import contextlib
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from support import FIGURE_CELL, grade, notebook

import cnn_reference
from autograder.assignment.cases import seed_for
from autograder.checking.figure import check_padding_figure
from autograder.checking.mistakes import CATALOG, mutant, mutant_source
from autograder.grading.options import GradeOptions
from autograder.notebook import check_in_notebook, own_calls
from autograder.sandbox.guest.figures import extract_figures
from autograder.sandbox.limits import Limits

SEED = seed_for("test-student")
PAD_EVERY_AXIS = next(m for m in CATALOG if m.name == "padding every axis")


def own(zero_pad):
    """The student's own zero_pad calls, as the checks get them (None: zero_pad is not defined)."""
    return own_calls(("zero_pad",), {"zero_pad": zero_pad} if zero_pad else {}, SEED)


def draw(left, right, titles=("x", "x_pad")):
    """The notebook's padding cell: fig, axarr = plt.subplots(1, 2) with one image per axes."""
    fig, axarr = plt.subplots(1, 2)
    for ax, image, title in zip(axarr, (left, right), titles):
        ax.set_title(title)
        ax.imshow(image)
    return fig, axarr


@pytest.fixture
def x():
    np.random.seed(1)
    return np.random.randn(4, 3, 3, 2)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_padding_cells_figure_passes_even_after_the_inline_backend_closed_it(x):
    x_pad = cnn_reference.zero_pad(x, 2)
    fig, axarr = draw(x[0, :, :, 0], x_pad[0, :, :, 0])
    plt.close(fig)  # what the inline backend does after the cell
    figures = extract_figures({"x": x, "fig": fig, "axarr": axarr, "zero_pad": cnn_reference.zero_pad})
    assert len(figures) == 1 and [ax["title"] for ax in figures[0]["axes"]] == ["x", "x_pad"]
    assert figures[0]["axes"][1]["images"][0].dtype == np.float64
    result = check_padding_figure(figures, own(cnn_reference.zero_pad))
    assert (result.score, result.status) == (1.0, "passed")


def test_figures_are_found_through_axes_arrays_and_pyplots_open_figures(x):
    x_pad = cnn_reference.zero_pad(x, 1)
    _, axarr = draw(x[0, :, :, 0], x_pad[0, :, :, 0])
    assert check_padding_figure(extract_figures({"axarr": axarr}), own(cnn_reference.zero_pad)).status == "passed"
    assert check_padding_figure(extract_figures({}), own(cnn_reference.zero_pad)).status == "passed"  # still open


@pytest.mark.parametrize("left, right, titles, problem", [
    (lambda x: x[0, :, :, 0], lambda x: x[0, :, :, 0], ("x", "x_pad"), "neither"),
    (lambda x: x[0, :, :, 0], lambda x: np.pad(x[0, :, :, 0], 1) + 1, ("x", "x_pad"), "surrounded by zeros"),
    (lambda x: x[0, :, :, 0], lambda x: np.pad(x[0, :, :, 0], 1), ("before", "after"), "no figure"),
    (lambda x: x[0, :, :, 0], lambda x: np.pad(x[0, :, :, 0], ((1, 1), (2, 2))), ("x", "x_pad"), "neither"),
])
def test_a_wrong_figure_fails_with_a_reason(x, left, right, titles, problem):
    fig, _ = draw(left(x), right(x), titles)
    result = check_padding_figure(extract_figures({"fig": fig}), own(cnn_reference.zero_pad))
    assert (result.score, result.status) == (0.0, "failed") and problem in result.feedback


def test_no_figure_at_all_fails():
    assert check_padding_figure([], own(cnn_reference.zero_pad)).status == "failed"


def run_figure_cell(zero_pad) -> dict:
    """The notebook's namespace after its figure cell ran with this zero_pad (as far as it got)."""
    namespace = {"np": np, "zero_pad": zero_pad}
    with contextlib.suppress(NotImplementedError):
        exec(FIGURE_CELL, namespace)
    return namespace


def test_a_figure_of_the_students_own_wrong_padding_is_not_charged_again():
    # zero_pad pads every axis: zero_pad loses its point, the figure (drawn faithfully) keeps its own.
    namespace = run_figure_cell(mutant(PAD_EVERY_AXIS))
    assert check_in_notebook("zero_pad", namespace, SEED).score == 0.0
    figure = check_in_notebook("padding_figure", namespace, SEED)
    assert (figure.score, figure.status) == (1.0, "passed"), figure.feedback


def test_a_figure_that_is_not_the_students_padding_still_fails():
    namespace = run_figure_cell(mutant(PAD_EVERY_AXIS))
    namespace["axarr"][1].images[0].set_data(np.ones((7, 7)))
    figure = check_in_notebook("padding_figure", namespace, SEED)
    assert (figure.score, figure.status) == (0.0, "failed") and "neither" in figure.feedback


def unanswered_zero_pad(X, pad):
    raise NotImplementedError()


@pytest.mark.parametrize("zero_pad, words", [
    (unanswered_zero_pad, "zero_pad is not implemented yet"),
    (None, "zero_pad is not defined"),
    (lambda X, pad: X.sum(), "zero_pad(x, 2) returns a number"),
])
def test_without_a_usable_zero_pad_the_figures_feedback_points_at_zero_pad(zero_pad, words):
    result = check_padding_figure([], own(zero_pad))
    assert result.score == 0.0 and words in result.feedback and "plt.subplots" not in result.feedback


@pytest.mark.slow
def test_in_the_sandbox_padding_every_axis_costs_zero_pad_only():
    options = GradeOptions(sandbox="bwrap", limits=Limits(seconds=5))
    record = grade(notebook(mutant_source(PAD_EVERY_AXIS), "import matplotlib\nmatplotlib.use('Agg')\n" + FIGURE_CELL),
                   "student.ipynb", "student", options)
    scores = {name: e["score"] for name, e in record["exercises"].items()}
    assert (scores["zero_pad"], scores["padding_figure"]) == (0.0, 1.0), record["exercises"]["padding_figure"]


def test_extract_figures_never_imports_matplotlib():
    code = ("import sys; from autograder.sandbox.guest.figures import extract_figures; "
            "print(extract_figures({'a': [1, 2]}), 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "False"]
