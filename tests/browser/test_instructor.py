"""The instructor view (`make lab`): formgrader lists the assignment and shows `cnn-grade`'s scores.

The instructor opens formgrader from JupyterLab's Nbgrader menu on a course without a gradebook
yet; a student hands in the release with `zero_pad` solved; `cnn-grade grade` grades the course
root into its gradebook.db; formgrader's Manage Students page then shows the score.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from browser_support import ASSIGNMENT, Lab, save_screenshot, solution_lines
from playwright.sync_api import FrameLocator, Page, expect

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


def grade_class(course: Path) -> dict:
    """`cnn-grade grade <course root>`; returns the student's record from results.json."""
    out = course.parent / "grades"
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(course), "--out", str(out)],
                   check=True, cwd=course, timeout=GRADING_SECONDS, stdout=subprocess.DEVNULL)
    results = json.loads((out / "results.json").read_text())
    return next(s for s in results["submissions"] if s["student"] == STUDENT)


@pytest.fixture(scope="module")
def formgrader(course: Path, instructor_lab: Lab, module_page: Page) -> FrameLocator:
    """Formgrader, opened from JupyterLab's Nbgrader menu in the instructor view."""
    # A new course: formgrader has to create the gradebook itself.
    assert not (course / "gradebook.db").exists()
    page = module_page
    page.goto(instructor_lab.url("lab"))
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-item:visible").filter(has=page.get_by_text("Formgrader", exact=True)).click()
    return page.frame_locator("iframe[src*='formgrader']")


def test_formgrader_lists_the_assignment(formgrader: FrameLocator, module_page: Page) -> None:
    expect(formgrader.locator("tr", has_text=ASSIGNMENT)).to_be_visible()
    save_screenshot(module_page, "instructor-formgrader-assignments")


def test_formgrader_shows_the_score_cnn_grade_wrote(formgrader: FrameLocator, course: Path,
                                                   module_page: Page) -> None:
    hand_in_with_zero_pad_solved(course, STUDENT)
    graded = grade_class(course)
    assert graded["status"] == "graded" and graded["score"] > 0, graded

    formgrader.get_by_role("link", name="Manage Students").click()
    row = formgrader.locator("tr", has_text=STUDENT)
    expect(row.locator(".score")).to_have_text(f"{graded['score']:g} / {graded['max_score']:g}")
    save_screenshot(module_page, "instructor-formgrader-students")
