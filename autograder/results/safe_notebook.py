"""A student's notebook made safe to render for the instructor (formgrader, `nbgrader generate_feedback`).

Formgrader renders autograded/<student>/<assignment>/<notebook>.ipynb to HTML inside the
instructor's Jupyter session, and its templates put a cell's markdown, its outputs' HTML and some
metadata into the page as they stand (the formgrade template writes a cell's grade_id into an
``id="..."`` attribute unescaped).  One ``<img onerror=...>`` there runs as the instructor, with
the Jupyter API (terminals, files) in reach.  So a notebook keeps only what cannot carry markup:

- code cells: their source (highlighted and escaped by every template), no outputs and no
  execution count: a student's saved outputs are claims, not results (``nbgrader autograde``
  clears them too), and the grader adds its own feedback afterwards;
- markdown cells as released (by their SHA-256 in the release metadata) stay markdown; any other
  markdown, raw or unknown cell becomes its text inside a code fence, shown literally;
- metadata: nbgrader's known fields with their types, a grade_id of nbgrader's shape and only on
  the first cell that claims it (as nbgrader's DeduplicateIds keeps it); cell ids of nbformat's
  shape; the release's notebook metadata instead of the student's (a title, widget state).
"""
from __future__ import annotations

import math
import re
from typing import Any

import nbformat
from nbformat import NotebookNode

from ..assignment.release import markdown_digest, release

GRADE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")      # nbgrader's own rule for grade ids
CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")         # nbformat 4.5's
FLAGS = ("grade", "solution", "locked", "task")
LITERAL_NOTE = "*(text written or changed by the student, shown as it is)*"


def safe_notebook(notebook: Any) -> NotebookNode:
    """A new version-4 notebook holding only the parts of `notebook` (a student's file as parsed
    JSON: nbformat 4 or 3, unvalidated, any shape) that render as plain text, see the module's docstring."""
    grade_ids: set[str] = set()
    cell_ids: set[str] = set()
    safe = [_cell(cell, grade_ids, cell_ids) for cell in _cells(notebook)]
    made: NotebookNode = nbformat.v4.new_notebook(cells=safe, metadata=nbformat.from_dict(release().metadata))
    return made


def _cells(notebook: Any) -> list[Any]:
    """The cells of nbformat 4 (`cells`) or 3 (`worksheets[].cells`); whatever is no list is none."""
    if not isinstance(notebook, dict):
        return []
    if isinstance(notebook.get("worksheets"), list):
        return [cell for sheet in notebook["worksheets"] if isinstance(sheet, dict)
                and isinstance(sheet.get("cells"), list) for cell in sheet["cells"]]
    return notebook["cells"] if isinstance(notebook.get("cells"), list) else []


def _source(value: Any) -> str:
    """A cell's text: a string, or a list of strings joined (nbformat's two forms); else nothing."""
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return value if isinstance(value, str) else ""


def _cell(cell: Any, grade_ids: set[str], cell_ids: set[str]) -> NotebookNode:
    cell = cell if isinstance(cell, dict) else {}
    source = _source(cell.get("source", cell.get("input")))   # a version-3 code cell's is its input
    kind = cell.get("cell_type")
    safe: NotebookNode
    if kind == "code":
        safe = nbformat.v4.new_code_cell(source)
        nbgrader = _nbgrader_metadata(cell.get("metadata"), grade_ids)
        if nbgrader:
            safe.metadata["nbgrader"] = nbgrader
    elif kind == "markdown" and markdown_digest(source) in release().markdown:
        safe = nbformat.v4.new_markdown_cell(source)
    else:
        safe = nbformat.v4.new_markdown_cell(literal(source))
    cell_id = cell.get("id")
    if isinstance(cell_id, str) and CELL_ID.fullmatch(cell_id) and cell_id not in cell_ids:
        safe.id = cell_id
    cell_ids.add(safe.id)
    return safe


def _nbgrader_metadata(metadata: Any, grade_ids: set[str]) -> dict[str, Any]:
    nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    if not isinstance(nbgrader, dict):
        return {}
    kept: dict[str, Any] = {flag: nbgrader[flag] for flag in FLAGS if type(nbgrader.get(flag)) is bool}
    grade_id = nbgrader.get("grade_id")
    if isinstance(grade_id, str) and GRADE_ID.fullmatch(grade_id) and grade_id not in grade_ids:
        grade_ids.add(grade_id)
        kept["grade_id"] = grade_id
    else:   # a cell nbgrader cannot name is no grade, solution or locked cell to formgrader
        return {}
    points = nbgrader.get("points")
    if isinstance(points, (int, float)) and not isinstance(points, bool) and math.isfinite(points):
        kept["points"] = points
    if type(nbgrader.get("schema_version")) is int:
        kept["schema_version"] = nbgrader["schema_version"]
    return kept


def literal(text: str) -> str:
    """Markdown that shows `text` as it is: a code fence longer than any run of backticks in it
    (nothing inside can close it, and markdown escapes a fence's content)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{LITERAL_NOTE}\n\n{fence}\n{text}\n{fence}"
