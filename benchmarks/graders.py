"""The two graders as an instructor runs them, each in a fresh process, timed from outside.

`nbgrader autograde` grades the course into its own gradebook.  `cnn-grade grade` (the same
`grade_class` the command calls, in a fresh interpreter, so its start-up and imports count) grades
it into a copy of the course's gradebook as it was before either ran (a real course's gradebook
exists: `nbgrader generate_assignment` made it), and reports its seconds per phase of the run.
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

CNN_GRADE = """import json, sys
from pathlib import Path
from autograder.grading.grade_class import grade_class
run = grade_class([Path(sys.argv[1])], Path(sys.argv[2]), jobs=int(sys.argv[3]), gradebook=sys.argv[4], progress=False)
print(json.dumps(run.seconds))
"""


def nbgrader_autograde(course: Path) -> float:
    start = time.perf_counter()
    nbgrader(course, "autograde", ASSIGNMENT, "--force")
    return time.perf_counter() - start


def nbgrader_scores(course: Path, students: list[str], exercises: tuple[str, ...]) -> dict[str, dict[str, float]]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s: {name: gradebook.find_grade(f"test_{name}", ASSIGNMENT, ASSIGNMENT, s).score for name in exercises}
                for s in students}


def cnn_grade(course: Path, out: Path, jobs: int, gradebook: Path) -> tuple[float, dict[str, float], list[dict]]:
    """(wall seconds, seconds per phase of the run, the records of results.json)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CNN_GRADE, str(course), str(out), str(jobs), f"sqlite:///{gradebook}"],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"cnn-grade failed:\n{done.stderr[-3000:]}")
    records = json.loads((out / "results.json").read_text(encoding="utf-8"))["submissions"]
    return seconds, json.loads(done.stdout.strip().splitlines()[-1]), records


def gradebook_copy(gradebook: Path, copy: Path) -> Path:
    """A copy of a gradebook (the course's as generate_assignment left it, before any grading)."""
    shutil.copy(gradebook, copy)
    return copy
