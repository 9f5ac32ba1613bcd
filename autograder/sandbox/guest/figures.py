"""The matplotlib figures a notebook drew, as plain data (for the padding-figure check).

Runs beside student code, so it imports nothing from the grader, and it never imports
matplotlib itself: if the student's code did not import it, there are no figures.  With the
inline backend a figure is closed after its cell, but the objects stay reachable from the
notebook's globals (``fig, axarr = plt.subplots(1, 2)``), so both are searched.
"""
from __future__ import annotations

import sys
from typing import Any, TypedDict

import numpy as np

MAX_FIGURES = 50


class Axes(TypedDict):
    title: str
    images: list[np.ndarray]    # each (height, width) or (height, width, channels)


class Figure(TypedDict):
    axes: list[Axes]


def _candidates(value: Any) -> list[Any]:
    """The value itself and, one level down, the items of a list, tuple or object array."""
    if isinstance(value, np.ndarray) and value.dtype == object:
        return list(value.flat[:MAX_FIGURES])
    if isinstance(value, (list, tuple)):
        return list(value[:MAX_FIGURES])
    return [value]


def _image_arrays(ax: Any) -> list[np.ndarray]:
    arrays = [np.ma.getdata(image.get_array()) for image in ax.get_images()]
    return [np.array(a, dtype=float) for a in arrays if a is not None and np.asarray(a).dtype.kind in "biuf"]


def extract_figures(namespace: dict[str, Any]) -> list[Figure]:
    """[{"axes": [{"title": str, "images": [ndarray]}]}] for every Figure reachable from
    `namespace` (directly, through an Axes, or inside a list / tuple / object array) or open in pyplot."""
    if "matplotlib.figure" not in sys.modules:
        return []
    from matplotlib.axes import Axes as PlotAxes
    from matplotlib.figure import Figure as PlotFigure

    figures: dict[int, Any] = {}
    for value in list(namespace.values()):
        try:
            for item in _candidates(value):
                figure = item if isinstance(item, PlotFigure) else item.figure if isinstance(item, PlotAxes) else None
                if figure is not None and len(figures) < MAX_FIGURES:
                    figures.setdefault(id(figure), figure)
        except Exception:  # noqa: BLE001 - a student object that breaks isinstance or slicing holds no figure
            continue
    if "matplotlib.pyplot" in sys.modules:
        pyplot = sys.modules["matplotlib.pyplot"]
        for number in pyplot.get_fignums()[:MAX_FIGURES]:
            figure = pyplot.figure(number)
            figures.setdefault(id(figure), figure)
    return [{"axes": [{"title": str(ax.get_title()), "images": _image_arrays(ax)}
                      for ax in figure.get_axes()]}
            for figure in figures.values()]
