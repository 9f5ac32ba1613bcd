"""`make demo`: the whole instructor pipeline on the bundled sample class.

    python -m tools.demo [--folder demo] [--jobs N]

1. build the release into a demo course (`nbgrader generate_assignment`, which also creates the
   gradebook with the assignment's grade cells);
2. hand in the example submissions (tools/demo_submissions: correct, buggy and hostile) under
   `submitted/<student>/cnn_step_by_step/`, as nbgrader's `collect` would;
3. grade the course with the same code path as `cnn-grade grade` (scores into the gradebook);
4. print a summary table and the paths to open.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.assignment.exercises import EXERCISES
from autograder.assignment.release import release
from autograder.checking.mistakes import SOLUTIONS_FILE
from autograder.errors import GraderError
from autograder.grading.grade_class import grade_class
from autograder.nbgrader_env import nbgrader_env
from autograder.results.record import SubmissionRecord

REPOSITORY = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).resolve().parent / "demo_submissions"
ASSIGNMENT = release().assignment
# An example .py that starts with this line holds only what its student changed; the hand-in puts the
# notebook's solutions in front of it (later definitions win, as in a notebook), so the sample class
# never keeps a copy of the solutions of its own.
BUILDS_ON_SOLUTIONS = b"# builds on the notebook's solutions\n"
_SYMBOL = {"passed": "+", "failed": "x", "error": "E", "timeout": "T", "missing": "-", "unanswered": "."}


def build_release(course: Path) -> None:
    """nbgrader generate_assignment from the repository's source notebook into `course`."""
    source = REPOSITORY / "source" / ASSIGNMENT
    if not source.is_dir():
        raise GraderError(f"the source notebook folder {source} is missing")
    shutil.copytree(source, course / "source" / ASSIGNMENT, dirs_exist_ok=True)
    nbgrader = Path(sys.executable).parent / "nbgrader"
    # The repository's nbgrader_config.py is read from the cwd.
    done = subprocess.run([str(nbgrader), "generate_assignment", ASSIGNMENT, "--force",
                           f"--CourseDirectory.root={course.resolve()}"],
                          cwd=REPOSITORY, env=nbgrader_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise GraderError(f"nbgrader generate_assignment failed:\n{done.stderr[-2000:]}")


def example_bytes(example: Path) -> bytes:
    """The file the example student hands in: the example as it is, or the solutions followed by it."""
    data = example.read_bytes()
    if not data.startswith(BUILDS_ON_SOLUTIONS):
        return data
    solutions = SOLUTIONS_FILE.read_text(encoding="utf-8")
    # From the first line of code on: a student's file does not carry the "generated" header.
    solutions = solutions[solutions.index("import numpy as np"):]
    return solutions.encode("utf-8") + b"\n\n" + data


def hand_in_examples(course: Path) -> list[str]:
    """Write each example to submitted/<its stem>/cnn_step_by_step/ (the student id is the stem)."""
    students = []
    for example in sorted(EXAMPLES.iterdir()):
        if example.suffix not in (".ipynb", ".py"):
            continue
        folder = course / "submitted" / example.stem / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{ASSIGNMENT}{example.suffix}").write_bytes(example_bytes(example))
        students.append(example.stem)
    return students


def summary_table(records: list[SubmissionRecord]) -> str:
    names = list(EXERCISES)
    width = max([len(r.student) for r in records] + [7])
    header = (f"{'student':<{width}}  {'status':<10}  {'score':>11}  "
              + " ".join(f"{EXERCISES[n].short:<4}" for n in names))
    lines = [header, "-" * len(header)]
    for r in records:
        marks = " ".join(f"{_SYMBOL.get(r.exercises[n].status, '?'):<4}" for n in names)
        score = f"{r.score:g}/{r.max_score:g}"
        lines.append(f"{r.student:<{width}}  {r.status:<10}  {score:>11}  {marks}  {r.message[:60]}")
    lines.append(
        "marks: + passed, x failed, E error (e.g. memory limit), T timeout, - missing, . not answered; columns: "
        + ", ".join(f"{EXERCISES[n].short} = {n}" for n in names)
    )
    return "\n".join(lines)


def run_demo(folder: Path, jobs: int | None = None) -> int:
    course = folder
    course.mkdir(parents=True, exist_ok=True)
    print(f"1/3 building the release into {course}/release (nbgrader generate_assignment) ...", flush=True)
    build_release(course)
    students = hand_in_examples(course)
    print(f"2/3 {len(students)} example submissions handed in under {course}/submitted/", flush=True)
    out = course / "graded"
    print(f"3/3 grading into {out} (sandboxed, {jobs or os.cpu_count()} at a time) ...", flush=True)
    run = grade_class([course], out, jobs=jobs)
    print()
    print(summary_table([SubmissionRecord.from_json(r) for r in run.results["submissions"]]))
    print()
    print(f"class report:       {out / 'report.html'}")
    print(f"feedback pages:     {out / 'feedback'}/<student>.html")
    print(f"similar code:       {out / 'similarity.html'}")
    print(f"grades:             {out / 'grades.csv'}  and  {out / 'results.json'}")
    print(f"nbgrader gradebook: {course / 'gradebook.db'}  (e.g. `cd {course} && nbgrader export`)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--folder", type=Path, default=Path("demo"), help="demo course folder (default: demo)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N", help="parallel submissions")
    args = parser.parse_args(argv)
    try:
        return run_demo(args.folder, jobs=args.jobs)
    except GraderError as error:
        print(f"demo: error: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
