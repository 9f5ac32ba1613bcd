"""`cnn-grade`: the command line.  A thin layer: each subcommand calls into the library.

Exit status: 0 when every submission got a result (even a zero); the `exit_code` of a
GraderError (autograder.errors) when the grader itself could not run; 130 after Ctrl-C and
143 after SIGTERM, both of which stop the grader the same orderly way (every sandbox process
killed, cgroups and temporary folders removed, finished records kept).
"""
from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path


def _grade(args: argparse.Namespace) -> int:
    from .grading.grade_class import grade_class

    with _engine(args.scheduler) as engine:
        run = grade_class(args.paths, args.out, jobs=args.jobs, timeout=args.timeout, memory_mb=args.memory,
                          sandbox=args.sandbox, gradebook=args.gradebook, student=args.student, engine=engine)
    submissions = run.results["submissions"]
    print(f"graded {len(run.graded_now)} submission(s) now, {len(submissions) - len(run.graded_now)} up to date; "
          f"results in {args.out / 'results.json'}, report in {args.out / 'report.html'}")
    return 0


def _engine(scheduler: str | None):
    """With --scheduler, a Dask cluster's engine (Dask is imported only then); else None: the local one."""
    if scheduler is None:
        return contextlib.nullcontext()
    from .grading.distributed import dask_engine

    return dask_engine(scheduler)


def _positive(kind: type):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cnn-grade", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser(
        "grade", help="grade submissions in a sandbox, in parallel, resumably",
        description="Grade every submission under PATH (an nbgrader course root, folders, .zip files or "
                    ".ipynb/.py files) into DIR: results.json, grades.csv, feedback/<student>.html, report.html. "
                    "Re-running grades only new or changed submissions.")
    grade.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="course root, folder, .zip or file")
    grade.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    grade.add_argument("--jobs", type=_positive(int), default=None, metavar="N",
                       help="submissions graded at once (default: number of CPUs)")
    grade.add_argument("--timeout", type=_positive(float), default=10.0, metavar="SECONDS",
                       help="wall/CPU time per exercise and per notebook cell; all cells together get three times "
                            "this (default: 10)")
    grade.add_argument("--memory", type=_positive(int), default=1024, metavar="MB",
                       help="memory of all of a submission's processes together (its cgroup) and address space "
                            "of each (default: 1024)")
    grade.add_argument("--sandbox", choices=("auto", "bwrap", "rlimit"), default="auto",
                       help="bwrap: bubblewrap isolation; rlimit: resource limits only; auto: bwrap if it works")
    grade.add_argument("--gradebook", metavar="URL", default=None,
                       help="nbgrader gradebook (SQLAlchemy URL, e.g. sqlite:///gradebook.db) to write scores to; "
                            "default: the course root's gradebook.db when PATH is a course root")
    grade.add_argument("--student", metavar="ID", default=None, help="(re)grade only this student")
    grade.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="grade on a Dask cluster: tcp://HOST:PORT of a running `dask scheduler`, or local[:N] "
                            "to start N worker processes here (default N: CPUs); needs the 'dask' extra; "
                            "replaces --jobs")
    grade.set_defaults(run=_grade)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, so that it unwinds like Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    from .errors import GraderError

    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.run(args)
    except GraderError as error:
        print(f"cnn-grade: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt as stop:
        print("cnn-grade: interrupted; finished submissions are saved, re-run to grade the rest", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
