"""The release and the nbgrader round trip, in a real temporary course (real nbgrader, gradebook, kernels).

One course is generated from the repository's source; it checks that the committed release is
not stale, then `nbgrader autograde` grades several submissions in one run.
"""
from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from support import (
    ASSIGNMENT,
    RELEASE,
    SOURCE_NOTEBOOK,
    meta,
    nbgrader,
    released_course,
    solutions,
    submission,
    with_bug,
)

from autograder.assignment.exercises import EXERCISES, EXTRA_POINTS, REQUIRED_POINTS

# Each test here runs real nbgrader, kernels or sandboxes for several seconds.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return released_course(tmp_path_factory.mktemp("course"))


def test_committed_release_is_up_to_date(course):
    fresh = course / "release" / ASSIGNMENT
    committed = [p.name for p in RELEASE.iterdir() if p.name not in ("__pycache__", ".ipynb_checkpoints")]
    assert sorted(p.name for p in fresh.iterdir()) == sorted(committed)
    for path in fresh.iterdir():
        if path.suffix != ".ipynb":
            assert filecmp.cmp(path, RELEASE / path.name, shallow=False), f"{path.name} is stale: run `make release`"
    ours = nbformat.read(RELEASE / f"{ASSIGNMENT}.ipynb", as_version=4)
    theirs = nbformat.read(fresh / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert ours.metadata == theirs.metadata
    assert [(c.cell_type, c.source, c.metadata) for c in ours.cells] == \
           [(c.cell_type, c.source, c.metadata) for c in theirs.cells], "the release is stale: run `make release`"


def solution_regions(source: str) -> list[list[str]]:
    regions, current = [], None
    for line in source.splitlines():
        if "### START CODE HERE ###" in line:
            current = []
        elif "### END CODE HERE ###" in line:
            regions.append(current)
            current = None
        elif current is not None:
            current.append(line.strip())
    return regions


def test_release_keeps_markers_around_a_stub_and_no_solution_line():
    source = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    solution_lines = {line for c in source.cells if meta(c).get("solution")
                      for region in solution_regions(c.source) for line in region if line}
    assert len(solution_lines) > 50
    release = nbformat.read(RELEASE / f"{ASSIGNMENT}.ipynb", as_version=4)
    released_lines = {line.strip() for c in release.cells for line in c.source.splitlines()}
    assert not solution_lines & released_lines
    for cell in release.cells:
        if meta(cell).get("solution"):
            assert solution_regions(cell.source) == [["raise NotImplementedError()"]], cell.source
            assert "# (≈ " in cell.source  # the line count survives above the start marker
    assert all(not c.get("outputs") for c in release.cells if c.cell_type == "code")


def noisy() -> dict[str, str]:
    """The solutions, plus debug output on stderr (sys.stderr and file descriptor 2, which the
    grading code cannot redirect) and a warning each time conv_forward runs."""
    answers = solutions()
    answers["conv_forward"] = answers["conv_forward"].replace(
        "    cache = (A_prev, W, b, hparameters)\n",
        "    import os, sys, warnings\n    print('debug: Z', Z.shape, file=sys.stderr)\n"
        "    os.write(2, b'debug straight to file descriptor 2\\n')\n"
        "    warnings.warn('a student warning')\n    cache = (A_prev, W, b, hparameters)\n")
    answers["zero_pad"] = "import sys\nprint('loading zero_pad', file=sys.stderr)\n" + answers["zero_pad"]
    return answers


SUBMISSIONS = {
    "solved": solutions,
    "unmodified": dict,
    "noisy": noisy,
    # Forgetting the bias fails every case of conv_single_step; conv_forward, which calls it, is
    # graded with the answer key's conv_single_step, so the mistake is charged once.
    "no_bias": lambda: with_bug("conv_single_step", "    Z = Z + b.item()\n", "    Z = Z\n"),
}


@pytest.fixture(scope="module")
def scores(course) -> dict[str, dict[str, float]]:
    """Per student, the autograded score of every grade cell (by exercise), read from the gradebook."""
    for student, answers in SUBMISSIONS.items():
        folder = course / "submitted" / student / ASSIGNMENT
        shutil.copytree(course / "release" / ASSIGNMENT, folder)
        nbformat.write(submission(answers()), folder / f"{ASSIGNMENT}.ipynb")
    nbgrader(course, "autograde", ASSIGNMENT, "--force")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {student: {name: gradebook.find_grade(f"test_{name}", ASSIGNMENT, ASSIGNMENT, student).score
                          for name in EXERCISES}
                for student in SUBMISSIONS}


def test_pasted_solutions_score_full_marks(scores):
    assert scores["solved"] == {name: e.points for name, e in EXERCISES.items()}


def test_unmodified_release_scores_zero(scores):
    assert scores["unmodified"] == dict.fromkeys(EXERCISES, 0.0)


def test_stderr_and_warnings_cost_nothing(scores):
    # The file-descriptor-2 writes reach test_conv_forward's outputs: without the IgnorePattern
    # setting of nbgrader_config.py nbgrader zeroes that cell (checked by hand: 14 of 18 points).
    assert scores["noisy"] == scores["solved"]


def test_one_bug_loses_exactly_that_exercise(scores):
    lost = {name: EXERCISES[name].points - score for name, score in scores["no_bias"].items()}
    assert lost == {name: (e.points if name == "conv_single_step" else 0.0) for name, e in EXERCISES.items()}


def test_required_and_extra_points_are_reported_separately(scores):
    required = sum(s for n, s in scores["solved"].items() if not EXERCISES[n].optional)
    extra = sum(s for n, s in scores["solved"].items() if EXERCISES[n].optional)
    assert (required, extra) == (REQUIRED_POINTS, EXTRA_POINTS)


def test_the_graders_copy_of_the_release_metadata_is_up_to_date() -> None:
    from autograder.assignment.release import RELEASE_FILE, release
    from tools import release_metadata

    assert RELEASE_FILE.read_text(encoding="utf-8") == release_metadata.render(), "run `make release`"
    assert set(release().grade_cells) == set(EXERCISES)
    assert {cell.points for cell in release().grade_cells.values()} <= {e.points for e in EXERCISES.values()}
