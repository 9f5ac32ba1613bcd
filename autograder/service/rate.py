"""The per-student rate limit: at most N checks in any window of a minute, an hour or a day.

Counted from the checks database, so a restart forgets nothing.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_UNITS = {"minute": 60.0, "hour": 3600.0, "day": 86400.0}
_FORMAT = re.compile(r"(\d{1,6})/(minute|hour|day)")


@dataclass(frozen=True)
class Rate:
    checks: int
    unit: str

    @property
    def window(self) -> float:
        return _UNITS[self.unit]

    def __str__(self) -> str:
        return f"{self.checks}/{self.unit}"

    def wait(self, started: Sequence[float], now: float) -> float:
        """Seconds until another check may start, given when the checks of the last window started
        (oldest first); 0 when one may start now."""
        if len(started) < self.checks:
            return 0.0
        return max(0.0, started[len(started) - self.checks] + self.window - now)


def parse_rate(text: str) -> Rate:
    """`10/hour`, `3/minute`, `50/day`; raises ValueError otherwise."""
    match = _FORMAT.fullmatch(text.strip())
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"a rate is N/minute, N/hour or N/day with N at least 1, not {text!r}")
    return Rate(int(match.group(1)), match.group(2))
