"""The figure exercises checked, from the figures the notebook drew (sandbox/guest/figures.py data).

One check per figure exercise, by name: today the padding figure (x and x_pad side by side)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..assignment.exercises import EXERCISES
from .result import ExerciseResult, ExerciseStatus


def check_padding_figure(figures: list[dict[str, Any]]) -> ExerciseResult:
    """Pass if some figure has two axes titled `x` and `x_pad` whose images are an array and its
    zero-padding by some p >= 1 (figures: sandbox/guest/figures.extract_figures data)."""
    points = EXERCISES["padding_figure"].points
    for figure in figures:
        images = {str(ax.get("title", "")).strip(): ax.get("images") or [] for ax in figure.get("axes", [])}
        if "x" in images and "x_pad" in images and images["x"] and images["x_pad"]:
            problem = _padding_problem(np.asarray(images["x"][0], dtype=float),
                                       np.asarray(images["x_pad"][0], dtype=float))
            if not problem:
                return ExerciseResult(points, points, ExerciseStatus.PASSED, "padding_figure: the figure shows x and x_pad. "
                                      f"{points:g} / {points:g} points", [], "padding_figure")
            return ExerciseResult(0.0, points, ExerciseStatus.FAILED, f"padding_figure: 0 / {points:g} points: {problem}",
                                  [], "padding_figure")
    return ExerciseResult(0.0, points, ExerciseStatus.FAILED,
                          f"padding_figure: 0 / {points:g} points: no figure with two images titled 'x' "
                          f"and 'x_pad' was found (draw them with fig, axarr = plt.subplots(1, 2)).",
                          [], "padding_figure")


def _padding_problem(x: np.ndarray, x_pad: np.ndarray) -> str:
    if x.ndim != 2 or x_pad.ndim != 2:
        return "the images should be 2-D (one channel of one example)"
    grow = np.subtract(x_pad.shape, x.shape)
    if grow[0] != grow[1] or grow[0] < 2 or grow[0] % 2:
        return f"x_pad's image ({x_pad.shape}) is not x's image ({x.shape}) with the same padding on every side"
    if not np.allclose(np.pad(x, grow[0] // 2), x_pad, rtol=1e-5, atol=1e-7):
        return "x_pad's image is not x's image surrounded by zeros"
    return ""


FIGURE_CHECKS: dict[str, Callable[[list[dict[str, Any]]], ExerciseResult]] = {"padding_figure": check_padding_figure}


def check_figure(exercise: str, figures: list[dict[str, Any]]) -> ExerciseResult:
    """The result of the figure exercise `exercise` for the figures a notebook drew."""
    return FIGURE_CHECKS[exercise](figures)
