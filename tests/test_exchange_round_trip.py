"""The whole nbgrader workflow of a real class, through a real exchange in a temporary folder.

The instructor's course and two students' homes are separate folders that share only the
exchange (`c.Exchange.root`).  The course names its assignment `week4_cnn` and its notebook
`convolution.ipynb` (any names work).  generate_assignment → release_assignment →
fetch_assignment → submit (one correct student, one with a bug) → collect → `cnn-grade grade`
on the course root → generate_feedback → release_feedback → fetch_feedback: each student's
feedback shows their scores and no hidden input or expected value.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from support import REPOSITORY, solutions, submitted_seed, with_bug

from autograder.assignment.cases import cases_for
from autograder.assignment.exercises import FUNCTIONS
from autograder.checking.answers import answer_outputs
from autograder.checking.mistakes import CATALOG
from autograder.nbgrader_env import nbgrader_env

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
COURSE_ID = "cnn-step-by-step"
ASSIGNMENT = "week4_cnn"
NOTEBOOK = "convolution"
STUDENTS = {
    "alice": solutions,
    # The slice corners ignore the stride: conv_forward fails its stride >= 2 cases.
    "bob": lambda: with_bug("conv_forward", "vert_start = h * stride", "vert_start = h"),
}
SCORE_OF_CELL = re.compile(r'href="#test_(\w+)">Test cell</a> \(Score: ([\d.]+) / ([\d.]+)\)')


def run(folder: Path, *command: str) -> str:
    done = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=folder, env=nbgrader_env(),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def config(folder: Path, text: str) -> None:
    (folder / "nbgrader_config.py").write_text(f"c = get_config()\n{text}")


def answer(notebook_path: Path, answers: dict[str, str]) -> None:
    """Write `answers` (by grade_id) into the fetched notebook, as the student does in JupyterLab."""
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    nbformat.write(notebook, notebook_path)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the workflow; per student, the fetched feedback page; and the grader's results.json."""
    tmp = tmp_path_factory.mktemp("exchange-round-trip")
    exchange, course = tmp / "exchange", tmp / "instructor" / "course"
    exchange.mkdir()
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    source = REPOSITORY / "source" / "cnn_step_by_step"
    for path in source.iterdir():
        if path.is_file():
            shutil.copy(path, course / "source" / ASSIGNMENT /
                        (f"{NOTEBOOK}.ipynb" if path.suffix == ".ipynb" else path.name))
    config(course, (REPOSITORY / "nbgrader_config.py").read_text().replace("c = get_config()", "")
           + f"\nc.Exchange.root = {str(exchange)!r}\n")
    run(course, "nbgrader", "generate_assignment", ASSIGNMENT)
    run(course, "nbgrader", "release_assignment", ASSIGNMENT)

    homes = {}
    for student, answers in STUDENTS.items():
        # On a JupyterHub each student is an OS user; here one user plays both, named explicitly.
        home = homes[student] = tmp / student
        home.mkdir()
        config(home, f"c.Exchange.root = {str(exchange)!r}\nc.Exchange.cache = {str(home / '.cache')!r}\n"
                     f"c.CourseDirectory.course_id = {COURSE_ID!r}\nc.CourseDirectory.student_id = {student!r}\n")
        run(home, "nbgrader", "fetch_assignment", ASSIGNMENT)
        answer(home / ASSIGNMENT / f"{NOTEBOOK}.ipynb", answers())
        run(home, "nbgrader", "submit", ASSIGNMENT)

    run(course, "nbgrader", "collect", ASSIGNMENT)
    run(course, "cnn-grade", "grade", str(course), "--out", str(course / "graded"))
    run(course, "nbgrader", "generate_feedback", ASSIGNMENT)
    run(course, "nbgrader", "release_feedback", ASSIGNMENT)
    pages = {}
    for student, home in homes.items():
        run(home, "nbgrader", "fetch_feedback", ASSIGNMENT)
        (page,) = (home / ASSIGNMENT / "feedback").glob(f"*/{NOTEBOOK}.html")
        pages[student] = page.read_text(encoding="utf-8")
    results = json.loads((course / "graded" / "results.json").read_text())
    return {"course": course, "pages": pages, "records": {r["student"]: r for r in results["submissions"]},
            "results": results}


def test_the_grader_scores_the_collected_submissions(round_trip: dict) -> None:
    records = round_trip["records"]
    assert round_trip["results"]["assignment"] == ASSIGNMENT
    assert set(records) == set(STUDENTS)
    assert records["alice"]["score"] == records["alice"]["max_score"] == 18
    failed = {name for name, e in records["bob"]["exercises"].items() if e["status"] != "passed"}
    assert failed == {"conv_forward"}
    assert records["bob"]["score"] < 18


def test_each_student_fetches_feedback_with_their_scores(round_trip: dict) -> None:
    for student, page in round_trip["pages"].items():
        record = round_trip["records"][student]
        assert f"{NOTEBOOK} (Score: {record['score']:.1f} / 18.0)" in page
        shown = {name: float(score) for name, score, _ in SCORE_OF_CELL.findall(page)}
        assert shown == {name: e["score"] for name, e in record["exercises"].items()}


def hidden_numbers(seed: int) -> set[str]:
    """The first numbers of every hidden input and expected output for `seed`, as a page would show them."""
    numbers = set()
    for exercise in FUNCTIONS:
        for case in cases_for(exercise, seed):
            if case.kind != "hidden":
                continue
            arrays = [a for a in case.args if isinstance(a, np.ndarray)]
            arrays += list(answer_outputs(exercise, case.args, case.kwargs).values())
            numbers |= {f"{v:.5f}" for a in arrays for v in np.ravel(a).astype(float)[:5] if abs(v) > 1e-3}
    return numbers


def test_no_hidden_input_or_expected_value_reaches_the_feedback(round_trip: dict) -> None:
    for student, page in round_trip["pages"].items():
        numbers = hidden_numbers(submitted_seed(round_trip["course"], student))
        assert len(numbers) > 50
        assert not [n for n in numbers if n in page], student


def test_the_feedback_shows_the_hints(round_trip: dict) -> None:
    named = round_trip["records"]["bob"]["exercises"]["conv_forward"]["diagnosis"]
    assert named == ["slice corners ignore the stride"]
    # A mistake's variants (one corner or both) share its name and hint.
    (hint,) = {m.hint for m in CATALOG if m.exercise == "conv_forward" and m.name == named[0]}
    page = round_trip["pages"]["bob"]
    assert html.escape(named[0], quote=False) in page and html.escape(hint, quote=False) in page
