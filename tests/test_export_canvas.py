"""`cnn-grade export canvas`: a Canvas gradebook import built from the instructor's Canvas export
(tests/data/canvas_export.csv: five students and Canvas's test student, one of them with a
formula for a name), for a graded class with a student missing from the roster and roster
students without a submission."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from autograder.assignment.exercises import EXERCISES
from autograder.checking.result import ExerciseResult, ExerciseStatus
from autograder.cli import main
from autograder.results.record import Details, SubmissionRecord, SubmissionStatus, all_exercises
from autograder.results.reports.grades_csv import grades_csv
from autograder.results.spreadsheet import FORMULA_START
from autograder.results.store import results, write_json_atomic

ROSTER = Path(__file__).parent / "data" / "canvas_export.csv"
COLUMN = "Week 4: CNN step by step (48213)"
IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def record(student: str, failed: set[str] = frozenset()) -> SubmissionRecord:
    """A graded record: full marks but for the `failed` exercises."""
    def result(name: str) -> ExerciseResult:
        points = EXERCISES[name].points
        return ExerciseResult(0.0 if name in failed else points, points,
                              ExerciseStatus.FAILED if name in failed else ExerciseStatus.PASSED, "", [], name)
    return SubmissionRecord(student, f"{student}.ipynb", SubmissionStatus.GRADED, "", all_exercises(result), Details())


@pytest.fixture
def graded(tmp_path: Path) -> Path:
    """A graded class: ada (18 = 10 + 8), bob (10 + 0: no extra credit), dan (6 + 8) and zed, not in the roster."""
    records = [record("ada"), record("bob", {n for n, e in EXERCISES.items() if e.optional}),
               record("dan", {"conv_forward"}), record("zed")]
    write_json_atomic(results(records, "week4_cnn", "fingerprint"), tmp_path / "graded" / "results.json")
    return tmp_path / "graded"


def export(graded: Path, *options: str) -> list[list[str]]:
    out = graded.parent / "canvas_import.csv"
    assert main(["export", "canvas", "--graded", str(graded), "--roster", str(ROSTER), "--out", str(out),
                 *options]) == 0
    return list(csv.reader(io.StringIO(out.read_text())))


def test_one_column_holds_required_plus_extra_credit(graded: Path, capsys: pytest.CaptureFixture) -> None:
    rows = export(graded)
    assert rows[0] == [*IDENTITY, COLUMN]
    assert rows[1] == ["    Points Possible", "", "", "", "", "10"]
    by_id = {row[1]: row for row in rows[2:]}
    assert list(by_id) == ["1101", "1102", "1103", "1104", "1199"]          # the roster's order, all of it
    assert by_id["1101"][:5] == ["Lovelace, Ada", "1101", "S001", "ada", "CS 231 - A"]
    assert by_id["1101"][5] == "18"
    assert by_id["1102"][5] == "10"            # matched on the email's part before the @, case aside
    assert by_id["1104"][5] == "14"
    assert by_id["1103"][5] == "" and by_id["1199"][5] == ""    # no submission: empty, not 0
    err = capsys.readouterr().err
    assert "1 submission(s) have no row in the roster" in err and "zed" in err
    assert "no submission (cell left empty): carol" in err


def test_one_column_per_part(graded: Path) -> None:
    rows = export(graded, "--column", COLUMN, "--extra-column", "Quiz 1 (48100)")
    assert rows[0] == [*IDENTITY, COLUMN, "Quiz 1 (48100)"]
    assert rows[1][5:] == ["10", "8"]
    assert {row[3]: row[5:] for row in rows[2:]}["ada"] == ["10", "8"]


def test_no_cell_is_a_formula(graded: Path) -> None:
    rows = export(graded)
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in cells and "'@SUM(A1)" in cells


def test_an_unknown_column_or_an_ambiguous_default_is_an_error_listing_the_columns(
        graded: Path, capsys: pytest.CaptureFixture) -> None:
    out = str(graded.parent / "x.csv")
    assert main(["export", "canvas", "--graded", str(graded), "--roster", str(ROSTER), "--out", out,
                 "--column", "CNN (1)"]) == 2
    assert f"its assignment columns are: {COLUMN}, Quiz 1 (48100)" in capsys.readouterr().err
    assert main(["export", "canvas", "--graded", str(graded), "--roster", str(ROSTER), "--out", out,
                 "--match", "Email"]) == 2
    assert not Path(out).exists()


def test_points_possible_of_canvas_that_differ_from_ours_are_a_warning(
        graded: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER.read_text().replace(",10.00,5.00,", ",100.00,5.00,"))
    assert main(["export", "canvas", "--graded", str(graded), "--roster", str(roster),
                 "--out", str(tmp_path / "x.csv")]) == 0
    assert (
        f"'{COLUMN}' has 100.00 points possible in Canvas, cnn-grade's scores are out of 10" in capsys.readouterr().err
    )


def test_the_plain_per_exercise_csv_is_safe_too() -> None:
    # grades.csv, for other platforms: a student id may start with + - @ (discover keeps them).
    rows = list(csv.DictReader(io.StringIO(grades_csv([record("@alice"), record("-2+3", {"zero_pad"})]))))
    assert [row["student"] for row in rows] == ["'@alice", "'-2+3"]
    assert [row["zero_pad"] for row in rows] == ["1", "0"] and set(EXERCISES) <= set(rows[0])


def test_ids_that_differ_only_in_case_are_never_merged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "Ada" and "ada" are two submissions (two folders under submitted/): the roster's "ada" names
    # neither one alone, so its cell stays empty and the export says why; everyone else is exported.
    records = [record("ada"), record("Ada", {"conv_forward"}), record("carol")]
    write_json_atomic(results(records, "week4_cnn", "fingerprint"), tmp_path / "graded" / "results.json")
    out = tmp_path / "canvas_import.csv"
    assert (
        main(["export", "canvas", "--graded", str(tmp_path / "graded"), "--roster", str(ROSTER), "--out", str(out)])
        == 0
    )
    rows = {row["SIS Login ID"]: row for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    column = next(c for c in rows["ada"] if "CNN" in c)
    assert rows["ada"][column] == "" and rows["carol"][column] != ""
    assert "'ada' could mean any of Ada, ada: its cell is left empty" in capsys.readouterr().err
