"""Host-side paths: what the grader reads and copies of the instructor's folders, and what it writes.

Links in a course root, a folder or a zip are never followed (a linked submission is `unreadable`
and its message names the link; loops cannot hang discovery); only regular files are read; student
ids come from the top of the layout; zip members are checked before they are read; grades.csv
holds no formula.  Decoys stand for the answer key and for devices; everything runs in temporary
folders, and the class-level test in a subprocess with a time and memory bound.
"""
from __future__ import annotations

import csv
import io
import json
import os
import resource
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import REPOSITORY, SOLUTIONS, notebook

from autograder.checking.result import missing_result
from autograder.grading.discover import discover
from autograder.grading.grade_class import grade_class
from autograder.results.record import Details, SubmissionRecord, SubmissionStatus, all_exercises
from autograder.results.reports.grades_csv import grades_csv

SECRET = "TOPSECRET-7664"
ASSIGNMENT = "cnn_step_by_step"


def _answer_key_decoy(root: Path) -> Path:
    """A folder shaped like a student's, holding the solutions and a secret: what a link may point to."""
    folder = root / "answer_key" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / f"{ASSIGNMENT}.ipynb").write_bytes(notebook(SOLUTIONS, f"# {SECRET}"))
    (folder / "secret.txt").write_text(SECRET)
    return folder


def _submitted(course: Path, student: str) -> Path:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.slow
def test_linked_submissions_in_a_course_root_are_unreadable_and_never_copied(tmp_path: Path) -> None:
    decoy = _answer_key_decoy(tmp_path)
    course = tmp_path / "course"
    (course / "submitted").mkdir(parents=True)
    (course / "submitted" / "alice").symlink_to(decoy.parent)                          # the student folder
    (course / "submitted" / "bob").mkdir()
    (course / "submitted" / "bob" / ASSIGNMENT).symlink_to(decoy)                      # the assignment folder
    (_submitted(course, "carol") / f"{ASSIGNMENT}.ipynb").symlink_to(decoy / f"{ASSIGNMENT}.ipynb")
    (_submitted(course, "dave") / f"{ASSIGNMENT}.ipynb").symlink_to("/dev/zero")
    (course / "submitted" / "erin").symlink_to(course / "submitted" / "erin")          # a loop
    looped = _submitted(course, "fay") / f"{ASSIGNMENT}.ipynb"
    looped.symlink_to(looped)
    os.mkfifo(_submitted(course, "hal") / f"{ASSIGNMENT}.ipynb")
    gus = _submitted(course, "gus")
    (gus / f"{ASSIGNMENT}.ipynb").write_bytes(notebook(SOLUTIONS))
    (gus / "notes").symlink_to(decoy)
    (gus / "zero").symlink_to("/dev/zero")
    os.mkfifo(gus / "fifo")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30,) * 2)

    command = [sys.executable, "-m", "autograder", "grade", str(course), "--out", str(tmp_path / "out"),
               "--jobs", "1", "--timeout", "5"]
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=300, preexec_fn=limit)
    assert done.returncode == 0, done.stderr[-3000:]
    records = {r["student"]: r for r in json.loads((tmp_path / "out" / "results.json").read_text())["submissions"]}
    for student in ("alice", "bob", "carol", "dave", "erin", "fay"):
        assert records[student]["status"] == "unreadable", records[student]
        assert "symbolic link" in records[student]["message"] and "/submitted/" in records[student]["message"]
    assert records["hal"]["status"] == "unreadable" and "not a regular file" in records["hal"]["message"]
    assert (records["gus"]["status"], records["gus"]["score"]) == ("graded", 17.0)
    autograded = course / "autograded"
    # Only what we wrote (the graded notebook made safe, and nbgrader's two files as we read them).
    assert sorted(p.name for p in (autograded / "gus" / ASSIGNMENT).iterdir()) == [
        f"{ASSIGNMENT}.ipynb", "submission_secret.txt", "timestamp.txt"]
    assert not any((autograded / student).exists() for student in ("alice", "bob", "erin"))
    copied = [p for p in autograded.rglob("*") if p.is_file() and not p.is_symlink()]
    assert not [p for p in copied if SECRET in p.read_text(errors="replace")]
    assert SECRET not in (tmp_path / "out" / "results.json").read_text()


def test_links_in_a_folder_and_a_zip_are_unreadable(tmp_path: Path) -> None:
    decoy = _answer_key_decoy(tmp_path)
    folder = tmp_path / "class"
    (folder / "bob").mkdir(parents=True)
    (folder / "alice.ipynb").symlink_to(decoy / f"{ASSIGNMENT}.ipynb")
    (folder / "bob" / "work").symlink_to(decoy)                 # a linked folder below a student's
    (folder / "carol").symlink_to(folder)                      # a loop back to the class
    (folder / "dan.ipynb").write_bytes(notebook(SOLUTIONS))
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        link = zipfile.ZipInfo("erin.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, str(decoy / f"{ASSIGNMENT}.ipynb"))
        z.writestr("fay.py", SOLUTIONS)
    run = grade_class([folder, archive], tmp_path / "out", jobs=1, timeout=5)
    records = {r["student"]: r for r in run.results["submissions"]}
    assert {s: records[s]["status"] for s in records} == {
        "alice": "unreadable", "bob": "unreadable", "carol": "unreadable", "dan": "graded", "erin": "unreadable",
        "fay": "graded"}
    assert str(folder / "bob" / "work") in records["bob"]["message"]
    assert "symbolic link" in records["erin"]["message"]


def test_student_ids_come_from_the_top_of_the_layout(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    deep = folder / "yan" / "submitted" / "zed" / ASSIGNMENT
    deep.mkdir(parents=True)
    (deep / f"{ASSIGNMENT}.py").write_text(SOLUTIONS)
    (folder / "zed.py").write_text(SOLUTIONS)
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"x/submitted/zed/{ASSIGNMENT}/{ASSIGNMENT}.py", SOLUTIONS)
        z.writestr(f"submitted/zoe/{ASSIGNMENT}/{ASSIGNMENT}.py", SOLUTIONS)   # a zipped course root
        z.writestr("zed.py", SOLUTIONS)
    found = {s.student: s.path for s in discover([folder, archive])}
    assert sorted(found) == ["x", "yan", "zed", "zed~2", "zoe"]
    assert found["zed"] == str(folder / "zed.py") and found["zed~2"].endswith("class.zip:zed.py")


def _patch_sizes(archive: Path, size: int, local: bool) -> None:
    """Make the zip declare `size` uncompressed bytes for every member (central directory, and local headers)."""
    data = bytearray(archive.read_bytes())
    for signature, offset in ((b"PK\x01\x02", 24),) + (((b"PK\x03\x04", 22),) if local else ()):
        start = data.find(signature)
        while start != -1:
            data[start + offset:start + offset + 4] = struct.pack("<I", size)
            start = data.find(signature, start + 4)
    archive.write_bytes(bytes(data))


def _read_all_bounded(*archives: Path) -> list[str]:
    """Discover and read every submission in a subprocess whose address space cannot hold 1 GB."""
    script = ("import sys\nfrom pathlib import Path\nfrom autograder.grading.discover import discover\n"
              "from autograder.local_files import UnreadableFile\n"
              "try:\n    found = discover([Path(p) for p in sys.argv[1:]])\nexcept Exception as error:\n"
              "    print('REFUSED', error)\n    sys.exit(0)\n"
              "for s in found:\n    try:\n        print('READ', s.student, len(s.read()))\n"
              "    except UnreadableFile as error:\n        print('UNREADABLE', s.student, error)\n")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (900 * 2**20,) * 2)

    done = subprocess.run([sys.executable, "-c", script, *map(str, archives)], cwd=REPOSITORY, capture_output=True,
                          text=True, timeout=120, preexec_fn=limit)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bomb.py: 1 GB of zeros that compresses to about 5 MB, beside an honest small submission."""
    archive = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("bomb.py", "w") as member:
            chunk = bytes(2**24)
            for _ in range(64):
                member.write(chunk)
        z.writestr("small.py", SOLUTIONS)
    return archive


@pytest.mark.slow
def test_zip_bombs_are_refused_without_being_read(zip_bomb: Path, tmp_path: Path) -> None:
    assert zip_bomb.stat().st_size < 10 * 2**20
    honest = _read_all_bounded(zip_bomb)
    assert honest[0].startswith("UNREADABLE bomb") and "larger than 50 MB" in honest[0], honest
    assert honest[1].startswith("READ small"), honest
    lying = tmp_path / "lying.zip"          # declares 1000 bytes: read with a bound, refused at the first excess
    lying.write_bytes(zip_bomb.read_bytes())
    _patch_sizes(lying, 1000, local=True)
    assert _read_all_bounded(lying)[0].startswith("UNREADABLE bomb"), _read_all_bounded(lying)
    many = tmp_path / "many.zip"            # 100 members of 45 MB each, as declared: refused before any is read
    with zipfile.ZipFile(many, "w") as z:
        for index in range(100):
            z.writestr(f"s{index}.py", "x = 1\n")
    _patch_sizes(many, 45 * 2**20, local=False)
    assert _read_all_bounded(many)[0].startswith("REFUSED") and "zip bomb" in _read_all_bounded(many)[0]


def test_grades_csv_neutralises_every_formula_cell() -> None:
    students = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "\uff1d1", "plain"]
    records = [
        SubmissionRecord(
            s, "p", SubmissionStatus.UNREADABLE, "m", all_exercises(lambda n: missing_result(n, "m")), Details()
        )
        for s in students
    ]
    rows = list(csv.reader(io.StringIO(grades_csv(records), newline="")))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\uff1d")]
    assert [row[0] for row in rows[1:]] == ["'" + s if s != "plain" else s for s in students]
