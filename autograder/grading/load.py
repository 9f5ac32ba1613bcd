"""Sanitize: a submission's bytes → the list of code cells the sandbox runs.

Accepts nbformat 4 and 3 notebooks and plain .py files.  Outputs (possibly megabytes of saved
images) are dropped as soon as the JSON is parsed; IPython-only lines (`%magic`, `!shell`,
`x = !cmd`) become `pass` so the Python around them still runs; the release's locked nbgrader
test cells are dropped (they call the grader, which the sandbox does not have).
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

from ..assignment.exercises import FUNCTIONS

MAX_SUBMISSION_BYTES = 50 * 2**20
# Cell magics whose body is still Python; any other %%magic cell is not Python and is dropped.
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")
_IPYTHON_LINE = re.compile(r"^(\s*)(?:[%!]|\w+\s*=\s*!)")
_FORBIDDEN_IMPORT = re.compile(r"^\s*(?:from|import)\s+(autograder|cnn_reference)\b", re.MULTILINE)
# The shape of the release's locked test cells, now and before the cell that loads the grader, for
# copies whose whitespace a student's editor changed (the exact sources are in assignment.release;
# either way they never run in the sandbox).
_TEST_CELL = re.compile(r'\s*(?:from autograder\.notebook import grade\s+)?grade\("\w+", globals\(\)\)\s*')
_ANY_FUNCTION = re.compile(r"^\s*def\s+\w+\s*\(", re.MULTILINE)


class UnreadableSubmission(Exception):
    """The file is not a notebook or Python source we can run; the message says why, for the student."""


def _text(data: bytes, filename: str) -> str:
    if not data.strip():
        raise UnreadableSubmission(f"{filename} is empty")
    if len(data) > MAX_SUBMISSION_BYTES:
        raise UnreadableSubmission(f"{filename} is larger than {MAX_SUBMISSION_BYTES // 2**20} MB")
    if b"\x00" in data[:8192]:
        raise UnreadableSubmission(f"{filename} is a binary file, not a notebook or Python source")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableSubmission(
            f"{filename} is not UTF-8 text (byte {error.start}); save it again as UTF-8") from None


def _source(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def notebook_cells(notebook: Any, filename: str) -> list[str]:
    """The code cells' sources of an nbformat 3 or 4 notebook (outputs are never kept)."""
    if not isinstance(notebook, dict):
        raise UnreadableSubmission(f"{filename} is JSON but not a notebook")
    if notebook.get("nbformat") == 3 or "worksheets" in notebook:
        cells = [c for sheet in notebook.get("worksheets") or [] for c in sheet.get("cells") or []]
        key = "input"
    elif isinstance(notebook.get("cells"), list):
        cells, key = notebook["cells"], "source"
    else:
        raise UnreadableSubmission(f"{filename} is JSON but has no notebook cells")
    return [_source(c.get(key)) for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]


def sanitize(source: str) -> str | None:
    """IPython syntax → plain Python; None for a cell that is not Python at all (e.g. %%bash)."""
    first = source.lstrip().split("\n", 1)[0].strip()
    if first.startswith("%%"):
        if not first.startswith(PYTHON_CELL_MAGICS):
            return None
        source = source.lstrip().split("\n", 1)[1] if "\n" in source.lstrip() else ""
    return "\n".join(_IPYTHON_LINE.sub(r"\1pass  # ", line) if _IPYTHON_LINE.match(line) else line
                     for line in source.split("\n"))


def load_cells(data: bytes, filename: str, drop: Iterable[str] = ()) -> list[str]:
    """The sanitized code cells of a submission; raises UnreadableSubmission with a clear message."""
    text = _text(data, filename)
    if filename.endswith(".ipynb"):
        try:
            notebook = json.loads(text)
        except json.JSONDecodeError as error:
            raise UnreadableSubmission(
                f"{filename} is not valid notebook JSON (line {error.lineno}, column {error.colno}): "
                f"it may have been edited by hand or truncated") from None
        sources = notebook_cells(notebook, filename)
        del notebook  # saved outputs can be large: keep only the code
    else:
        sources = [text]
    dropped = {d.strip() for d in drop}
    kept = [s for s in sources if s.strip() and s.strip() not in dropped and not _TEST_CELL.fullmatch(s)]
    cells = [c for c in (sanitize(s) for s in kept) if c]
    if not any(_ANY_FUNCTION.search(c) for c in cells):
        names = ", ".join(FUNCTIONS)
        raise UnreadableSubmission(f"{filename} defines no functions at all (expected {names})")
    return cells


def forbidden_imports(cells: list[str]) -> list[str]:
    """Modules of the answer key or the grader that the cells try to import (flagged in the feedback)."""
    return sorted({m for c in cells for m in _FORBIDDEN_IMPORT.findall(c)})
