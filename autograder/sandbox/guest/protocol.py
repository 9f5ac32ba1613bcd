"""The job protocol between the host (autograder.sandbox.execute) and the guest (runner.py), written once.

The host writes a job folder and the guest answers in its ``out/`` subfolder; every value is
plain data: JSON, with arrays as .npy files read with allow_pickle=False (``wire``).

In the job folder (host -> guest):
  cells.json   the sanitized code cells: a JSON list of strings
  job.json     {"exercises": {name: {"cases": [encoded (args, kwargs)], "helpers": [names],
                                      "helper_source": str}},
                "cell_seconds": float, "exercise_seconds": float, "memory_mb": int,
                "max_log_chars": int, "max_file_mb": int}
  cases/       the cases' arrays

In out/ (guest -> host):
  notebook.json      {"cells": [{"cell": n, "error": {"type", "message", "traceback": [str],
                                                      "module"?} | None, "more_errors": int}],
                      "log": str, "figures": encoded, "defined": [names],
                      "timings": {phase or exercise: seconds}}
  <exercise>.json    {"outcomes": encoded call records, "own_helper_outcomes": encoded | None}
                     or {"error": str} (a memory error while calling)
  <exercise>.status  one of STATUSES, written by the runner's parent process for its child
"""
from __future__ import annotations

JOB_FILE = "job.json"
CELLS_FILE = "cells.json"
CASES_DIR = "cases"
OUT_DIR = "out"
NOTEBOOK_FILE = "notebook.json"

# An exercise child's end, as <exercise>.status says it; "crashed" may be followed by ": <detail>".
DONE, TIMEOUT, MEMORY, CRASHED = "done", "timeout", "memory", "crashed"
STATUSES = (DONE, TIMEOUT, MEMORY, CRASHED)


def status_file(exercise: str) -> str:
    return f"{exercise}.status"


def result_file(exercise: str) -> str:
    return f"{exercise}.json"
