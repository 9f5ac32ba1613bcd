"""Grading throughput on Dask: the local pool, a Dask cluster of 1 worker and of 2, in one run.

The class is the full one `classes.py` builds (an nbgrader course of release notebooks with the
solutions pasted in, some with one known bug, some untouched).  Each engine grades the whole class
into a fresh folder with the same grade_all; the time is from the first submission handed to the
pool to the last record written (a cluster's start-up is shown apart: a real cluster is started
once for many classes).  The records must be identical across engines, timing fields aside.

    .venv/bin/python benchmarks/distributed_speed.py [--students 24]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

from classes import build_class

from autograder.assignment.cases import generator_digest
from autograder.assignment.release import release
from autograder.grading.batch import grade_all
from autograder.grading.discover import discover
from autograder.grading.distributed import dask_engine
from autograder.grading.engines import LocalEngine
from autograder.grading.fingerprint import grader_fingerprint
from autograder.grading.options import GradeOptions
from autograder.results.record import SubmissionRecord
from autograder.results.store import all_records
from autograder.sandbox.launch import resolve

TIMING_FIELDS = ("seconds", "sandbox_seconds", "timings")


def _comparable(record: SubmissionRecord) -> dict:
    data = record.to_json()
    return {**data, "details": {k: v for k, v in data["details"].items() if k not in TIMING_FIELDS}}


def run_engine(name: str, scheduler: str | None, course: Path, out: Path, options: GradeOptions) -> dict:
    """Grade the class with one engine; its start-up and grading seconds and its records."""
    start = time.perf_counter()
    cluster = dask_engine(scheduler) if scheduler else contextlib.nullcontext(LocalEngine(os.cpu_count()))
    with cluster as engine:
        ready = time.perf_counter()
        graded = grade_all(discover([course]), out, options, engine=engine, progress=False)
        done = time.perf_counter()
    records = all_records(out)
    return {"name": name, "startup": ready - start, "seconds": done - ready, "graded": len(graded),
            "each": sum(r.details.seconds for r in records) / len(records),
            "records": [_comparable(r) for r in records]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=24)
    args = parser.parse_args()
    options = GradeOptions(sandbox=resolve("auto"), drop_cells=release().locked_test_cells,
                           fingerprint=grader_fingerprint(), cases=generator_digest())
    engines = [("local pool", None), ("Dask, 1 worker", "local:1"), ("Dask, 2 workers", "local:2")]
    with tempfile.TemporaryDirectory(prefix="distributed-speed-") as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        build_class(course, args.students)
        runs = [run_engine(name, scheduler, course, Path(tmp) / f"out{i}", options)
                for i, (name, scheduler) in enumerate(engines)]

    n = args.students
    base = n / runs[0]["seconds"]
    print(f"class: {n} nbgrader-format submissions; {os.cpu_count()} CPUs; sandbox {options.sandbox}; "
          f"local pool: {os.cpu_count()} threads")
    # "s each": the mean time grade_submission took per submission, where it ran (on a worker
    # for Dask); the rest of the wall time is the engine's.
    print(f"{'engine':<18}{'start-up s':>11}{'grading s':>11}{'s each':>8}{'submissions/s':>15}{'vs local pool':>15}")
    for run in runs:
        rate = n / run["seconds"]
        print(f"{run['name']:<18}{run['startup']:>11.1f}{run['seconds']:>11.1f}{run['each']:>8.2f}{rate:>15.2f}"
              f"{rate / base:>14.2f}x")
    two, one = runs[2], runs[1]
    print(f"Dask 2 workers / 1 worker: {one['seconds'] / two['seconds']:.2f}x")
    failures = [r["name"] for r in runs if r["graded"] != n]
    different = [r["name"] for r in runs[1:] if r["records"] != runs[0]["records"]]
    if failures or different:
        print(f"not every submission graded: {failures}; records differ from the local pool: {different}")
        return 1
    print(f"identical records (timing aside) from all three engines for all {n} submissions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
