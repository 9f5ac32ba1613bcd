"""The one exception of the student-side package."""
from __future__ import annotations


class NotConfigured(RuntimeError):
    """The environment does not say where the grading service is (CNN_CHECK_URL is unset)."""
