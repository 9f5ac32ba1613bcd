"""nbgrader's `timestamp.txt` (written by `nbgrader submit` in the student's own folder), read by
our own strict grammar: the student controls its text, and a date library that resolves time zone
names opens files on the grader's machine for some of them.

Accepted: `YYYY-MM-DD HH:MM:SS[.ffffff]` (or a `T` between), then optionally ` UTC`, `Z` or an
offset `+HH:MM` / `+HHMM`; ASCII digits only, at most 64 characters.  Anything else is no timestamp.
"""
from __future__ import annotations

import datetime
import re

MAX_CHARS = 64
_GRAMMAR = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?"
                      r"(?: ?(?:UTC|Z)| ?([+-])([0-9]{2}):?([0-9]{2}))?", re.ASCII)


def parse_timestamp(text: str) -> datetime.datetime | None:
    """The moment `text` names, as a naive UTC datetime (how nbgrader's gradebook stores it), or None."""
    text = text.strip()
    match = _GRAMMAR.fullmatch(text) if len(text) <= MAX_CHARS else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(n)) for n in range(1, 7))
    fraction = int((match.group(7) or "0").ljust(6, "0"))
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second, fraction)
        if match.group(8):
            offset = datetime.timedelta(hours=int(match.group(9)), minutes=int(match.group(10)))
            if offset >= datetime.timedelta(hours=24):
                return None
            moment -= offset if match.group(8) == "+" else -offset
    except (ValueError, OverflowError):
        return None
    return moment
