"""Sanitize: a submission's bytes → the list of code cells the sandbox runs.

Accepts nbformat 4 and 3 notebooks and plain .py files.  Outputs (possibly megabytes of saved
images) are dropped as soon as the JSON is parsed; IPython-only lines (`%magic`, `!shell`,
`x = !cmd`) become `pass` so the Python around them still runs; the release's locked nbgrader
test cells are dropped (they call the grader, which the sandbox does not have).
"""
from __future__ import annotations

import io
import json
import re
import tokenize
from collections.abc import Iterable
from typing import Any

from ..assignment.exercises import FUNCTIONS
from ..local_files import MAX_JSON_VALUES, MAX_SUBMISSION_BYTES, json_value_bound
from ..sandbox.guest.wire import text as valid_text

# Cell magics whose body is still Python; any other %%magic cell is not Python and is dropped.
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")
# Whitespace within a line is [^\S\n]; one substitution over a whole cell (MULTILINE, in C) rather
# than a Python loop over its lines: a file of millions of `%` lines cost minutes and gigabytes.
_IPYTHON_LINE = re.compile(r"^([^\S\n]*)(?:[%!]|\w+[^\S\n]*=[^\S\n]*!)", re.MULTILINE)
# All of a submission's code cells together (outputs are not code): this assignment's solutions
# are about 10 kB.  Every step after loading (sanitizing, the job sent to the sandbox, the
# similarity report) costs the grader time and memory in proportion to it, outside the sandbox.
MAX_CODE_CHARS = 4 * 2**20
# Indentation is [ \t\f]*, not \s*: a \s* at every line start would run over every blank line after
# it, time quadratic in the size of a file of blank lines.
_FORBIDDEN_IMPORT = re.compile(r"^[ \t\f]*(?:from|import)\s+(autograder|cnn_reference)\b", re.MULTILINE)
# The shape of the release's locked test cells, now and before the cell that loads the grader, for
# copies whose whitespace a student's editor changed (the exact sources are in assignment.release;
# either way they never run in the sandbox).
_TEST_CELL = re.compile(r'\s*(?:from autograder\.notebook import grade\s+)?'
                        r'(?:_autograde|grade)\("\w+", globals\(\)\)\s*')
_ANY_FUNCTION = re.compile(r"^[ \t\f]*def\s+\w+\s*\(", re.MULTILINE)


class UnreadableSubmission(Exception):
    """The file is not a notebook or Python source we can run; the message says why, for the student."""


def _encoding(data: bytes, filename: str) -> str:
    """How to decode the file: a notebook as UTF-8 (JSON's encoding); a .py file the way Python decodes
    source, UTF-8 unless a PEP 263 coding line (`# -*- coding: latin-1 -*-`) declares another encoding."""
    if filename.endswith(".ipynb"):
        return "utf-8-sig"
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError as error:
        if "invalid or missing encoding declaration" not in str(error.msg):
            raise UnreadableSubmission(f"{filename} has a coding line Python rejects ({error.msg}); "
                                       f"save it again as UTF-8") from None
        return "utf-8"  # non-UTF-8 text and no coding line: decoding says where


def _text(data: bytes, filename: str) -> str:
    if not data.strip():
        raise UnreadableSubmission(f"{filename} is empty")
    if len(data) > MAX_SUBMISSION_BYTES:
        raise UnreadableSubmission(f"{filename} is larger than {MAX_SUBMISSION_BYTES // 2**20} MB")
    if b"\x00" in data[:8192]:
        raise UnreadableSubmission(f"{filename} is a binary file, not a notebook or Python source")
    encoding = _encoding(data, filename)
    try:
        return data.decode(encoding)
    except LookupError:   # a codec Python knows that is no text encoding (rot13, hex, zlib)
        raise UnreadableSubmission(f"{filename} declares the encoding {encoding!r}, which is not a text "
                                   f"encoding; save it again as UTF-8") from None
    except UnicodeError as error:   # UnicodeDecodeError, or the bare UnicodeError of `undefined`, `punycode`
        where = f"byte {error.start}" if isinstance(error, UnicodeDecodeError) else "it cannot be decoded"
        if encoding.startswith("utf-8"):
            raise UnreadableSubmission(f"{filename} is not UTF-8 text ({where}) and no coding line "
                                       f"declares another encoding; save it again as UTF-8") from None
        raise UnreadableSubmission(f"{filename} is not {encoding} text as its coding line declares ({where}); "
                                   f"save it again as UTF-8") from None


def _source(value: Any, where: str) -> str:
    """A cell's source: a string, or a list of strings (nbformat's two forms); anything else is a damaged file."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, list):
        odd = next((n for n, line in enumerate(value, start=1) if not isinstance(line, str)), None)
        if odd is None:
            return "".join(value)
        raise UnreadableSubmission(f"{where} has a source whose line {odd} is {_kind(value[odd - 1])}, not text: "
                                   f"the file may have been edited by hand or damaged")
    raise UnreadableSubmission(f"{where} has a source that is {_kind(value)}, not text: the file may have been "
                               f"edited by hand or damaged")


def _kind(value: Any) -> str:
    names = {type(None): "null", bool: "a boolean", int: "a number", float: "a number", dict: "an object",
             list: "a list"}
    return names.get(type(value), f"a {type(value).__name__}")


def _objects(value: Any, what: str, filename: str) -> list[dict[str, Any]]:
    """A notebook's list of cells (or worksheets): a list of JSON objects, else the file is damaged."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise UnreadableSubmission(f"{filename}: its {what} are not a list of notebook objects: the file may have "
                                   f"been edited by hand or damaged")
    return value


def notebook_cells(notebook: Any, filename: str) -> list[str]:
    """The code cells' sources of an nbformat 3 or 4 notebook (outputs are never kept)."""
    if not isinstance(notebook, dict):
        raise UnreadableSubmission(f"{filename} is JSON but not a notebook")
    if notebook.get("nbformat") == 3 or "worksheets" in notebook:
        cells = [c for sheet in _objects(notebook.get("worksheets"), "worksheets", filename)
                 for c in _objects(sheet.get("cells"), "cells", filename)]
        key = "input"
    elif isinstance(notebook.get("cells"), list):
        cells, key = _objects(notebook["cells"], "cells", filename), "source"
    else:
        raise UnreadableSubmission(f"{filename} is JSON but has no notebook cells")
    return [_source(c.get(key), f"{filename}: cell {n}") for n, c in enumerate(cells, start=1)
            if c.get("cell_type") == "code"]


def sanitize(source: str) -> str | None:
    """IPython syntax → plain Python; None for a cell that is not Python at all (e.g. %%bash)."""
    first = source.lstrip().split("\n", 1)[0].strip()
    if first.startswith("%%"):
        if not first.startswith(PYTHON_CELL_MAGICS):
            return None
        source = source.lstrip().split("\n", 1)[1] if "\n" in source.lstrip() else ""
    return _IPYTHON_LINE.sub(r"\1pass  # ", source)


def load_cells(data: bytes, filename: str, drop: Iterable[str] = ()) -> list[str]:
    """The sanitized code cells of a submission; raises UnreadableSubmission with a clear message."""
    text = _text(data, filename)
    if filename.endswith(".ipynb"):
        if json_value_bound(text) > MAX_JSON_VALUES:
            raise UnreadableSubmission(f"{filename} holds more than {MAX_JSON_VALUES:,} JSON values (its saved "
                                       f"outputs?): clear all outputs, save it and hand it in again")
        try:
            notebook = json.loads(text)
        except json.JSONDecodeError as error:
            raise UnreadableSubmission(
                f"{filename} is not valid notebook JSON (line {error.lineno}, column {error.colno}): "
                f"it may have been edited by hand or truncated") from None
        except (ValueError, RecursionError):   # a number of thousands of digits, thousands of nested lists
            raise UnreadableSubmission(f"{filename} is JSON no notebook holds (nested too deeply, or a number "
                                       f"too long): it may have been edited by hand or damaged") from None
        sources = notebook_cells(notebook, filename)
        del notebook  # saved outputs can be large: keep only the code
    else:
        sources = [text]
    code = sum(map(len, sources))
    if code > MAX_CODE_CHARS:
        raise UnreadableSubmission(f"{filename} holds {code / 2**20:.1f} MB of code in its code cells, more than "
                                   f"the {MAX_CODE_CHARS // 2**20} MB a submission may hold (outputs are not counted)")
    # A lone surrogate (a JSON `\ud800` escape, or UTF-7) is written `\ud800`: in a string literal the
    # same character, elsewhere as wrong as before, and now text every file and message can hold.
    sources = [valid_text(source) for source in sources]
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
