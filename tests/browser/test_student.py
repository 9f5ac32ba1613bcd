"""The student view (`make lab-student`): complete `zero_pad` in the release notebook, in a real browser.

One browser session for the module: the student opens the release, types the solution of
`zero_pad` into its cell and chooses Run All once; the tests then read what the page shows.  The
grading cells of the exercises not answered fail (in one line) and Run All carries on past them.
"""
from __future__ import annotations

import re

import pytest
from browser_support import ASSIGNMENT, Lab, save_screenshot, solution_lines
from playwright.sync_api import Locator, Page, expect

from autograder.assignment.exercises import EXERCISES

pytestmark = pytest.mark.browser

NOTEBOOK = f"{ASSIGNMENT}.ipynb"
STUB = "raise NotImplementedError()"
# What the visible test cell prints when every visible case passes.
PASS_LINE = "zero_pad: PASS"
RUN_SECONDS = 180
# The student answers zero_pad, which also makes the padding figure right.
ANSWERED = ("zero_pad", "padding_figure")
UNANSWERED = [name for name in EXERCISES if name not in ANSWERED]


def code_cell(page: Page, text: str) -> Locator:
    """The one code cell whose editor contains `text`."""
    cell = page.locator(".jp-Notebook .jp-CodeCell").filter(
        has=page.locator(".cm-content", has_text=text))
    expect(cell).to_have_count(1)
    return cell


def type_over_stub(page: Page, cell: Locator, lines: list[str]) -> None:
    """Select the stub line of `cell` (after its indentation) and type `lines` in its place."""
    stub = cell.locator(".cm-line", has_text=STUB)
    stub.click()
    # CodeMirror 6: End, then Shift+Home selects back to the end of the indentation.
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")
    for i, line in enumerate(lines):
        if i:
            # Enter keeps the indentation; drop whatever CodeMirror guessed and type ours.
            page.keyboard.press("Enter")
            page.keyboard.press("Shift+Home")
        page.keyboard.type(line)


def run_menu(page: Page, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-item:visible").filter(has=page.get_by_text(item, exact=True)).click()


def not_run(page: Page) -> Locator:
    """Code cells that have not run in this session (prompt "[ ]:")."""
    return page.locator(".jp-Notebook .jp-CodeCell").filter(
        has=page.locator(".jp-InputPrompt", has_text="[ ]"))


def run_from(page: Page, cell: Locator, item: str) -> None:
    """Choose Run > `item` and wait until it has run `cell` and everything it queued after it."""
    prompt = cell.locator(".jp-InputPrompt")
    run_menu(page, item)
    # "[*]" once queued, "[n]" once run; then no cell may still be queued and the kernel idle.
    expect(prompt).not_to_have_text("[ ]:")
    expect(page.locator(".jp-InputPrompt", has_text="*")).to_have_count(0, timeout=RUN_SECONDS * 1000)
    expect(page.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute("data-status", "idle")


def run_all(page: Page) -> None:
    """Run All once, and wait until it has run the notebook's last code cell."""
    run_from(page, page.locator(".jp-Notebook .jp-CodeCell").first, "Run All Cells")
    last = page.locator(".jp-Notebook .jp-CodeCell").last
    expect(last.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]:"), timeout=RUN_SECONDS * 1000)


def scroll_bottom_into_view(page: Page, target: Locator, margin: int = 60) -> None:
    """Scroll the notebook until `target`'s bottom edge sits `margin` px above the window's.

    Cells off screen are laid out with estimated heights (content-visibility), so one jump can
    land short once they render: correct again after each frame until the position holds.
    """
    scroller = page.locator(".jp-NotebookPanel .jp-WindowedPanel-outer")
    height = page.viewport_size["height"]
    for _ in range(20):
        box = target.bounding_box()
        delta = box["y"] + box["height"] - (height - margin)
        if abs(delta) < 2:
            return
        scroller.evaluate("""(element, delta) => new Promise(done => {
            element.scrollTop += delta;
            requestAnimationFrame(() => requestAnimationFrame(done));
        })""", delta)


@pytest.fixture(scope="module")
def ran_notebook(student_lab: Lab, module_page: Page) -> Page:
    """The release notebook after typing zero_pad's solution and running all cells."""
    page = module_page
    page.goto(student_lab.url(f"lab/tree/{NOTEBOOK}"))
    expect(page.locator(".jp-Notebook .jp-Cell").first).to_be_visible()
    expect(page.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute("data-status", "idle")

    lines = solution_lines("zero_pad")
    cell = code_cell(page, "def zero_pad")
    type_over_stub(page, cell, lines)
    for line in lines:
        expect(cell.locator(".cm-content")).to_contain_text(line)
    expect(cell.locator(".cm-content")).not_to_contain_text(STUB)

    run_all(page)
    return page


def test_typed_solution_passes_its_visible_test(ran_notebook: Page) -> None:
    page = ran_notebook
    passed = page.locator(".jp-OutputArea-output", has_text=PASS_LINE)
    expect(passed).to_have_count(1)
    # Frame the typed solution and the PASS line below it for the screenshot.
    scroll_bottom_into_view(page, passed)
    expect(passed).to_be_in_viewport(ratio=1)
    # The screenshot of the README and docs/students.md (tests/browser/screenshots/student-view.png) is a
    # copy of this artifact; the test never writes into the repository, so a test run leaves the tree clean.
    assert save_screenshot(page, "student-zero-pad-passed").stat().st_size > 0


@pytest.mark.parametrize("exercise", UNANSWERED)
def test_unanswered_exercise_prints_one_line(ran_notebook: Page, exercise: str) -> None:
    # The visible test right below the exercise calls the still-stubbed function: one line, no traceback.
    visible_test = code_cell(ran_notebook, f"def {exercise}(").locator(
        "xpath=following-sibling::div[contains(@class, 'jp-CodeCell')][1]")
    output = visible_test.locator(".jp-OutputArea")
    expect(output).to_have_text(f"{exercise}: not implemented yet: write your code between the markers")
    expect(output).not_to_contain_text("NotImplementedError")


def test_run_all_reaches_the_last_cell_past_the_failing_grading_cells(ran_notebook: Page) -> None:
    # Run All was chosen once: every code cell has run, the last one (PyTorch's) included.
    expect(not_run(ran_notebook)).to_have_count(0)
    torch_cell = code_cell(ran_notebook, "import torch")
    expect(torch_cell.locator(".jp-OutputArea")).to_contain_text("PyTorch is not installed")
    for name in UNANSWERED:
        grading = code_cell(ran_notebook, f'_autograde("{name}", globals())')
        output = grading.locator(".jp-OutputArea")
        expect(output).to_contain_text(f"FAIL: {name}: ")
        # One line, no traceback of the grading plumbing.
        expect(output).not_to_contain_text("Traceback")
        expect(output).not_to_contain_text("visible_checks.py")
    for figure in ("draw_windows", "draw_volume_convolution", "draw_pooling", "draw_lenet5"):
        expect(code_cell(ran_notebook, figure).locator(".jp-OutputArea-output img")).to_have_count(1)


def test_answered_exercise_raises_nothing(ran_notebook: Page) -> None:
    visible_test = ran_notebook.locator(".jp-Notebook .jp-CodeCell").filter(
        has=ran_notebook.locator(".jp-OutputArea-output", has_text=PASS_LINE))
    expect(visible_test.locator(".jp-OutputArea")).not_to_contain_text("Error")


def test_padding_figure_renders(ran_notebook: Page) -> None:
    figure_cell = code_cell(ran_notebook, "plt.subplots(1, 2)")
    image = figure_cell.locator(".jp-OutputArea-output img")
    expect(image).to_have_count(1)
    image.scroll_into_view_if_needed()
    # A decoded, non-empty bitmap, not a broken-image icon.
    width = image.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width > 100


def test_validate_reports_the_unanswered_exercises(ran_notebook: Page) -> None:
    page = ran_notebook
    # Validate checks the saved file, so save the typed solution first.
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)
    page.locator(".jp-Toolbar-item", has_text="Validate").click()
    dialog = page.locator(".jp-Dialog")
    # nbgrader lists each failing test cell with its source, which names the exercise.
    expect(dialog).to_contain_text("Validation Results", timeout=RUN_SECONDS * 1000)
    for name in UNANSWERED:
        expect(dialog).to_contain_text(f'grade("{name}"')
    for name in ANSWERED:
        expect(dialog).not_to_contain_text(f'grade("{name}"')
    save_screenshot(page, "student-validate")
    dialog.get_by_role("button", name="Ok").click()


def test_student_view_has_no_formgrader(student_lab: Lab, ran_notebook: Page) -> None:
    page = ran_notebook
    assert page.request.get(student_lab.url("formgrader")).status == 404
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    menu = page.locator(".lm-Menu:visible")
    expect(menu).to_contain_text("Assignment List")
    expect(menu).not_to_contain_text("Formgrader")
    page.keyboard.press("Escape")
