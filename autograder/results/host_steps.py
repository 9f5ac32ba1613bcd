"""Each host-side step after grading (the gradebook and autograded/ folder, the feedback page, the
grades.csv row, the similarity report's read of the code) runs per student inside its own guard: a
step that fails for one student costs that student that step only.  The failures are said in that
student's entry of results.json ("host_failures") and in the run's warnings; every other student
completes."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..sandbox.guest.wire import text as valid_text

MAX_REASON_CHARS = 300


@dataclass
class HostFailures:
    by_student: dict[str, dict[str, str]] = field(default_factory=dict)   # student -> step -> why

    @contextlib.contextmanager
    def guard(self, step: str, student: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:  # noqa: BLE001 - one student's host step: said, never the class's stop
            why = f"{type(error).__name__}: {valid_text(str(error))[:MAX_REASON_CHARS]}"
            self.by_student.setdefault(student, {})[step] = why

    def of(self, student: str) -> dict[str, str]:
        return dict(self.by_student.get(student, {}))

    def warnings(self) -> list[str]:
        return [f"the {step} step failed for {student} (their other results are written; re-run to try again): "
                f"{why}" for student, steps in sorted(self.by_student.items()) for step, why in sorted(steps.items())]
