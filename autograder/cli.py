"""`cnn-grade`: the command line.  A thin layer: each subcommand calls into the library.

Exit status: 0 when every submission got a result (even a zero); the `exit_code` of a
GraderError (autograder.errors) when the grader itself could not run; 130 after Ctrl-C and
143 after SIGTERM, both of which stop the grader the same orderly way (every sandbox process
killed, cgroups and temporary folders removed, finished records kept).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .grading.distributed import DaskEngine

Number = TypeVar("Number", int, float)


def _shown(text: object) -> str:
    """`text` as a terminal shows it literally: every character that is not printable (ESC and
    the other control characters, bidi overrides, line separators) written as its escape.  What
    cnn-grade prints can carry names it did not choose (a roster's names, folder names in an error),
    and an escape sequence there would act on the instructor's terminal (retitle, clear, recolour,
    hide text, or reorder it)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(text))


def _say(text: str, error: bool = False) -> None:
    print(_shown(text), file=sys.stderr if error else sys.stdout)


def _grade(args: argparse.Namespace) -> int:
    from .grading.grade_class import grade_class

    with _engine(args.scheduler) as engine:
        run = grade_class(args.paths, args.out, jobs=args.jobs, timeout=args.timeout, memory_mb=args.memory,
                          sandbox=args.sandbox, gradebook=args.gradebook, student=args.student, engine=engine,
                          assignment=args.assignment, similarity_threshold=args.similarity_threshold,
                          checks=args.checks)
    for warning in run.warnings:
        _say(f"warning: {warning}", error=True)
    submissions = run.results["submissions"]
    _say(f"graded {len(run.graded_now)} submission(s) now, {len(submissions) - len(run.graded_now)} up to date; "
          f"results in {args.out / 'results.json'}, report in {args.out / 'report.html'}")
    _say("seconds per phase: " + ", ".join(f"{phase} {seconds:.3f}" for phase, seconds in run.seconds.items()))
    return 0


def _similarity(args: argparse.Namespace) -> int:
    from .grading.similarity_report import similarity_report

    found = similarity_report(args.paths, args.out, args.threshold, args.assignment)
    _say(f"compared {found.compared} submission(s): {len(found.groups)} group(s), {len(found.many)} similar to many; "
         f"report in {args.out / 'similarity.html'}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .assignment.release import release
    from .grading.course import course_assignment
    from .grading.discover import is_course_root
    from .grading.engines import default_jobs
    from .results.checks import CHECKS_FILE
    from .results.gradebook import sqlite_url
    from .service.answer import Show
    from .service.app import ServeOptions, serve

    root = args.root.resolve()
    notebook = course_assignment(root, args.assignment).notebook if is_course_root(root) else release().notebook
    options = ServeOptions(notebook=f"{notebook}.ipynb", database=args.db or sqlite_url(root / CHECKS_FILE),
                           tokens=args.tokens, host=args.host, port=args.port, slots=args.slots or default_jobs(),
                           queue=args.queue, rate=args.rate, show=Show(args.show), timeout=args.timeout,
                           memory_mb=args.memory, sandbox=args.sandbox,
                           admins=tuple(a for a in args.admins.split(",") if a))
    return serve(options, _say)


def _export_canvas(args: argparse.Namespace) -> int:
    from .errors import GraderError
    from .results.canvas import Part, canvas_import, default_column, read_roster
    from .results.store import read_results, write_text_atomic

    assignment, records = read_results(args.graded)
    try:
        roster = read_roster(args.roster.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise GraderError(f"cannot read the roster {args.roster}: {error}") from None
    column = args.column or default_column(roster, assignment)
    columns = {column: Part.REQUIRED, args.extra_column: Part.EXTRA} if args.extra_column else {column: Part.TOTAL}
    exported = canvas_import(records, roster, columns, match=args.match)
    write_text_atomic(exported.text, args.out)
    _say(f"wrote {args.out}: {len(roster.students)} students, into {', '.join(map(repr, columns))}")
    if exported.without_submission:
        _say(f"note: {len(exported.without_submission)} roster student(s) have no submission (cell left empty): "
             f"{', '.join(exported.without_submission)}", error=True)
    if exported.not_in_roster:
        _say(f"warning: {len(exported.not_in_roster)} submission(s) have no row in the roster (not exported; "
             f"check --match): {', '.join(exported.not_in_roster)}", error=True)
    for value, students in exported.ambiguous.items():
        _say(f"warning: the roster's {args.match} {value!r} could mean any of {', '.join(students)}: its cell is "
             f"left empty (give the row its exact nbgrader id)", error=True)
    for column, (theirs, ours) in exported.points_differ.items():
        _say(f"warning: {column!r} has {theirs} points possible in Canvas, cnn-grade's scores are out of {ours:g}: "
             f"change it in Canvas", error=True)
    return 0


def _engine(scheduler: str | None) -> AbstractContextManager[DaskEngine | None]:
    """With --scheduler, a Dask cluster's engine (Dask is imported only then); else None: the local one."""
    if scheduler is None:
        return contextlib.nullcontext()
    from .grading.distributed import dask_engine

    return dask_engine(scheduler)


def _positive(kind: Callable[[str], Number]) -> Callable[[str], Number]:
    def parse(text: str) -> Number:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def _at_least_zero(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {text}")
    return value


def _add_limits(command: argparse.ArgumentParser) -> None:
    """The options a record's key depends on, the same for `grade` and `serve` (so a check's record is reused)."""
    command.add_argument("--timeout", type=_positive(float), default=10.0, metavar="SECONDS",
                         help="wall/CPU time per exercise and per notebook cell; all cells together get three "
                              "times this (default: 10)")
    command.add_argument("--memory", type=_positive(int), default=1024, metavar="MB",
                         help="memory of all of a submission's processes together (its cgroup) and address space "
                              "of each (default: 1024)")
    command.add_argument("--sandbox", choices=("auto", "bwrap", "rlimit"), default="auto",
                         help="bwrap: bubblewrap isolation; rlimit: resource limits only; auto: bwrap if it works")
    command.add_argument("--assignment", metavar="NAME", default=None,
                         help="the assignment of a course root to grade (default: the course's only one, from "
                              "nbgrader_config.py's CourseDirectory.assignment_id, source/ or submitted/<student>/)")


def _rate(text: str) -> object:
    from .service.rate import parse_rate

    try:
        return parse_rate(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    from .results.similarity import DEFAULT_THRESHOLD

    parser = argparse.ArgumentParser(prog="cnn-grade", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser(
        "grade", help="grade submissions in a sandbox, in parallel, resumably",
        description="Grade every submission under PATH (an nbgrader course root, folders, .zip files or "
                    ".ipynb/.py files) into DIR: results.json, grades.csv, feedback/<student>.html, report.html, "
                    "similarity.html. "
                    "Re-running grades only new or changed submissions.")
    grade.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="course root, folder, .zip or file")
    grade.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    grade.add_argument("--jobs", type=_positive(int), default=None, metavar="N",
                       help="submissions graded at once (default: number of CPUs)")
    _add_limits(grade)
    grade.add_argument("--gradebook", metavar="URL", default=None,
                       help="nbgrader gradebook (SQLAlchemy URL, e.g. sqlite:///gradebook.db) to write scores to; "
                            "default: the course root's gradebook.db when PATH is a course root")
    grade.add_argument("--student", metavar="ID", default=None, help="(re)grade only this student")
    grade.add_argument("--similarity-threshold", type=_fraction, default=DEFAULT_THRESHOLD, metavar="FRACTION",
                       help="list two submissions as similar (report.html, similarity.html) when more than this "
                            f"share of either one's own code is found in the other (default: {DEFAULT_THRESHOLD})")
    grade.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="grade on a Dask cluster: tcp://HOST:PORT of a running `dask scheduler`, or local[:N] "
                            "to start N worker processes here (default N: CPUs); needs the 'dask' extra; "
                            "replaces --jobs")
    grade.add_argument("--checks", metavar="URL", default=None,
                       help="the checks database of `cnn-grade serve` (SQLAlchemy URL) whose records are reused when "
                            "they were made from the same bytes, grader and limits (default: the course root's "
                            "checks.sqlite, when it exists)")
    grade.set_defaults(run=_grade)

    similar = commands.add_parser("similarity", help="the similarity report alone, no grading",
                                  description="Compare the submissions under PATH (as grade finds them) and write "
                                              "DIR/similarity.html.")
    similar.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="course root, folder, .zip or file")
    similar.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    similar.add_argument("--threshold", type=_fraction, default=DEFAULT_THRESHOLD, metavar="FRACTION",
                         help=f"as grade's --similarity-threshold (default: {DEFAULT_THRESHOLD})")
    similar.add_argument("--assignment", metavar="NAME", default=None, help="the assignment of a course root")
    similar.set_defaults(run=_similarity)

    serve = commands.add_parser(
        "serve", help='"Check my work": grade students\' notebooks on request, over HTTP',
        description="Answer POST api/check (the notebook's bytes) with the record `cnn-grade grade` would write, "
                    "from warm sandboxes; standalone with --tokens, else as a JupyterHub service (the hub's "
                    "environment). Every check is kept in a database.")
    serve.add_argument("--root", type=Path, default=Path("."), metavar="DIR", help="the course root (default: .)")
    _add_limits(serve)
    serve.add_argument("--tokens", type=Path, default=None, metavar="FILE",
                       help="standalone: a CSV with the header student,token (default: run as a JupyterHub service)")
    serve.add_argument("--host", default="127.0.0.1", help="standalone: the address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_positive(int), default=8765, help="standalone: the port (default: 8765)")
    serve.add_argument("--db", metavar="URL", default=None,
                       help="the checks database, a SQLAlchemy URL (default: sqlite:///ROOT/checks.sqlite)")
    serve.add_argument("--slots", type=_positive(int), default=None, metavar="N",
                       help="checks graded at once (default: number of CPUs)")
    serve.add_argument("--queue", type=_at_least_zero, default=16, metavar="N",
                       help="checks waiting for a slot before the service answers 503 (default: 16)")
    serve.add_argument("--rate", type=_rate, default="10/hour", metavar="N/UNIT",
                       help="checks per student per minute, hour or day (default: 10/hour)")
    serve.add_argument("--show", choices=("hints", "score"), default="hints",
                       help="what a check shows: the hints and failing cases, or those and the score (default: hints)")
    serve.add_argument("--admins", default="", metavar="NAMES",
                       help="comma-separated names who see everyone's checks (besides a hub's admins)")
    serve.set_defaults(run=_serve)

    export = commands.add_parser("export", help="scores for a learning platform",
                                 description="Scores of a graded class for a learning platform (grades.csv, "
                                             "written by grade, is the plain one: a column per exercise).")
    formats = export.add_subparsers(dest="format", required=True)
    canvas = formats.add_parser(
        "canvas", help="a file for Canvas's gradebook import",
        description="Write a file for Canvas (Grades > Import) from the course's Canvas gradebook export: its "
                    "identity columns, the assignment's column(s) and a Points Possible row; roster students "
                    "without a submission get an empty cell.")
    canvas.add_argument("--graded", type=Path, default=Path("graded"), metavar="DIR",
                        help="the output folder of `cnn-grade grade` (default: graded)")
    canvas.add_argument("--roster", required=True, type=Path, metavar="CSV",
                        help="the course's gradebook exported from Canvas (Grades > Export)")
    canvas.add_argument("--out", required=True, type=Path, metavar="CSV", help="the file to import into Canvas")
    canvas.add_argument("--column", metavar="HEADER", default=None,
                        help="the roster's column of this assignment, e.g. 'CNN Step by Step (48213)' (default: "
                             "the one whose name contains the assignment's)")
    canvas.add_argument("--extra-column", metavar="HEADER", default=None,
                        help="put the optional part (extra credit) in this column and only the required part in "
                             "--column (default: both parts in --column)")
    canvas.add_argument("--match", metavar="COLUMN", default="SIS Login ID",
                        help="the roster column holding nbgrader's student ids, or emails whose part before the @ "
                             "is the id (default: SIS Login ID)")
    canvas.set_defaults(run=_export_canvas)
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
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except GraderError as error:
        _say(f"cnn-grade: error: {error}", error=True)
        return error.exit_code
    except KeyboardInterrupt as stop:
        print("cnn-grade: interrupted; finished submissions are saved, re-run to grade the rest", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def run() -> None:
    """The `cnn-grade` command: `main`, then the process ends at once (os._exit) with its status.
    By then everything is written and closed (records, reports, gradebook, sandboxes); what is left
    is the interpreter tearing down the modules nbgrader and nbformat load, which takes about half
    a second (jsonschema's format checkers among them)."""
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
