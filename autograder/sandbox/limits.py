"""The limits of one submission's run in the sandbox, and the time budget they add up to."""
from __future__ import annotations

from dataclasses import dataclass

NOTEBOOK_CELLS = 3     # all cells together get this many times the per-cell limit
START_SECONDS = 10.0   # building the job's box and reading its job, on a busy machine
EXERCISE_MARGIN = 3.0  # per exercise: forking its child, sending its outcomes


@dataclass(frozen=True)
class Limits:
    """Per-submission limits.

    seconds -- wall time of one cell, and wall/CPU time of one exercise's calls
    memory_mb -- memory of the whole submission (its cgroup), and address space of each process
    tmp_mb -- the size of its /tmp and of its /dev/shm (tmpfs), and of any one file it writes
    processes -- processes and threads of the whole submission at once (its cgroup)
    answer_mb -- what it may send back
    """

    seconds: float = 10.0
    memory_mb: int = 1024
    max_log_chars: int = 20_000
    tmp_mb: int = 64
    processes: int = 128
    answer_mb: int = 64

    @property
    def notebook_seconds(self) -> float:
        """All cells together, however many there are."""
        return NOTEBOOK_CELLS * self.seconds

    @property
    def answer_bytes(self) -> int:
        return self.answer_mb * 2**20

    def wall_budget(self, n_exercises: int) -> float:
        """The whole job: its cells (budget and grace for definitions) and each exercise, never the number of cells."""
        return START_SECONDS + self.notebook_seconds + self.seconds + n_exercises * (self.seconds + EXERCISE_MARGIN)
