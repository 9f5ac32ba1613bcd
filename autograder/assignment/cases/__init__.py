"""The cases an exercise is graded on: the assignment's seeded cases plus hidden ones.

Seeded cases are the published examples (``seeded.py``); hidden cases are drawn at grading
time from a generator seeded per student (``hidden.py``), so a student who hard-codes the
published outputs fails them, and two students do not get identical inputs.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..exercises import FUNCTIONS
from .hidden import hidden_cases
from .seeded import seeded_cases

# Used when no student id is known (e.g. a notebook run outside nbgrader's autograded/ layout).
COURSE_SEED = 20_171_106


@dataclass(frozen=True)
class Case:
    exercise: str
    label: str                          # geometry only, never values: it is shown to the student
    kind: Literal["seeded", "hidden"]
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    # "<exercise>/<n>" for the n-th seeded case: where its expected outputs live in expected.h5.
    key: str = ""


def cases_for(exercise: str, seed: int) -> list[Case]:
    """The seeded cases of `exercise` followed by its hidden cases for `seed` (deterministic in seed)."""
    seeded = [Case(exercise, case.label, "seeded", case.args, dict(case.kwargs), key=f"{exercise}/{n}")
              for n, case in enumerate(seeded_cases(exercise))]
    hidden = [Case(exercise, label, "hidden", args, kwargs) for label, args, kwargs in hidden_cases(exercise, seed)]
    return seeded + hidden


def seed_for(student: str, submission: bytes = b"") -> int:
    """A stable 32-bit seed for a student id and the bytes of the submission (hashlib, since hash()
    changes between processes).

    Student code sees its hidden inputs while it runs, and whatever it prints or raises can reach
    its feedback: seeded by the submission too, the inputs one submission leaks are not those of
    the student's next one (any change of the file draws new ones), so they are of no use for
    hard-coding answers; the same file always gets the same cases (resuming, regrading)."""
    digest = hashlib.sha256(student.encode("utf-8") + b"\0" + hashlib.sha256(submission).digest())
    return int.from_bytes(digest.digest()[:4], "little")


def _feed(digest: Any, value: Any) -> None:
    """Feed a case's argument into `digest` unambiguously (arrays by dtype, shape and bytes)."""
    if isinstance(value, np.ndarray):
        digest.update(f"array{value.dtype.str}{value.shape}".encode() + np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (tuple, list)):
        digest.update(f"{type(value).__name__}{len(value)}(".encode())
        for item in value:
            _feed(digest, item)
        digest.update(b")")
    elif isinstance(value, Mapping):
        digest.update(f"dict{len(value)}(".encode())
        for key in sorted(value):
            _feed(digest, key)
            _feed(digest, value[key])
        digest.update(b")")
    else:
        digest.update(f"{type(value).__name__}:{value!r};".encode())


# The seed whose cases stand for the generator in the resume key (any fixed seed would do).
PROBE_SEED = 0


def generator_digest() -> str:
    """A hash of every case every function exercise is graded on for one probe seed (part of the
    resume key), computed once per run.

    A student's cases are one function of their seed, of the case code and the answer key (both in
    the grader's fingerprint) and of numpy's generator; that function changes for every seed or for
    none, so one seed's cases show whether it changed, and the seed itself comes from the student id."""
    digest = hashlib.sha256()
    for exercise in FUNCTIONS:
        for case in cases_for(exercise, PROBE_SEED):
            _feed(digest, (case.exercise, case.label, case.kind, case.key, case.args, dict(case.kwargs)))
    return digest.hexdigest()
