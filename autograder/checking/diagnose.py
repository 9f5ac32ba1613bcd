"""Naming the bug: the one catalogued mistake that explains a failing student's outputs, if any.

For a failing exercise, each of its mutants (``mistakes``, trusted code run here in
the grader) is called on the same cases; a mutant fits when it fails too and its outcome
matches the student's on every case: the same values up to the tolerances, or both raising the
same exception type (and, where the student's call raised inside another exercise's function, one
of their own helpers, the mutant raising in that function too).  A hint must be right or absent,
so a mistake is named only when it is confirmed: it fits (or its signature is in the student's
traceback, raised in this exercise's own code: a helper's error is the helper's, named by its own
check) and no mistake of another name fits equally.  A mistake with a signature is confirmed by
the signature alone, and one named from a run with failing helpers must also explain the run with
the answer key's helpers (``agrees_with_helpers_replaced``).  Mutants that draw random numbers
cannot match values; they fit when the student garbles only outputs the mutant garbles, in every
case, by offsets the size of a start value (not growing with the data).  Separately, passing every
seeded case and failing every hidden one is the signature of hard-coded published outputs, or of
code relying on something only the published inputs have (whole-number values, say).
"""
from __future__ import annotations

import copy
import re
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..assignment.cases import Case
from ..assignment.exercises import FUNCTIONS
from ..sandbox.guest.wire import to_plain
from .compare import plain_close, wrong_entries
from .contracts import ContractError, read_outputs
from .mistakes import Mistake, mistakes_for, mutant, recognizable_by_traceback
from .result import CaseResult
from .verdict import error_text, expected_outputs, wrong_outputs

PUBLISHED_ONLY = "matches the published example only"
# Hard-coded outputs show so, and so does honest code that relies on something only the published
# inputs have (int(dz), say: the published dz are whole numbers): the hint says what is seen and
# where to look, not which of the two it is.
PUBLISHED_ONLY_HINT = (
    "Your function returns the published outputs for the published inputs but is wrong on every "
    "other input. Something your code relies on holds for the published examples only (their sizes, "
    "their values, whole numbers say, or the outputs themselves): the result must follow from the "
    "arguments, for any size, stride, padding and values.")


def _same_outcome(student: dict[str, Any], theirs: dict[str, Any]) -> bool:
    if student.get("error") or theirs.get("error"):
        return bool(student.get("error") and theirs.get("error")
                    and student["error"].get("type") == theirs["error"].get("type"))
    return plain_close(student.get("value"), theirs.get("value"))


GARBLED_FRACTION = 0.5
# How far a start value puts an output off: random draws and ones are of order one, whatever the
# inputs.  An output off by more (on the seeded cases, where the gradients sum hundreds of terms,
# such errors reach the hundreds) grows with the data: another mistake.
START_OFFSET = 10.0


def _garbled(case: Case, outcome: dict[str, Any], expected: dict[str, np.ndarray]) -> set[str] | None:
    """The outputs wrong in most entries by start-value offsets, as random or uninitialized values
    are; None if the call raised, broke the contract, or has an output wrong in part only or by
    more than a start value (the sign of another bug)."""
    if outcome.get("error"):
        return None
    try:
        outputs = read_outputs(case.exercise, outcome.get("value"), case.args)
    except ContractError:
        return None
    garbled = set()
    for name, want in expected.items():
        got = np.asarray(outputs[name])
        if got.shape != want.shape:
            return None
        wrong = wrong_entries(got, want)
        # Not .all(): a random entry lands within the tolerance of a large expected value now and then.
        with np.errstate(all="ignore"):
            offset = np.abs(got.astype(np.float64) - want.astype(np.float64))
        if wrong.mean() >= GARBLED_FRACTION and bool(np.all(offset <= START_OFFSET)):
            garbled.add(name)
        elif wrong.any():
            return None
    return garbled


def _garbled_like(case: Case, student: dict[str, Any], theirs: dict[str, Any], want: dict[str, np.ndarray]) -> bool:
    """The student garbles some outputs of this case, and only outputs the mutant garbles.

    Required of every case, not some: arbitrary starting values spoil every geometry, so an output
    that is right on some kind of case (a batch of one, say) has another explanation."""
    mine, its = _garbled(case, student, want), _garbled(case, theirs, want)
    return mine is not None and its is not None and bool(mine) and mine <= its


# Mutants run in the grader's process, which may grade several submissions in threads: no
# redirection of sys.stdout (mutants print nothing), and the warning filters, which are
# process-wide, are changed under one lock.
_MUTANT_LOCK = threading.Lock()
# A mutant's outcome on a seeded case is the same for every student: computed once per process.
# (Not for random mutants, whose outcomes are draws.)
_SEEDED_OUTCOMES: dict[tuple[Mistake, str], dict[str, Any]] = {}


def _call_mutant(function: Callable[..., Any], case: Case) -> dict[str, Any]:
    """The outcome of a (trusted) mutant on one case, in the form call_case records it (under _MUTANT_LOCK)."""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(dict(case.kwargs))
    try:
        return {"value": to_plain(function(*args, **kwargs)), "error": None}
    except Exception as error:  # noqa: BLE001 - the mistake may make the function raise, as the student's did
        # Where it raised: the function of the mutant's last frame (its helpers share its source).
        frames = [f.name for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<mutant")]
        return {"value": None, "error": {"type": type(error).__name__, "message": str(error),
                                         "function": frames[-1] if frames else ""}}


def _mutant_outcome(mistake: Mistake, case: Case) -> dict[str, Any]:
    if mistake.random or case.kind != "seeded" or not case.key:
        return _call_mutant(mutant(mistake), case)
    key = (mistake, case.key)
    if key not in _SEEDED_OUTCOMES:
        _SEEDED_OUTCOMES[key] = _call_mutant(mutant(mistake), case)
    return _SEEDED_OUTCOMES[key]


def _fits(mistake: Mistake, cases: list[Case], outcomes: list[dict[str, Any]],
          expected: list[dict[str, np.ndarray]]) -> bool:
    """The mutant behaves like the student on every case (and, unless random, fails somewhere).

    Case by case, stopping at the first that differs: most mutants are told apart on the first
    case, so the rest are never run."""
    mutant_fails = False
    for case, student, want in zip(cases, outcomes, expected):
        theirs = _mutant_outcome(mistake, case)
        if not _raised_in_the_same_helper(mistake.exercise, student, theirs):
            return False
        if not (_garbled_like(case, student, theirs, want) if mistake.random else _same_outcome(student, theirs)):
            return False
        mutant_fails = mutant_fails or bool(theirs.get("error") or wrong_outputs(case, theirs, want))
    return mistake.random or mutant_fails


def mutant_passes(mistake: Mistake, cases: list[Case]) -> tuple[bool, ...]:
    """Which cases the mutant passes (with the answer key's helpers, as every mutant runs)."""
    with _MUTANT_LOCK, warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        outcomes = [_mutant_outcome(mistake, case) for case in cases]
    return tuple(not (theirs.get("error") or wrong_outputs(case, theirs, expected_outputs(case)))
                 for case, theirs in zip(cases, outcomes))


def agrees_with_helpers_replaced(exercise: str, name: str, cases: list[Case], passes: tuple[bool, ...]) -> bool:
    """Whether the mistake `name` of `exercise`, named from a run with the student's own helpers
    (some failing their own checks), also explains the run with the answer key's helpers: some
    mutant of that name passes exactly the cases the student's exercise passed there.  A mistake
    named from outcomes two mistakes made together (the helper's and the caller's) often is the
    helper's, seen through the caller.  A mistake recognized by its traceback alone (no mutant of
    this exercise has its name) is the student's own line: it stands."""
    mutants = [m for m in mistakes_for(exercise) if m.name == name]
    return not mutants or any(mutant_passes(m, cases) == tuple(passes) for m in mutants)


def matching_mistakes(cases: list[Case], outcomes: list[dict[str, Any]],
                      expected: list[dict[str, np.ndarray]]) -> list[Mistake]:
    """The catalog's mistakes whose mutants behave like the student on every case.

    Mutants that draw random numbers are considered only when no other mistake matches; mistakes
    with a traceback signature are left to recognized_by_traceback.
    """
    if not cases:
        return []
    catalog = mistakes_for(cases[0].exercise)
    with _MUTANT_LOCK, warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        # A mistake with a signature is an error whose type and message other lines raise as well
        # (float() of any (1, 1, 1) array): only the student's line, its signature, confirms it.
        named = [m for m in catalog if not m.random and not m.signature and _fits(m, cases, outcomes, expected)]
        return named or [m for m in catalog if m.random and _fits(m, cases, outcomes, expected)]


# A student's traceback line: '<cell 3>, line 12, in conv_single_step: Z = Z + float(b)'.
_FRAME_FUNCTION = re.compile(r", line \d+, in (\w+): ")


def _raising_function(lines: tuple[str, ...]) -> str:
    """The function of the student's line that raised (the last frame of the traceback; '' if none)."""
    frames = [match.group(1) for line in lines[:-1] if (match := _FRAME_FUNCTION.search(line))]
    return frames[-1] if frames else ""


def raised_in_another_exercise(exercise: str, lines: tuple[str, ...]) -> bool:
    """The line that raised is in another exercise's function: e.g. conv_forward calling the
    student's own conv_single_step, which raised."""
    function = _raising_function(lines)
    return function != exercise and function in FUNCTIONS


def _raised_in_the_same_helper(exercise: str, student: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Unless the student's call raised inside another exercise's function (a helper), True; if it
    did, whether the mutant's call raised in that same function too.  The mutant calls the answer
    key's helpers: where the student's error comes from their own helper and the mutant's from its
    own code, the same type of error is two mistakes (the helper's one, named by its own check)."""
    if not student.get("error"):
        return True
    lines = error_text(student["error"])[0]
    if not raised_in_another_exercise(exercise, lines):
        return True
    return bool(theirs.get("error")) and theirs["error"].get("function") == _raising_function(lines)


def recognized_by_traceback(outcomes: list[dict[str, Any]], exercise: str = "") -> list[Mistake]:
    """Mistakes whose signature appears in some case's error (type, message, student's traceback),
    where the error was raised in `exercise`'s own code, not in another exercise's it calls."""
    texts = []
    for outcome in outcomes:
        if outcome.get("error"):
            lines, message = error_text(outcome["error"])
            if exercise and raised_in_another_exercise(exercise, lines):
                continue
            texts.append("\n".join([*lines, f'{outcome["error"].get("type")}: {message}']))
    return [m for m in recognizable_by_traceback() if any(re.search(m.signature, text) for text in texts)]


def one_explanation(fitting: list[Mistake]) -> Mistake | None:
    """The mistake, when every fitting mistake has one name; None when none fits or several names do.

    Variants of one mistake (one corner or both, one branch or both) share its name and hint, so
    they count as one explanation; two different names fitting equally are no diagnosis."""
    return fitting[0] if len({m.name for m in fitting}) == 1 else None


def confirmed_mistake(cases: list[Case], outcomes: list[dict[str, Any]],
                      expected: list[dict[str, np.ndarray]]) -> Mistake | None:
    """The one catalogued mistake that explains the student's outcomes, if there is exactly one."""
    exercise = cases[0].exercise if cases else ""
    return one_explanation(matching_mistakes(cases, outcomes, expected) + recognized_by_traceback(outcomes, exercise))


def published_only(results: list[CaseResult]) -> bool:
    """Every seeded case passed and every hidden case failed (there being some of each)."""
    seeded = [r.passed for r in results if r.kind == "seeded"]
    hidden = [r.passed for r in results if r.kind == "hidden"]
    return bool(seeded) and bool(hidden) and all(seeded) and not any(hidden)
