"""autograder.notebook.grade in a real Jupyter kernel, laid out as nbgrader autograde runs it:
the points it returns equal the checks called directly, and it writes nothing to stderr."""
from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from support import FIGURE_CELL

from autograder.assignment.cases import COURSE_SEED, seed_for
from autograder.assignment.exercises import EXERCISES
from autograder.checking.exercise import helper_source
from autograder.checking.mistakes import CATALOG, mutant_source
from autograder.notebook import check_function, notebook_seed, student_from_path

# A submission: the answer key's functions, with conv_forward's slice ignoring the stride, a
# zero_pad that prints, and pool_backward left as the release's stub.
STRIDE_BUG = next(m for m in CATALOG if m.exercise == "conv_forward" and m.name == "slice corners ignore the stride")
GRADED = ["zero_pad", "conv_single_step", "conv_forward", "pool_forward", "pool_backward", "padding_figure"]


def submission_cells() -> list[str]:
    functions = mutant_source(STRIDE_BUG).replace(
        "    return X_pad\n", "    print('padded', X_pad.shape)\n    return X_pad\n", 1)
    stub = textwrap.dedent('''
        def pool_backward(dA, cache, mode="max"):
            ### START CODE HERE ###
            raise NotImplementedError()
            ### END CODE HERE ###
    ''')
    figure = "%matplotlib inline\n" + FIGURE_CELL
    return [functions, stub, figure] + [f'from autograder.notebook import grade\ngrade("{name}", globals())'
                                        for name in GRADED]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, nbformat.NotebookNode, dict]:
    folder = tmp_path_factory.mktemp("course") / "autograded" / "alice" / "cnn_step_by_step"
    folder.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in submission_cells()])
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    cells = notebook.cells[3:]
    return folder, notebook, dict(zip(GRADED, cells))


def points(cell) -> float:
    (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    return float(result.data["text/plain"])


def test_grade_returns_the_points_the_checks_give_directly(graded):
    _folder, notebook, cells = graded
    namespace: dict = {}
    exec(compile(notebook.cells[0].source + "\n" + notebook.cells[1].source, "<submission>", "exec"), namespace)
    for name in GRADED[:-1]:
        direct = check_function(name, namespace[name], seed_for("alice"))
        assert points(cells[name]) == direct.score, name
    assert points(cells["conv_forward"]) < EXERCISES["conv_forward"].points
    assert points(cells["zero_pad"]) == EXERCISES["zero_pad"].points
    assert points(cells["pool_backward"]) == 0.0
    assert points(cells["padding_figure"]) == EXERCISES["padding_figure"].points


def test_grade_prints_feedback_on_stdout_and_nothing_on_stderr(graded):
    _, notebook, cells = graded
    for cell in notebook.cells[3:]:
        assert not [o for o in cell.outputs if o.get("name") == "stderr" or o.output_type == "error"], cell.source
    text = "".join(o.get("text", "") for o in cells["conv_forward"].outputs)
    assert "slice corners ignore the stride" in text and "[hidden]" in text
    assert "not answered yet" in "".join(o.get("text", "") for o in cells["pool_backward"].outputs)
    assert "padded" not in "".join(o.get("text", "") for o in cells["zero_pad"].outputs)


def test_the_seed_comes_from_nbgraders_autograded_layout(tmp_path):
    folder = tmp_path / "autograded" / "bob" / "cnn_step_by_step"
    folder.mkdir(parents=True)
    assert student_from_path(folder) == "bob" and notebook_seed(folder) == seed_for("bob")
    assert student_from_path(tmp_path) is None and notebook_seed(tmp_path) == COURSE_SEED


def test_helper_source_is_the_notebook_code_and_runs_alone():
    namespace: dict = {}
    exec(helper_source(["create_mask_from_window", "distribute_value"]), namespace)
    assert namespace["distribute_value"](2.0, (2, 2)).tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert namespace["create_mask_from_window"](np.array([[1.0, 3.0], [3.0, 0.0]])).tolist() == [
        [False, True],
        [True, False],
    ]
