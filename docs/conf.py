"""Sphinx configuration of the course's documentation (Markdown pages, read by MyST).

Build it with `make docs` (into artifacts/docs/); tests/test_docs.py builds it with warnings as errors.
"""
from __future__ import annotations

import sys
from pathlib import Path

# autodoc imports the grader from this checkout, whether or not the package is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

project = "CNN Step by Step: courseware and autograder"
author = "the course's instructors"
extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "description"
html_theme = "alabaster"
html_title = project
