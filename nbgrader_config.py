"""nbgrader configuration: this repository is the course root (source/ and release/ live here)."""

c = get_config()  # noqa: F821 (injected by nbgrader/traitlets when it loads this file)

c.CourseDirectory.course_id = "cnn-step-by-step"

# Solution regions are the assignment's own markers.  The stub keeps both markers in the
# student's copy, so they see exactly where to write; the "(≈ N lines)" count lives in the
# comment line just above the start marker, because nbgrader replaces the marker line.
c.ClearSolutions.begin_solution_delimeter = "### START CODE HERE ###"
c.ClearSolutions.end_solution_delimeter = "### END CODE HERE ###"
c.ClearSolutions.code_stub = {
    "python": "### START CODE HERE ###\nraise NotImplementedError()\n### END CODE HERE ###",
}

# nbgrader zeroes a test cell with any stderr output.  Warnings or debug prints from student
# code must not cost points, so every stderr stream is dropped before grading (errors still count).
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?s).*"

# The solved notebook runs in well under a minute; a cell stuck in an endless loop is cut off.
c.Execute.timeout = 120

# Formgrader and `nbgrader generate_feedback` render students' notebooks to HTML in the instructor's
# Jupyter session: HTML and JavaScript a submission's code printed are cleaned, never run there.
# (cnn-grade's autograded notebooks hold no student output or markup at all: results/safe_notebook.py.)
c.HTMLExporter.sanitize_html = True
