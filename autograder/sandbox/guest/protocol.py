"""The job protocol between the host (autograder.sandbox.execute) and the guest (runner.py), written once.

No folder is shared: the job travels on one socket the host owns, as ``wire`` messages.

Host -> guest, one message, then the host shuts its sending side:
  {"cells": [str],                          the sanitized code cells
   "exercises": {name: {"cases": [(args tuple, kwargs dict)],
                        "substitute": [helper names]}},     answer-key helpers to bind (run 2 only)
   "helper_source": str,                    the answer key's helpers (run 2 only, else "")
   "limits": {"cell_seconds", "notebook_seconds", "exercise_seconds", "memory_mb", "file_mb",
              "max_log_chars", "max_message_bytes", "max_processes" (0: none): number}}

Guest -> host, messages on the same socket:
  {"kind": EXERCISE, "name": str, "status": one of STATUSES, "detail": str,
   "outcomes": [call record (guest/calls.call_case)] | None}          at most one per exercise
  {"kind": NOTEBOOK, "cells": [{"cell": int, "error": {"type", "message", "traceback": [str],
                                                       "module"?: str | None} | None,
                                "more_errors": int}],
   "log": str, "figures": [{"axes": [{"title": str, "images": [array]}]}], "defined": [names],
   "timings": {phase or exercise: seconds}}                           last, exactly once

The exercises' child (exercises.py) sends each exercise's EXERCISE message to the runner through a
pipe as it finishes; the runner forwards it whole, or sends its own with status TIMEOUT, MEMORY or
CRASHED for the exercise the child did not finish.
"""
from __future__ import annotations

EXERCISE, NOTEBOOK = "exercise", "notebook"

# How an exercise's calls ended.
DONE, TIMEOUT, MEMORY, CRASHED = "done", "timeout", "memory", "crashed"
STATUSES = (DONE, TIMEOUT, MEMORY, CRASHED)
