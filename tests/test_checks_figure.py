"""The padding figure: found among a notebook's globals (or pyplot's open figures) and checked."""
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cnn_reference  # noqa: E402
from autograder.checking.figure import check_padding_figure  # noqa: E402
from autograder.sandbox.guest.figures import extract_figures  # noqa: E402


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
    result = check_padding_figure(figures)
    assert (result.score, result.status) == (1.0, "passed")


def test_figures_are_found_through_axes_arrays_and_pyplots_open_figures(x):
    x_pad = cnn_reference.zero_pad(x, 1)
    _, axarr = draw(x[0, :, :, 0], x_pad[0, :, :, 0])
    assert check_padding_figure(extract_figures({"axarr": axarr})).status == "passed"
    assert check_padding_figure(extract_figures({})).status == "passed"  # still open in pyplot


@pytest.mark.parametrize("left, right, titles, problem", [
    (lambda x: x[0, :, :, 0], lambda x: x[0, :, :, 0], ("x", "x_pad"), "same padding on every side"),
    (lambda x: x[0, :, :, 0], lambda x: np.pad(x[0, :, :, 0], 1) + 1, ("x", "x_pad"), "surrounded by zeros"),
    (lambda x: x[0, :, :, 0], lambda x: np.pad(x[0, :, :, 0], 1), ("before", "after"), "no figure"),
    (lambda x: x[0, :, :, 0], lambda x: np.pad(x[0, :, :, 0], ((1, 1), (2, 2))), ("x", "x_pad"), "same padding"),
])
def test_a_wrong_figure_fails_with_a_reason(x, left, right, titles, problem):
    fig, _ = draw(left(x), right(x), titles)
    result = check_padding_figure(extract_figures({"fig": fig}))
    assert (result.score, result.status) == (0.0, "failed") and problem in result.feedback


def test_no_figure_at_all_fails():
    assert check_padding_figure([]).status == "failed"


def test_extract_figures_never_imports_matplotlib():
    code = ("import sys; from autograder.sandbox.guest.figures import extract_figures; "
            "print(extract_figures({'a': [1, 2]}), 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "False"]
