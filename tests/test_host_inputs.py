"""What a student hands in besides the graded code is hostile input to the host (nbgrader's
timestamp.txt and submission_secret.txt, other files beside the notebook, the notebook's file
name), and every host-side step after grading runs per student in its own guard
(results.host_steps): a failure injected into any one step for one student costs that student that
step only, is said in their results.json entry and the run's warnings, and every other student is
complete everywhere (records, results.json, grades.csv, gradebook, autograded/, feedback pages,
`nbgrader generate_feedback`)."""
from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbgrader.api import Gradebook
from support import ASSIGNMENT, nbgrader, released_course, solutions, submission, with_bug

from autograder.grading import grade_class as grade_class_module
from autograder.grading.grade_class import grade_class
from autograder.results import gradebook as gradebook_module
from autograder.results.reports import grades_csv as grades_csv_module, write as write_module
from autograder.results.timestamp import parse_timestamp

pytestmark = pytest.mark.slow

HONEST_TIME = "2026-12-01 10:00:00.123456 UTC"
SECRET = "ab" * 64
SCRIPT = "<script>alert('from the student')</script>"
OURS = [f"{ASSIGNMENT}.ipynb", "submission_secret.txt", "timestamp.txt"]


def _hand_in(course: Path, student: str, answers: dict[str, str], *, name: str = f"{ASSIGNMENT}.ipynb",
             timestamp: str | None = HONEST_TIME, secret: str | None = SECRET) -> Path:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nb = submission(answers)
    nb.cells[0].source += f"\n# handed in by {student}"   # each student's bytes are their own
    nbformat.write(nb, folder / name)
    if timestamp is not None:
        (folder / "timestamp.txt").write_text(timestamp)
    if secret is not None:
        (folder / "submission_secret.txt").write_text(secret)
    return folder


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course root with the release generated (its gradebook knows every cell of the notebook)."""
    return released_course(tmp_path_factory.mktemp("released"))


def _course(released: Path, tmp_path: Path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(released, course)
    return course


def _feedback_pages(course: Path) -> dict[str, str]:
    return {page.parts[-3]: page.read_text(encoding="utf-8")
            for page in (course / "feedback").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.html")}


def test_a_hostile_class_gets_grades_autograded_folders_and_nbgrader_feedback(released: Path, tmp_path: Path) -> None:
    course = _course(released, tmp_path)
    _hand_in(course, "alice", solutions())
    # A time zone that is a path (a date library opens it), beside a second notebook with live markup.
    folder = _hand_in(course, "mallory_tz", solutions(), timestamp="2026-12-01 10:00:00 /etc/passwd")
    notes = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": SCRIPT, "application/javascript": "alert(1)"})])])
    nbformat.write(notes, folder / "notes.ipynb")
    (folder / "page.html").write_text(SCRIPT)
    # The graded notebook under another name; timestamp.txt a link to a secret; no submission secret.
    folder = _hand_in(course, "mallory_name", solutions(), name="my_work.ipynb", timestamp=None, secret=None)
    (folder / "timestamp.txt").symlink_to("/etc/shadow")
    # A timestamp of 10 MB, a secret that is a path, a folder of the student's own.
    folder = _hand_in(course, "mallory_big", with_bug("conv_forward", "vert_start = h * stride", "vert_start = h"),
                      timestamp="2026-12-01 10:00:00" + " " * 10_000_000, secret="../../../etc/passwd")
    (folder / "extra").mkdir()
    (folder / "extra" / "x.ipynb").write_text(SCRIPT)
    students = ["alice", "mallory_big", "mallory_name", "mallory_tz"]

    run = grade_class([course], tmp_path / "out", jobs=1)
    assert sorted(r["student"] for r in run.results["submissions"]) == students
    assert all(r["status"] == "graded" and "host_failures" not in r for r in run.results["submissions"])
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        graded = {s.student.id: s for s in gradebook.assignment_submissions(ASSIGNMENT)}
        assert sorted(graded) == students and all(graded[s].score > 0 for s in students)
        assert graded["alice"].timestamp == parse_timestamp(HONEST_TIME)
        assert graded["mallory_tz"].timestamp is None and graded["mallory_big"].timestamp is None
    for student in students:
        autograded = course / "autograded" / student / ASSIGNMENT
        assert sorted(p.name for p in autograded.iterdir()) == OURS
        secret = (autograded / "submission_secret.txt").read_text()
        assert secret == SECRET if student in ("alice", "mallory_tz") else len(secret) == 128 and secret != SECRET
    assert (
        course / "autograded" / "alice" / ASSIGNMENT / "timestamp.txt"
    ).read_text() == "2026-12-01 10:00:00.123456 UTC"
    assert (course / "autograded" / "mallory_tz" / ASSIGNMENT / "timestamp.txt").read_text() == ""

    nbgrader(course, "generate_feedback", ASSIGNMENT)
    pages = _feedback_pages(course)
    assert sorted(pages) == students
    assert not [s for s, page in pages.items() if "alert(" in page]
    assert sorted(p.name for p in (course / "feedback" / "mallory_tz" / ASSIGNMENT).iterdir()) == [
        f"{ASSIGNMENT}.html",
        "submission_secret.txt",
        "timestamp.txt",
    ]


def _fails_for(student: str, original: Callable[..., Any], *, record_at: int) -> Callable[..., Any]:
    """`original`, raising when argument `record_at` is `student`'s record (or bytes handed in by them)."""

    def injected(*args: Any, **kwargs: Any) -> Any:
        argument = args[record_at]
        mine = (
            argument.student == student
            if hasattr(argument, "student")
            else f"handed in by {student}".encode() in argument
        )
        if mine:
            raise RuntimeError(f"injected failure for {student}")
        return original(*args, **kwargs)

    return injected


# Each host-side step after grading: where it is injected (module, function, which argument says
# whose it is) and what the student it failed for lacks afterwards.
STEPS = {
    "similarity": (grade_class_module, "load_cells", 0),
    "gradebook": (gradebook_module, "_write_one", 1),
    "autograded notebook": (gradebook_module, "write_autograded_notebook", 2),
    "feedback page": (write_module, "feedback_html", 0),
    "grades.csv": (grades_csv_module, "_row", 0),
}


@pytest.mark.parametrize("step", STEPS)
def test_a_failure_in_one_host_step_costs_one_student_that_step_only(
    released: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    course = _course(released, tmp_path)
    for student in ("alice", "bob", "carol"):
        _hand_in(
            course,
            student,
            solutions() if student != "carol" else with_bug("zero_pad", "(pad, pad), (pad, pad)", "(pad, pad), (0, 0)"),
        )
    module, function, record_at = STEPS[step]
    monkeypatch.setattr(module, function, _fails_for("bob", getattr(module, function), record_at=record_at))

    out = tmp_path / "out"
    run = grade_class([course], out, jobs=1)
    said = {"gradebook": "gradebook", "autograded notebook": "gradebook"}.get(step, step)
    assert [w for w in run.warnings if "injected failure" in w] == [
        f"the {said} step failed for bob (their other results are written; re-run to try again): "
        f"RuntimeError: injected failure for bob"
    ]
    entries = {r["student"]: r for r in json.loads((out / "results.json").read_text())["submissions"]}
    assert entries["bob"]["host_failures"] == {said: "RuntimeError: injected failure for bob"}
    assert "host_failures" not in entries["alice"] and "host_failures" not in entries["carol"]
    assert sorted(p.stem for p in (out / "records").glob("*.json")) == ["alice", "bob", "carol"]
    others = ["alice", "carol"]
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}
    assert sorted(rows) == (others if step == "grades.csv" else ["alice", "bob", "carol"])
    assert rows["alice"]["score"] == "18" and float(rows["carol"]["score"]) < 18
    pages = sorted(p.stem for p in (out / "feedback").glob("*.html"))
    assert pages == (others if step == "feedback page" else ["alice", "bob", "carol"])
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s.student.id: s.score for s in gradebook.assignment_submissions(ASSIGNMENT)}
    assert scores["alice"] == 18 and 0 < scores["carol"] < 18
    assert ("bob" in scores and scores["bob"] > 0) == (said != "gradebook")
    for student in others:
        assert sorted(p.name for p in (course / "autograded" / student / ASSIGNMENT).iterdir()) == OURS
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    assert set(others) <= set(_feedback_pages(course))
