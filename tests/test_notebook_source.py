"""The source notebook: one source of truth with the answer key, its data file, its content, nbgrader validate."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.assignment.exercises import EXERCISES, FUNCTIONS
from autograder.nbgrader_env import nbgrader_env
from tools import extract_reference as extract
from tools import visible_expected

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "source" / "cnn_step_by_step"
NOTEBOOK = ASSIGNMENT / "cnn_step_by_step.ipynb"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_notebook_solutions_is_regenerated_from_the_notebook():
    committed = extract.OUTPUT.read_text(encoding="utf-8")
    assert extract.render() == committed, "run `make reference`: notebook_solutions.py differs from the notebook"
    assert committed.startswith("# Generated from source/cnn_step_by_step/cnn_step_by_step.ipynb")


def test_extract_names_a_function_missing_from_the_notebook(tmp_path, notebook):
    broken = nbformat.from_dict(json.loads(json.dumps(notebook)))
    broken.cells = [c for c in broken.cells if nbgrader_meta(c).get("grade_id") != "distribute_value"]
    path = tmp_path / "broken.ipynb"
    nbformat.write(broken, path)
    with pytest.raises(ValueError, match="distribute_value"):
        extract.render(path)


def test_visible_expected_data_file_is_up_to_date():
    assert visible_expected.DATA_FILE.read_bytes() == visible_expected.render(), (
        "run `make reference`: visible_expected.npz differs from the answer key's outputs")


# Where each exercise's input volume and hyper-parameters sit in its arguments.
INPUT_OF = {"zero_pad": lambda a: a[0], "conv_forward": lambda a: a[0], "pool_forward": lambda a: a[0],
            "conv_backward": lambda a: a[1][0], "pool_backward": lambda a: a[1][0]}
HPARAMETERS_OF = {"zero_pad": lambda a: {"pad": a[1]}, "conv_forward": lambda a: a[3],
                  "pool_forward": lambda a: a[1], "conv_backward": lambda a: a[1][3],
                  "pool_backward": lambda a: a[1][1]}


def test_visible_cases_cover_every_kind_of_hidden_case():
    sys.path.insert(0, str(ASSIGNMENT))
    try:
        import visible_checks
    finally:
        sys.path.remove(str(ASSIGNMENT))
    cases = visible_checks.load_cases()
    assert set(cases) == set(FUNCTIONS)
    for exercise, input_of in INPUT_OF.items():
        shapes = [input_of(c["args"]).shape for c in cases[exercise]]
        hps = [HPARAMETERS_OF[exercise](c["args"]) for c in cases[exercise]]
        assert any(s[0] == 1 for s in shapes), f"{exercise}: no batch of 1"
        assert any(s[1] != s[2] for s in shapes), f"{exercise}: no non-square input"
        if "pad" in hps[0]:
            assert any(hp["pad"] == 0 for hp in hps), f"{exercise}: no pad = 0"
        if "stride" in hps[0]:
            assert any(hp["stride"] >= 2 for hp in hps), f"{exercise}: no stride >= 2"


def test_exercise_cells_carry_nbgrader_metadata_and_points(notebook):
    answers = [nbgrader_meta(c)["grade_id"] for c in notebook.cells
               if nbgrader_meta(c).get("solution") and not nbgrader_meta(c).get("grade")]
    assert answers == list(FUNCTIONS)
    tests = {nbgrader_meta(c)["grade_id"]: c for c in notebook.cells if nbgrader_meta(c).get("grade")}
    assert set(tests) == {f"test_{name}" for name in EXERCISES}
    for name, exercise in EXERCISES.items():
        cell = tests[f"test_{name}"]
        assert cell.source == f'grade("{name}", globals())'
        assert nbgrader_meta(cell)["locked"] is True
        assert nbgrader_meta(cell)["points"] == exercise.points


def test_a_locked_cell_loads_the_grader_before_any_grading_cell(notebook):
    # It binds `grade`: the course's grader where it is installed, else the visible cases
    # (tests/test_student_environment.py and tests/test_grading_cells.py run both sides).
    loaders = [i for i, c in enumerate(notebook.cells) if nbgrader_meta(c).get("grade_id") == "load_grader"]
    assert len(loaders) == 1
    loader = notebook.cells[loaders[0]]
    assert nbgrader_meta(loader)["locked"] is True and not nbgrader_meta(loader)["grade"]
    assert "import visible_checks" in notebook.cells[loaders[0] - 1].source
    first_grading = next(i for i, c in enumerate(notebook.cells) if nbgrader_meta(c).get("grade"))
    assert loaders[0] < first_grading


def test_each_exercise_is_answer_then_visible_test_then_grading_cell(notebook):
    cells = notebook.cells
    for index, cell in enumerate(cells):
        name = nbgrader_meta(cell).get("grade_id")
        if name in FUNCTIONS and nbgrader_meta(cell).get("solution"):
            assert cells[index + 1].source == f'visible_checks.check("{name}", {name})'
            assert nbgrader_meta(cells[index + 2]).get("grade_id") == f"test_{name}"
    figure = next(i for i, c in enumerate(cells) if "fig, axarr = plt.subplots(1, 2)" in c.source)
    assert nbgrader_meta(cells[figure + 1]).get("grade_id") == "test_padding_figure"


def test_solution_regions_keep_the_line_count_just_above_the_start_marker(notebook):
    for cell in notebook.cells:
        if nbgrader_meta(cell).get("solution"):
            lines = cell.source.splitlines()
            start = [i for i, line in enumerate(lines) if "### START CODE HERE ###" in line]
            assert len(start) == 1 and lines[start[0]].strip() == "### START CODE HERE ###"
            assert lines[start[0] - 1].strip().startswith("# (≈ "), nbgrader_meta(cell)["grade_id"]


def test_content_states_the_numpy_gotchas_and_ships_no_outputs(notebook):
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "float(b)" in text and "TypeError" in text and "b.item()" in text
    assert "X[pad:-pad]" in text and "pad = 0" in text
    for topic in ("1000 × 1000", "Parameter sharing", "Sparse connectivity", "cross-correlation",
                  '"valid"', '"same"', "stride", "LeNet-5", "dW", "db", "PyTorch"):
        assert topic in text, topic
    # No marker text outside answer cells: nbgrader would treat it as a solution region.
    for cell in notebook.cells:
        if not nbgrader_meta(cell).get("solution"):
            assert "CODE HERE ###" not in cell.source
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")
    assert all("attachments" not in c for c in notebook.cells)


@pytest.mark.slow
def test_nbgrader_validate_passes_on_the_source(tmp_path):
    env = nbgrader_env()
    result = subprocess.run([str(VENV_BIN / "nbgrader"), "validate", str(NOTEBOOK)], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout
