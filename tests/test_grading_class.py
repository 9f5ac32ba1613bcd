"""A class graded end to end through `cnn-grade grade`: results.json, CSV, feedback, report, gradebook."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import submitted_seed

from autograder.assignment.cases import cases_for
from autograder.assignment.exercises import EXERCISES
from autograder.cli import main
from autograder.nbgrader_env import nbgrader_env
from autograder.results.record import SubmissionRecord
from tools.demo import EXAMPLES, example_bytes, summary_table

# Each test here runs real nbgrader, kernels or sandboxes for several seconds.
pytestmark = pytest.mark.slow

# A subset of the bundled class that covers every status (the hostile ones are in test_grading_sandbox).
CLASS = ["ada_correct", "bob_ignores_stride", "carol_2017_version", "dan_script", "eve_infinite_loop",
         "grace_imports_answer_key", "oscar_syntax_error", "peggy_empty", "trent_truncated", "walter_no_functions"]
XSS = "def zero_pad(X, pad):\n    raise ValueError('<script>alert(1)</script>')\n"
EXERCISE_KEYS = {"score", "max_score", "status", "feedback", "diagnosis"}
SUBMITTED_AT = "2026-11-02 09:30:00.000000 UTC"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    course = tmp_path_factory.mktemp("course")
    for example in sorted(EXAMPLES.iterdir()):
        if example.stem in CLASS:
            folder = course / "submitted" / example.stem / "cnn_step_by_step"
            folder.mkdir(parents=True)
            (folder / f"cnn_step_by_step{example.suffix}").write_bytes(example_bytes(example))
    # As `nbgrader collect` leaves it: formgrader compares this with the gradebook's timestamp.
    (course / "submitted" / "ada_correct" / "cnn_step_by_step" / "timestamp.txt").write_text(SUBMITTED_AT)
    xss = course / "submitted" / "xavier" / "cnn_step_by_step"
    xss.mkdir(parents=True)
    (xss / "cnn_step_by_step.py").write_text(XSS)
    out = course / "graded"
    assert main(["grade", str(course), "--out", str(out), "--timeout", "2", "--jobs", "2"]) == 0
    return course, out, json.loads((out / "results.json").read_text())


def test_results_json_schema(graded: tuple[Path, Path, dict]) -> None:
    _, _, results = graded
    assert results["version"] == 2 and results["assignment"] == "cnn_step_by_step"
    students = [s["student"] for s in results["submissions"]]
    assert students == sorted([*CLASS, "xavier"])
    for record in results["submissions"]:
        assert {"student", "path", "score", "max_score", "status", "message", "exercises"} <= set(record)
        assert record["status"] in ("graded", "unreadable", "crashed")
        assert set(record["exercises"]) == set(EXERCISES)
        for result in record["exercises"].values():
            assert set(result) == EXERCISE_KEYS
            assert result["status"] in ("passed", "failed", "error", "timeout", "missing", "unanswered")
        assert record["score"] == sum(e["score"] for e in record["exercises"].values())
    by = {r["student"]: r for r in results["submissions"]}
    assert by["ada_correct"]["score"] == by["ada_correct"]["max_score"] == 18
    assert by["bob_ignores_stride"]["exercises"]["conv_forward"]["status"] == "failed"
    assert by["carol_2017_version"]["exercises"]["padding_figure"]["status"] == "passed"   # nbformat 3, magics
    assert by["carol_2017_version"]["exercises"]["pool_forward"]["status"] == "failed"
    assert by["dan_script"]["exercises"]["conv_single_step"]["status"] == "error"
    assert by["eve_infinite_loop"]["exercises"]["conv_forward"]["status"] == "timeout"
    assert by["eve_infinite_loop"]["exercises"]["pool_forward"]["status"] == "passed"
    assert "answer key" in by["grace_imports_answer_key"]["message"]
    assert [r["status"] for r in (by["peggy_empty"], by["trent_truncated"], by["walter_no_functions"])] == [
        "unreadable"
    ] * 3


def test_grades_csv_matches_results(graded: tuple[Path, Path, dict]) -> None:
    _, out, results = graded
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))
    assert [r["student"] for r in rows] == [s["student"] for s in results["submissions"]]
    for row, record in zip(rows, results["submissions"]):
        assert float(row["score"]) == record["score"]
        assert all(float(row[n]) == record["exercises"][n]["score"] for n in EXERCISES)
        # The optional part is extra credit, reported apart from the required score.
        required = sum(record["exercises"][n]["score"] for n, e in EXERCISES.items() if not e.optional)
        assert float(row["required (of 10)"]) == required
        assert float(row["required (of 10)"]) + float(row["extra (of 8)"]) == record["score"]
    ada = next(r for r in rows if r["student"] == "ada_correct")
    assert (ada["required (of 10)"], ada["extra (of 8)"]) == ("10", "8")


def test_feedback_pages_escape_and_hide_hidden_inputs(graded: tuple[Path, Path, dict]) -> None:
    course, out, results = graded
    for record in results["submissions"]:
        assert (out / "feedback" / f"{record['student']}.html").exists()
    page = (out / "feedback" / "xavier.html").read_text()
    assert "&lt;script&gt;" in page and "<script>" not in page
    bob = (out / "feedback" / "bob_ignores_stride.html").read_text()
    assert "conv_forward" in bob and "stride" in bob
    hidden = [c for c in cases_for("conv_forward", submitted_seed(course, "bob_ignores_stride")) if c.kind == "hidden"]
    for case in hidden:
        for value in case.args[0].ravel()[:5]:
            assert f"{value:.5f}" not in bob


def test_feedback_page_reports_required_and_extra_apart(graded: tuple[Path, Path, dict]) -> None:
    page = (graded[1] / "feedback" / "ada_correct.html").read_text()
    assert "Required part: 10 / 10" in page and "optional part (extra credit): 8 / 8" in page


def test_class_report(graded: tuple[Path, Path, dict]) -> None:
    _, out, _ = graded
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 2
    assert "grace_imports_answer_key" in report and "Warning" not in report
    assert "<script>" not in report


def test_gradebook_round_trip_through_nbgrader_export(graded: tuple[Path, Path, dict]) -> None:
    course, _, results = graded
    env = nbgrader_env()
    subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), "export", "--to", "exported.csv"],
        cwd=course,
        env=env,
        check=True,
        capture_output=True,
    )
    exported = {r["student_id"]: r for r in csv.DictReader(io.StringIO((course / "exported.csv").read_text()))}
    assert set(exported) == {r["student"] for r in results["submissions"]}
    for record in results["submissions"]:
        assert float(exported[record["student"]]["raw_score"]) == record["score"]
        assert float(exported[record["student"]]["max_score"]) == 18


def test_formgrader_sees_every_submission_as_autograded(graded: tuple[Path, Path, dict]) -> None:
    # NbGraderAPI is what formgrader's pages call: its per-student view shows a score only for
    # submissions it counts as autograded (folder in autograded/, timestamps equal).
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    course, _, results = graded
    api = NbGraderAPI(coursedir=CourseDirectory(root=str(course)))
    assert api.get_autograded_students("cnn_step_by_step") == {r["student"] for r in results["submissions"]}
    for record in results["submissions"]:
        submission = api.get_submission("cnn_step_by_step", record["student"])
        assert submission["autograded"] and submission["score"] == record["score"], submission
    assert api.get_submission("cnn_step_by_step", "ada_correct")["timestamp"] is not None


def test_summary_table_lists_every_student(graded: tuple[Path, Path, dict]) -> None:
    table = summary_table([SubmissionRecord.from_json(r) for r in graded[2]["submissions"]])
    assert all(student in table for student in CLASS)


def test_zip_input_and_single_student(tmp_path: Path, graded: tuple[Path, Path, dict]) -> None:
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("dan_script.py", example_bytes(EXAMPLES / "dan_script.py"))
        z.writestr("xavier.py", XSS)
    out = tmp_path / "out"
    assert main(["grade", str(archive), "--out", str(out), "--student", "xavier"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert [r["student"] for r in results["submissions"]] == ["xavier"]
    assert results["submissions"][0]["path"].endswith("class.zip:xavier.py")


@pytest.mark.parametrize("command", [[], ["grade"], ["export"], ["export", "canvas"]])
def test_help_on_every_subcommand(command: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: cnn-grade" in capsys.readouterr().out


def test_exit_codes_when_the_grader_cannot_run(tmp_path: Path) -> None:
    assert main(["grade", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["grade", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 3
    with pytest.raises(SystemExit) as exit_:
        main(["grade", str(tmp_path), "--out", str(tmp_path / "out"), "--timeout", "-1"])
    assert exit_.value.code == 2


def test_rlimit_fallback_is_announced_in_results_and_report(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "dan.py").write_bytes(example_bytes(EXAMPLES / "dan_script.py"))
    out = tmp_path / "out"
    assert main(["grade", str(tmp_path / "dan.py"), "--out", str(out), "--sandbox", "rlimit"]) == 0
    assert "without bubblewrap" in capsys.readouterr().err
    results = json.loads((out / "results.json").read_text())
    assert "resource limits only" in results["sandbox_warning"]
    assert results["submissions"][0]["details"]["sandbox"] == "rlimit"
    assert results["submissions"][0]["exercises"]["conv_forward"]["status"] == "passed"
    assert "resource limits only" in (out / "report.html").read_text()
