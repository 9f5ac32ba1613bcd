"""What the grader needs to know of the released notebook, shipped with the package.

``data/release.json`` is written from ``release/<assignment>/<assignment>.ipynb`` by ``make release``
(``tools/release_metadata.py``); a test fails when it is stale.  Shipping it (rather than reading
the release folder) makes an installed grader work where no checkout is.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RELEASE_FILE = Path(__file__).parent / "data" / "release.json"


@dataclass(frozen=True)
class GradeCell:
    grade_id: str       # nbgrader's grade_id, e.g. "test_conv_forward"
    points: float


@dataclass(frozen=True)
class Release:
    assignment: str                          # nbgrader's assignment name
    notebook: str                            # the notebook's name in the assignment, without .ipynb
    grade_cells: dict[str, GradeCell]        # exercise -> its locked grading cell
    # The sources, stripped, of every locked code cell (the grading cells and the cell that loads
    # the grader for them): they call the grader, so they never run in the sandbox.
    locked_test_cells: frozenset[str]
    # Every code cell as released (stubs in place): what no student wrote, left out of the similarity report.
    scaffold: tuple[str, ...]
    # The SHA-256 of every markdown cell's source as released: the text an autograded notebook may
    # show the instructor as markdown (results/safe_notebook.py); any other text is shown literally.
    markdown: frozenset[str]
    metadata: dict[str, Any]  # the notebook's own (kernelspec, language_info)


def markdown_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def release_from_notebook(notebook: dict[str, Any], assignment: str, name: str) -> dict[str, Any]:
    """The release.json document of an nbgrader release notebook (`notebook`, parsed JSON)."""
    grade_cells, locked, scaffold, markdown = {}, [], [], set()
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        if cell.get("cell_type") == "markdown":
            markdown.add(markdown_digest(source))
        if cell.get("cell_type") != "code":
            continue
        scaffold.append(source)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("locked"):
            continue
        locked.append(source.strip())
        grade_id = str(meta.get("grade_id", ""))
        if meta.get("grade") and grade_id.startswith("test_"):
            grade_cells[grade_id.removeprefix("test_")] = {"grade_id": grade_id, "points": float(meta["points"])}
    return {"generated_by": "make release (tools/release_metadata.py): do not edit",
            "assignment": assignment, "notebook": name, "grade_cells": grade_cells,
            "locked_test_cells": sorted(set(locked)), "scaffold": scaffold, "markdown": sorted(markdown),
            "metadata": notebook.get("metadata", {})}


@functools.lru_cache(maxsize=1)
def release() -> Release:
    """The packaged release metadata; a missing or broken file is a packaging error, never ignored."""
    data = json.loads(RELEASE_FILE.read_text(encoding="utf-8"))
    return Release(assignment=data["assignment"], notebook=data["notebook"],
                   grade_cells={name: GradeCell(**cell) for name, cell in data["grade_cells"].items()},
                   locked_test_cells=frozenset(data["locked_test_cells"]), scaffold=tuple(data["scaffold"]),
                   markdown=frozenset(data["markdown"]), metadata=data["metadata"])
