"""Red team, round 2: attack classes tests/test_red_team.py does not cover, one test each.

As there, attacks on the grader's own process run bounded (a subprocess with a time and an
address-space bound) and sandboxed ones are real code graded through the real pipeline, in
temporary folders.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from support import REPOSITORY, SOLUTIONS, notebook

from autograder.checking.result import ExerciseResult, ExerciseStatus
from autograder.grading.discover import discover
from autograder.grading.grade_class import grade_class
from autograder.local_files import UnreadableFile, read_regular
from autograder.results.record import Details, SubmissionRecord, SubmissionStatus, all_exercises
from autograder.results.store import results, write_json_atomic

ASSIGNMENT = "cnn_step_by_step"
TRIVIAL = "def zero_pad(X, pad):\n    return X\n"


def _cnn_grade(*args: str, seconds: float = 300, memory_gb: float = 3.0) -> subprocess.CompletedProcess:
    """`cnn-grade ARGS` in a fresh process bounded in time and address space."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (int(memory_gb * 2**30),) * 2)

    try:
        return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=REPOSITORY, capture_output=True,
                              timeout=seconds, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cnn-grade took longer than {seconds} s")


def _nest(folder: Path, depth: int) -> None:
    """`depth` folders one in another below `folder` (made relative, past PATH_MAX if need be)."""
    here = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir("a", dir_fd=here)
            below = os.open("a", os.O_RDONLY | os.O_DIRECTORY, dir_fd=here)
            os.close(here)
            here = below
        os.close(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=here))
    finally:
        os.close(here)


def _remove_tree(top: Path) -> None:
    """Remove `top` without recursion: shutil.rmtree recurses once per level (Python 3.11), so
    pytest's own clean-up of a _nest left in its temporary folders fails, in every later session."""
    pending = [(str(top), False)]
    while pending:
        path, emptied = pending.pop()
        if emptied:
            os.rmdir(path)
            continue
        pending.append((path, True))
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, False))
                else:
                    os.unlink(entry.path)


# --------------------------------------------------------------------------- the autograded/ copy
@pytest.mark.slow
def test_a_deep_or_crowded_submission_folder_never_stops_the_gradebook(tmp_path: Path) -> None:
    """Attack class: run-wide failure and host disk/inodes from the copy into nbgrader's autograded/:
    it recursed once per folder, so a submission folder 1500 deep raised RecursionError out of the
    gradebook step (no gradebook or autograded/ folder for any student after it), and copied every
    file whatever their number or size."""
    course = tmp_path / "course"
    for student in ("alice", "bob", "carol"):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.py").write_text(TRIVIAL)
    _nest(course / "submitted" / "alice" / ASSIGNMENT, 1500)
    try:
        _grade_deep_and_crowded(course, tmp_path)
    finally:
        _remove_tree(course / "submitted" / "alice" / ASSIGNMENT / "a")
        if (course / "autograded").exists():    # as deep as the submission where the copy recursed
            _remove_tree(course / "autograded")


def _grade_deep_and_crowded(course: Path, tmp_path: Path) -> None:
    crowded = course / "submitted" / "bob" / ASSIGNMENT / "many"
    crowded.mkdir()
    for index in range(3000):
        (crowded / str(index)).touch()
    with open(crowded / "sparse", "wb") as sparse:    # 4 GB that take no disk until copied
        sparse.truncate(4 * 2**30)
    done = _cnn_grade("grade", str(course), "--out", str(tmp_path / "out"), "--jobs", "1", "--timeout", "5")
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert sorted(s.id for s in gradebook.students) == ["alice", "bob", "carol"]
    autograded = course / "autograded"
    # autograded/ holds only what the grader writes (results/gradebook.py): nothing of the folders is copied.
    for student in ("alice", "bob", "carol"):
        assert {p.name for p in (autograded / student / ASSIGNMENT).iterdir()} <= {
            f"{ASSIGNMENT}.ipynb", "timestamp.txt", "submission_secret.txt"}


# --------------------------------------------------------------------------- one student, many jobs
def test_a_folder_of_many_files_is_one_submission_not_thousands(tmp_path: Path) -> None:
    """Attack class: per-submission bounds multiplied: every .py/.ipynb below a student's folder (or
    under a student's name in a zip) was a submission of its own (alice, alice~2, ... alice~5000),
    each a sandbox job with its own time and memory budget, record, feedback page and similarity row.
    Now each student of a folder or zip is one submission, chosen as in a course root."""
    folder = tmp_path / "class"
    (folder / "alice" / "junk").mkdir(parents=True)
    for index in range(2000):
        (folder / "alice" / "junk" / f"{index}.py").write_text("while True: pass\n")
    (folder / "alice" / "scratch.ipynb").write_bytes(notebook(TRIVIAL))
    (folder / "alice" / f"{ASSIGNMENT}.ipynb").write_bytes(notebook(SOLUTIONS))
    (folder / "bob.py").write_text(SOLUTIONS)
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for index in range(2000):
            z.writestr(f"carol/{index}.py", "while True: pass\n")
        z.writestr("carol/work.ipynb", notebook(SOLUTIONS))
    found = {s.student: s.path for s in discover([folder, archive], ASSIGNMENT)}
    assert found == {"alice": str(folder / "alice" / f"{ASSIGNMENT}.ipynb"), "bob": str(folder / "bob.py"),
                     "carol": f"{archive}:carol/work.ipynb"}


# --------------------------------------------------------------------------- zip members
def _patched_zip(path: Path, flag: int = 0, method: int | None = None) -> None:
    """A zip of alice.py (its headers' flags or compression method patched) and bob.py."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("alice.py", TRIVIAL)
        z.writestr("bob.py", TRIVIAL)
    data = bytearray(path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):   # alice's local and central headers
        at = data.find(signature)
        data[at + flags_at] |= flag
        if method is not None:
            data[at + flags_at + 2:at + flags_at + 4] = method.to_bytes(2, "little")
    path.write_bytes(data)


@pytest.mark.parametrize("flag, method", [(1, None), (0, 97)], ids=["encrypted", "unknown compression"])
def test_a_zip_member_zipfile_refuses_is_unreadable_and_never_stops_the_class(tmp_path: Path, flag: int,
                                                                              method: int | None) -> None:
    """Attack class: run-wide failure from one zip member: zipfile raises RuntimeError for an encrypted
    member and NotImplementedError for an unknown compression method, neither of which reading
    turned into `unreadable`: the batch stopped with a traceback, nobody graded."""
    _patched_zip(tmp_path / "class.zip", flag, method)
    run = grade_class([tmp_path / "class.zip"], tmp_path / "out", jobs=1, gradebook="", timeout=5, progress=False)
    records = {r["student"]: r for r in run.results["submissions"]}
    assert records["alice"]["status"] == "unreadable" and "cannot be read from the zip" in records["alice"]["message"]
    assert records["bob"]["status"] == "graded"


# --------------------------------------------------------------------------- the instructor's terminal
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[8m\u202e"   # retitle, clear, hide, reverse what follows


def test_names_cnn_grade_prints_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """Attack class: terminal injection: cnn-grade printed names it did not choose as they were (a
    course's folder names in an error, a roster's student names in the Canvas export's note), so
    an escape sequence in one acted on the instructor's terminal."""
    course = tmp_path / "course"
    for folder in (f"submitted/alice/{ASSIGNMENT}", f"submitted/mallory/{ESCAPES}"):
        (course / folder).mkdir(parents=True)
    (course / "submitted" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.py").write_text(TRIVIAL)
    done = _cnn_grade("grade", str(course), "--out", str(tmp_path / "out"), seconds=60)
    assert done.returncode != 0 and b"several assignments" in done.stderr
    assert b"\x1b" not in done.stdout + done.stderr and "\u202e".encode() not in done.stderr

    passed = all_exercises(lambda name: ExerciseResult(1.0, 1.0, ExerciseStatus.PASSED, "", [], name))
    write_json_atomic(results([SubmissionRecord("ada", "ada.py", SubmissionStatus.GRADED, "", passed, Details())],
                              ASSIGNMENT, "fingerprint"), tmp_path / "graded" / "results.json")
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,CNN (1)\n"
                      f"{ESCAPES}Eve,7,,,S1,\nAda,8,,ada,S1,\n", encoding="utf-8")
    done = _cnn_grade("export", "canvas", "--graded", str(tmp_path / "graded"), "--roster", str(roster),
                      "--out", str(tmp_path / "canvas.csv"), "--column", "CNN (1)", seconds=60)
    assert done.returncode == 0 and b"no submission" in done.stderr, done.stderr
    assert b"\x1b" not in done.stdout + done.stderr and "\u202e".encode() not in done.stderr


# --------------------------------------------------------------------------- a folder named like a notebook
def test_a_folder_named_like_a_notebook_never_stops_the_class(tmp_path: Path) -> None:
    """Attack class: run-wide failure from a submission's file type: a student may hand in a folder
    named `cnn_step_by_step.ipynb` (nbgrader submits and collects folders as they are); discovery
    took it for the notebook and reading it raised IsADirectoryError (from os.fdopen, before the
    regular-file check), which stopped the batch with a traceback."""
    course = tmp_path / "course"
    for student in ("alice", "bob"):
        (course / "submitted" / student / ASSIGNMENT).mkdir(parents=True)
    (course / "submitted" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb" / "inside").mkdir(parents=True)
    (course / "submitted" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.py").write_text(TRIVIAL)
    (course / "submitted" / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.py").write_text(SOLUTIONS)
    run = grade_class([course], tmp_path / "out", jobs=1, gradebook="", timeout=5, progress=False)
    records = {r["student"]: r for r in run.results["submissions"]}
    assert records["alice"]["status"] == "graded" and records["alice"]["path"].endswith(".py")
    assert records["bob"]["status"] == "graded"
    with pytest.raises(UnreadableFile, match="not a regular file"):
        read_regular(course / "submitted" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 100)


# --------------------------------------------------------------------------- codecs
@pytest.mark.parametrize("codec, body", [("undefined", b"def zero_pad(X, pad):\n    return X\n"),
                                         ("punycode", b"def zero_pad(X, pad):\n    return X\n")])
def test_a_codec_that_raises_a_bare_unicode_error_never_stops_the_class(tmp_path: Path, codec: str,
                                                                        body: bytes) -> None:
    """Attack class: run-wide failure from one file (red team 1's non-text codecs, another way): the
    `undefined` codec and punycode raise a bare UnicodeError, not the UnicodeDecodeError the loader
    caught, so the similarity step's load stopped the whole class."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "evil.py").write_bytes(f"# coding: {codec}\n".encode() + body)
    (folder / "zz_other.py").write_text(TRIVIAL)
    run = grade_class([folder], tmp_path / "out", jobs=1, gradebook="", timeout=5, progress=False)
    records = {r["student"]: r for r in run.results["submissions"]}
    assert records["evil"]["status"] == "unreadable", records["evil"]["message"]
    assert records["zz_other"]["status"] == "graded" and (tmp_path / "out" / "similarity.html").exists()


# --------------------------------------------------------------------------- the grader's own time and memory
def _bounded(code: str, seconds: float, memory_gb: float) -> str:
    """Run `code` in a fresh Python (the repository importable) killed after `seconds`; its stdout."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (int(memory_gb * 2**30),) * 2)

    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=REPOSITORY, capture_output=True, text=True,
                              timeout=seconds, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the grader's step took longer than {seconds} s")
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_file_of_magic_lines_costs_the_grader_little_time_and_memory() -> None:
    """Attack class: host time and memory not bounded per submission, before any sandbox: the loader
    rewrote IPython lines (`%`, `!`) in a Python loop over every line, and no bound held the code
    but the file's 50 MB; a .py file of 25 million `%` lines cost 100 s and 4.5 GB of the grader
    (loaded twice: for grading and for the similarity report), with its --timeout at 5 s."""
    out = _bounded(textwrap.dedent("""
        import time
        from autograder.grading.load import UnreadableSubmission, load_cells
        begun = time.perf_counter()
        try:
            load_cells(b"def zero_pad(X, pad):\\n    return X\\n" + b"%\\n" * (24 * 2**20), "evil.py")
        except UnreadableSubmission as error:
            print(error)
        cells = load_cells(b"def zero_pad(X, pad):\\n    return X\\n" + b"%\\n" * (2**21 - 20), "big.py")
        assert cells[0].endswith("pass  # \\n") and time.perf_counter() - begun < 6
    """), seconds=20, memory_gb=1.5)
    assert "MB of code" in out, out


def test_a_notebook_of_tiny_json_values_costs_the_grader_little_memory() -> None:
    """Attack class: host memory not bounded per submission, before any sandbox: a 48 MB notebook
    whose saved outputs are 16 million empty lists parsed into 1.3 GB of the grader (twice at once:
    grading and the similarity report, and once more per --jobs), where red team 1 bounded only the
    sandbox's answers by their number of JSON values."""
    out = _bounded(textwrap.dedent("""
        from autograder.grading.load import UnreadableSubmission, load_cells
        head = (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": "def zero_pad(X, pad):\\\\n    return X",'
                b' "outputs": [')
        try:
            load_cells(head + b"[]," * (16 * 2**20) + b"[]]}]}", "evil.ipynb")
        except UnreadableSubmission as error:
            print(error)
    """), seconds=20, memory_gb=1.0)
    assert "JSON values" in out, out


def test_a_submission_folder_nested_thousands_deep_never_stops_discovery(tmp_path: Path) -> None:
    """Attack class: run-wide failure from one student's folder: discovery walked it with os.walk,
    which recurses once per level (Python 3.11): 1500 nested folders raised RecursionError before
    anyone was graded."""
    folder = tmp_path / "class"
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / f"{ASSIGNMENT}.py").write_text(TRIVIAL)
    _nest(folder / "alice", 1500)
    (folder / "bob.py").write_text(TRIVIAL)
    try:
        found = {s.student: s.path for s in discover([folder], ASSIGNMENT)}
    finally:
        _remove_tree(folder / "alice" / "a")
    assert found == {"alice": str(folder / "alice" / f"{ASSIGNMENT}.py"), "bob": str(folder / "bob.py")}


# --------------------------------------------------------------------------- names that are not text
def test_file_names_that_are_not_utf8_never_stop_the_class(tmp_path: Path) -> None:
    """Attack class: run-wide failure from a file name: names are bytes, and one that is not UTF-8
    reaches Python as lone surrogates; the record's path (and a link's message) then could not be
    written, nor could the crashed record that replaces it, and the batch stopped."""
    folder = tmp_path / "class"
    folder.mkdir()
    os.mkdir(bytes(folder) + b"/al\xffice")
    (Path(os.fsdecode(bytes(folder) + b"/al\xffice")) / f"{ASSIGNMENT}.py").write_text(TRIVIAL)
    os.symlink(bytes(folder) + b"/\xfe", bytes(folder) + b"/m\xfe.py")
    (folder / "zz_other.py").write_text(TRIVIAL)
    try:
        run = grade_class([folder], tmp_path / "out", jobs=1, gradebook="", timeout=5, progress=False)
    except UnicodeError as error:   # reported short: pytest's own report of this error recurses
        pytest.fail(f"the batch stopped: {type(error).__name__}", pytrace=False)
    records = {r["student"]: r for r in run.results["submissions"]}
    assert sorted(r["status"] for r in records.values()) == ["graded", "graded", "unreadable"], records
    assert any("al\\xffice" in r["path"] for r in records.values())
    assert (tmp_path / "out" / "report.html").exists()


def test_a_students_message_in_the_json_files_cannot_drive_a_terminal(tmp_path: Path) -> None:
    """Attack class: terminal injection through the output files an instructor reads with `cat`:
    JSON escapes ESC but wrote the 8-bit C1 controls (U+009B CSI, U+009D OSC) and the bidi overrides
    of a student's exception message raw into results.json and the records."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "evil.py").write_text('def zero_pad(X, pad):\n'
                                    '    raise ValueError("\\x9b2J\\x9d0;pwned\\x9c\\u202eevil")\n')
    run = grade_class([folder], tmp_path / "out", jobs=1, gradebook="", timeout=5, progress=False)
    assert "\x9b2J" in json.dumps(run.results, ensure_ascii=False)  # the message is kept, as text
    for written in (tmp_path / "out" / "results.json", tmp_path / "out" / "records" / "evil.json"):
        text = written.read_text(encoding="utf-8")
        assert not any(c in text for c in "\x9b\x9c\x9d\u202e"), written.name
        assert "\\u009b2J" in text
