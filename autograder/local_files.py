"""Reading and copying the instructor's folders without ever following a link.

A course folder holds what students handed in, so a name in it may be a symbolic link to the
answer key, another student's work, /dev/zero or itself.  Here only regular files are read, each
opened with O_NOFOLLOW (a link fails to open) and O_NONBLOCK (a FIFO cannot block the open),
checked to be a regular file on the open descriptor, and read up to a bound; a copy takes only
regular files and real folders.
"""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

# The most a student's file may hold (a notebook with saved outputs stays far below it).
MAX_SUBMISSION_BYTES = 50 * 2**20


class UnreadableFile(Exception):
    """A file the grader will not read: a link, not a regular file, too large, or unreadable."""


def describe_link(path: Path) -> str:
    """'<path> is a symbolic link (to <target>); links are not followed' for messages."""
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return f"{path} is a symbolic link (to {target}); links are not followed"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file `path` (not a link), at most `limit` of them."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if os.path.islink(path):
            raise UnreadableFile(describe_link(path)) from None
        raise UnreadableFile(f"{path} cannot be read: {error.strerror}") from None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableFile(f"{path} is not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise UnreadableFile(f"{path} is larger than {limit // 2**20} MB")
    return data


def copy_regular_tree(source: Path, destination: Path) -> None:
    """Copy `source`'s regular files and real folders into `destination` (merged); links,
    FIFOs, devices and sockets are left out, and no link is followed on either side."""
    if source.is_symlink() or not source.is_dir():
        return
    for part in (destination, *destination.parents):
        if part.is_symlink():
            raise UnreadableFile(describe_link(part))
    destination.mkdir(parents=True, exist_ok=True)
    for entry in os.scandir(source):
        target = destination / entry.name
        if target.is_symlink():
            continue
        if entry.is_dir(follow_symlinks=False):
            copy_regular_tree(Path(entry.path), target)
        elif entry.is_file(follow_symlinks=False):
            with open(entry.path, "rb", opener=_no_follow) as reader, open(target, "wb") as writer:
                shutil.copyfileobj(reader, writer)


def _no_follow(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK)
