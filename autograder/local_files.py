"""Reading and copying the instructor's folders without ever following a link.

A course folder holds what students handed in, so a name in it may be a symbolic link to the
answer key, another student's work, /dev/zero or itself.  Here only regular files are read, each
opened with O_NOFOLLOW (a link fails to open) and O_NONBLOCK (a FIFO cannot block the open),
checked to be a regular file on the open descriptor, and read up to a bound; a copy takes only
regular files and real folders.
"""
from __future__ import annotations

import collections
import os
import stat
from pathlib import Path

# The most a student's file may hold (a notebook with saved outputs stays far below it).
MAX_SUBMISSION_BYTES = 50 * 2**20
# The most JSON values a student's notebook may hold.  A parsed value costs up to 60 times its bytes
# (`[],` becomes a 56-byte list): 50 MB of them took 1.3 GB of the grader, twice at once (grading,
# similarity); honest notebooks hold a few thousand (a saved image is one value).
MAX_JSON_VALUES = 2_000_000


def json_value_bound(text: str) -> int:
    """An upper bound of the JSON values of `text`, counted before parsing (`[`, `{` and `,`, also
    inside strings): what parsing it would cost is bounded by this, not by its bytes."""
    return sum(map(text.count, "[{,"))


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
    # The type is checked on the descriptor before anything else uses it: fdopen itself raises
    # (IsADirectoryError) for a folder named like a notebook, which no caller expects.
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnreadableFile(f"{path} is not a regular file")
    with os.fdopen(fd, "rb") as file:
        try:
            data = file.read(limit + 1)
        except OSError as error:
            raise UnreadableFile(f"{path} cannot be read: {error.strerror}") from None
    if len(data) > limit:
        raise UnreadableFile(f"{path} is larger than {limit // 2**20} MB")
    return data


# What one student's folder may put into autograded/: it is copied for formgrader's sake only (the
# grader reads one notebook of it), so a folder nested thousands deep or holding millions of files
# or gigabytes stops being copied there instead of exhausting the host's stack, inodes or disk.
MAX_COPY_DEPTH = 16
MAX_COPY_ENTRIES = 1000
MAX_COPY_BYTES = 4 * MAX_SUBMISSION_BYTES


def copy_regular_tree(source: Path, destination: Path) -> None:
    """Copy `source`'s regular files and real folders into `destination` (merged); links,
    FIFOs, devices and sockets are left out, and no link is followed on either side.

    Breadth first (a folder's own files before anything below it) and without recursion, within
    MAX_COPY_DEPTH, MAX_COPY_ENTRIES and MAX_COPY_BYTES: past any of them the copy stops with
    UnreadableFile, what was copied so far kept."""
    if source.is_symlink() or not source.is_dir():
        return
    for part in (destination, *destination.parents):
        if part.is_symlink():
            raise UnreadableFile(describe_link(part))
    destination.mkdir(parents=True, exist_ok=True)
    pending: collections.deque[tuple[Path, Path, int]] = collections.deque([(source, destination, 0)])
    entries, room = 0, MAX_COPY_BYTES
    while pending:
        folder, into, depth = pending.popleft()
        with os.scandir(folder) as listing:
            for entry in listing:
                target = into / entry.name
                if target.is_symlink():
                    continue
                entries += 1
                if entries > MAX_COPY_ENTRIES:
                    raise UnreadableFile(f"{source} holds more than {MAX_COPY_ENTRIES} files and folders; "
                                         f"the rest is not copied")
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 >= MAX_COPY_DEPTH:
                        raise UnreadableFile(f"{source} is nested more than {MAX_COPY_DEPTH} folders deep; "
                                             f"the rest is not copied")
                    target.mkdir(exist_ok=True)
                    pending.append((Path(entry.path), target, depth + 1))
                elif entry.is_file(follow_symlinks=False):
                    room -= _copy_bounded(entry.path, target, room)


def _copy_bounded(source: str, target: Path, room: int) -> int:
    """Copy the regular file `source` to `target` while it fits in `room` bytes; the bytes copied.
    Read in chunks, never more than room + 1 bytes whatever the file's size (or a lying st_size)."""
    copied = 0
    with open(source, "rb", opener=_no_follow) as reader:
        if not stat.S_ISREG(os.fstat(reader.fileno()).st_mode):
            return 0
        with open(target, "wb") as writer:
            while chunk := reader.read(min(2**20, room + 1 - copied)):
                copied += len(chunk)
                if copied > room:
                    break
                writer.write(chunk)
    if copied > room:
        target.unlink()
        raise UnreadableFile(f"the files to copy add up to more than {MAX_COPY_BYTES // 2**20} MB; "
                             f"{source} and the rest are not copied")
    return copied


def _no_follow(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK)
