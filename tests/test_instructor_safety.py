"""Nothing a submission holds runs in the instructor's browser.

Formgrader renders each autograded notebook to HTML inside the instructor's Jupyter session (and
`nbgrader generate_feedback` renders the same file for the student).  A student who hands in
markup that runs there (an ``onerror`` in markdown, a script in a saved output, a grade_id that
breaks out of formgrader's ``id="..."``) acts as the instructor.  Here one hostile but correct
submission is graded by `cnn-grade grade` on a real nbgrader course and its autograded notebook is
rendered by formgrader's own exporter and templates, configured as formgrader configures them
(the course's nbgrader_config.py, then the formgrade template): the marker every payload carries
must appear only as text.  The same payloads, rendered from the file as handed in, are live: the
check sees an attack when there is one.
"""
from __future__ import annotations

import html.parser
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from support import ASSIGNMENT, nbgrader, released_course, solutions, submission

from autograder.assignment.release import release
from autograder.cli import main

pytestmark = pytest.mark.slow

MARKER = "PWNED"
STUDENT = "mallory"
HONEST = "alice"


def hostile_notebook() -> nbformat.NotebookNode:
    """The solved release with a payload carrying MARKER in every place a student controls."""
    notebook = submission(solutions())
    first_text = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    first_text.source += f"\n<script>{MARKER}()</script>"
    payload_cell = nbformat.v4.new_code_cell(f"x = \"</pre><script>{MARKER}()</script>\"", outputs=[
        nbformat.v4.new_output("display_data", data={
            "text/html": f"<img src=x onerror={MARKER}()>",
            "application/javascript": f"{MARKER}()",
            "image/svg+xml": f'<svg xmlns="http://www.w3.org/2000/svg" onload="{MARKER}()"></svg>',
            "text/markdown": f"<iframe src='javascript:{MARKER}()'></iframe>",
            "text/plain": "1"}),
        nbformat.v4.new_output("stream", name="stdout", text=f"<script>{MARKER}()</script>")])
    payload_cell.metadata["tags"] = [f'x" onmouseover="{MARKER}()']
    fake_grade = nbformat.v4.new_code_cell("pass")
    fake_grade.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": False, "points": 1,
                                       "grade_id": f'x" autofocus onfocus="{MARKER}()', "schema_version": 3}
    raw = nbformat.v4.new_raw_cell(f"<script>{MARKER}()</script>")
    raw.metadata["raw_mimetype"] = "text/html"
    notebook.cells[1:1] = [
        nbformat.v4.new_markdown_cell(f'<img src=x onerror="{MARKER}()">\n\n[click](javascript:{MARKER}())'),
        payload_cell, fake_grade, raw]
    notebook.metadata["title"] = f"</title><script>{MARKER}()</script>"
    return notebook


class LiveMarker(html.parser.HTMLParser):
    """Every place MARKER could run or load from: a tag or attribute (name or value), or the body of
    a script, style or iframe.  Text anywhere else is inert."""

    ACTIVE_BODIES = frozenset({"script", "style", "iframe", "object", "embed"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if any(MARKER in f"{tag} {name}={value}" for name, value in attrs) or MARKER in tag:
            self.live.append(f"<{tag} {attrs}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if MARKER in data and self.ACTIVE_BODIES & set(self.open):
            self.live.append(f"in <{self.open[-1]}>: {data[:80]}")


def live_markers(page: str) -> list[str]:
    parser = LiveMarker()
    parser.feed(page)
    return parser.live


def formgrader_page(course: Path, notebook_path: Path) -> str:
    """The HTML formgrader serves for one submission: its exporter with the course's config and the
    formgrade template (FormgradeExtension.build_extra_config), the resources its handler passes."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": ASSIGNMENT, "notebook_id": ASSIGNMENT, "submission_id": "1", "index": 0,
                 "total": 2, "base_url": "", "student": STUDENT, "last_name": None, "first_name": None,
                 "notebook_path": str(notebook_path)}
    page, _ = HTMLExporter(config=config).from_filename(str(notebook_path), resources=resources)
    return page


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = released_course(tmp_path_factory.mktemp("course"))
    for student, notebook in ((STUDENT, hostile_notebook()), (HONEST, submission(solutions()))):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
    assert main(["grade", str(course), "--out", str(course / "graded")]) == 0
    return course


def test_the_payloads_are_live_in_the_notebook_as_handed_in(course: Path, tmp_path: Path) -> None:
    handed_in = tmp_path / f"{ASSIGNMENT}.ipynb"
    shutil.copy(course / "submitted" / STUDENT / ASSIGNMENT / handed_in.name, handed_in)
    assert len(live_markers(formgrader_page(course, handed_in))) >= 3


def test_formgrader_shows_the_hostile_submission_as_text_only(course: Path) -> None:
    autograded = course / "autograded" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    page = formgrader_page(course, autograded)
    assert live_markers(page) == []
    assert MARKER in page                      # shown, as text: the instructor sees what was handed in
    assert "shown as it is" in page
    # The student's saved outputs are gone; the grading cells hold the grader's feedback alone.
    notebook = nbformat.read(autograded, as_version=4)
    outputs = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.outputs
               for cell in notebook.cells if cell.cell_type == "code" and cell.outputs}
    assert set(outputs) == {cell.grade_id for cell in release().grade_cells.values()}
    assert all([o.output_type for o in cell_outputs] == ["stream"] for cell_outputs in outputs.values())


def test_the_release_text_stays_markdown_and_the_hostile_student_loses_nothing(course: Path) -> None:
    records = {r["student"]: r for r in json.loads((course / "graded" / "results.json").read_text())["submissions"]}
    assert records[STUDENT]["score"] == records[STUDENT]["max_score"] == records[HONEST]["score"]
    honest = formgrader_page(course, course / "autograded" / HONEST / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    assert "shown as it is" not in honest      # an untouched notebook's text is rendered, not quoted
    assert "<h1" in honest


def test_nbgraders_feedback_page_shows_the_payloads_as_text_only(course: Path) -> None:
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    page = (course / "feedback" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert live_markers(page) == []


def test_outputs_of_nbgraders_own_autograde_are_cleaned_for_formgrader(tmp_path: Path) -> None:
    """`nbgrader autograde` keeps what the student's code displays when it runs; the course's config
    has formgrader clean it."""
    course = released_course(tmp_path)
    answers = solutions()
    answers["zero_pad"] += (f"\nfrom IPython.display import HTML, Javascript, display\n"
                            f"display(HTML('<img src=x onerror={MARKER}()>'), Javascript('{MARKER}()'))\n")
    folder = course / "submitted" / STUDENT / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(submission(answers), folder / f"{ASSIGNMENT}.ipynb")
    nbgrader(course, "autograde", ASSIGNMENT, "--force")
    autograded = course / "autograded" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert MARKER in autograded.read_text(encoding="utf-8")     # the outputs are there ...
    assert live_markers(formgrader_page(course, autograded)) == []   # ... and inert

