"""PATH arguments → submissions: an nbgrader course root, folders, .zip files or single files.

The student id comes from the top of the layout only: `submitted/<id>/...` at a course root (or
at the top of a zip), else the first name under the folder or zip given (a file's stem or a
folder's name), else a given file's stem.  A `submitted/<id>` deeper down is just a folder: it
cannot take another student's id.  In a course root, the assignment is the one `grading.course`
finds (or the one asked for); inside its folder the notebook may have any name.

Nothing below a given path is followed: a link where a submission would be (a student folder, a
notebook, a folder inside a given folder, a link member of a zip) becomes an `unreadable`
submission whose message names the link, so loops of links cannot hang or crash discovery.
Bytes are read only when a submission is graded (a large class is never all in memory), and only
from regular files, with a size bound; a zip's members are checked by their declared size
before anything is read, their total bounded, and each read with the same bound.  Each student
of a folder or zip is one submission (`_one_each`), however many files their folder holds.
"""
from __future__ import annotations

import collections
import errno
import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..assignment.release import release
from ..errors import GraderError, NoSubmissionsError
from ..local_files import MAX_SUBMISSION_BYTES, UnreadableFile, describe_link, read_regular
from ..sandbox.guest.wire import text as valid_text
from .course import CourseAssignment, course_assignment

SUFFIXES = (".ipynb", ".py")
MAX_ARCHIVE_BYTES = 4 * 2**30     # all the submissions of one zip, uncompressed, as declared
_SKIPPED_PARTS = (".ipynb_checkpoints", "__pycache__", "__MACOSX")
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]")
# records/<id>.json and its temporary file must stay within a file name's 255 bytes.
MAX_ID_CHARS = 100


@dataclass(frozen=True)
class Submission:
    student: str
    path: str          # where it came from, as shown in results.json ("class.zip:alice/nb.ipynb" for zips)
    source: str        # the file on disk (the zip itself for a zip member)
    member: str = ""   # the member name inside a zip
    problem: str = ""  # why it will not be read, found before reading (a link)

    def __post_init__(self) -> None:
        # What is shown (results.json, records, reports) must be text; `source` keeps the real name.
        for field in ("path", "problem"):
            object.__setattr__(self, field, shown_text(getattr(self, field)))

    @property
    def filename(self) -> str:
        return shown_text(PurePosixPath(self.member).name if self.member else Path(self.source).name)

    def read(self) -> bytes:
        """Its bytes; raises UnreadableFile for a link, a non-regular file or one over the size bound."""
        if self.problem:
            raise UnreadableFile(self.problem)
        if not self.member:
            try:
                return read_regular(Path(self.source), MAX_SUBMISSION_BYTES)
            except UnreadableFile as error:
                raise UnreadableFile(shown_text(str(error))) from None
        try:
            with zipfile.ZipFile(self.source) as archive, archive.open(self.member) as member:
                data = member.read(MAX_SUBMISSION_BYTES + 1)   # the declared size may lie
        except Exception as error:  # noqa: BLE001 - a member's own header decides what zipfile raises
            # (BadZipFile, zlib.error, EOFError, OSError, and RuntimeError for an encrypted member,
            # NotImplementedError for an unknown compression method, LZMAError, ...): one member
            # that will not be read is that student's `unreadable` record, never the class's end.
            raise UnreadableFile(f"{self.path} cannot be read from the zip: {type(error).__name__}: "
                                 f"{error}") from None
        if len(data) > MAX_SUBMISSION_BYTES:
            raise UnreadableFile(f"{self.path} is larger than {MAX_SUBMISSION_BYTES // 2**20} MB")
        return data


def shown_text(name: str) -> str:
    """A file system name (or a message holding one) as text every record and report can hold: a
    name that is not UTF-8 reaches Python as lone surrogates (`\\udcff`), which stopped the batch
    where its record was written; such bytes are shown escaped (`\\xff`)."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:   # a surrogate no file name makes (from a message's other text)
        return valid_text(name)


def student_id(name: str) -> str:
    """`name` as a student id that is also a file name: itself when it is one (ASCII letters, digits,
    `. _ @ + -`, at most MAX_ID_CHARS); else its safe part and a hash of the whole name after a `~`,
    which no id kept as it is holds: `alice smith` never becomes another student's `alice_smith`."""
    if name and not _UNSAFE.search(name) and len(name) <= MAX_ID_CHARS and name not in (".", ".."):
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{_UNSAFE.sub('_', name)[:MAX_ID_CHARS] or 'student'}~{digest}"


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in _SKIPPED_PARTS


def _wanted(path: PurePosixPath) -> bool:
    return path.suffix in SUFFIXES and not any(_skipped(part) for part in path.parts)


def is_course_root(path: Path) -> bool:
    return path.is_dir() and (path / "submitted").is_dir()


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    return sorted(os.scandir(folder), key=lambda entry: entry.name)


def _linked(student: str, path: Path) -> Submission:
    return Submission(student_id(student), str(path), str(path), problem=describe_link(path))


def _course(root: Path, assignment: CourseAssignment) -> list[Submission]:
    found = []
    for entry in _entries(root / "submitted"):
        folder = Path(entry.path) / assignment.name
        if entry.is_symlink() or folder.is_symlink():
            found.append(_linked(entry.name, Path(entry.path) if entry.is_symlink() else folder))
            continue
        if not folder.is_dir():
            continue
        # A folder named like a notebook is no candidate (a student may hand one in beside the real file).
        files = [e for e in _entries(folder) if _wanted(PurePosixPath(e.name)) and not e.is_dir(follow_symlinks=False)]
        # .py files only where there is no notebook (a script handed in instead of the notebook).
        notebooks = [e for e in files if e.name.endswith(".ipynb")] or files
        # The course's own notebook name first; any other name is graded all the same.
        preferred = [e for e in notebooks if Path(e.name).stem in (assignment.notebook, assignment.name)] \
            or notebooks[:1]
        found += [_linked(entry.name, Path(e.path)) if e.is_symlink() else
                  Submission(student_id(entry.name), e.path, e.path) for e in preferred]
    return found


def _one_each(found: list[Submission], preferred: frozenset[str]) -> list[Submission]:
    """One submission per student of one folder or zip, chosen as in a course root: a notebook before
    a .py file, one named like the assignment or its notebook first, then the shallowest, then by name.
    Every file a student's folder holds is otherwise a job of its own (`alice~2`, `alice~3`, ...):
    ten thousand files would be ten thousand times the time, memory and pages one submission may cost."""
    def rank(submission: Submission) -> tuple[bool, bool, int, str]:
        where = PurePosixPath(submission.member or submission.path)
        return (where.suffix != ".ipynb", where.stem not in preferred, len(where.parts), str(where))

    chosen: dict[str, tuple[tuple[bool, bool, int, str], Submission]] = {}
    for submission in found:
        ranked = (rank(submission), submission)
        if submission.student not in chosen or ranked[0] < chosen[submission.student][0]:
            chosen[submission.student] = ranked
    return [s for s in found if chosen[s.student][1] is s]


def _folder(folder: Path, preferred: frozenset[str]) -> list[Submission]:
    """Files directly in `folder` are their own students (by stem); everything below a subfolder is its student's."""
    found = []
    for top in _entries(folder):
        if _skipped(top.name):
            continue
        if top.is_dir(follow_symlinks=False):
            found += _below(top.name, Path(top.path))
        else:
            found += _file(Path(top.name).stem, Path(top.path), PurePosixPath(top.name))
    return _one_each(found, preferred)


def _below(student: str, folder: Path) -> list[Submission]:
    """Every wanted file (and link) below `folder`, breadth first and without recursion: os.walk
    recurses once per level (Python 3.11), so a student's folder 1500 deep stopped discovery, the
    whole class with it.  A linked folder is listed, never entered; a folder that cannot be listed
    (too long a path) is left out, as os.walk does."""
    found = []
    pending: collections.deque[tuple[Path, PurePosixPath]] = collections.deque([(folder, PurePosixPath())])
    while pending:
        where, relative = pending.popleft()
        try:
            entries = _entries(where)
        except OSError:
            continue
        for entry in entries:
            if _skipped(entry.name) and (entry.is_symlink() or entry.is_dir(follow_symlinks=False)):
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append((Path(entry.path), relative / entry.name))
            else:
                found += _file(student, Path(entry.path), relative / entry.name)
    return found


def _file(student: str, path: Path, relative: PurePosixPath) -> list[Submission]:
    """A submission for a wanted file (read_regular refuses it if it is no regular file), and an
    unreadable one for a link that a submission may hide behind."""
    if path.is_symlink():
        return [_linked(student, path)] if _wanted(relative) or _is_dir_link(path) else []
    return [Submission(student_id(student), str(path), str(path))] if _wanted(relative) else []


def _is_dir_link(path: Path) -> bool:
    """A link that names a folder, or loops: a student's work may be behind it."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError as error:
        return error.errno == errno.ELOOP


def _zip_student(parts: tuple[str, ...]) -> str:
    if len(parts) >= 3 and parts[0] == "submitted":   # a course root, zipped
        return parts[1]
    return PurePosixPath(parts[0]).stem if len(parts) == 1 else parts[0]


def _zip(path: Path, preferred: frozenset[str]) -> list[Submission]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename)
    except Exception as error:  # noqa: BLE001 - BadZipFile, OSError, and ValueError or
        # UnicodeDecodeError for a member name flagged UTF-8 that is not: the instructor is told which file
        raise GraderError(f"{path} is not a readable zip file ({type(error).__name__}: {error})") from None
    wanted = [i for i in members if _wanted(PurePosixPath(i.filename))
              and ".." not in PurePosixPath(i.filename).parts and not i.filename.startswith("/")]
    total = sum(i.file_size for i in wanted)
    if total > MAX_ARCHIVE_BYTES:
        raise GraderError(f"{path}: its submissions add up to {total / 2**30:.1f} GB uncompressed "
                          f"(more than {MAX_ARCHIVE_BYTES // 2**30} GB); is it a zip bomb?")
    found = []
    for info in wanted:
        student, where = student_id(_zip_student(PurePosixPath(info.filename).parts)), f"{path}:{info.filename}"
        problem = ""
        if stat.S_ISLNK(info.external_attr >> 16):
            problem = f"{where} is a symbolic link inside the zip; links are not followed"
        elif info.file_size > MAX_SUBMISSION_BYTES:
            problem = f"{where} is larger than {MAX_SUBMISSION_BYTES // 2**20} MB ({info.file_size} bytes uncompressed)"
        found.append(Submission(student, where, str(path), info.filename, problem))
    return _one_each(found, preferred)


def discover(paths: list[Path], assignment: str | None = None) -> list[Submission]:
    """Every submission under `paths`, student ids made unique (alice, alice~2, ...); in a course
    root, those of `assignment` (default: the course's only one, grading.course)."""
    found: list[Submission] = []
    preferred = frozenset({assignment or release().assignment, release().notebook})
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise GraderError(f"{path} does not exist")
        if is_course_root(path):
            found += _course(path, course_assignment(path, assignment))
        elif path.is_dir():
            found += _folder(path, preferred)
        elif path.suffix == ".zip":
            found += _zip(path, preferred)
        else:
            found.append(Submission(student_id(path.stem), str(path), str(path)))
    if not found:
        raise NoSubmissionsError(f"no .ipynb or .py submissions found under {', '.join(map(str, paths))}")
    seen: dict[str, int] = {}
    unique = []
    for submission in found:
        seen[submission.student] = seen.get(submission.student, 0) + 1
        count = seen[submission.student]
        student = submission.student if count == 1 else f"{submission.student}~{count}"
        unique.append(Submission(student, submission.path, submission.source, submission.member, submission.problem))
    return unique

