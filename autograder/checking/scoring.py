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


def credited(kinds: Sequence[str], passes: Sequence[bool]) -> int:
    """How many passed cases earn credit: the published ("seeded") examples count only when some
    hidden case passes too.  Their inputs and outputs ship with the release, so passing them alone
    shows no working function (a table of them would otherwise earn points with no code)."""
    if any(p for k, p in zip(kinds, passes) if k == "hidden") or "hidden" not in kinds:
        return sum(passes)
    return 0
