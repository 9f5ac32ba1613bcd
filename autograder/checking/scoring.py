"""The partial-credit rule, defined once."""
from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def partial_credit(points: float, passed: int, total: int, granularity: float) -> float:
    """Points earned for passing `passed` of an exercise's `total` cases.

    The rule: score = floor(points * passed / total / granularity) * granularity, i.e. the
    fraction of cases passed, rounded *down* to the exercise's granularity (from
    ``EXERCISES``).  All cases passed gives full points; none passed gives 0 (so an exercise
    that errors on every case scores 0).  Computed with exact fractions, so 4 points at 7/8
    with granularity 0.5 is exactly 3.5, never 3.4999.
    """
    if total <= 0:
        return 0.0
    steps = Fraction(points) * passed / total / Fraction(granularity)
    return float(math.floor(steps) * Fraction(granularity))


def credited(kinds: Sequence[str], passes: Sequence[bool], discriminating: Sequence[bool]) -> tuple[int, int]:
    """(passed cases that earn credit, cases counted): only the cases trivial answers fail count
    (checking.trivial; all of them if none does), and the published ("seeded") examples among
    them only when some hidden one passes too.  The published inputs and outputs ship with the
    release, so passing them alone shows no working function, nor does passing a case where
    returning the input, zeros or a constant is right (a table of the former plus the latter
    would otherwise earn points with no code)."""
    # A trivial case earns nothing when passed, but failing it still costs: it leaves only when passed.
    counted = [i for i, d in enumerate(discriminating) if d or not passes[i]] or list(range(len(passes)))
    hidden = [i for i in counted if kinds[i] == "hidden"]
    if hidden and not any(passes[i] for i in hidden):
        return 0, len(counted)
    return sum(passes[i] for i in counted), len(counted)
