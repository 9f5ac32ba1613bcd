"""Where a submission is executed: send the job to a sandbox, read plain, validated data back.

The runner (guest/runner.py) is the only code that runs beside student code; the job and its
answer travel on a socket the host owns (guest/protocol), never through files.  What comes back
is decoded and checked against the protocol's schema (readback); nothing here compares or scores.

The answer key stays out: a job carries the answer key's helper functions only when `helper_source`
is given, which the pipeline does for its second run alone (autograder.grading.pipeline), and of
that run it keeps nothing but pass or fail per case.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .guest import wire
from .limits import Limits
from .pool import SandboxPool, Slot
from .readback import RawRun, read_back


@dataclass(frozen=True)
class ExerciseJob:
    """What the sandbox needs to call one student function: its cases, and in a second run the
    helpers to take from the answer key instead of the student's own."""

    cases: list[tuple[tuple[Any, ...], dict[str, Any]]]
    substitute: tuple[str, ...] = ()


def _job(cells: list[str], jobs: dict[str, ExerciseJob], limits: Limits, kind: str, helper_source: str) -> bytes:
    return wire.pack({
        "cells": list(cells),
        "exercises": {name: {"cases": [(tuple(args), dict(kwargs)) for args, kwargs in job.cases],
                             "substitute": list(job.substitute)} for name, job in jobs.items()},
        "helper_source": helper_source,
        "limits": {"cell_seconds": limits.seconds, "notebook_seconds": limits.notebook_seconds,
                   "exercise_seconds": limits.seconds, "memory_mb": limits.memory_mb, "file_mb": limits.tmp_mb,
                   "max_log_chars": limits.max_log_chars, "max_message_bytes": limits.answer_bytes,
                   # a per-user count: in bubblewrap the job's own user namespace, else the grader's user
                   "max_processes": limits.processes if kind == "bwrap" else 0},
    })


def execute(cells: list[str], jobs: dict[str, ExerciseJob], limits: Limits, sandbox: Slot | str,
            helper_source: str = "") -> RawRun:
    """Run the cells and call every defined exercise function on its cases, in the slot's sandbox
    (or, given a kind, "bwrap" or "rlimit", in a sandbox started for this run alone)."""
    if isinstance(sandbox, str):
        with SandboxPool(sandbox) as pool, pool.slot() as slot:
            return execute(cells, jobs, limits, slot, helper_source)
    start = time.perf_counter()
    budget = limits.wall_budget(len(jobs))
    end, replaced = sandbox.run(_job(cells, jobs, limits, sandbox.kind, helper_source), limits, budget)
    run = read_back(end, {name: len(job.cases) for name, job in jobs.items()}, len(cells), budget,
                    limits.memory_mb, limits.max_log_chars)
    run.first_failure = replaced
    run.seconds = time.perf_counter() - start
    return run
