"""`make reference`: regenerate cnn_reference/notebook_solutions.py from the source notebook.

The source notebook's exercise cells are the one source of truth for the loop solutions (d2l's
`#@save` idea).  Each graded function is taken with `ast` from the notebook's autograded-answer
cells (nbgrader metadata solution=true, grade=false), found by its name, and written verbatim.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from cnn_reference import FUNCTIONS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"
OUTPUT = ROOT / "cnn_reference" / "notebook_solutions.py"

HEADER = (
    "# Generated from source/cnn_step_by_step/cnn_step_by_step.ipynb by `make reference`: do not edit.\n"
    "# These are the exercise cells' solutions, verbatim; the notebook is the one source of truth.\n"
    "import numpy as np\n"
)


def answer_cells(notebook: dict) -> list[str]:
    """The sources of the notebook's autograded-answer code cells."""
    sources = []
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
            source = cell["source"]
            sources.append(source if isinstance(source, str) else "".join(source))
    return sources


def function_sources(notebook: dict) -> dict[str, str]:
    """Each top-level function defined in an answer cell, by name, as its exact source text."""
    found: dict[str, str] = {}
    for source in answer_cells(notebook):
        lines = source.splitlines()
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef):
                if node.name in found:
                    raise ValueError(f"{node.name} is defined in two answer cells of {NOTEBOOK.name}")
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                found[node.name] = "\n".join(lines[start - 1:node.end_lineno])
    return found


def render(notebook_path: Path = NOTEBOOK) -> str:
    """The text notebook_solutions.py must have: the header, then the graded functions in order."""
    functions = function_sources(json.loads(notebook_path.read_text(encoding="utf-8")))
    missing = [name for name in FUNCTIONS if name not in functions]
    if missing:
        raise ValueError(f"no answer cell of {notebook_path.name} defines {', '.join(missing)}")
    return HEADER + "".join(f"\n\n{functions[name]}\n" for name in FUNCTIONS)


def main() -> None:
    text = render()
    if OUTPUT.read_text(encoding="utf-8") == text:
        print(f"{OUTPUT.name} is up to date")
        return
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
