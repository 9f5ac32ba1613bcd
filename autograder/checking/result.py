"""What checking one exercise produces, and the results of exercises that never produced outcomes."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ..assignment.exercises import EXERCISES


class ExerciseStatus(enum.StrEnum):
    PASSED = "passed"      # every case passed
    FAILED = "failed"      # some case failed
    ERROR = "error"        # it raised on every case, or could not be graded (memory limit, crash)
    TIMEOUT = "timeout"    # stopped at the time limit
    MISSING = "missing"    # not in the submission
    UNANSWERED = "unanswered"  # still the template (its placeholders, or raises NotImplementedError)


@dataclass(frozen=True)
class CaseResult:
    label: str
    kind: str                   # "seeded" | "hidden"
    passed: bool
    problem: str = ""           # what kind of mismatch: never hidden inputs or expected values
    traceback: tuple[str, ...] = ()
    raised: str = ""            # the exception's type, when the call raised
    wrong: tuple[str, ...] = () # the outputs with wrong values, when the call returned within its contract


@dataclass(frozen=True)
class ExerciseResult:
    score: float
    max_score: float
    status: ExerciseStatus
    feedback: str
    diagnosis: list[str]
    exercise: str = ""
    cases: tuple[CaseResult, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """What results.json stores of it: exactly score, max_score, status, feedback, diagnosis."""
        return {"score": self.score, "max_score": self.max_score, "status": str(self.status),
                "feedback": self.feedback, "diagnosis": list(self.diagnosis)}


def _zero(exercise: str, status: ExerciseStatus, feedback: str) -> ExerciseResult:
    return ExerciseResult(0.0, EXERCISES[exercise].points, status, feedback, [], exercise)


def missing_result(exercise: str, message: str) -> ExerciseResult:
    """The exercise's function (or figure) is not in the submission."""
    return _zero(exercise, ExerciseStatus.MISSING, message)


def unanswered_result(exercise: str, placeholder: str) -> ExerciseResult:
    return _zero(exercise, ExerciseStatus.UNANSWERED,
                 f"{exercise}: not answered yet: the code between START CODE HERE and END CODE HERE is still the "
                 f"template's ({placeholder}). Write your code there, then run the cell.")


def timeout_result(exercise: str, seconds: float) -> ExerciseResult:
    return _zero(exercise, ExerciseStatus.TIMEOUT,
                 f"{exercise} was stopped after {seconds:g} s (time limit): look for an endless loop "
                 f"or loops over far more elements than the arrays have.")


def error_result(exercise: str, message: str) -> ExerciseResult:
    """The exercise could not be graded because of the submission (e.g. memory limit, crash)."""
    return _zero(exercise, ExerciseStatus.ERROR, message)
