"""Grading speed, in one run: the student-code floor, `cnn-grade grade` at --jobs 1 and --jobs = cores,
and `nbgrader autograde`, on a lean assignment and on the full release notebook, with identical
per-exercise scores required from every grader for every submission.

For each class (classes.py) it prints the floor per submission (floor.py), each grader's seconds
per submission, its ratio to the floor and cnn-grade's speed-up over nbgrader; then where
cnn-grade's time goes at --jobs 1 (phases.py).  Every contender runs in this one run, one after
the other, on this machine as it is: the load average is printed before and after.

    .venv/bin/python benchmarks/grading_speed.py [--students 40] [--lean-students 20] [--jobs CORES]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from classes import build_class, graded_exercises
from floor import floor
from graders import cnn_grade, gradebook_copy, nbgrader_autograde, nbgrader_scores
from phases import breakdown


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _scores(records: list[dict], exercises: tuple[str, ...]) -> dict[str, dict[str, float]]:
    return {r["student"]: {name: r["exercises"][name]["score"] for name in exercises} for r in records}


def grade_one_class(tmp: Path, name: str, students: int, lean: bool, jobs: int) -> bool:
    """Grade one class with every contender and print its table; True when all scores agree."""
    course = tmp / name
    course.mkdir()
    kinds = build_class(course, students, lean)
    everyone, exercises = sorted(kinds), graded_exercises(lean)
    floor_seconds, floor_exercises = floor(everyone)
    gradebook = gradebook_copy(course / "gradebook.db", tmp / f"{name}-pristine.db")
    runs = {}
    for n in sorted({1, jobs}):
        runs[n] = cnn_grade(course, tmp / f"{name}-jobs{n}", n, gradebook_copy(gradebook, tmp / f"{name}-{n}.db"))
    theirs_seconds = nbgrader_autograde(course)
    theirs = nbgrader_scores(course, everyone, exercises)

    print(f"\n{name}: {students} nbgrader-format submissions ({', '.join(sorted(set(kinds.values())))}); "
          f"{len(exercises)} graded exercises")
    print(f"{'contender':<32}{'seconds':>9}{'s / submission':>16}{'x floor':>9}{'vs nbgrader':>13}")
    print(f"{'floor (answer key loops, once)':<32}{floor_seconds * students:>9.2f}{floor_seconds:>16.4f}{1:>9.1f}")
    print(f"{'nbgrader autograde':<32}{theirs_seconds:>9.1f}{theirs_seconds / students:>16.4f}"
          f"{theirs_seconds / students / floor_seconds:>9.1f}{1:>12.1f}x")
    agree = True
    for n, (seconds, _, records) in runs.items():
        print(f"{f'cnn-grade grade --jobs {n}':<32}{seconds:>9.1f}{seconds / students:>16.4f}"
              f"{seconds / students / floor_seconds:>9.1f}{theirs_seconds / seconds:>12.1f}x")
        ours = _scores(records, exercises)
        differences = [
            (s, e, theirs[s][e], ours[s][e]) for s in everyone for e in exercises if theirs[s][e] != ours[s][e]
        ]
        for row in differences[:20]:
            print("    score differs (student, exercise, nbgrader, cnn-grade):", *row)
        for record in [r for r in records if r["student"] in {row[0] for row in differences}]:
            print(
                f"    {record['student']}: {record['status']} {record['message'][:300]} "
                f"{record['details'].get('first_failure') or ''}"
            )
        agree = agree and not differences and len(ours) == students
    if agree:
        print(
            f"identical per-exercise scores from all graders for all {students} submissions "
            f"({students * len(exercises)} grades each)"
        )
    seconds, phases, records = runs[1]
    print(
        f"where cnn-grade --jobs 1 spends its {seconds / students * 1000:.0f} ms per submission "
        f"(ms; start-up of the interpreter and imports: the rest, "
        f"{_startup(seconds, phases) / students * 1000:.0f} ms):"
    )
    for phase, value in breakdown(records, phases):
        print(f"    {phase:<40}{value * 1000:>8.1f}")
    floor_ms = "; ".join(f"{e} {s * 1000:.1f}" for e, s in floor_exercises.items())
    print(f"    (the floor per exercise, ms: {floor_ms})")
    return agree


def _startup(seconds: float, phases: dict[str, float]) -> float:
    return seconds - sum(phases.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=40, help="submissions of the full release notebook")
    parser.add_argument("--lean-students", type=int, default=20, help="submissions of the lean assignment")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="cnn-grade's parallel jobs besides 1")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; load average {_load()} (1/5/15 min) at the start")
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        agree = [
            grade_one_class(Path(tmp), "lean", args.lean_students, True, args.jobs),
            grade_one_class(Path(tmp), "full", args.students, False, args.jobs),
        ]
    print(f"\nload average {_load()} at the end")
    return 0 if all(agree) else 1


if __name__ == "__main__":
    sys.exit(main())
