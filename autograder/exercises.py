"""The exercises and their points: the one table the notebook, the bulk grader and the reports read."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class Exercise:
    name: str
    points: float
    optional: bool
    # Earlier exercises this one calls; while it is graded they come from the answer key,
    # so that one mistake is charged once.
    helpers: tuple[str, ...] = ()
    # Partial credit is rounded down to a multiple of this (see autograder.checks.scoring).
    granularity: float = 0.5

    @property
    def is_function(self) -> bool:
        return self.name != "padding_figure"


EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in (
        Exercise("zero_pad", 1.0, optional=False),
        Exercise("padding_figure", 1.0, optional=False, helpers=("zero_pad",)),
        Exercise("conv_single_step", 2.0, optional=False),
        Exercise("conv_forward", 4.0, optional=False, helpers=("zero_pad", "conv_single_step")),
        Exercise("pool_forward", 2.0, optional=False),
        Exercise("conv_backward", 3.0, optional=True, helpers=("zero_pad",)),
        Exercise("create_mask_from_window", 1.0, optional=True),
        Exercise("distribute_value", 1.0, optional=True),
        Exercise("pool_backward", 3.0, optional=True, helpers=("create_mask_from_window", "distribute_value")),
    )
}

REQUIRED_POINTS = sum(e.points for e in EXERCISES.values() if not e.optional)
EXTRA_POINTS = sum(e.points for e in EXERCISES.values() if e.optional)


def required_and_extra(exercise_scores: Mapping[str, float]) -> tuple[float, float]:
    """(required points, extra points) earned, from the exercises' scores: the optional part is
    extra credit and is reported apart from the required score."""
    required = sum(s for name, s in exercise_scores.items() if name in EXERCISES and not EXERCISES[name].optional)
    extra = sum(s for name, s in exercise_scores.items() if name in EXERCISES and EXERCISES[name].optional)
    return required, extra
