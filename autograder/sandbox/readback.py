"""What came back from a job, decoded and validated: the only door from the sandbox into the grader.

The answer arrived on the job's socket, bounded in bytes (channel); here its messages are decoded
(wire: arrays with plain number types, each counted once, valid text, finite JSON numbers) and
every field checked against the protocol's schema (guest/protocol): types, lengths, finite
non-negative timings, known exercise names, one outcome per case.  Anything else is the job's
failure: that submission is `crashed` with a message saying what was wrong, and nothing of it
reaches a record.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .channel import JobEnd
from .guest import protocol, wire

MAX_TEXT = 20_000          # any one string of the answer but the log
# JSON values of an answer (an honest one holds thousands; arrays travel as bytes): what decoding
# it costs the grader, about 60 bytes a value at most, is bounded by this, not by its 64 MB.
MAX_JSON_VALUES = 1_000_000
MAX_TRACEBACK_LINES = 100
MAX_SECONDS = 1e9


class InvalidAnswer(ValueError):
    """The job's answer breaks the protocol (garbled, forged or cut off)."""


class RunStatus(enum.StrEnum):
    """How an exercise's calls in the sandbox ended."""

    DONE = protocol.DONE          # every case was called; the outcomes are there
    TIMEOUT = protocol.TIMEOUT    # stopped at the time limit
    MEMORY = protocol.MEMORY      # went over the memory limit
    CRASHED = protocol.CRASHED    # the child died otherwise, or said nothing readable (see detail)


@dataclass(frozen=True)
class ExerciseRun:
    """One exercise's calls, as the sandbox reported them (decoded, validated, unjudged)."""

    status: RunStatus
    detail: str = ""                                   # why it crashed, in a few words
    outcomes: list[dict[str, Any]] | None = None       # one call record per case (guest/calls.py)


@dataclass
class RawRun:
    """What came back from the sandbox, decoded and validated but unjudged."""

    cells: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""
    figures: list[dict[str, Any]] = field(default_factory=list)
    defined: list[str] = field(default_factory=list)
    exercises: dict[str, ExerciseRun] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)   # seconds per phase inside the sandbox
    failure: str | None = None   # the runner did not finish, or its answer was invalid (fields above empty)
    timed_out: bool = False      # ... because it ran out of its wall-clock budget
    first_failure: str | None = None   # a sandbox that failed before the one that ran the job
    seconds: float = 0.0


def read_back(end: JobEnd, cases: dict[str, int], n_cells: int, budget: float, memory_mb: int,
              max_log_chars: int) -> RawRun:
    """The RawRun of a finished job; `cases`: the number of cases of each exercise asked for."""
    failure = _failure(end, budget, memory_mb)
    if failure:
        return RawRun(failure=failure, timed_out=end.timed_out)
    try:
        run = _decode(end.answer, cases, n_cells, max_log_chars)
    except (wire.WireError, InvalidAnswer) as error:
        return RawRun(failure=f"the sandbox's answer is not valid: {error}")
    if end.oom_kills:   # the kernel killed a process for the submission's memory: that limit, not a crash
        run.exercises = {name: ExerciseRun(RunStatus.MEMORY, "the submission went over its memory limit")
                         if e.status is RunStatus.CRASHED else e for name, e in run.exercises.items()}
    return run


def _failure(end: JobEnd, budget: float, memory_mb: int) -> str:
    if end.failure:
        return end.failure
    if end.timed_out:
        return f"the submission did not finish within its time limit ({budget:g} s in all) and was stopped"
    if end.too_large:
        return "the submission sent more results than the grader accepts and was stopped"
    memory = (f" (the submission went over its memory limit of {memory_mb} MB, for all its processes together)"
              if end.oom_kills else "")
    if end.status:     # None (not known) only when the sandbox failed, handled above
        # The job's init reports a runner killed by signal n as 128 + n (a fresh process as -n).
        number = -end.status if end.status < 0 else end.status - 128 if end.status > 128 else 0
        how = f"was killed by signal {number}" if number else f"stopped with status {end.status}"
        return f"the runner {how}{memory}: {end.output[-500:]}".rstrip(": ")
    return ""


def _decode(answer: bytes, cases: dict[str, int], n_cells: int, max_log_chars: int) -> RawRun:
    found = wire.frames(answer, max_frames=len(cases) + 1)   # one per exercise, then the notebook's
    if sum(map(wire.json_values, found)) >= MAX_JSON_VALUES:
        raise wire.WireError(f"an answer of more than {MAX_JSON_VALUES} JSON values")
    messages = [wire.unpack(message) for message in found]
    if not messages:
        raise wire.WireError("the runner finished without sending its results")
    *exercise_messages, notebook = messages
    run = _notebook(notebook, set(cases), n_cells, max_log_chars)
    for message in exercise_messages:
        name, exercise = _exercise(message, cases)
        if name in run.exercises:
            raise InvalidAnswer(f"two answers for {name}")
        run.exercises[name] = exercise
    return run


# The schema, one small check per kind of field -------------------------------------------------
def _fail(what: str, why: str) -> InvalidAnswer:
    return InvalidAnswer(f"{what} {why}")


def _record(value: Any, what: str, required: set[str], optional: frozenset[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(what, "is not a record")
    missing, unknown = required - value.keys(), value.keys() - required - optional
    if missing or unknown:
        raise _fail(what, f"has fields missing {sorted(missing)[:3]} or unknown {sorted(unknown)[:3]}")
    return value


def _text(value: Any, what: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise _fail(what, "is not text")
    if len(value) > limit:
        raise _fail(what, f"is longer than {limit} characters")
    return value


def _count(value: Any, what: str) -> int:
    if type(value) is not int or value < 0:
        raise _fail(what, "is not a count")
    return value


def _seconds(value: Any, what: str) -> float:
    if type(value) not in (int, float) or not 0 <= value < MAX_SECONDS:   # NaN and inf fail the comparison
        raise _fail(what, "is not a finite, non-negative number of seconds")
    return float(value)


def _list(value: Any, what: str, item: Callable[[Any, str], Any], limit: int) -> list[Any]:
    if not isinstance(value, list) or len(value) > limit:
        raise _fail(what, f"is not a list of at most {limit} items")
    return [item(x, f"{what}[{i}]") for i, x in enumerate(value)]


def _error(value: Any, what: str) -> dict[str, Any] | None:
    if value is None:
        return None
    record = _record(value, what, {"type", "message", "traceback"}, frozenset({"module"}))
    _text(record["type"], f"{what}.type", 200)
    _text(record["message"], f"{what}.message")
    _list(record["traceback"], f"{what}.traceback", _text, MAX_TRACEBACK_LINES)
    if record.get("module") is not None:
        _text(record["module"], f"{what}.module", 200)
    return record


def _cell(value: Any, what: str) -> dict[str, Any]:
    record = _record(value, what, {"cell", "error", "more_errors"})
    _count(record["cell"], f"{what}.cell")
    _error(record["error"], f"{what}.error")
    _count(record["more_errors"], f"{what}.more_errors")
    return record


def _image(value: Any, what: str) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise _fail(what, "is not an array")
    return value


def _axes(value: Any, what: str) -> dict[str, Any]:
    record = _record(value, what, {"title", "images"})
    _text(record["title"], f"{what}.title", 1000)
    _list(record["images"], f"{what}.images", _image, 100)
    return record


def _figure(value: Any, what: str) -> dict[str, Any]:
    record = _record(value, what, {"axes"})
    _list(record["axes"], f"{what}.axes", _axes, 100)
    return record


def _outcome(value: Any, what: str) -> dict[str, Any]:
    record = _record(value, what, {"value", "error", "seconds", "output", "inputs_after"})
    _error(record["error"], f"{what}.error")
    _seconds(record["seconds"], f"{what}.seconds")
    _text(record["output"], f"{what}.output")
    return record


def _notebook(message: Any, names: set[str], n_cells: int, max_log_chars: int) -> RawRun:
    record = _record(message, "the notebook's answer", {"kind", "cells", "log", "figures", "defined", "timings"})
    if record["kind"] != protocol.NOTEBOOK:
        raise InvalidAnswer("the last answer is not the notebook's")
    defined = _list(record["defined"], "defined", _text, len(names))
    if not set(defined) <= names:
        raise InvalidAnswer("defined names an exercise that was not asked for")
    timings = record["timings"]
    if not isinstance(timings, dict) or len(timings) > len(names) + 8:
        raise InvalidAnswer("timings is not a small record")
    return RawRun(cells=_list(record["cells"], "cells", _cell, n_cells),
                  log=_text(record["log"], "log", max_log_chars + 100),
                  figures=_list(record["figures"], "figures", _figure, 100),
                  defined=defined,
                  timings={_text(k, "a timing's name", 100): _seconds(v, f"timings[{k}]") for k, v in timings.items()})


def _exercise(message: Any, cases: dict[str, int]) -> tuple[str, ExerciseRun]:
    record = _record(message, "an exercise's answer", {"kind", "name", "status", "detail", "outcomes"})
    name = record["name"]
    if record["kind"] != protocol.EXERCISE or name not in cases:
        raise InvalidAnswer("an answer for no exercise that was asked for")
    if record["status"] not in protocol.STATUSES:
        raise _fail(f"{name}'s status", "is unknown")
    status = RunStatus(record["status"])
    detail = _text(record["detail"], f"{name}'s detail", 500)
    if status is not RunStatus.DONE:
        if record["outcomes"] is not None:
            raise _fail(f"{name}'s outcomes", "are there for calls that did not finish")
        return name, ExerciseRun(status, detail)
    outcomes = _list(record["outcomes"], f"{name}'s outcomes", _outcome, cases[name])
    if len(outcomes) != cases[name]:
        raise _fail(f"{name}'s outcomes", f"are {len(outcomes)} for {cases[name]} cases")
    return name, ExerciseRun(status, detail, outcomes)
