"""The source notebook: one source of truth with the answer key, its data file, its content, nbgrader validate."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.assignment.cases.hidden import hidden_cases
from autograder.assignment.exercises import EXERCISES, FUNCTIONS
from autograder.nbgrader_env import nbgrader_env
from tools import extract_reference as extract, visible_expected

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


# Where each exercise's input volume, hyper-parameters and window size sit in its arguments.
INPUT_OF = {"zero_pad": lambda a: a[0], "conv_forward": lambda a: a[0], "pool_forward": lambda a: a[0],
            "conv_backward": lambda a: a[1][0], "pool_backward": lambda a: a[1][0]}
HPARAMETERS_OF = {"zero_pad": lambda a: {"pad": a[1]}, "conv_forward": lambda a: a[3],
                  "pool_forward": lambda a: a[1], "conv_backward": lambda a: a[1][3],
                  "pool_backward": lambda a: a[1][1]}
WINDOW_OF = {"conv_forward": lambda a: a[1].shape[0], "conv_backward": lambda a: a[1][1].shape[0],
             "pool_forward": lambda a: a[1]["f"], "pool_backward": lambda a: a[1][1]["f"]}


def has_tied_maxima(A_prev: np.ndarray, f: int, stride: int) -> bool:
    """Whether some pooling window of A_prev holds its maximum more than once."""
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::stride, ::stride]
    return bool(np.any((windows == windows.max(axis=(-2, -1), keepdims=True)).sum(axis=(-2, -1)) > 1))


def kinds_of(exercise: str, args: tuple, kwargs: dict) -> set[str]:
    """The kinds of input a case is: what a visible case must show before a hidden case uses it."""
    if exercise in ("conv_single_step", "create_mask_from_window", "distribute_value"):
        shape = args[0].shape if exercise != "distribute_value" else args[1]
        kinds = {"f = 1" if shape[0] == 1 else "f > 1", "square" if shape[0] == shape[1] else "non-square"}
        if exercise == "create_mask_from_window" and np.sum(args[0] == np.max(args[0])) > 1:
            kinds.add("tied maxima")
        return kinds
    shape, hp = INPUT_OF[exercise](args).shape, HPARAMETERS_OF[exercise](args)
    kinds = {f"mode = {kwargs['mode']}"} if "mode" in kwargs else set()
    kinds |= {kind for kind, present in (("batch of 1", shape[0] == 1), ("non-square", shape[1] != shape[2]),
                                         ("one channel", shape[3] == 1), ("pad = 0", hp.get("pad") == 0))
              if present}
    if exercise in WINDOW_OF:
        f, stride = WINDOW_OF[exercise](args), hp["stride"]
        kinds |= {kind for kind, present in (("f = 1", f == 1), ("stride >= 2", stride >= 2),
                                             ("overlapping windows", stride < f), ("stride > f", stride > f))
                  if present}
    if exercise == "pool_backward" and kwargs["mode"] == "max" and has_tied_maxima(INPUT_OF[exercise](args), f, stride):
        kinds.add("tied maxima")
    return kinds


def test_visible_cases_cover_every_kind_of_hidden_case():
    sys.path.insert(0, str(ASSIGNMENT))
    try:
        import visible_checks
    finally:
        sys.path.remove(str(ASSIGNMENT))
    cases = visible_checks.load_cases()
    assert set(cases) == set(FUNCTIONS)
    for exercise in FUNCTIONS:
        visible = set().union(*(kinds_of(exercise, c["args"], c["kwargs"]) for c in cases[exercise]))
        for seed in (0, 1, 2):
            hidden = set().union(
                *(kinds_of(exercise, args, kwargs) for _, args, kwargs in hidden_cases(exercise, seed))
            )
            assert hidden <= visible, f"{exercise}: hidden cases of kinds {hidden - visible} have no visible case"
    # The two kinds the notebook's first cell promises beyond the obvious ones.
    assert "tied maxima" in set().union(
        *(kinds_of("pool_backward", c["args"], c["kwargs"]) for c in cases["pool_backward"])
    )
    assert "f = 1" in set().union(*(kinds_of("pool_forward", c["args"], c["kwargs"]) for c in cases["pool_forward"]))


def test_pool_backward_cases_show_a_slice_not_the_mean():
    # Pooling backward keeps the gradient's sum: the mean cannot tell max from average mode.
    sys.path.insert(0, str(ASSIGNMENT))
    try:
        import visible_checks
    finally:
        sys.path.remove(str(ASSIGNMENT))
    for case in visible_checks.load_cases()["pool_backward"]:
        shown = [row["what"] for row in case["show"]]
        assert not any(what.startswith("mean(") for what in shown), shown
        assert any(what.startswith("dA_prev[") for what in shown), shown


def test_exercise_cells_carry_nbgrader_metadata_and_points(notebook):
    answers = [
        nbgrader_meta(c)["grade_id"]
        for c in notebook.cells
        if nbgrader_meta(c).get("solution") and not nbgrader_meta(c).get("grade")
    ]
    assert answers == list(FUNCTIONS)
    tests = {nbgrader_meta(c)["grade_id"]: c for c in notebook.cells if nbgrader_meta(c).get("grade")}
    assert set(tests) == {f"test_{name}" for name in EXERCISES}
    for name, exercise in EXERCISES.items():
        cell = tests[f"test_{name}"]
        assert cell.source == f'_autograde("{name}", globals())'
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


def markdown_before(cells, index: int) -> str:
    return next(c.source for c in reversed(cells[:index]) if c.cell_type == "markdown")


def test_the_pad_slicing_warning_sits_under_conv_backward_and_each_exercise_says_its_points(notebook):
    cells = notebook.cells
    answer = {nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(cells) if nbgrader_meta(c).get("solution")}
    assert "[pad:-pad]" in markdown_before(cells, answer["conv_backward"])
    assert "[pad:-pad]" not in markdown_before(cells, answer["zero_pad"])
    figure = next(i for i, c in enumerate(cells) if "fig, axarr = plt.subplots(1, 2)" in c.source)
    assert "worth 1 required point" in markdown_before(cells, figure)
    introduction = cells[0].source
    for name, exercise in EXERCISES.items():
        label = "the padding figure" if name == "padding_figure" else f"`{name}`"
        row = next(line for line in introduction.splitlines() if line.startswith("| ") and label in line)
        assert f"| {exercise.points:g} |" in row, row


def test_grading_cells_let_run_all_carry_on(notebook):
    # nbclient and JupyterLab run on past a cell tagged raises-exception; its error output still
    # makes nbgrader count the cell as failed (tests/test_student_environment.py).
    for cell in notebook.cells:
        tagged = "raises-exception" in cell.metadata.get("tags", [])
        assert tagged == bool(nbgrader_meta(cell).get("grade")), cell.source


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
    assert "dA_prev_pad[pad:-pad]" in text and "pad = 0" in text
    for topic in (
        "1000 × 1000",  # noqa: RUF001  the notebook's own text "Parameter sharing", "Sparse connectivity", "cross-correlation",
        '"valid"',
        '"same"',
        "stride",
        "LeNet-5",
        "dW",
        "db",
        "PyTorch",
        # What issue 13 added: np.pad's pad_width, why to pool, the activation after CONV,
        # LeNet-5's activations, Run All, Validate's message and where the feedback is.
        "pad_width",
        "Fewer computations downstream",
        "robustness to small shifts",
        "No parameters to learn",
        "A = g(Z)",
        "tanh",
        "Run All",
        "Run Selected Cell and All Below",
        "in its own output",
        # What issue 22 added: round is half to even, both conventions on ties, torch is optional.
        "round(2.5) == 2",
        "exactly one",
        "both are accepted",
        "not** among the assignment's requirements",
    ):
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
    result = subprocess.run(
        [str(VENV_BIN / "nbgrader"), "validate", str(NOTEBOOK)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout
