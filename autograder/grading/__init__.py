"""Bulk grading: find the submissions, grade each through the pipeline on an engine, store and report.

``discover`` (paths → submissions) → ``batch`` (skip the current ones) → ``engines`` (a local
thread pool or Dask, ``distributed``) → ``pipeline`` (sanitize, ``load``; plan; run in the
sandbox; check; record) → results.  ``options`` holds what a result depends on and its resume key.
"""
