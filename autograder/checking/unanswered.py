"""Is an exercise still the template?  Read from the student's code, never from its outcomes.

A function is unanswered when every region between its `### START CODE HERE ###` and
`### END CODE HERE ###` markers holds only a template's placeholders: `name = None` (any target),
`pass`, `...`, `raise NotImplementedError`, and loops or branches over `None` (`for i in range(None):`)
whose bodies are placeholders too.  That covers our release's stub and the `X_pad = None` templates
of the assignment's published versions.  A function without markers, or a region that does not parse
on its own, is not called unanswered: the grader then grades what it finds.
"""
from __future__ import annotations

import ast
import textwrap

START, END = "START CODE HERE", "END CODE HERE"


def placeholder_line(exercise: str, sources: list[str]) -> str | None:
    """What `exercise`'s last definition in `sources` (the student's cells, in order) still holds
    when every marked region of it is placeholders only (its first placeholder line, quoted), else None."""
    lines = _function_lines(exercise, sources)
    regions = _regions(lines or [])
    if not regions:
        return None
    first = None
    for region in regions:
        try:
            body = ast.parse(textwrap.dedent("\n".join(region))).body
        except (SyntaxError, ValueError):
            return None
        if not all(map(_is_placeholder, body)):
            return None
        first = first or next((f"`{line.strip()}`" for line in region
                               if line.strip() and not line.strip().startswith("#")), None)
    return first or "nothing but comments"


def _function_lines(exercise: str, sources: list[str]) -> list[str] | None:
    """The source lines of the last top-level `def exercise` in the cells (the one Python would call),
    up to the next top-level statement: an END marker after the function's last statement is its own."""
    found = None
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        lines = source.splitlines()
        starts = [node.lineno for node in tree.body] + [len(lines) + 1]
        for node, after in zip(tree.body, starts[1:]):
            if isinstance(node, ast.FunctionDef) and node.name == exercise:
                found = lines[node.lineno - 1:after - 1]
    return found


def _regions(lines: list[str]) -> list[list[str]]:
    regions: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if START in line:
            current = []
        elif END in line and current is not None:
            regions.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return regions


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (None, ...)


def _mentions_none(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and n.value is None for n in ast.walk(node))


def _is_placeholder(node: ast.stmt) -> bool:
    if isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and _is_none(node.value)):
        return True
    if isinstance(node, ast.Assign | ast.AnnAssign):
        return _is_none(node.value)
    if isinstance(node, ast.Raise):
        raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
    if isinstance(node, ast.For):
        return _mentions_none(node.iter) and all(map(_is_placeholder, node.body + node.orelse))
    if isinstance(node, ast.If | ast.While):
        return _mentions_none(node.test) and all(map(_is_placeholder, node.body + node.orelse))
    return False
