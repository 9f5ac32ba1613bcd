"""The two graders as an instructor runs them, each in a fresh process, timed from outside.

`nbgrader autograde` grades the course into its own gradebook.  `cnn-grade grade` (the command,
`python -m autograder`) grades it into a copy of the course's gradebook as it was before either ran
(a real course's gradebook exists: `nbgrader generate_assignment` made it) and prints its seconds
per phase of the run.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from classes import ASSIGNMENT, nbgrader
from nbgrader.api import Gradebook

PHASES = "seconds per phase: "     # the line of `cnn-grade grade`'s output that says them


def nbgrader_autograde(course: Path) -> float:
    start = time.perf_counter()
    nbgrader(course, "autograde", ASSIGNMENT, "--force")
    return time.perf_counter() - start


def nbgrader_scores(course: Path, students: list[str], exercises: tuple[str, ...]) -> dict[str, dict[str, float]]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s: {name: gradebook.find_grade(f"test_{name}", ASSIGNMENT, ASSIGNMENT, s).score for name in exercises}
                for s in students}


def cnn_grade(course: Path, out: Path, jobs: int, gradebook: Path) -> tuple[float, dict[str, float], list[dict]]:
    """(wall seconds, seconds per phase of the run as the command prints them, the records of results.json)."""
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            str(course),
            "--out",
            str(out),
            "--jobs",
            str(jobs),
            "--gradebook",
            f"sqlite:///{gradebook}",
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"cnn-grade failed:\n{done.stderr[-3000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith(PHASES))
    phases = dict(item.rsplit(" ", 1) for item in line[len(PHASES) :].split(", "))
    records = json.loads((out / "results.json").read_text(encoding="utf-8"))["submissions"]
    return seconds, {phase: float(value) for phase, value in phases.items()}, records


def gradebook_copy(gradebook: Path, copy: Path) -> Path:
    """A copy of a gradebook (the course's as generate_assignment left it, before any grading)."""
    shutil.copy(gradebook, copy)
    return copy
