"""Reading and copying the instructor's folders without ever following a link.

A course folder holds what students handed in, so a name in it may be a symbolic link to the
answer key, another student's work, /dev/zero or itself.  Here only regular files are read, each
opened with O_NOFOLLOW (a link fails to open) and O_NONBLOCK (a FIFO cannot block the open),
checked to be a regular file on the open descriptor, and read up to a bound; a copy takes only
regular files and real folders.
"""
from __future__ import annotations

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
