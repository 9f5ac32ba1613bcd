"""The limits of one submission's run in the sandbox."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-submission limits: wall/CPU seconds per cell and per exercise, address space, log size."""

    seconds: float = 10.0
    memory_mb: int = 1024
    max_log_chars: int = 20_000
    tmp_mb: int = 64

    def wall_budget(self, n_cells: int, n_exercises: int) -> float:
        """An outer bound for the whole runner, used only if the runner itself stops responding."""
        return 20.0 + self.seconds * (n_cells + n_exercises) + 2.0 * n_exercises
