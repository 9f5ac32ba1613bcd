"""PATH arguments → submissions: an nbgrader course root, folders, .zip files or single files.

The student id is the folder name under `submitted/` (nbgrader's layout), else the file stem.
In a course root, the assignment is the one `grading.course` finds (or the one asked for); inside
its folder the notebook may have any name.
Bytes are read only when a submission is graded, so a large class is never all in memory.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import GraderError, NoSubmissionsError
from .course import CourseAssignment, course_assignment

SUFFIXES = (".ipynb", ".py")
_SKIPPED_PARTS = (".ipynb_checkpoints", "__pycache__", "__MACOSX")
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]")


@dataclass(frozen=True)
class Submission:
    student: str
    path: str          # where it came from, as shown in results.json ("class.zip:alice/nb.ipynb" for zips)
    source: str        # the file on disk (the zip itself for a zip member)
    member: str = ""   # the member name inside a zip

    @property
    def filename(self) -> str:
        return PurePosixPath(self.member).name if self.member else Path(self.source).name

    def read(self) -> bytes:
        if self.member:
            with zipfile.ZipFile(self.source) as archive:
                return archive.read(self.member)
        return Path(self.source).read_bytes()


def student_id(path: PurePosixPath) -> str:
    """`.../submitted/<student>/...` → student, else the file stem; made safe for file names."""
    parts = path.parts
    if "submitted" in parts[:-1]:
        index = len(parts) - 1 - parts[::-1].index("submitted")
        if index + 1 < len(parts) - 1:
            return _UNSAFE.sub("_", parts[index + 1])
    return _UNSAFE.sub("_", path.stem) or "student"


def _wanted(path: PurePosixPath) -> bool:
    return (path.suffix in SUFFIXES and not any(p in _SKIPPED_PARTS or p.startswith(".") for p in path.parts)
            and not path.name.startswith("."))


def is_course_root(path: Path) -> bool:
    return path.is_dir() and (path / "submitted").is_dir()


def _course(root: Path, assignment: CourseAssignment) -> list[Submission]:
    found = []
    for student_dir in sorted(p for p in (root / "submitted").iterdir() if p.is_dir()):
        folder = student_dir / assignment.name
        # .py files only where there is no notebook (a script handed in instead of the notebook).
        notebooks = (sorted(folder.glob("*.ipynb")) or sorted(folder.glob("*.py"))) if folder.is_dir() else []
        # The course's own notebook name first; any other name is graded all the same.
        preferred = [n for n in notebooks if n.stem in (assignment.notebook, assignment.name)] or notebooks[:1]
        found += [Submission(_UNSAFE.sub("_", student_dir.name), str(n), str(n)) for n in preferred]
    return found


def _folder(folder: Path) -> list[Submission]:
    return [Submission(student_id(PurePosixPath(p.resolve().as_posix())), str(p), str(p))
            for p in sorted(folder.rglob("*"))
            if p.is_file() and _wanted(PurePosixPath(p.relative_to(folder).as_posix()))]


def _zip(path: Path) -> list[Submission]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(i.filename for i in archive.infolist() if not i.is_dir())
    except zipfile.BadZipFile:
        raise GraderError(f"{path} is not a readable zip file") from None
    return [Submission(student_id(PurePosixPath(n)), f"{path}:{n}", str(path), n)
            for n in names if _wanted(PurePosixPath(n))]


def discover(paths: list[Path], assignment: str | None = None) -> list[Submission]:
    """Every submission under `paths`, student ids made unique (alice, alice~2, ...); in a course
    root, those of `assignment` (default: the course's only one, grading.course)."""
    found: list[Submission] = []
    for path in paths:
        if not path.exists():
            raise GraderError(f"{path} does not exist")
        if is_course_root(path):
            found += _course(path, course_assignment(path, assignment))
        elif path.is_dir():
            found += _folder(path)
        elif path.suffix == ".zip":
            found += _zip(path)
        else:
            found.append(Submission(student_id(PurePosixPath(path.resolve().as_posix())), str(path), str(path)))
    if not found:
        raise NoSubmissionsError(f"no .ipynb or .py submissions found under {', '.join(map(str, paths))}")
    seen: dict[str, int] = {}
    unique = []
    for submission in found:
        seen[submission.student] = seen.get(submission.student, 0) + 1
        count = seen[submission.student]
        student = submission.student if count == 1 else f"{submission.student}~{count}"
        unique.append(Submission(student, submission.path, submission.source, submission.member))
    return unique
