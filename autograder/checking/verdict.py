"""The verdict on one case: does one recorded call pass, and if not, what kind of problem is it."""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..assignment.cases import Case
from ..assignment.exercises import EXERCISES
from ..assignment.expected import seeded_expected
from .answers import answer_outputs
from .compare import mismatch
from .contracts import IN_PLACE_HINT, ContractError, changed_inputs, read_outputs
from .result import CaseResult
from .ties import tie_alternatives


def expected_outputs(case: Case) -> dict[str, np.ndarray]:
    """Seeded cases: the stored outputs (expected.h5); hidden ones: the answer key, now."""
    if case.kind == "seeded" and case.key:
        return seeded_expected(case.key)
    return answer_outputs(case.exercise, case.args, case.kwargs)


def output_mismatches(exercise: str, outputs: dict[str, np.ndarray],
                      expected: dict[str, np.ndarray]) -> dict[str, str]:
    """Each output whose values do not match the answer key's, with what kind of mismatch."""
    exact = EXERCISES[exercise].exact
    return {name: problem for name, want in expected.items()
            if (problem := mismatch(name, np.asarray(outputs[name]), want, exact=exact))}


def wrong_outputs(case: Case, outcome: dict[str, Any], expected: dict[str, np.ndarray]) -> list[str]:
    """The problems of a call that returned: contract first, then each output's values ([] = pass)."""
    try:
        outputs = read_outputs(case.exercise, outcome.get("value"), case.args)
    except ContractError as error:
        return [error.args[0]]
    return list(output_mismatches(case.exercise, outputs, expected).values())


# A decimal number, as a hidden input or an expected value would print.  A student's exception
# message can carry one (`raise ValueError(A_prev.sum())`); on a hidden case it is blanked.
_DECIMAL = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+|\b(?:nan|inf)\b")
HIDDEN_NUMBER = "<number>"


# What of a student's error the checks read and the feedback shows: the sandbox sends the last 8
# frames and the error line, its message cut at 500 characters; a forged answer may send 100 lines
# of 20,000, over which the searches here (blanking decimals, mistakes' signatures) took minutes.
SHOWN_LINES, SHOWN_CHARS = 9, 600


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."


def error_text(error: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """(traceback lines, message) of a recorded error: the last SHOWN_LINES lines, each text cut at SHOWN_CHARS."""
    lines = tuple(_cut(str(line)) for line in list(error.get("traceback") or ())[-SHOWN_LINES:])
    return lines, _cut(str(error.get("message")))


def _shown(case: Case, text: str) -> str:
    """What of a student's error text the feedback may show: on hidden cases, no decimal numbers."""
    return _DECIMAL.sub(HIDDEN_NUMBER, text) if case.kind == "hidden" else text


def check_case(case: Case, outcome: dict[str, Any], expected: dict[str, np.ndarray]) -> tuple[CaseResult, str]:
    """(the case's result, a hint for the kind of problem or '')."""
    error = outcome.get("error")
    if error:
        # The student's code lines are their own text; only the message carries values.
        lines, message = error_text(error)
        lines = (*lines[:-1], _shown(case, lines[-1])) if lines else ()
        # The traceback's last line already carries the message.
        problem = f"raised {_cut(str(error.get('type')))}" + ("" if lines else f": {_shown(case, message)}")
        return CaseResult(case.label, case.kind, False, problem, lines, raised=str(error.get("type"))), ""
    changed = changed_inputs(case.exercise, case.args, case.kwargs, outcome.get("inputs_after"))
    if changed:
        return CaseResult(case.label, case.kind, False, f"changed its input {', '.join(changed)} in place"), \
            IN_PLACE_HINT
    try:
        outputs = read_outputs(case.exercise, outcome.get("value"), case.args)
    except ContractError as contract:
        return CaseResult(case.label, case.kind, False, contract.args[0]), contract.args[1]
    mismatches = output_mismatches(case.exercise, outputs, expected)
    if mismatches and any(not output_mismatches(case.exercise, outputs, other) for other in tie_alternatives(case)):
        mismatches = {}
    return CaseResult(
        case.label, case.kind, not mismatches, "; ".join(mismatches.values()), wrong=tuple(mismatches)
    ), ""
