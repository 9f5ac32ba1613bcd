"""Red team: attacks a hostile student (or a file handed to the instructor) can mount, one test each.

Each test asserts the safe behaviour.  Attacks on the grader's own process (a hang, memory, a
crash of the whole class) run in a subprocess with a time and an address-space bound, so that a
grader that falls for them fails the test instead of taking the machine down; sandboxed ones are
real code graded through the real pipeline.  Everything runs in temporary folders.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from support import REPOSITORY, SOLUTIONS, grade, notebook

from autograder.assignment.cases import cases_for, seed_for
from autograder.assignment.release import release
from autograder.checking.result import ExerciseResult, ExerciseStatus
from autograder.grading.discover import discover
from autograder.grading.grade_class import grade_class
from autograder.grading.options import GradeOptions
from autograder.results.gradebook import write_scores
from autograder.results.record import Details, SubmissionRecord, SubmissionStatus, all_exercises
from autograder.sandbox import cgroups
from autograder.sandbox.execute import ExerciseJob, execute
from autograder.sandbox.limits import Limits
from autograder.sandbox.pool import SandboxPool

ASSIGNMENT = "cnn_step_by_step"
FULL = 17.0    # every exercise of the notebook's solutions (they draw no padding figure)


def _bounded(code: str, seconds: float, memory_gb: float = 3.0) -> str:
    """Run `code` in a fresh Python (the repository importable) killed after `seconds`; its stdout."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (int(memory_gb * 2**30),) * 2)

    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPOSITORY, capture_output=True,
                              text=True, timeout=seconds, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the grader's step took longer than {seconds} s")
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


# --------------------------------------------------------------------------- run-wide failures
# A file whose reading raised something other than UnreadableSubmission: the pipeline made it
# `crashed`, but the similarity step reads every file again and stopped the whole class there
# (no report, no feedback pages, no gradebook for anyone).
UNLOADABLE = {
    "non-text codec": ("evil.py", b"# -*- coding: rot13 -*-\ndef zero_pad(X, pad):\n    return X\n"),
    "hex codec": ("evil.py", b"# coding: hex\ndef zero_pad(X, pad):\n    return X\n"),
    "deep nesting": ("evil.ipynb", b"[" * 100_000 + b"]" * 100_000),
    "a 5000-digit number": ("evil.ipynb", b'{"nbformat": 1' + b"0" * 5000 + b', "cells": []}'),
}


@pytest.mark.parametrize("name, data", list(UNLOADABLE.values()), ids=list(UNLOADABLE))
def test_a_file_the_loader_chokes_on_is_unreadable_and_never_stops_the_class(tmp_path: Path, name: str,
                                                                            data: bytes) -> None:
    """Attack class: run-wide failure from one weird file (an exception load_cells did not turn into
    UnreadableSubmission: LookupError, RecursionError, ValueError)."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / name).write_bytes(data)
    (folder / "zz_other.py").write_bytes(b"")
    run = grade_class([folder], tmp_path / "out", jobs=1, gradebook="", progress=False)
    records = {r["student"]: r for r in run.results["submissions"]}
    assert records["evil"]["status"] == "unreadable", records["evil"]["message"]
    assert (tmp_path / "out" / "report.html").exists() and (tmp_path / "out" / "feedback" / "zz_other.html").exists()


@pytest.mark.slow
def test_a_lone_surrogate_in_a_cell_never_stops_the_class(tmp_path: Path) -> None:
    """Attack class: run-wide failure: a notebook's JSON may escape a lone surrogate (\\ud800), which
    no UTF-8 file can hold; the similarity step wrote the code to a file and stopped the class."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "evil.ipynb").write_text(json.dumps({"nbformat": 4, "cells": [
        {"cell_type": "code", "source": "def zero_pad(X, pad):\n    return X  # \ud800\n"}]}))
    (folder / "other.py").write_text("def zero_pad(X, pad):\n    return X\n")
    run = grade_class([folder], tmp_path / "out", jobs=1, gradebook="", timeout=5, progress=False)
    assert {r["student"] for r in run.results["submissions"]} == {"evil", "other"}
    assert (tmp_path / "out" / "similarity.html").exists() and (tmp_path / "out" / "report.html").exists()


def test_a_very_long_file_name_never_stops_the_class(tmp_path: Path) -> None:
    """Attack class: run-wide failure from a student id: a file name of 250 characters (allowed by
    the file system, and common in LMS exports, which prefix the student's own file name) made
    records/<id>.json (and its temporary file) too long a name; the OSError stopped the batch."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / ("x" * 250 + ".py")).write_bytes(b"")
    (folder / "zz_other.py").write_bytes(b"")
    run = grade_class([folder], tmp_path / "out", jobs=1, gradebook="", progress=False)
    assert len(run.results["submissions"]) == 2
    assert all(r["status"] == "unreadable" for r in run.results["submissions"])


def _record(student: str, score: float) -> SubmissionRecord:
    exercises = all_exercises(lambda name: ExerciseResult(score, 1.0, ExerciseStatus.PASSED, "fine", [], name))
    return SubmissionRecord(student, student, SubmissionStatus.GRADED, "", exercises, Details(sandbox="bwrap"))


BROKEN_CELLS = {
    "nbgrader metadata that is text": {"nbgrader": "x"},
    "a grade_id that is a list": {"nbgrader": {"grade_id": []}},
}


@pytest.mark.parametrize("variant", [*BROKEN_CELLS, "a lone surrogate"])
def test_a_students_notebook_never_stops_the_gradebook(tmp_path: Path, variant: str) -> None:
    """Attack class: gradebook step broken by one record's notebook: the feedback written into the
    autograded notebook read the student's cell metadata as dicts and wrote text UTF-8 cannot hold,
    so one hand-edited notebook stopped write_scores, and every student after it got no grade."""
    notebook_name = release().notebook
    grade_id = next(iter(release().grade_cells.values())).grade_id
    cell = {"cell_type": "code", "source": "pass", "outputs": [], "execution_count": None,
            "metadata": BROKEN_CELLS.get(variant, {"nbgrader": {"grade_id": grade_id}})}
    if variant == "a lone surrogate":
        cell["source"] = "pass  # \ud800"
    for student in ("a_evil", "b_victim"):
        folder = tmp_path / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{notebook_name}.ipynb").write_text(json.dumps(
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell if student == "a_evil" else {}]}))
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    write_scores(url, [_record("a_evil", 0.0), _record("b_victim", 1.0)], course_root=tmp_path,
                 assignment=ASSIGNMENT, notebook=notebook_name)
    with Gradebook(url) as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, "b_victim").score == len(release().grade_cells)


# --------------------------------------------------------------------------- the grader's own time and memory
def test_blank_lines_without_a_function_cannot_hang_the_grader() -> None:
    """Attack class: a hang of the whole batch (the regex runs in C, holding the GIL): `^\\s*def`
    with re.MULTILINE retries at every line start and `\\s*` runs over every later blank line, so a
    file of blank lines without a `def` cost time quadratic in its size (1 MB: about half an hour,
    50 MB: weeks); so did the forbidden-import check on a file with a `def` at its end."""
    _bounded("""
        from autograder.grading.load import UnreadableSubmission, forbidden_imports, load_cells
        try:
            load_cells(b"\\n" * 200_000 + b"x = 1\\n", "evil.py")
        except UnreadableSubmission:
            pass
        assert forbidden_imports(["\\n" * 200_000 + "def f():\\n    pass\\n"]) == []
    """, seconds=10)


def test_a_crafted_traceback_costs_the_grader_little_time() -> None:
    """Attack class: host time not bounded per submission: forged answers may carry traceback
    lines of 20,000 characters; blanking decimals on hidden cases (a run of digits: quadratic) and
    looking for the `float(b)` signature (a line full of `float(b`: quadratic) cost seconds per
    line, minutes per submission, holding the GIL for every grading thread."""
    _bounded("""
        from autograder.assignment.cases import cases_for
        from autograder.checking.exercise import check_exercise
        cases = cases_for("conv_single_step", 1)
        lines = ["<cell 1>, line 1, in f: " + "float(b " * 2500] * 99 + ["ValueError: " + "1" * 20_000]
        outcome = {"value": None, "error": {"type": "ValueError", "message": "1" * 20_000, "traceback": lines},
                   "seconds": 0.0, "output": "", "inputs_after": None}
        check_exercise("conv_single_step", cases, [outcome] * len(cases))
    """, seconds=15)


def test_a_crafted_answer_costs_the_grader_memory_in_proportion_to_its_bytes() -> None:
    """Attack class: host memory not bounded per submission: the answer is bounded in bytes (64 MB),
    not in JSON values; 64 MB of `[],` decoded to 3.4 GB (and 20 s) in the grader's own process, per
    run, per grading thread.  16 MB here: the grader must not grow by more than 4 times that."""
    out = _bounded("""
        import resource, struct
        from autograder.sandbox.channel import JobEnd
        from autograder.sandbox.readback import read_back
        head = (b'{"__dict__":{"kind":"notebook","cells":[],"log":"","figures":[],"defined":[],'
                b'"timings":{"__dict__":{}},"x":[')
        body = head + b"[]," * (16 * 2**20 // 3) + b"[]]}}"
        message = struct.pack("<I", len(body)) + body
        answer = struct.pack("<I", len(message)) + message
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        run = read_back(JobEnd(answer=answer, status=0), {"zero_pad": 5}, 1, 60.0, 1024, 20_000)
        assert run.failure, "the forged answer is invalid either way"
        print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
    """, seconds=60, memory_gb=4)
    assert int(out) < 4 * 16, f"decoding a 16 MB answer grew the grader by {out} MB"


def test_a_crafted_figure_costs_the_grader_memory_in_proportion_to_its_bytes() -> None:
    """Attack class: host memory not bounded per submission: an x_pad image of booleans (1 byte an
    entry) was converted to float64 and zero-padded to its size before any size check: 64 MB of
    answer became 3 GB and 7 s of the grader.  16 MB here: the grader must not grow by 4 times that."""
    out = _bounded("""
        import resource
        import numpy as np
        from autograder.assignment.cases import cases_for
        from autograder.checking.figure import check_padding_figure
        x_pad = np.zeros((4098, 4098), dtype=bool)
        figures = [{"axes": [{"title": "x", "images": [np.ones((2, 2))]}, {"title": "x_pad", "images": [x_pad]}]}]
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        check_padding_figure(figures, {"zero_pad": (cases_for("zero_pad", 1), None)})
        print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
    """, seconds=60, memory_gb=4)
    assert int(out) < 4 * 16, f"checking a 16 MB figure grew the grader by {out} MB"


@pytest.mark.slow
def test_a_huge_submission_cannot_stall_the_similarity_report() -> None:
    """Attack class: host time and memory not bounded per submission: the similarity step
    fingerprinted all of a student's code, at about 2.5 s and 90 MB per MB in the grader's process
    (a 50 MB submission: two minutes and 4.5 GB, after grading, before any report is written)."""
    _bounded(
        """
        from autograder.assignment.release import release
        from autograder.results.similarity import compare
        big = "".join(f"a{n} = b{n * 7919 % 10007} + {n % 997}\\n" for n in range(400_000))
        compare({"big": ["def zero_pad(X, pad):\\n    pass\\n", big],
                 "other": ["def zero_pad(X, pad):\\n    return X\\n"]},
                list(release().scaffold))
    """,
        seconds=8,
    )


# --------------------------------------------------------------------------- another student's grade
def test_an_unsafe_student_id_never_takes_another_students_id(tmp_path: Path) -> None:
    """Attack class: another student's grade: ids are made file-safe by replacing characters with
    `_`, so `alice smith` (nbgrader's collect only warns when a submission's claimed id is not its
    owner's) became `alice_smith`, sorted first, and the real alice_smith became `alice_smith~2`:
    the attacker's score went into alice_smith's gradebook row and autograded notebook."""
    for student, source in (("alice smith", "def zero_pad(X, pad):\n    return X\n"), ("alice_smith", SOLUTIONS)):
        folder = tmp_path / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_bytes(notebook(source))
    found = {s.student: s.source for s in discover([tmp_path])}
    assert found["alice_smith"] == str(tmp_path / "submitted" / "alice_smith" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


# --------------------------------------------------------------------------- what the feedback shows
def _hidden_numbers(exercise: str, seed: int, argument: int = 0) -> list[str]:
    """The first entries of each hidden case's argument, written as a student's message would."""
    cases = [c for c in cases_for(exercise, seed) if c.kind == "hidden"]
    return [" ".join(str(int(v * 1e6)) for v in c.args[argument].ravel()[:4]) for c in cases]


@pytest.mark.slow
def test_hidden_inputs_a_submission_leaks_are_not_those_of_the_next_one() -> None:
    """Attack class: hidden inputs leaked through the feedback.  Student code sees its inputs while
    it runs, and what it prints or raises reaches its feedback (a cell can even read every case from
    the runner's frame); no filter of the student's own text can close that.  With the inputs a
    student would compute the outputs elsewhere (PyTorch) and hard-code them in the next submission.
    What must hold: that next submission (any change of the file) is graded on other hidden inputs."""
    reads_the_job = (
        "import sys\n_f = sys._getframe()\nwhile _f is not None and 'job' not in _f.f_locals:\n"
        "    _f = _f.f_back\n_x = _f.f_locals['job']['exercises']['zero_pad']['cases'][-1][0][0]\n"
        "raise ValueError(' '.join(str(int(v * 1e6)) for v in _x.ravel()[:4]))\n"
    )
    raises_its_input = (
        "def conv_single_step(a_slice_prev, W, b):\n"
        "    raise ValueError(' '.join(str(int(v * 1e6)) for v in a_slice_prev.ravel()[:4]))\n"
    )
    first = "\n\n".join([SOLUTIONS, reads_the_job, raises_its_input]).encode()
    record = grade(first, "m.py", "mallory", GradeOptions(sandbox="bwrap", limits=Limits(seconds=5)))
    shown = json.dumps(record)
    leaked = [n for n in _hidden_numbers("conv_single_step", seed_for("mallory", first)) if n in shown]
    assert leaked, "the grader did not draw this submission's cases from its own seed"
    resubmitted = first + b"\n# the leaked answers, hard-coded\n"
    assert not set(leaked) & set(_hidden_numbers("conv_single_step", seed_for("mallory", resubmitted)))


# --------------------------------------------------------------------------- the sandbox
def test_an_answer_key_installed_beside_the_interpreter_is_not_in_the_sandbox(monkeypatch) -> None:
    """Attack class: read the answer key: the sandbox binds the interpreter's whole prefix (and /usr),
    so where the grader is installed without a venv (a conda env, a Docker image's /usr/local, a
    system pip), its site-packages, cnn_reference and the hidden cases' generator among them, are
    readable by student code, which can run the answer key and pass every exercise."""
    # Not under /tmp, which the sandbox covers with its own tmpfs.
    prefix = Path(tempfile.mkdtemp(prefix="cnn-red-prefix-", dir="/var/tmp"))
    try:
        key = prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
        (key / "cnn_reference").mkdir(parents=True)
        (key / "cnn_reference" / "__init__.py").write_text("SECRET = 'answer key'\n")
        monkeypatch.setattr(sys, "base_prefix", str(prefix))
        cell = f"import os\nprint('VISIBLE', os.path.exists({str(key / 'cnn_reference' / '__init__.py')!r}))"
        run = execute([cell], {}, Limits(seconds=5), "bwrap")
        assert run.failure is None, run.failure
        assert "VISIBLE False" in run.log, run.log
    finally:
        shutil.rmtree(prefix)


HOG = """import os, time
_start = time.monotonic() + 1
_end = _start + 20
for _ in range(120):
    if os.fork() == 0:
        os.setsid()             # each its own session, as a student can
        time.sleep(max(0.0, _start - time.monotonic()))   # all forked first, then all busy
        while time.monotonic() < _end:
            pass
        os._exit(0)
while time.monotonic() < _end:  # the runner stays, so the children do
    try:
        time.sleep(_end - time.monotonic())
    except BaseException:       # the cell's timer too
        pass
"""
# The victim: cells that take 6 s (its functions are called while the hog is busy) and a correct
# conv_forward slower than the answer key, as students' loops are (about 0.25 s a call, 2.3 s in all).
SLOW_CELLS = ["import time\ntime.sleep(1.9)"] * 3
SLOW_BUT_RIGHT = (
    "_conv_forward = conv_forward\ndef conv_forward(A_prev, W, b, hparameters):\n"
    "    sum(i * i for i in range(4_000_000))\n    return _conv_forward(A_prev, W, b, hparameters)\n"
)


@pytest.mark.slow
def test_a_cpu_hog_cannot_make_a_submission_graded_beside_it_time_out() -> None:
    """Attack class: another student's grade: jobs graded at the same time (`--jobs 2`) share the
    CPUs with no per-job share (no cpu cgroup), so 120 busy processes leave a submission graded
    beside them a small fraction of a CPU: a correct conv_forward (2.3 s of an 8 s limit alone) runs
    out of time and loses its points.  Both sandboxes are held on one CPU here (they inherit the
    affinity), so the test takes one core for 20 s, not two."""
    cases = cases_for("conv_forward", seed_for("victim"))
    victim_job = {"conv_forward": ExerciseJob([(c.args, dict(c.kwargs)) for c in cases])}
    limits, runs, both_ready = Limits(seconds=8), {}, threading.Barrier(2)
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(cpus)})

    def grade_in(pool: SandboxPool, name: str, cells: list[str], jobs: dict) -> None:
        with pool.slot() as slot:
            execute(["x = 1"], {}, limits, slot)  # both sandboxes up before either starts
            both_ready.wait(60)
            runs[name] = execute(cells, jobs, limits, slot)

    try:
        with SandboxPool("bwrap") as pool:
            victim = [*SLOW_CELLS, SOLUTIONS, SLOW_BUT_RIGHT]
            threads = [
                threading.Thread(target=grade_in, args=(pool, "hog", [HOG], {})),
                threading.Thread(target=grade_in, args=(pool, "victim", victim, victim_job)),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
    finally:
        os.sched_setaffinity(0, cpus)
    assert runs["victim"].exercises["conv_forward"].status == "done", runs["victim"].exercises["conv_forward"]


FORK_20 = """import os, time
forked = 0
for _ in range(20):
    try:
        if os.fork() == 0:
            time.sleep(2)
            os._exit(0)
        forked += 1
    except OSError:
        break
print("FORKED", forked)
"""


def test_without_a_cgroup_root_refuses_to_grade_rather_than_leave_processes_unbounded(monkeypatch) -> None:
    """Attack class: a fork bomb past the limits: where no cgroup can be made (a read-only cgroup
    file system, as in most containers), a normal user's jobs keep a per-user process limit in
    their own user namespace; but as root the job's user is root on the host (bubblewrap maps the
    sandbox's uid 1000 to the grader's uid 0), which RLIMIT_NPROC never stops: 20 processes ran
    under a limit of 8, as many as the machine allows in an attack.  So as root the grader refuses
    to start, and says how to give it cgroups."""

    def read_only(cls):
        raise OSError(30, "Read-only file system")

    assert os.geteuid() == 0, "this test checks the grader run as root (as CI runs it)"
    monkeypatch.setattr(cgroups.Cgroups, "open", classmethod(read_only))
    for kind in ("bwrap", "rlimit"):
        with pytest.raises(cgroups.UnboundedProcesses, match=r"cannot make its cgroups here .Read-only file system"):
            SandboxPool(kind)
    with pytest.raises(cgroups.UnboundedProcesses):
        execute([FORK_20], {}, Limits(seconds=5, processes=8), "bwrap")


def test_a_batch_ending_in_the_same_process_does_not_break_another(tmp_path: Path) -> None:
    """Attack class: another student's grade: every batch of a process shares one cgroup folder
    (cnn-grade/<pid>), and closing a batch removes it and the top folder when they are empty; the
    batches still running there then fail to make their next job's cgroup (the top is gone) and
    their submission is `crashed`.  That is what a Dask worker with several threads does, one
    batch per submission, so a quick (say, unreadable) submission costs the one graded beside it."""
    with SandboxPool("bwrap") as running, running.slot() as slot:
        SandboxPool("bwrap").close()  # another submission's batch, ended meanwhile
        if running.cgroups is None or all(parent.parent.is_dir() for parent in running.cgroups.parents):
            pytest.skip("no cgroups here, or another grader on this machine keeps the top folder")
        run = execute(["x = 1"], {}, Limits(seconds=5), slot)
    assert run.failure is None, run.failure
