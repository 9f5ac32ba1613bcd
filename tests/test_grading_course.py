"""Any assignment name and notebook name: which assignment of a course root is graded, and that
`cnn-grade grade` grades a course whose assignment and notebook are named differently from ours."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from support import REPOSITORY, SOLUTIONS, notebook

from autograder.cli import main
from autograder.errors import GraderError
from autograder.grading.course import assignment_name, course_assignment
from autograder.grading.discover import discover


def course(root: Path, sources: dict[str, str] | None = None, submitted: dict[str, str] | None = None,
           config: str = "") -> Path:
    """A course root: `sources` {assignment: notebook name} under source/, `submitted`
    {student: "assignment/file"} handed in (the solved functions), and nbgrader_config.py's body."""
    for name, nb in (sources or {}).items():
        (root / "source" / name).mkdir(parents=True)
        (root / "source" / name / f"{nb}.ipynb").write_bytes(notebook("x = 1"))
    for student, path in (submitted or {}).items():
        target = root / "submitted" / student / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(notebook(SOLUTIONS))
    (root / "submitted").mkdir(exist_ok=True)
    (root / "nbgrader_config.py").write_text(f"c = get_config()\n{config}")
    return root


def test_the_only_assignment_under_source_is_the_default(tmp_path: Path) -> None:
    root = course(tmp_path, {"week4_cnn": "convolution"}, {"alice": "week4_cnn/convolution.ipynb"})
    assert assignment_name(root) == "week4_cnn"
    assert course_assignment(root).notebook == "convolution"


def test_several_assignments_are_an_error_that_lists_them(tmp_path: Path) -> None:
    root = course(tmp_path, {"hw3": "hw3", "week4_cnn": "week4_cnn"})
    with pytest.raises(
        GraderError, match="several assignments in source/: hw3, week4_cnn; choose one with --assignment"
    ):
        assignment_name(root)
    assert assignment_name(root, "hw3") == "hw3"
    assert main(["grade", str(root), "--out", str(tmp_path / "out")]) == 2


def test_nbgrader_config_names_the_assignment(tmp_path: Path) -> None:
    root = course(
        tmp_path, {"hw3": "hw3", "week4_cnn": "week4_cnn"}, config='c.CourseDirectory.assignment_id = "hw3"\n'
    )
    assert assignment_name(root) == "hw3"


def test_without_source_the_submitted_folders_name_it(tmp_path: Path) -> None:
    root = course(tmp_path, submitted={"alice": "hw3/a.ipynb", "bob": "hw3/b.ipynb"})
    assert course_assignment(root).name == "hw3"
    course(tmp_path / "two", submitted={"alice": "hw3/a.ipynb", "bob": "hw4/b.ipynb"})
    with pytest.raises(GraderError, match="hw3, hw4"):
        assignment_name(tmp_path / "two")


def test_the_notebooks_file_name_does_not_matter(tmp_path: Path) -> None:
    root = course(
        tmp_path,
        {"hw3": "cnn"},
        {"alice": "hw3/cnn.ipynb", "bob": "hw3/my copy (1).ipynb", "carol": "hw3/scratch.ipynb"},
    )
    (root / "submitted" / "carol" / "hw3" / "cnn.ipynb").write_bytes(notebook(SOLUTIONS))
    found = {s.student: Path(s.source).name for s in discover([root])}
    # Carol's course notebook is graded, not her scratch notebook.
    assert found == {"alice": "cnn.ipynb", "bob": "my copy (1).ipynb", "carol": "cnn.ipynb"}


@pytest.mark.slow
def test_a_renamed_assignment_is_graded_into_the_gradebook_under_its_names(tmp_path: Path) -> None:
    root = course(tmp_path)
    solved = REPOSITORY / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"
    for folder in (root / "source" / "week4_cnn", root / "submitted" / "alice" / "week4_cnn"):
        folder.mkdir(parents=True)
        shutil.copy(solved, folder / "convolution.ipynb")
    assert main(["grade", str(root), "--out", str(tmp_path / "out"), "--jobs", "1"]) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["assignment"] == "week4_cnn"
    assert [(r["student"], r["score"]) for r in results["submissions"]] == [("alice", 18.0)]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        assert gradebook.find_grade("test_conv_forward", "convolution", "week4_cnn", "alice").score == 4.0
    assert (root / "autograded" / "alice" / "week4_cnn" / "convolution.ipynb").is_file()
