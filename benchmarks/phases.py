"""Where a `cnn-grade` run's time goes, per submission: from the records' timings and the run's phases.

Each record's `details.timings` holds the grader's steps for that submission (sanitize, plan,
run_in_sandbox, check, substitute_helpers, record) and, inside the sandbox, the runner's start
(imports), the cells and each exercise's calls; the sandbox's own cost (building the box, moving
it into its cgroup, sending the job, reading back and validating the answer) is run_in_sandbox
less the runner's phases.  The run's phases (discover, grade, results, similarity, reports,
gradebook) are divided by the number of submissions; "store, engine" is the grade phase less the
submissions' own seconds (storing records, the pool's start-up: meaningful at --jobs 1).
"""
from __future__ import annotations

from statistics import mean

from autograder.assignment.exercises import FUNCTIONS

STEPS = ("sanitize", "plan", "run_in_sandbox", "check", "substitute_helpers", "record")
RUNNER = ("imports", "cells", *FUNCTIONS)


def breakdown(records: list[dict], run_phases: dict[str, float]) -> list[tuple[str, float]]:
    """(phase, mean seconds per submission) in the order a submission goes through them."""
    graded = [r["details"]["timings"] for r in records if r["status"] == "graded"]
    n = len(records)

    def per(name: str) -> float:
        return mean(t.get(name, 0.0) for t in graded) if graded else 0.0

    runner = sum(per(name) for name in RUNNER)
    rows = [("load, sanitize", per("sanitize")), ("plan (cases)", per("plan")),
            ("sandbox: box, cgroup, job, read-back", per("run_in_sandbox") - runner),
            ("sandbox: runner start", per("imports")), ("sandbox: cells", per("cells"))]
    rows += [(f"sandbox: {name}", per(name)) for name in FUNCTIONS]
    rows += [("checks", per("check")), ("second run (helpers)", per("substitute_helpers")), ("record", per("record")),
             ("store, engine", (run_phases["grade"] - sum(r["details"]["seconds"] for r in records)) / n)]
    rows += [(phase, run_phases[phase] / n) for phase in ("discover", "results", "similarity", "reports", "gradebook")]
    return rows
