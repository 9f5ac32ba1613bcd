"""The instructor view (`make lab`): formgrader lists the assignment and shows `cnn-grade`'s scores.

A student hands in the release with `zero_pad` solved; `cnn-grade grade` grades the course root
(writing its gradebook.db); then the instructor opens formgrader from JupyterLab's Nbgrader menu.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from browser_support import ASSIGNMENT, Lab, save_screenshot, solution_lines

pytestmark = pytest.mark.browser

STUDENT = "alice"
GRADING_SECONDS = 600


def hand_in_with_zero_pad_solved(course: Path, student: str) -> Path:
    """Copy the release to submitted/<student>/ with zero_pad's stub replaced by its solution."""
    release = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = json.loads(release.read_text())
    cell = next(c for c in notebook["cells"] if "".join(c["source"]).startswith("def zero_pad"))
    lines = []
    for line in "".join(cell["source"]).splitlines():
        if line.strip() == "raise NotImplementedError()":
            indent = line[:len(line) - len(line.lstrip())]
            lines += [indent + solution for solution in solution_lines("zero_pad")]
        else:
            lines.append(line)
    cell["source"] = "\n".join(lines)
    submission = course / "submitted" / student / ASSIGNMENT / release.name
    submission.parent.mkdir(parents=True)
    submission.write_text(json.dumps(notebook))
    return submission


@pytest.fixture(scope="module")
def graded(course: Path) -> dict:
    """Grade the class with `cnn-grade grade <course root>`; its per-student results.json record."""
    hand_in_with_zero_pad_solved(course, STUDENT)
    out = course.parent / "grades"
    venv_bin = str(Path(sys.executable).parent)
    # As in an activated venv: nbgrader's Gradebook runs the `alembic` script found on PATH.
    env = dict(os.environ, PATH=os.pathsep.join([venv_bin, os.environ.get("PATH", "")]))
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(course), "--out", str(out)],
                   check=True, env=env, cwd=course, timeout=GRADING_SECONDS,
                   stdout=subprocess.DEVNULL)
    results = json.loads((out / "results.json").read_text())
    return next(s for s in results["submissions"] if s["student"] == STUDENT)


@pytest.fixture(scope="module")
def formgrader(graded: dict, instructor_lab: Lab, module_page: Page) -> FrameLocator:
    """Formgrader, opened from JupyterLab's Nbgrader menu in the instructor view (after grading)."""
    page = module_page
    page.goto(instructor_lab.url("lab"))
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-item:visible").filter(has=page.get_by_text("Formgrader", exact=True)).click()
    return page.frame_locator("iframe[src*='formgrader']")


def test_formgrader_lists_the_assignment(formgrader: FrameLocator, module_page: Page) -> None:
    row = formgrader.locator("tr", has_text=ASSIGNMENT)
    expect(row).to_be_visible()
    # Released, and with one submission: the one cnn-grade graded.
    expect(row).to_contain_text("1")
    save_screenshot(module_page, "instructor-formgrader-assignments")


def test_formgrader_shows_the_student_score(formgrader: FrameLocator, graded: dict,
                                            module_page: Page) -> None:
    assert graded["score"] > 0, graded
    formgrader.get_by_role("link", name="Manage Students").click()
    row = formgrader.locator("tr", has_text=STUDENT)
    expect(row.locator(".score")).to_have_text(f"{graded['score']:g} / {graded['max_score']:g}")
    save_screenshot(module_page, "instructor-formgrader-students")
