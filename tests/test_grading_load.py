"""Sanitizing submissions and finding them: every bad input gets a clear message, old versions load."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from support import SOLUTIONS, grade, notebook as _notebook

from autograder.assignment.release import release
from autograder.errors import GraderError, NoSubmissionsError
from autograder.grading.discover import discover
from autograder.grading.load import UnreadableSubmission, forbidden_imports, load_cells
from autograder.grading.options import GradeOptions
from autograder.sandbox.limits import Limits

DEF = "def zero_pad(X, pad):\n    return X\n"


@pytest.mark.parametrize("data, filename, words", [
    (b"", "empty.ipynb", "is empty"),
    (b'{"cells": [', "truncated.ipynb", "not valid notebook JSON"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "picture.ipynb", "binary file"),
    ("# é\n".encode("latin-1") + DEF.encode(), "latin1.py", "not UTF-8"),
    (b"print('hello')\n", "nothing.py", "defines no functions"),
    (b'{"a": 1}', "other.ipynb", "no notebook cells"),
])
def test_bad_input_has_a_clear_message(data: bytes, filename: str, words: str) -> None:
    with pytest.raises(UnreadableSubmission, match=words):
        load_cells(data, filename)


def cells_notebook(*cells: object, nbformat: int = 4) -> bytes:
    """A notebook whose cells are given as JSON values (a damaged file, when they are not cells)."""
    if nbformat == 3:
        return json.dumps({"nbformat": 3, "worksheets": [{"cells": list(cells)}]}).encode()
    return json.dumps({"nbformat": 4, "cells": list(cells)}).encode()


@pytest.mark.parametrize("data, words", [
    (cells_notebook({"cell_type": "code", "source": [DEF, 7]}), "cell 1 has a source whose line 2 is a number"),
    (cells_notebook({"cell_type": "markdown", "source": "x"}, {"cell_type": "code", "source": {"a": 1}}),
     "cell 2 has a source that is an object"),
    (cells_notebook({"cell_type": "code", "source": 3.5}), "cell 1 has a source that is a number"),
    (cells_notebook({"cell_type": "code", "input": [DEF, None]}, nbformat=3), "line 2 is null"),
    (cells_notebook(DEF), "its cells are not a list of notebook objects"),
    (json.dumps({"nbformat": 3, "worksheets": [{"cells": 5}]}).encode(), "its cells are not a list"),
])
def test_a_malformed_cell_makes_the_notebook_unreadable_with_what_is_wrong(data: bytes, words: str) -> None:
    with pytest.raises(UnreadableSubmission, match=words):
        load_cells(data, "damaged.ipynb")


@pytest.mark.parametrize("coding", ["latin-1", "iso-8859-15", "cp1252"])
def test_a_script_with_a_pep_263_coding_line_is_read_as_python_reads_it(coding: str) -> None:
    data = f"# -*- coding: {coding} -*-\n# Auteur : Victor Hugo, élève\n{DEF}".encode(coding)
    (cell,) = load_cells(data, "victor.py")
    assert "élève" in cell and "def zero_pad" in cell


@pytest.mark.parametrize("data, words", [
    ("# coding: ascii\n# é\n".encode("latin-1") + DEF.encode(), "not ascii text as its coding line declares"),
    (b"# -*- coding: klingon -*-\n" + DEF.encode(), "coding line Python rejects"),
])
def test_a_coding_line_that_does_not_fit_the_file_is_unreadable(data: bytes, words: str) -> None:
    with pytest.raises(UnreadableSubmission, match=words):
        load_cells(data, "script.py")


def test_a_malformed_notebook_is_graded_unreadable_not_crashed() -> None:
    record = grade(cells_notebook({"cell_type": "code", "source": [DEF, 1]}), "nb.ipynb", "mallory",
                   GradeOptions(sandbox="rlimit"))
    assert record["status"] == "unreadable" and "cell 1 has a source whose line 2 is a number" in record["message"]


@pytest.mark.slow
def test_a_script_with_a_latin_1_coding_line_is_graded() -> None:
    data = "# -*- coding: latin-1 -*-\n# Auteur : Victor Hugo, élève\n".encode("latin-1") + SOLUTIONS.encode()
    record = grade(data, "victor.py", "victor", GradeOptions(sandbox="bwrap", limits=Limits(seconds=5)))
    assert record["status"] == "graded" and record["exercises"]["conv_forward"]["status"] == "passed"


def test_old_version_with_magics_and_course_modules_loads() -> None:
    cells = load_cells(_notebook("%matplotlib inline\n!pip install numpy\nfiles = !ls\nfrom public_tests import *",
                                 "%%bash\necho not python", "%%time\n" + DEF, nbformat=3), "old.ipynb")
    assert len(cells) == 2                       # the %%bash cell is not Python
    assert "%matplotlib" not in cells[0] and "pip install" in cells[0] and "from public_tests import *" in cells[0]
    compile(cells[0], "cell", "exec")            # magics became comments after `pass`
    assert cells[1].startswith("def zero_pad")


def test_release_test_cells_are_dropped_and_grader_imports_flagged() -> None:
    locked = release().locked_test_cells
    assert any('grade("conv_forward", globals())' in cell for cell in locked)
    test_cell = 'from autograder.notebook import grade\ngrade("zero_pad", globals())'
    cells = load_cells(_notebook(DEF, test_cell, "import cnn_reference.loops as key"), "nb.ipynb", locked)
    assert not any("autograder.notebook" in c for c in cells)
    assert forbidden_imports(cells) == ["cnn_reference"]


def test_saved_outputs_are_not_kept() -> None:
    notebook = json.loads(_notebook(DEF))
    notebook["cells"][0]["outputs"] = [{"output_type": "display_data", "data": {"image/png": "A" * 3_000_000}}]
    cells = load_cells(json.dumps(notebook).encode(), "big.ipynb")
    assert sum(map(len, cells)) < 100


def test_discover_course_folder_zip_and_files(tmp_path: Path) -> None:
    course = tmp_path / "course"
    for student, name in (("s1", "cnn_step_by_step.ipynb"), ("s2", "cnn_step_by_step.py")):
        folder = course / "submitted" / student / "cnn_step_by_step"
        folder.mkdir(parents=True)
        (folder / name).write_text(DEF)
    (course / "submitted" / "s1" / "cnn_step_by_step" / ".ipynb_checkpoints").mkdir()
    assert [(s.student, s.filename) for s in discover([course])] == [
        ("s1", "cnn_step_by_step.ipynb"), ("s2", "cnn_step_by_step.py")]

    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "alice.py").write_text(DEF)
    (loose / "notes.txt").write_text("not a submission")
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("submitted/bob/cnn_step_by_step/cnn_step_by_step.ipynb", "{}")
        z.writestr("carol.py", DEF)
        z.writestr("__MACOSX/._carol.py", "junk")
    found = discover([loose, archive, loose / "alice.py"])
    assert [s.student for s in found] == ["alice", "carol", "bob", "alice~2"]   # zip members sorted by name
    assert found[1].read() == DEF.encode() and found[1].path.endswith("class.zip:carol.py")


def test_discover_errors(tmp_path: Path) -> None:
    with pytest.raises(GraderError, match="does not exist"):
        discover([tmp_path / "nowhere"])
    with pytest.raises(NoSubmissionsError):
        discover([tmp_path])
