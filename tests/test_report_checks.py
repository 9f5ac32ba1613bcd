"""report.html shows the "Check my work" history when the course root has a checks database: a
real database (CheckStore, the service's own, filled with the real Grader's records), then a real
`cnn-grade grade` of the course."""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPOSITORY, SOLUTIONS, course_of, notebook

from autograder import Grader
from autograder.assignment.exercises import EXERCISES
from autograder.results.checks import CHECKS_FILE, CheckStore

pytestmark = pytest.mark.slow

BUGGY_POOL = SOLUTIONS.replace("A[i, h, w, c] = np.mean(a_prev_slice)", "A[i, h, w, c] = np.max(a_prev_slice)")
# alice checks a notebook with nothing answered, then the solutions; bob checks a buggy pool_forward once.
CHECKED = [("alice", notebook("x = 1")), ("bob", notebook(BUGGY_POOL)), ("alice", notebook(SOLUTIONS))]


def cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh]>(.*?)</t[dh]>", row, re.DOTALL)]


def test_the_class_report_shows_the_check_history(tmp_path: Path) -> None:
    course = course_of(tmp_path / "course", {"alice": [SOLUTIONS], "bob": [BUGGY_POOL]})
    store = CheckStore(f"sqlite:///{course / CHECKS_FILE}")
    with Grader(slots=1) as grader:
        for student, data in CHECKED:
            number = store.start(student, hashlib.sha256(data).hexdigest(), grader.key(data, student))
            store.finish(number, grader.grade(data, student=student, filename="cnn_step_by_step.ipynb"))
    store.close()
    out = tmp_path / "graded"
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(course), "--out", str(out), "--gradebook", ""],
                   cwd=REPOSITORY, check=True, capture_output=True)
    report = (out / "report.html").read_text(encoding="utf-8")
    section = report[report.index("<h2>Check my work</h2>"):]
    section = section[:section.index("<h2>", 5)]
    assert "3 checks by 2 students" in section
    tables = re.findall(r"<table.*?</table>", section, re.DOTALL)
    students = [cells(row) for row in re.findall(r"<tr>.*?</tr>", tables[0], re.DOTALL)[1:]]
    assert [row[:2] for row in students] == [["alice", "2"], ["bob", "1"]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when) for row in students for when in row[2:])
    header, *rounds = [cells(row) for row in re.findall(r"<tr>.*?</tr>", tables[1], re.DOTALL)]
    assert header == ["Check", "Students", *EXERCISES]
    rates = [dict(zip(header, row, strict=True)) for row in rounds]
    # First checks: alice's empty notebook and bob's; second: alice's solutions only.
    assert [(r["Check"], r["Students"]) for r in rates] == [("1", "2"), ("2", "1")]
    assert (rates[0]["zero_pad"], rates[0]["pool_forward"]) == ("50%", "0%")
    assert (rates[1]["zero_pad"], rates[1]["pool_forward"]) == ("100%", "100%")


def test_without_a_checks_database_the_report_says_nothing_of_checks(tmp_path: Path) -> None:
    course = course_of(tmp_path / "course", {"alice": [SOLUTIONS]})
    out = tmp_path / "graded"
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(course), "--out", str(out), "--gradebook", ""],
                   cwd=REPOSITORY, check=True, capture_output=True)
    assert "Check my work" not in (out / "report.html").read_text(encoding="utf-8")
