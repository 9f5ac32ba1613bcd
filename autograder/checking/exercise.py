"""One function exercise checked: what it scores and why.  Pure: plain data in, results out.

``check_exercise`` takes the cases an exercise was graded on and the recorded calls
(``sandbox/guest/calls.call_case`` records, decoded) and decides, case by case:
the call raised -> fail with the student's traceback; an input was changed in place -> fail;
the return value breaks the contract (type, cache, scalar) -> fail with a hint; else each
output is compared with the answer key (``compare``; masks exactly, as booleans).  The score
follows ``scoring``: the fraction of cases passed, where the published examples alone earn nothing.
A failing exercise is diagnosed against the catalog of known mistakes (``mistakes``): a mistake is
named only when it is confirmed (``diagnose``); otherwise the feedback says what the cases show (``observations``).

An exercise that calls earlier ones (its helpers) is graded with the student's own helpers.  Where
it fails and one of its helpers fails its own check, a second run with the answer key's helper in
its place (``Substitution``: nothing of that run but pass or fail per case) can only add points
(``with_substitution``), so that one mistake is charged once.
"""
from __future__ import annotations

import ast
import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..assignment.cases import Case
from ..assignment.exercises import EXERCISES, FUNCTIONS
from .diagnose import (
    PUBLISHED_ONLY,
    PUBLISHED_ONLY_HINT,
    agrees_with_helpers_replaced,
    confirmed_mistake,
    published_only,
    raised_in_another_exercise,
)
from .mistakes import SOLUTIONS_FILE
from .observations import failing_kind, identity_hint, observe
from .result import CaseResult, ExerciseResult, ExerciseStatus, error_result, unanswered_result
from .scoring import credited, partial_credit
from .trivial import discriminates
from .unanswered import placeholder_line
from .verdict import check_case, error_text, expected_outputs

NO_CREDIT_FOR_PUBLISHED_ONLY = ("Only published examples, or cases a trivial answer also passes (the input returned, "
                                "zeros, a constant), pass: they earn no points on their own. Points come with the "
                                "first other case that passes.")


def _not_implemented(exercise: str, outcome: dict[str, Any]) -> bool:
    """The call raised NotImplementedError in the exercise's own code (the template's), not in a
    helper it calls: an unanswered zero_pad does not make a written conv_forward unanswered."""
    error = outcome.get("error")
    return bool(error and error.get("type") == "NotImplementedError"
                and not raised_in_another_exercise(exercise, error_text(error)[0]))


def check_exercise(exercise: str, cases: list[Case], outcomes: list[dict[str, Any]],
                   sources: list[str] | None = None) -> ExerciseResult:
    """Score one exercise from its cases and the student's recorded calls.

    exercise -- a function exercise's name (a key of EXERCISES)
    cases -- the cases it was graded on (autograder.assignment.cases.cases_for)
    outcomes -- one call_case record per case, the function run with the student's own helpers
    sources -- the student's code (the cells, in order), when at hand: read by the observations
               that come from the code rather than from the cases (never for the score)
    """
    if exercise not in FUNCTIONS:
        raise ValueError(f"{exercise!r} is not a function exercise; expected one of {list(FUNCTIONS)}")
    spec = EXERCISES[exercise]
    if len(outcomes) != len(cases) or not cases:
        return error_result(exercise, f"grader error: {len(outcomes)} outcomes for {len(cases)} cases")
    expected = [expected_outputs(case) for case in cases]
    checked = [check_case(case, outcome, want) for case, outcome, want in zip(cases, outcomes, expected)]
    results = [result for result, _ in checked]
    hints = list(dict.fromkeys(hint for _, hint in checked if hint))
    passed = sum(r.passed for r in results)
    if passed == 0:
        placeholder = placeholder_line(exercise, sources or [])
        if placeholder is None and all(_not_implemented(exercise, o) for o in outcomes):
            placeholder = "it raises NotImplementedError"
        if placeholder is not None:
            return unanswered_result(exercise, placeholder)
    earned, counted = credited([r.kind for r in results], [r.passed for r in results],
                               [discriminates(case, want) for case, want in zip(cases, expected)])
    score = partial_credit(spec.points, earned, counted, spec.granularity)
    if passed and not earned:
        hints.append(NO_CREDIT_FOR_PUBLISHED_ONLY)
    if passed == len(results):
        status = ExerciseStatus.PASSED
    elif all(o.get("error") for o in outcomes):
        status = ExerciseStatus.ERROR
    else:
        status = ExerciseStatus.FAILED

    diagnosis: list[str] = []
    if status is not ExerciseStatus.PASSED:
        hints += [hint for hint in [identity_hint(exercise, sources or [])] if hint]
        mistake = confirmed_mistake(cases, outcomes, expected)
        if mistake is not None:
            diagnosis.append(mistake.name)
            hints.append(f"Likely mistake, {mistake.name}: {mistake.hint}")
        elif published_only(results):
            diagnosis.append(PUBLISHED_ONLY)
            hints.append(f"Likely mistake, {PUBLISHED_ONLY}: {PUBLISHED_ONLY_HINT}")
        else:
            hints.append(observe(exercise, cases, results))
    feedback = _feedback(exercise, score, spec.points, results, hints)
    return ExerciseResult(score, spec.points, status, feedback, diagnosis, exercise, tuple(results))


@dataclass(frozen=True)
class Substitution:
    """A second run of an exercise with the answer key's `helpers` in place of the student's own
    (which fail their own check): whether each case passed, and nothing else of that run."""

    helpers: tuple[str, ...]
    passes: tuple[bool, ...]


def helpers_to_substitute(exercise: str, result: ExerciseResult,
                          result_of: Callable[[str], ExerciseResult]) -> tuple[str, ...]:
    """The helpers to take from the answer key in a second run of `exercise`: none when it passed
    (or is missing or unanswered), else those of its helpers whose own result (`result_of`) is not a pass; and
    every helper when it ran out of time, since a helper may pass its own small cases and still be
    what makes the exercise that calls it on every window too slow."""
    if result.status in (ExerciseStatus.PASSED, ExerciseStatus.MISSING, ExerciseStatus.UNANSWERED):
        return ()
    helpers = EXERCISES[exercise].helpers
    if result.status is ExerciseStatus.TIMEOUT:
        return helpers
    return tuple(helper for helper in helpers if result_of(helper).status is not ExerciseStatus.PASSED)


def case_passes(exercise: str, cases: list[Case], outcomes: list[dict[str, Any]]) -> tuple[bool, ...]:
    """Whether each recorded call passes its case (all fail when the calls do not match the cases)."""
    if len(outcomes) != len(cases):
        return (False,) * len(cases)
    return tuple(check_case(case, outcome, expected_outputs(case))[0].passed for case, outcome in zip(cases, outcomes))


def with_substitution(result: ExerciseResult, substitution: Substitution, cases: list[Case]) -> ExerciseResult:
    """The better of `result` (graded with the student's own helpers) and the substituted run.

    The note says only what the second run showed: how many cases passed with the answer key's
    helpers, that the exercise is right only when all of them did, and, from which cases passed
    (their geometry alone, nothing the run printed), where to look when exactly one kind failed."""
    result = _diagnosis_that_holds(result, substitution, cases)
    spec = EXERCISES[result.exercise]
    passed, total = sum(substitution.passes), len(substitution.passes)
    earned, counted = credited([case.kind for case in cases], substitution.passes,
                               [discriminates(case, expected_outputs(case)) for case in cases])
    score = partial_credit(spec.points, earned, counted, spec.granularity) if total else 0.0
    if score <= result.score:
        return result
    status = ExerciseStatus.PASSED if passed == total else ExerciseStatus.FAILED
    helpers = " and ".join(substitution.helpers)
    if result.status is ExerciseStatus.TIMEOUT:
        why = "with your own it ran out of time"
    else:
        why = "yours fails its own check" if len(substitution.helpers) == 1 else "yours fail their own checks"
    lines = [f"{result.exercise}: {score:g} / {spec.points:g} points, graded with the answer key's {helpers} "
             f"({why}): {passed} of {total} cases passed with it."]
    if status is ExerciseStatus.PASSED:
        lines.append(f"  Your {result.exercise} is right: what it lost is your {helpers}'s to fix.")
    else:
        kind = failing_kind(cases, [CaseResult(c.label, c.kind, p) for c, p in zip(cases, substitution.passes)])
        if kind is not None:
            lines.append(f"  With it, {kind.passing} passes and {kind.failing} fails. {kind.pointer}")
    lines.append(f"With your own {helpers}:")
    return dataclasses.replace(result, score=score, status=status, feedback="\n".join(lines) + "\n" + result.feedback,
                               diagnosis=[] if status is ExerciseStatus.PASSED else result.diagnosis)


def _diagnosis_that_holds(result: ExerciseResult, substitution: Substitution, cases: list[Case]) -> ExerciseResult:
    """`result`, whose mistake was named from a run with the student's failing helpers, without that
    name (and with what the cases show instead) when the run with the answer key's helpers does not
    bear it out (diagnose.agrees_with_helpers_replaced)."""
    named = [name for name in result.diagnosis if name != PUBLISHED_ONLY]
    if not named or agrees_with_helpers_replaced(result.exercise, named[0], cases, substitution.passes):
        return result
    prefix = f"  Hint: Likely mistake, {named[0]}: "
    lines = [line for line in result.feedback.split("\n") if not line.startswith(prefix)]
    lines.append(f"  Hint: {observe(result.exercise, cases, list(result.cases))}")
    return dataclasses.replace(result, feedback="\n".join(lines), diagnosis=[])


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
    functions = {node.name: ast.get_source_segment(source, node) or "" for node in ast.parse(source).body
                 if isinstance(node, ast.FunctionDef) and node.name in wanted}
    missing = wanted - functions.keys()
    if missing:
        raise ValueError(f"no answer-key function named {sorted(missing)}")
    return "import numpy as np\n\n\n" + "\n\n\n".join(functions[name] for name in sorted(functions)) + "\n"
