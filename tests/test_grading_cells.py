"""The grading cells where the course's grader is installed (nbgrader autograde's kernel), against a
student who hands in files named like the modules they import: the kernel's working folder is the
submission, ahead of site-packages on sys.path.  The student side is tests/test_student_environment.py."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from support import REPOSITORY, solutions, submission

from autograder.assignment.exercises import EXERCISES

pytestmark = pytest.mark.slow

RELEASE = REPOSITORY / "release" / "cnn_step_by_step"
# A stand-in grader that would give every grading cell full marks.
FAKE_GRADER = "def grade(exercise, namespace):\n    print('fake grader')\n    return 4.0\n"


def autograded(tmp_path: Path, student: str, files: dict[str, str]) -> Path:
    """The release in nbgrader's autograded/<student>/<assignment>/ with the student's extra `files`."""
    folder = Path(shutil.copytree(RELEASE, tmp_path / "autograded" / student / "cnn_step_by_step"))
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def run(folder: Path, notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Run `notebook` in `folder` in this environment's kernel; the grading cells by exercise."""
    NotebookClient(notebook, timeout=300, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return {c.metadata["nbgrader"]["grade_id"].removeprefix("test_"): c for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def points(cell) -> float:
    (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    return float(result.data["text/plain"])


def text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs)


def test_a_handed_in_autograder_package_cannot_stand_in_for_the_grader(tmp_path: Path) -> None:
    folder = autograded(
        tmp_path,
        "mallory",
        {
            "autograder/__init__.py": "",
            "autograder/notebook.py": FAKE_GRADER,
            "visible_checks/__init__.py": FAKE_GRADER.replace("grade", "visible_grade"),
        },
    )
    cells = run(folder, submission({}))
    for name, cell in cells.items():
        assert points(cell) == 0.0, (name, text(cell))
        assert "fake grader" not in text(cell)


def test_a_handed_in_module_that_replaces_an_installed_one_scores_nothing(tmp_path: Path) -> None:
    # tqdm is installed beside the grader; the student's own tqdm/ is imported by their code first.
    folder = autograded(tmp_path, "trudy", {"tqdm/__init__.py": "SHADOW = True\n"})
    answers = solutions()
    answers["zero_pad"] = "import tqdm\n" + answers["zero_pad"]
    cells = run(folder, submission(answers))
    for _name, cell in cells.items():
        assert points(cell) == 0.0
        assert "files in your folder replace the installed tqdm" in text(cell)


def test_the_solved_release_still_scores_full_marks_beside_harmless_files(tmp_path: Path) -> None:
    folder = autograded(tmp_path, "alice", {"helpers.py": "X = 1\n"})
    cells = run(folder, submission({**solutions(), "zero_pad": "import helpers\n" + solutions()["zero_pad"]}))
    assert {name: points(cell) for name, cell in cells.items()} == {n: e.points for n, e in EXERCISES.items()}
