"""The grader's own errors (not the students'): each becomes an exit status in autograder.cli."""
from __future__ import annotations


class GraderError(Exception):
    """The grader itself cannot run (bad command line, sandbox unavailable, unwritable output)."""

    exit_code = 2


class NoSubmissionsError(GraderError):
    """No gradable file was found under the given paths."""

    exit_code = 3
