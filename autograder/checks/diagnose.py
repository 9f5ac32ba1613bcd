"""Naming the bug: which catalogued mistakes explain a failing student's outputs.

For a failing exercise, each of its mutants (``autograder.mistakes``, trusted code run here in
the grader) is called on the same cases; a mistake is named when the mutant fails too and its
outcome matches the student's on every case: the same values up to the tolerances, or both
raising the same exception type.  For mutants that draw random numbers, "matches" means the
same outputs are wrong.  Separately, passing every seeded case and failing every hidden one is
the signature of hard-coded published outputs.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..cases import Case
from ..mistakes import Mistake, mistakes_for, mutant, recognizable_by_traceback
from ..untrusted.calls import call_cases
from .compare import plain_close
from .result import CaseResult
from .verdict import wrong_outputs

PUBLISHED_ONLY = "matches the published example only"
PUBLISHED_ONLY_HINT = (
    "Your function returns the published outputs for the published inputs but is wrong on every "
    "other input: the result must be computed from the arguments, for any size, stride and padding.")


def _same_outcome(case: Case, student: dict[str, Any], theirs: dict[str, Any],
                  expected: dict[str, np.ndarray], random: bool) -> bool:
    if student.get("error") or theirs.get("error"):
        return bool(student.get("error") and theirs.get("error")
                    and student["error"].get("type") == theirs["error"].get("type"))
    if random:
        return sorted(_output_names(wrong_outputs(case, student, expected))) == \
            sorted(_output_names(wrong_outputs(case, theirs, expected)))
    return plain_close(student.get("value"), theirs.get("value"))


def _output_names(problems: list[str]) -> list[str]:
    return [problem.split(" ", 1)[0] for problem in problems]


def matching_mistakes(cases: list[Case], outcomes: list[dict[str, Any]],
                      expected: list[dict[str, np.ndarray]]) -> list[Mistake]:
    """The catalog's mistakes whose mutants behave like the student on every case."""
    if not cases:
        return []
    named = []
    for mistake in mistakes_for(cases[0].exercise):
        theirs = call_cases(mutant(mistake), [(case.args, case.kwargs) for case in cases])
        mutant_fails = any(o.get("error") or wrong_outputs(c, o, e) for c, o, e in zip(cases, theirs, expected))
        if mutant_fails and all(_same_outcome(c, s, t, e, mistake.random)
                                for c, s, t, e in zip(cases, outcomes, theirs, expected)):
            named.append(mistake)
    return named


def recognized_by_traceback(outcomes: list[dict[str, Any]]) -> list[Mistake]:
    """Mistakes whose signature appears in some case's error (type, message, student's traceback)."""
    texts = ["\n".join([*(o["error"].get("traceback") or ()), f'{o["error"].get("type")}: {o["error"].get("message")}'])
             for o in outcomes if o.get("error")]
    return [m for m in recognizable_by_traceback() if any(re.search(m.signature, text) for text in texts)]


def published_only(results: list[CaseResult]) -> bool:
    """Every seeded case passed and every hidden case failed (there being some of each)."""
    seeded = [r.passed for r in results if r.kind == "seeded"]
    hidden = [r.passed for r in results if r.kind == "hidden"]
    return bool(seeded) and bool(hidden) and all(seeded) and not any(hidden)
