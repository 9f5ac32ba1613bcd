"""Grading throughput: `nbgrader autograde` against `cnn-grade grade` on the same class, in one run.

Builds a temporary nbgrader course (the repository's config and source, `nbgrader
generate_assignment`), hands in N submissions made from the release notebook by pasting the
solutions, or the solutions with one known bug, into its answer cells (and a few untouched
releases), then times both graders on the whole class, checks that they give identical
per-exercise scores, and prints the ratio.

    .venv/bin/python benchmarks/grading_speed.py [--students 40] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.assignment.exercises import EXERCISES
from autograder.grading.grade_class import grade_class
from autograder.nbgrader_env import nbgrader_env

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "cnn_step_by_step"
BIN = Path(sys.executable).parent
BUGS = {  # one known mistake each: (answer cell, line in the solution, the line with the bug)
    "no_stride": ("conv_forward", "vert_start = h * stride", "vert_start = h"),
    "no_bias": ("conv_single_step", "Z = Z + b.item()", "Z = Z"),
    "max_in_average": ("pool_forward", "A[i, h, w, c] = np.mean(a_prev_slice)", "A[i, h, w, c] = np.max(a_prev_slice)"),
    "pad_every_axis": ("zero_pad", "((0, 0), (pad, pad), (pad, pad), (0, 0))", "pad"),
}


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def nbgrader(course: Path, *args: str) -> None:
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=nbgrader_env(), capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.exit(f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def build_class(course: Path, students: int) -> dict[str, str]:
    """Hand in `students` submissions; returns student -> kind (solved, a bug name, or unmodified)."""
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "source", course / "source", ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    source = nbformat.read(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    solutions = {_meta(c)["grade_id"]: c.source for c in source.cells if _meta(c).get("solution")}
    kinds = ["solved", *BUGS, "solved", "unmodified"]
    handed_in = {}
    for n in range(students):
        kind = kinds[n % len(kinds)]
        answers = {} if kind == "unmodified" else dict(solutions)
        if kind in BUGS:
            cell, line, buggy = BUGS[kind]
            assert answers[cell].count(line) == 1, (kind, line)
            answers[cell] = answers[cell].replace(line, buggy)
        notebook = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        for cell in notebook.cells:
            if _meta(cell).get("grade_id") in answers:
                cell.source = answers[_meta(cell)["grade_id"]]
        student = f"student{n:03d}_{kind}"
        folder = course / "submitted" / student / ASSIGNMENT
        shutil.copytree(course / "release" / ASSIGNMENT, folder)
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
        handed_in[student] = kind
    return handed_in


def nbgrader_scores(course: Path, students: list[str]) -> dict[str, dict[str, float]]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s: {name: gradebook.find_grade(f"test_{name}", ASSIGNMENT, ASSIGNMENT, s).score for name in EXERCISES}
                for s in students}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        kinds = build_class(course, args.students)
        students = sorted(kinds)

        start = time.perf_counter()
        nbgrader(course, "autograde", ASSIGNMENT, "--force")
        nbgrader_seconds = time.perf_counter() - start
        theirs = nbgrader_scores(course, students)

        start = time.perf_counter()
        run = grade_class([course], Path(tmp) / "graded", jobs=args.jobs, progress=False,
                          gradebook=f"sqlite:///{Path(tmp) / 'ours.db'}")
        ours_seconds = time.perf_counter() - start
        ours = {r["student"]: {n: e["score"] for n, e in r["exercises"].items()} for r in run.results["submissions"]}
        records = {r["student"]: r for r in run.results["submissions"]}

    differences = [(s, n, theirs[s][n], ours[s][n]) for s in students for n in EXERCISES if theirs[s][n] != ours[s][n]]
    n = len(students)
    print(f"class: {n} nbgrader-format submissions ({', '.join(sorted(set(kinds.values())))}); "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; cnn-grade --jobs {args.jobs}, "
          f"sandbox {run.results['submissions'][0]['details']['sandbox']}")
    print(f"{'grader':<22}{'seconds':>10}{'s / submission':>16}")
    print(f"{'nbgrader autograde':<22}{nbgrader_seconds:>10.1f}{nbgrader_seconds / n:>16.2f}")
    print(f"{'cnn-grade grade':<22}{ours_seconds:>10.1f}{ours_seconds / n:>16.2f}")
    print(f"cnn-grade is {nbgrader_seconds / ours_seconds:.1f}x faster")
    if differences:
        print(f"{len(differences)} per-exercise scores differ (student, exercise, nbgrader, cnn-grade):")
        for row in differences[:20]:
            print("   ", *row)
        for student in sorted({row[0] for row in differences}):
            record = records[student]
            print(f"    {student}: {record['status']} {record['message'][:300]} {record['details'].get('first_failure', '')}")
        return 1
    print(f"identical per-exercise scores for all {n} submissions ({n * len(EXERCISES)} grades)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
