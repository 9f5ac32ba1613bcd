"""One function exercise checked: what it scores and why.  Pure: plain data in, results out.

``check_exercise`` takes the cases an exercise was graded on and the recorded calls
(``sandbox/guest/calls.call_case`` records, decoded) and decides, case by case:
the call raised -> fail with the student's traceback; an input was changed in place -> fail;
the return value breaks the contract (type, cache, scalar) -> fail with a hint; else each
output is compared with the answer key (rtol=1e-5, atol=1e-7; masks exactly, as booleans).
The score follows ``scoring.partial_credit``.  A failing exercise is diagnosed against the
catalog of known mistakes (``mistakes``): a mistake is named only when it is confirmed
(``diagnose``); otherwise the feedback says what the cases show (``observations``).
"""
from __future__ import annotations

import ast
from collections import Counter
from typing import Any, Iterable

import numpy as np

from ..assignment.cases import Case
from ..assignment.exercises import EXERCISES, FUNCTIONS
from .diagnose import PUBLISHED_ONLY, PUBLISHED_ONLY_HINT, confirmed_mistake, published_only
from .mistakes import SOLUTIONS_FILE
from .observations import observe
from .result import CaseResult, ExerciseResult, ExerciseStatus, error_result, missing_result
from .scoring import partial_credit
from .verdict import check_case, expected_outputs


def _not_implemented(outcome: dict[str, Any]) -> bool:
    return bool(outcome.get("error")) and outcome["error"].get("type") == "NotImplementedError"


def check_exercise(exercise: str, cases: list[Case], outcomes: list[dict[str, Any]],
                   own_helper_outcomes: list[dict[str, Any]] | None = None) -> ExerciseResult:
    """Score one exercise from its cases and the student's recorded calls.

    exercise -- a function exercise's name (a key of EXERCISES)
    cases -- the cases it was graded on (autograder.assignment.cases.cases_for)
    outcomes -- one call_case record per case, the function run with the answer key's helpers
    own_helper_outcomes -- the same calls with the student's own helpers (exercises with helpers
        only); used for feedback, never for the score
    """
    if exercise not in FUNCTIONS:
        raise ValueError(f"{exercise!r} is not a function exercise; expected one of {list(FUNCTIONS)}")
    spec = EXERCISES[exercise]
    if len(outcomes) != len(cases) or not cases:
        return error_result(exercise, f"grader error: {len(outcomes)} outcomes for {len(cases)} cases")
    if all(_not_implemented(o) for o in outcomes):
        return missing_result(exercise, f"{exercise}: not implemented yet (it raises NotImplementedError). "
                                         f"Write your code between the START and END CODE HERE markers.")
    expected = [expected_outputs(case) for case in cases]
    checked = [check_case(case, outcome, want) for case, outcome, want in zip(cases, outcomes, expected)]
    results = [result for result, _ in checked]
    hints = list(dict.fromkeys(hint for _, hint in checked if hint))
    passed = sum(r.passed for r in results)
    score = partial_credit(spec.points, passed, len(results), spec.granularity)
    if passed == len(results):
        status = ExerciseStatus.PASSED
    elif all(o.get("error") for o in outcomes):
        status = ExerciseStatus.ERROR
    else:
        status = ExerciseStatus.FAILED

    diagnosis: list[str] = []
    if status is not ExerciseStatus.PASSED:
        mistake = confirmed_mistake(cases, outcomes, expected)
        if mistake is not None:
            diagnosis.append(mistake.name)
            hints.append(f"Likely mistake, {mistake.name}: {mistake.hint}")
        elif published_only(results):
            diagnosis.append(PUBLISHED_ONLY)
            hints.append(f"Likely mistake, {PUBLISHED_ONLY}: {PUBLISHED_ONLY_HINT}")
        else:
            hints.append(observe(exercise, cases, results))
    if own_helper_outcomes is not None and spec.helpers:
        note = _own_helper_note(exercise, cases, results, own_helper_outcomes, expected)
        if note:
            hints.append(note)
    feedback = _feedback(exercise, score, spec.points, results, hints)
    return ExerciseResult(score, spec.points, status, feedback, diagnosis, exercise, tuple(results))


def _own_helper_note(exercise: str, cases: list[Case], isolated: list[CaseResult],
                     own_outcomes: list[dict[str, Any]], expected: list[dict[str, np.ndarray]]) -> str:
    """Feedback when the student's own helpers are what breaks this exercise."""
    if len(own_outcomes) != len(cases):
        return ""
    own = [check_case(c, o, e)[0] for c, o, e in zip(cases, own_outcomes, expected)]
    if not any(i.passed and not o.passed for i, o in zip(isolated, own)):
        return ""
    helpers = EXERCISES[exercise].helpers
    given = " and ".join(helpers)
    culprit = helpers[0] if len(helpers) == 1 else " or ".join(helpers) + " (whichever fails its own check)"
    return f"Your {exercise} is right with the answer key's {given} but fails with your own: fix {culprit}."


def _feedback(exercise: str, score: float, points: float, results: list[CaseResult], hints: list[str]) -> str:
    """The feedback text: one line per case, each distinct traceback once (where it first
    occurred, with how many more cases raised the same), then the hints."""
    passed = sum(r.passed for r in results)
    lines = [f"{exercise}: {score:g} / {points:g} points ({passed} of {len(results)} cases passed)"]
    repeats = Counter(r.traceback for r in results if r.traceback)
    shown: set[tuple[str, ...]] = set()
    for r in results:
        lines.append(f"  {'pass' if r.passed else 'FAIL'}  [{r.kind}] {r.label}"
                     + ("" if r.passed else f": {r.problem}"))
        if r.traceback and r.traceback not in shown:
            shown.add(r.traceback)
            lines += [f"        {line}" for line in r.traceback]
            more = repeats[r.traceback] - 1
            if more:
                lines.append(f"        (the same error in {more} more case{'s' if more > 1 else ''})")
    lines += [f"  Hint: {hint}" for hint in hints]
    return "\n".join(lines)


def helper_source(names: Iterable[str]) -> str:
    """Source text defining the answer key's functions `names` (needs only numpy), for the sandbox.

    Taken from cnn_reference/notebook_solutions.py with ast, so it is the notebook's own code.
    """
    source = SOLUTIONS_FILE.read_text(encoding="utf-8")
    wanted = set(names)
    functions = {node.name: ast.get_source_segment(source, node) for node in ast.parse(source).body
                 if isinstance(node, ast.FunctionDef) and node.name in wanted}
    missing = wanted - functions.keys()
    if missing:
        raise ValueError(f"no answer-key function named {sorted(missing)}")
    return "import numpy as np\n\n\n" + "\n\n\n".join(functions[name] for name in sorted(functions)) + "\n"
