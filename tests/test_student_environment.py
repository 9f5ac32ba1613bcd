"""The student side, as a student has it: a fresh virtual environment with only the release's
requirements.txt and a copy of the release folder, nothing of this repository.  There the answer
key and the hidden cases can be neither imported nor found on disk, the release runs top to
bottom, the grading cells fall back to the visible cases, and nbgrader's Validate lists exactly
the exercises not done yet (unanswered or failing a visible case)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from support import REPOSITORY, solutions, submission, with_bug

from autograder.assignment.exercises import EXERCISES

pytestmark = pytest.mark.slow

RELEASE = REPOSITORY / "release" / "cnn_step_by_step"
NOTEBOOK = "cnn_step_by_step.ipynb"
# Files of the answer key and of the hidden cases, by name, and lines only they hold.
SECRET_FILES = {"cnn_reference", "autograder", "notebook_solutions.py", "hidden.py", "expected.h5", "release.json"}
SECRET_TEXT = ["def hidden_cases", "CONV_GEOMETRIES", "def seed_for"]
TEXT_SUFFIXES = {".py", ".ipynb", ".json", ".txt", ".cfg", ".toml", ".pth"}


def student_copy(tmp_path: Path, folder: str = "home") -> Path:
    """The release folder copied where a student keeps it."""
    return Path(shutil.copytree(RELEASE, tmp_path / folder / "cnn_step_by_step",
                                ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")))


def run(python: Path, folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), *args], cwd=folder, capture_output=True, text=True, timeout=900)


def execute(python: Path, folder: Path, notebook: nbformat.NotebookNode, allow_errors: bool) -> nbformat.NotebookNode:
    """`notebook` run top to bottom in `folder` by the student environment's own Jupyter (nbconvert)."""
    nbformat.write(notebook, folder / NOTEBOOK)
    done = run(python, folder, "-m", "nbconvert", "--to", "notebook", "--execute", "--output", "ran.ipynb",
               *(["--allow-errors"] if allow_errors else []), NOTEBOOK)
    assert done.returncode == 0, done.stderr[-3000:]
    return nbformat.read(folder / "ran.ipynb", as_version=4)


def errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]


def grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def test_the_answer_key_and_the_hidden_cases_cannot_be_imported(student_python: Path, tmp_path: Path) -> None:
    folder = student_copy(tmp_path)
    done = run(student_python, folder, "-c", "import importlib.util as u; "
               "print([n for n in ('cnn_reference', 'autograder', 'tools') if u.find_spec(n)])")
    assert done.stdout.strip() == "[]", done.stderr
    installed = run(student_python, folder, "-m", "pip", "list", "--format=freeze").stdout.lower()
    assert "cnn-step-by-step" not in installed and "cnn_step_by_step" not in installed
    assert "numpy==" in installed and "nbgrader==" in installed


def test_the_answer_key_and_the_hidden_cases_are_nowhere_on_disk(student_python: Path, tmp_path: Path) -> None:
    folder = student_copy(tmp_path)
    venv = student_python.parent.parent
    lines = {line.strip() for source in solutions().values() for line in source.splitlines()}
    secret_lines = [line for line in lines if len(line) > 30 and not line.startswith(("#", '"""', "def "))
                    and "CODE HERE" not in line and line not in RELEASE.joinpath(NOTEBOOK).read_text()]
    assert len(secret_lines) > 20
    for root in (venv, folder):
        for path in root.rglob("*"):
            assert not SECRET_FILES & set(path.relative_to(root).parts), path
            if path.suffix in TEXT_SUFFIXES and path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                assert not [s for s in SECRET_TEXT + secret_lines if s in text], path


def test_the_solved_release_runs_top_to_bottom_and_its_grading_cells_check_the_visible_cases(
        student_python: Path, tmp_path: Path) -> None:
    ran = execute(student_python, student_copy(tmp_path), submission(solutions()), allow_errors=False)
    grading = [c for c in ran.cells if grade_id(c).startswith("test_")]
    assert len(grading) == len(EXERCISES)
    for cell in grading:
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert "the visible cases pass; the hidden cases and the points come when your instructor grades" in text
        assert not [o for o in cell.outputs if o.output_type == "execute_result"]


# The figures of the release, by the call that draws them, and those that need an answered exercise.
FIGURES = ("show_matrices", "show_photograph_edges", "draw_windows", "draw_volume_convolution", "draw_pooling",
           "draw_lenet5", "plt.subplots(1, 2)")


def figures_drawn(ran: nbformat.NotebookNode) -> set[str]:
    drawn = "\n".join(c.source for c in ran.cells if c.cell_type == "code"
                      and any("image/png" in o.get("data", {}) for o in c.outputs))
    return {figure for figure in FIGURES if figure in drawn}


def test_the_untouched_release_runs_to_the_end_and_its_grading_cells_fail_in_one_line(
        student_python: Path, tmp_path: Path) -> None:
    release = nbformat.read(RELEASE / NOTEBOOK, as_version=4)
    ran = execute(student_python, student_copy(tmp_path), release, allow_errors=False)
    assert all(c.get("execution_count") for c in ran.cells if c.cell_type == "code")
    assert figures_drawn(ran) == set(FIGURES) - {"plt.subplots(1, 2)"}  # the padding figure needs zero_pad
    for cell in ran.cells:
        failed = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if grade_id(cell).startswith("test_"):
            name = grade_id(cell)[len("test_"):]
            (error,) = failed
            # One line, no traceback of the plumbing; still an error output, which nbgrader counts as failed.
            assert error.ename == "CheckFailed" and error.traceback == [error.evalue]
            assert error.evalue.startswith(f"FAIL: {name}: ")
            assert "not answered yet" in error.evalue or "not drawn yet" in error.evalue
        else:
            assert not failed, cell.source
    torch_cell = next(c for c in ran.cells if "import torch" in c.source)
    assert "PyTorch is not installed" in torch_cell.outputs[0].text


def test_a_half_done_release_runs_to_the_end(student_python: Path, tmp_path: Path) -> None:
    required = {name for name, e in EXERCISES.items() if not e.optional and e.is_function}
    answers = {name: s for name, s in solutions().items() if name in required}
    ran = execute(student_python, student_copy(tmp_path), submission(answers), allow_errors=False)
    assert figures_drawn(ran) == set(FIGURES)
    gradient = next(c for c in ran.cells if "visible_checks.gradient_check(" in c.source)
    assert gradient.get("execution_count") and "conv_backward: not implemented yet" in gradient.outputs[0].text
    failing = {grade_id(c)[len("test_"):] for c in ran.cells if grade_id(c).startswith("test_") and errors(c)}
    assert failing == {name for name, e in EXERCISES.items() if e.optional}


def test_validate_lists_exactly_the_exercises_not_done(student_python: Path, tmp_path: Path) -> None:
    folder = student_copy(tmp_path)
    unanswered = {"conv_forward", "conv_backward", "pool_backward"}
    answers = with_bug("pool_forward", "vert_start = h * stride", "vert_start = h")
    nbformat.write(submission({name: s for name, s in answers.items() if name not in unanswered}), folder / NOTEBOOK)
    done = run(student_python.parent / "nbgrader", folder, "validate", NOTEBOOK)
    listed = set(re.findall(r'grade\("(\w+)", globals\(\)\)', done.stdout))
    assert listed == unanswered | {"pool_forward"}, done.stdout[-3000:]
    assert "FAIL: pool_forward: visible case(s)" in done.stdout
    assert "FAIL: conv_forward: not answered yet" in done.stdout and "Traceback" not in done.stdout


def test_without_the_grader_an_autograde_run_fails_loudly_instead_of_passing(
        student_python: Path, tmp_path: Path) -> None:
    # Where nbgrader autograde runs (autograded/<student>/<assignment>/), the visible cases must not
    # stand in for the grader: a kernel without it would give full marks to a hard-coded answer.
    folder = student_copy(tmp_path, "autograded/alice")
    ran = execute(student_python, folder, submission(solutions()), allow_errors=True)
    loader = next(c for c in ran.cells if grade_id(c) == "load_grader")
    assert errors(loader) == ["RuntimeError: nbgrader autograde needs the course's grader in this kernel: "
                              "install the course package"]
    for cell in ran.cells:
        if grade_id(cell).startswith("test_"):
            assert errors(cell) == ["NameError: name '_autograde' is not defined"]
