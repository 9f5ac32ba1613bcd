"""Resumable and loss-free: kill a real run mid-way, re-run, and nothing is lost, duplicated or regraded."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from autograder.cli import main

# Each test here runs real nbgrader, kernels or sandboxes for several seconds.
pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[1]
SOLUTIONS = (REPOSITORY / "cnn_reference" / "notebook_solutions.py").read_text()
STUDENTS = [f"s{n:02d}" for n in range(8)]


def _records(out: Path) -> dict[str, float]:
    return {p.stem: p.stat().st_mtime_ns for p in (out / "records").glob("*.json")}


def test_kill_mid_run_then_resume_and_regrade_one_student(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for n, student in enumerate(STUDENTS):
        (folder / f"{student}.py").write_text(f"# {student}\n" + SOLUTIONS + f"\nPADDING = {n}\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out), "--jobs", "1"]
    grader = subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        while len(_records(out)) < 2 and grader.poll() is None:
            time.sleep(0.05)
        descendants = psutil.Process(grader.pid).children(recursive=True)
        os.killpg(grader.pid, signal.SIGKILL)
    finally:
        grader.wait()
    before = _records(out)
    assert 2 <= len(before) < len(STUDENTS), "the run was not interrupted mid-way"
    assert not (out / "results.json").exists()
    # bubblewrap's --die-with-parent takes the sandbox down with the killed grader.
    psutil.wait_procs(descendants, timeout=10)
    assert not [p for p in descendants if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]

    assert main(["grade", str(folder), "--out", str(out), "--jobs", "2"]) == 0
    after = _records(out)
    assert sorted(after) == STUDENTS
    assert {s: after[s] for s in before} == before          # nothing already graded was regraded
    results = json.loads((out / "results.json").read_text())
    assert [r["student"] for r in results["submissions"]] == STUDENTS
    assert all(r["score"] == r["max_score"] - 1 for r in results["submissions"])   # no padding figure in a .py
    assert not [p for p in (out / "records").iterdir() if p.suffix != ".json"]   # no half-written files

    # A changed submission: only that student is regraded (by id, or by passing just its file).
    (folder / "s03.py").write_text(SOLUTIONS.replace("vert_start = h * stride", "vert_start = h"))
    assert main(["grade", str(folder), "--out", str(out), "--student", "s03"]) == 0
    again = _records(out)
    assert [s for s in STUDENTS if again[s] != after[s]] == ["s03"]
    results = json.loads((out / "results.json").read_text())
    s03 = next(r for r in results["submissions"] if r["student"] == "s03")
    assert s03["exercises"]["conv_forward"]["status"] == "failed" and len(results["submissions"]) == len(STUDENTS)
    assert main(["grade", str(folder / "s05.py"), "--out", str(out)]) == 0
    assert _records(out) == again                             # up to date: nothing regraded


def test_a_changed_hidden_case_or_hint_regrades_everyone(tmp_path: Path, monkeypatch) -> None:
    """The resume key covers what a result depends on besides the bytes: no version to bump by hand."""
    from dataclasses import replace

    from autograder.assignment.cases import hidden
    from autograder.checking import mistakes

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.py").write_text(SOLUTIONS)
    (folder / "ben.py").write_text(SOLUTIONS.replace("vert_start = h * stride", "vert_start = h"))
    out = tmp_path / "out"
    # A generous time limit: on a loaded machine a timeout would replace the hint this test looks for.
    command = ["grade", str(folder), "--out", str(out), "--sandbox", "rlimit", "--jobs", "2", "--timeout", "60"]
    assert main(command) == 0
    first = _records(out)
    assert main(command) == 0 and _records(out) == first     # nothing changed: nothing regraded

    monkeypatch.setattr(hidden, "CONV_GEOMETRIES", hidden.CONV_GEOMETRIES[:-1])
    assert main(command) == 0
    second = _records(out)
    assert all(second[s] != first[s] for s in first)          # a hidden case changed: both regraded

    monkeypatch.setattr(mistakes, "CATALOG", tuple(replace(m, hint=m.hint + " (reworded)") for m in mistakes.CATALOG))
    assert main(command) == 0
    third = _records(out)
    assert all(third[s] != second[s] for s in second)         # a hint changed: both regraded
    ben = json.loads((out / "records" / "ben.json").read_text())
    assert "(reworded)" in ben["exercises"]["conv_forward"]["feedback"], ben["exercises"]["conv_forward"]
