"""The figure exercises checked, from the figures the notebook drew (sandbox/guest/figures.py data).

One check per figure exercise, by name: today the padding figure.  A figure is graded on what it
is for, and a helper's mistake is charged to the helper alone: the padding figure shows channel 0
of the first example before and after *the student's own* zero_pad, so a wrong zero_pad, drawn
faithfully, still earns the figure (zero_pad's correctness is zero_pad's exercise).  The figure
cell draws zero_pad(x, 2) for the seeded x: (4, 3, 3, 2), which is also zero_pad's first seeded
case, so the student's own result there is at hand wherever the figure is checked.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..assignment.cases import Case
from ..assignment.exercises import EXERCISES
from .compare import arrays_close
from .contracts import describe
from .result import ExerciseResult, ExerciseStatus

# The figure cell's x_pad = zero_pad(x, 2): zero_pad's first seeded case (a key of expected.h5).
PADDING_FIGURE_CASE = "zero_pad/0"
# The figure's images are 3 x 3 and 7 x 7; an image is read as float64 and padded only up to this
# size (an answer's 64 MB of booleans would otherwise become gigabytes in the grader).
MAX_IMAGE_ENTRIES = 2**20

HelperCalls = dict[str, tuple[list[Case], list[dict[str, Any]] | None]]
# What a notebook drew: the guest's figures.Figure in the kernel, untrusted JSON read back from the sandbox.
Figures = Sequence[Mapping[str, Any]]
"""Per helper: its cases and the student's own calls on them (None: not defined, or never finished)."""


def _result(score: float, status: ExerciseStatus, message: str) -> ExerciseResult:
    points = EXERCISES["padding_figure"].points
    return ExerciseResult(score, points, status, f"padding_figure: {score:g} / {points:g} points: {message}", [],
                          "padding_figure")


def _own_padding(helpers: HelperCalls) -> tuple[np.ndarray, dict[str, Any] | None]:
    """(the seeded x, the student's own zero_pad(x, 2) call record or None)."""
    cases, outcomes = helpers["zero_pad"]
    index = next(n for n, case in enumerate(cases) if case.key == PADDING_FIGURE_CASE)
    return cases[index].args[0], (outcomes[index] if outcomes is not None else None)


def _drawable(outcome: dict[str, Any] | None) -> np.ndarray | None:
    """Channel 0 of the first example of the student's zero_pad(x, 2), as the figure cell draws it."""
    value = (outcome or {}).get("value")
    if outcome is None or outcome.get("error") or not isinstance(value, np.ndarray) or value.ndim != 4 \
            or 0 in value.shape or value.dtype.kind not in "biuf":
        return None
    return value[0, :, :, 0].astype(float)


def _why_no_image(outcome: dict[str, Any] | None) -> str:
    """Why the figure cell could not draw x_pad, when zero_pad is the reason ('' when it is not)."""
    if outcome is None:
        return "zero_pad is not defined (or never finished), and the figure cell draws zero_pad(x, 2)"
    error = outcome.get("error")
    if error and error.get("type") == "NotImplementedError":
        return "zero_pad is not implemented yet, and the figure cell draws zero_pad(x, 2)"
    if error:
        return f"zero_pad(x, 2) raises {error.get('type')}, so the figure cell stops before drawing"
    if _drawable(outcome) is None:
        return (f"zero_pad(x, 2) returns {describe(outcome.get('value'))}, which the figure cell cannot draw "
                f"as x_pad[0, :, :, 0]")
    return ""


def _padded_by_zeros(x: np.ndarray, x_pad: np.ndarray) -> bool:
    """x_pad is x with the same number p >= 1 of zero rows and columns on every side."""
    grow = np.subtract(x_pad.shape, x.shape)
    return bool(grow[0] == grow[1] and grow[0] >= 2 and grow[0] % 2 == 0
                and arrays_close(np.pad(x, grow[0] // 2), x_pad))


def check_padding_figure(figures: Figures, helpers: HelperCalls) -> ExerciseResult:
    """Pass if some figure has two axes titled `x` and `x_pad` showing channel 0 of the first example
    before and after padding: the student's own zero_pad(x, 2) of the seeded x, or any zero-padding of
    the image drawn as x (figures: sandbox/guest/figures.extract_figures data)."""
    points = EXERCISES["padding_figure"].points
    seeded_x, outcome = _own_padding(helpers)
    own = _drawable(outcome)
    for figure in figures:
        images = {str(ax.get("title", "")).strip(): ax.get("images") or [] for ax in figure.get("axes", [])}
        if not ("x" in images and "x_pad" in images and images["x"] and images["x_pad"]):
            continue
        if any(np.asarray(images[title][0]).size > MAX_IMAGE_ENTRIES for title in ("x", "x_pad")):
            return _result(0.0, ExerciseStatus.FAILED, "the images are far larger than one channel of one example")
        x, x_pad = (np.asarray(images[title][0], dtype=float) for title in ("x", "x_pad"))
        if x.ndim != 2 or x_pad.ndim != 2:
            return _result(0.0, ExerciseStatus.FAILED, "the images should be 2-D (one channel of one example)")
        drawn_own = own is not None and arrays_close(x, seeded_x[0, :, :, 0]) and arrays_close(x_pad, own)
        if drawn_own or _padded_by_zeros(x, x_pad):
            return _result(points, ExerciseStatus.PASSED, "the figure shows x and x_pad.")
        return _result(0.0, ExerciseStatus.FAILED,
                       "x_pad's image is neither channel 0 of the first example of your zero_pad(x, 2) next to "
                       "the same channel of x, nor x's image surrounded by zeros.")
    reason = _why_no_image(outcome)
    if reason:
        return _result(0.0, ExerciseStatus.FAILED, f"no figure of x and x_pad was found: {reason}. See zero_pad's "
                                                   f"feedback, then run the figure cell again.")
    return _result(0.0, ExerciseStatus.FAILED, "no figure with two images titled 'x' and 'x_pad' was found "
                                               "(draw them with fig, axarr = plt.subplots(1, 2)).")


FIGURE_CHECKS: dict[str, Callable[[Figures, HelperCalls], ExerciseResult]] = {
    "padding_figure": check_padding_figure}


def check_figure(exercise: str, figures: Figures, helpers: HelperCalls) -> ExerciseResult:
    """The result of the figure exercise `exercise` for the figures a notebook drew and the student's
    own calls of its helpers (EXERCISES[exercise].helpers)."""
    return FIGURE_CHECKS[exercise](figures, helpers)
