"""`make release` (after nbgrader generate_assignment): write autograder/assignment/data/release.json,
what the grader needs to know of the release notebook (see autograder.assignment.release)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from autograder.assignment.release import RELEASE_FILE, release_from_notebook

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "cnn_step_by_step"
RELEASE_NOTEBOOK = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def render(notebook_path: Path = RELEASE_NOTEBOOK) -> str:
    notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    return json.dumps(release_from_notebook(notebook, ASSIGNMENT, notebook_path.stem), indent=1) + "\n"


def main() -> int:
    text = render()
    if RELEASE_FILE.exists() and RELEASE_FILE.read_text(encoding="utf-8") == text:
        print(f"{RELEASE_FILE.name} is up to date")
        return 0
    RELEASE_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {RELEASE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
