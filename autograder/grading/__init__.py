"""Bulk grading: discover submissions, run each in the sandbox, check, record, report."""
