"""Which cases show a working function: those that trivial answers fail.

Some cases are degenerate for an answer that computes nothing: pad = 0 makes zero_pad's answer its
input, f = 1 with stride 1 makes pooling's its input, a window of equal entries makes every mask
all True, a 1-by-1 window makes distribute_value's answer dz itself.  Passing such a case shows
nothing, so only discriminating cases unlock or earn credit (scoring).  The family a case is
measured against: each input array (also inside a cache), zeros, ones (all True), a fill with any
number the call is given, and, for a hidden case, the published outputs of the exercise (a table
of them; the published cases themselves earn only beside a hidden case that shows something).
"""
from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..assignment.cases import Case
from ..assignment.cases.seeded import seeded_cases
from ..assignment.exercises import EXERCISES
from ..assignment.expected import seeded_expected
from .compare import mismatch


def discriminates(case: Case, expected: dict[str, np.ndarray]) -> bool:
    """True when, for some output, no trivial answer matches the expected one."""
    exact = EXERCISES[case.exercise].exact
    return any(not any(not mismatch(name, candidate, want, exact=exact)
                       for candidate in _family(case, name, want))
               for name, want in expected.items())


def _family(case: Case, name: str, want: np.ndarray) -> Iterator[np.ndarray]:
    dtype = bool if want.dtype == bool else np.float64
    yield np.zeros(want.shape, dtype)
    yield np.ones(want.shape, dtype)
    for value in _leaves((case.args, tuple(case.kwargs.values()))):
        if isinstance(value, np.ndarray) and value.shape == want.shape:
            yield value.astype(dtype)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield np.full(want.shape, value, dtype)
    if case.kind == "hidden":   # a published case is a lookup by definition: scoring's own rule holds it
        for published in _published(case.exercise).get(name, ()):
            if published.shape == want.shape:
                yield published


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, tuple | list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    else:
        yield value


@functools.cache
def _published(exercise: str) -> dict[str, tuple[np.ndarray, ...]]:
    outputs = [seeded_expected(f"{exercise}/{n}") for n in range(len(seeded_cases(exercise)))]
    return {name: tuple(o[name] for o in outputs if name in o) for name in EXERCISES[exercise].outputs}
