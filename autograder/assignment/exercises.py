"""The exercises: one record each, the only place an exercise is described.

The notebook's locked cells, the sandbox jobs, the checks, the reports and the gradebook all read
these records.  Adding an exercise means a record here, its cases (``cases/seeded.py``,
``cases/hidden.py``), its cells in the source notebook and its function in the answer key.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Kind(enum.StrEnum):
    FUNCTION = "function"   # a function called on cases and compared with the answer key
    FIGURE = "figure"       # a figure the notebook draws, read from its matplotlib objects


@dataclass(frozen=True)
class Exercise:
    name: str
    points: float
    optional: bool                       # extra credit, reported apart from the required part
    short: str                           # a 4-letter column name for tables
    kind: Kind = Kind.FUNCTION
    # Earlier exercises this one calls; while it is graded they come from the answer key,
    # so that one mistake is charged once.
    helpers: tuple[str, ...] = ()
    args: tuple[str, ...] = ()           # the function's arguments, in order (docstring names)
    returns: tuple[str, ...] = ()        # what it returns, in order (docstring names)
    # How the notebook names the returned values when it prints them (the published rows use these).
    printed_as: tuple[str, ...] = ()
    # The part of `returns` that is a cache: checked as a contract (it holds these arguments), not compared.
    cache: tuple[str, ...] = ()
    exact: bool = False                  # outputs compared exactly (booleans), not within tolerances
    # Partial credit is rounded down to a multiple of this (see autograder.checking.scoring).
    granularity: float = 0.5

    @property
    def is_function(self) -> bool:
        return self.kind is Kind.FUNCTION

    @property
    def outputs(self) -> tuple[str, ...]:
        """The returned values compared with the answer key (everything but the cache)."""
        return tuple(name for name in self.returns if name != "cache")


EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in (
        Exercise("zero_pad", 1.0, optional=False, short="pad", args=("X", "pad"), returns=("X_pad",),
                 printed_as=("x_pad",)),
        Exercise("padding_figure", 1.0, optional=False, short="fig", kind=Kind.FIGURE, helpers=("zero_pad",)),
        Exercise("conv_single_step", 2.0, optional=False, short="step", args=("a_slice_prev", "W", "b"),
                 returns=("Z",), printed_as=("Z",)),
        Exercise("conv_forward", 4.0, optional=False, short="cfwd", helpers=("zero_pad", "conv_single_step"),
                 args=("A_prev", "W", "b", "hparameters"), returns=("Z", "cache"), printed_as=("Z", "cache_conv"),
                 cache=("A_prev", "W", "b", "hparameters")),
        Exercise("pool_forward", 2.0, optional=False, short="pfwd", args=("A_prev", "hparameters", "mode"),
                 returns=("A", "cache"), printed_as=("A", "cache"), cache=("A_prev", "hparameters")),
        Exercise("conv_backward", 3.0, optional=True, short="cbwd", helpers=("zero_pad",), args=("dZ", "cache"),
                 returns=("dA_prev", "dW", "db"), printed_as=("dA_prev", "dW", "db")),
        Exercise("create_mask_from_window", 1.0, optional=True, short="mask", args=("x",), returns=("mask",),
                 printed_as=("mask",), exact=True),
        Exercise("distribute_value", 1.0, optional=True, short="dist", args=("dz", "shape"), returns=("a",),
                 printed_as=("a",)),
        Exercise("pool_backward", 3.0, optional=True, short="pbwd",
                 helpers=("create_mask_from_window", "distribute_value"), args=("dA", "cache", "mode"),
                 returns=("dA_prev",), printed_as=("dA_prev",)),
    )
}

FUNCTIONS: tuple[str, ...] = tuple(name for name, e in EXERCISES.items() if e.is_function)
REQUIRED_POINTS = sum(e.points for e in EXERCISES.values() if not e.optional)
EXTRA_POINTS = sum(e.points for e in EXERCISES.values() if e.optional)


def required_and_extra(exercise_scores: Mapping[str, float]) -> tuple[float, float]:
    """(required points, extra points) earned, from the exercises' scores: the optional part is
    extra credit and is reported apart from the required score."""
    required = sum(s for name, s in exercise_scores.items() if name in EXERCISES and not EXERCISES[name].optional)
    extra = sum(s for name, s in exercise_scores.items() if name in EXERCISES and EXERCISES[name].optional)
    return required, extra
