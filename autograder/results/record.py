"""One submission's result, typed, and its JSON form: the schema of results.json, written once.

results.json (see store.results) = {"version": 2, "fingerprint": str, "assignment": str,
  "exercises": {name: {"points": float, "optional": bool}}, "sandbox_warning": str,
  "submissions": [record, ...]}, one record per student:

  {"student": str, "path": str, "status": "graded" | "unreadable" | "crashed", "message": str,
   "score": float, "max_score": float,
   "exercises": {name: {"score": float, "max_score": float,
                        "status": "passed" | "failed" | "error" | "timeout" | "missing" | "unanswered",
                        "feedback": str, "diagnosis": [str]}},
   "details": {"sandbox": str, "key": str, "flags": [str], "cell_errors": [{"cell", "type",
               "message", "traceback": [str], ...}], "log": str, "seconds": float, and where known
               "sandbox_seconds", "timings": {phase: seconds}, "first_failure", "grader_traceback"}}

The timings' phases are the grader's steps (grading.pipeline.STEPS: sanitize, plan, run_in_sandbox,
check, substitute_helpers, record) and, inside the sandbox, imports, cells and each exercise.

`path` is where the submission came from (as the instructor gave it); `key` identifies what the
record was made from (grading.options.GradeOptions.key): a record whose key differs is regraded.
"""
from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from ..assignment.exercises import EXERCISES
from ..checking.result import ExerciseResult, ExerciseStatus, error_result, missing_result


class SubmissionStatus(enum.StrEnum):
    GRADED = "graded"            # the sandbox ran it; each exercise has its own status
    UNREADABLE = "unreadable"    # not a notebook or Python source we can run (the message says why)
    CRASHED = "crashed"          # grading never finished (the message says why); re-run grades it again


@dataclass
class Details:
    """How the record was made: for the instructor and for resuming, never part of the score."""

    sandbox: str = ""
    key: str | None = None           # None: the record is not current (graded again next run)
    flags: list[str] = field(default_factory=list)
    cell_errors: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""
    seconds: float = 0.0
    sandbox_seconds: float | None = None
    timings: dict[str, float] | None = None
    first_failure: str | None = None
    grader_traceback: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Details:
        """Read back; raises ValueError for a field of the wrong type, which no report could show."""
        names = {f.name for f in fields(cls)}
        details = cls(**{k: v for k, v in data.items() if k in names})
        for name, valid in _DETAIL_FIELDS.items():
            if not valid(getattr(details, name)):
                raise ValueError(f"details.{name} is not what the schema says")
        return details


def _text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _optional(valid: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or valid(value)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(map(_text, value))


def _cell_error(value: Any) -> bool:
    return (isinstance(value, dict) and all(map(_text, value)) and _texts(value.get("traceback", []))
            and all(v is None or type(v) is int or _text(v) for k, v in value.items() if k != "traceback"))


_DETAIL_FIELDS = {
    "sandbox": _text, "key": _optional(_text), "flags": _texts, "log": _text, "seconds": _number,
    "cell_errors": lambda value: isinstance(value, list) and all(map(_cell_error, value)),
    "sandbox_seconds": _optional(_number), "first_failure": _optional(_text), "grader_traceback": _optional(_text),
    "timings": _optional(lambda value: isinstance(value, dict) and all(map(_text, value))
                         and all(map(_number, value.values()))),
}


@dataclass
class SubmissionRecord:
    student: str
    path: str
    status: SubmissionStatus
    message: str
    exercises: dict[str, ExerciseResult]     # every exercise, in EXERCISES order
    details: Details

    @property
    def score(self) -> float:
        return float(sum(e.score for e in self.exercises.values()))

    @property
    def max_score(self) -> float:
        return float(sum(e.max_score for e in self.exercises.values()))

    def to_json(self) -> dict[str, Any]:
        return {"student": self.student, "path": self.path, "status": str(self.status), "message": self.message,
                "score": self.score, "max_score": self.max_score,
                "exercises": {name: e.to_json() for name, e in self.exercises.items()},
                "details": self.details.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionRecord:
        """A record read back from results.json or records/; raises ValueError when it is not one."""
        try:
            exercises = {name: ExerciseResult(float(e["score"]), float(e["max_score"]), ExerciseStatus(e["status"]),
                                              e["feedback"], e["diagnosis"], name)
                         for name, e in data["exercises"].items() if name in EXERCISES}
            texts = [data["student"], data["path"], data["message"], *(e.feedback for e in exercises.values())]
            if not (all(map(_text, texts)) and all(_texts(e.diagnosis) for e in exercises.values())
                    and all(_number(e.score) and _number(e.max_score) for e in exercises.values())):
                raise ValueError("a text or number is not what the schema says")
            return cls(data["student"], data["path"], SubmissionStatus(data["status"]),
                       data["message"], exercises, Details.from_json(dict(data.get("details") or {})))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"not a submission record: {error!r}") from None


def all_exercises(result_for: Callable[[str], ExerciseResult]) -> dict[str, ExerciseResult]:
    """Every exercise's result, in EXERCISES order, from `result_for(name)`."""
    return {name: result_for(name) for name in EXERCISES}


def unreadable_record(student: str, path: str, message: str, details: Details) -> SubmissionRecord:
    """The record of a submission that is not a notebook or Python source the grader will run."""
    return SubmissionRecord(student, path, SubmissionStatus.UNREADABLE, message,
                            all_exercises(lambda name: missing_result(name, message)), details)


def crashed_record(student: str, path: str, message: str, details: Details) -> SubmissionRecord:
    """The record of a submission whose grading never finished: the sandbox failed, the grader
    itself failed, or every Dask worker running it died.

    `details` without a key (the Dask case) makes the store treat the record as missing, so the
    next run grades the submission again.
    """
    return SubmissionRecord(student, path, SubmissionStatus.CRASHED, message,
                            all_exercises(lambda name: error_result(name, message)), details)
