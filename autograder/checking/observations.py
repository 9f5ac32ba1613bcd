"""What the cases show, when no catalogued mistake explains a failing exercise.

A hint must be right or absent: without a confirmed mistake the feedback says only what is
observable, which outputs are wrong on which kinds of case ("dA_prev and dW are right; db is
wrong on every batch of more than one example"), and, when the failing cases are exactly one
kind, where to look.  The rules, each read from the cases' geometry:

- every stride-1 case passes and every stride >= 2 case fails: how the stride enters the indices;
- every pad > 0 case passes and every pad = 0 case fails: the slices when pad = 0;
- every pad = 0 case passes and every pad > 0 case fails: where pad enters the code;
- only batches of one pass: something depends on the example index;
- only square inputs pass: height and width mixed up somewhere (swapped, or one used for both);
- only one pooling mode passes: the other mode's branch.

One rule is read from the student's source instead: a comparison with `is` against a literal
(`mode is "max"`), which Python itself warns about.  `is` asks whether two objects are the same,
and a string the grader passes is equal to the literal but another object (in the student's own
calls, literals often happen to be the same object, so the code seems right there).
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..assignment.cases import Case
from ..assignment.exercises import EXERCISES
from .result import CaseResult


@dataclass(frozen=True)
class Geometry:
    """What kind of case it is; None where the exercise has no such property."""

    batch: int | None = None
    square: bool | None = None
    stride: int | None = None
    pad: int | None = None
    mode: str | None = None


def geometry(case: Case) -> Geometry:
    """The geometry of a case, read from its inputs by their names (the cache holds the forward pass's)."""
    spec = EXERCISES[case.exercise]
    args: dict[str, Any] = dict(zip(spec.args, case.args))
    cache = args.get("cache")
    if isinstance(cache, tuple):
        args.setdefault("A_prev", cache[0])
        args.setdefault("hparameters", cache[-1])
    images = next((args[n] for n in ("A_prev", "X") if isinstance(args.get(n), np.ndarray)), None)
    window = args.get("x") if isinstance(args.get("x"), np.ndarray) else None
    hparameters = given if isinstance(given := args.get("hparameters"), dict) else {}
    shape = images.shape[1:3] if images is not None and images.ndim == 4 else \
        window.shape if window is not None and window.ndim == 2 else args.get("shape")
    pad = hparameters.get("pad", args.get("pad"))
    return Geometry(
        batch=images.shape[0] if images is not None and images.ndim == 4 else None,
        square=shape[0] == shape[1] if isinstance(shape, tuple) and len(shape) == 2 else None,
        stride=hparameters.get("stride"),
        pad=pad if isinstance(pad, int) else None,
        mode=str(case.kwargs.get("mode", "max")) if "mode" in spec.args else None)


@dataclass(frozen=True)
class CaseKind:
    """A kind of case, and where to look when exactly the cases of this kind fail."""

    failing: str                                   # "every case with stride >= 2"
    passing: str                                   # "every case with stride 1"
    pointer: str
    holds: Callable[[Geometry], bool | None]       # None: the case has no such property


KINDS: tuple[CaseKind, ...] = (
    CaseKind("every case with stride >= 2", "every case with stride 1", "Look at how the stride enters your indices.",
             lambda g: None if g.stride is None else g.stride >= 2),
    CaseKind("every case with pad = 0", "every case with pad > 0", "Look at your slices when pad = 0.",
             lambda g: None if g.pad is None else g.pad == 0),
    CaseKind("every case with pad > 0", "every case with pad = 0",
             "Look at where pad enters your code: the padded array, what is cut from it, and what is returned.",
             lambda g: None if g.pad is None else g.pad > 0),
    CaseKind("every batch of more than one example", "every batch of one",
             "Something depends on the example index: look at where your code uses it.",
             lambda g: None if g.batch is None else g.batch > 1),
    CaseKind("every non-square input", "every square input",
             "Height and width are mixed up somewhere: swapped, or one of them used for both.",
             lambda g: None if g.square is None else not g.square),
    CaseKind('every case with mode = "average"', 'every case with mode = "max"', 'Look at the "average" branch.',
             lambda g: None if g.mode is None else g.mode == "average"),
    CaseKind('every case with mode = "max"', 'every case with mode = "average"', 'Look at the "max" branch.',
             lambda g: None if g.mode is None else g.mode == "max"),
)


def failing_kind(cases: list[Case], results: list[CaseResult]) -> CaseKind | None:
    """The one kind of case that fails exactly where the student's cases fail (None: no kind, or several)."""
    failed = [not r.passed for r in results]
    geometries = [geometry(c) for c in cases]
    kinds = [kind for kind in KINDS if [kind.holds(g) for g in geometries] == failed]
    return kinds[0] if len(kinds) == 1 else None


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _what(exercise: str, failing: list[CaseResult]) -> str:
    """What goes wrong on the failing cases, and which outputs stay right ('' when it is mixed)."""
    if all(r.raised for r in failing):
        return f"it raises {' or '.join(sorted({r.raised for r in failing}))}"
    if not all(r.wrong for r in failing):
        return ""
    outputs = EXERCISES[exercise].outputs
    wrong = [name for name in outputs if any(name in r.wrong for r in failing)]
    right = [name for name in outputs if name not in wrong]
    text = f"{_names(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong"
    return text + (f"; {_names(right)} {'is' if len(right) == 1 else 'are'} right in every case" if right else "")


def observe(exercise: str, cases: list[Case], results: list[CaseResult]) -> str:
    """What the failing cases show, as one hint ('' when every case passed)."""
    failing = [r for r in results if not r.passed]
    if not failing:
        return ""
    what = _what(exercise, failing)
    kind = failing_kind(cases, results)
    if kind is not None:
        return (f"What the cases show: {kind.passing} passes, {kind.failing} fails"
                f"{f' ({what})' if what else ''}. {kind.pointer}")
    where = "every case fails" if len(failing) == len(results) else f"{len(failing)} of {len(results)} cases fail"
    return f"What the cases show: {where}{f' ({what})' if what else ''}."


# A cell longer than this is not read for observations (a hint is optional; the grader's time and
# memory are not: a syntax tree costs about 150 times its source, and 4 s per MB to build): this
# assignment's answers are a few kB.
MAX_PARSED_CHARS = 2**16


def _parsed(source: str) -> ast.Module | None:
    """A cell's syntax tree (None when it does not parse, or is too long to read)."""
    if len(source) > MAX_PARSED_CHARS:
        return None
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def identity_comparisons(exercise: str, sources: list[str]) -> list[str]:
    """The string literals that `exercise`'s function (its last definition in `sources`, the cells
    in order) compares with `is` or `is not` (Python's SyntaxWarning '"is" with a literal').
    Numbers are left out: small integers are one object each in CPython, so `is` happens to work."""
    found: list[str] | None = None
    defines = re.compile(rf"\bdef\s+{re.escape(exercise)}\b")
    for source in sources:
        tree = _parsed(source) if defines.search(source) else None   # only the cells that may define it
        if tree is None:
            continue
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and function.name == exercise:
                found = []
                for compare in (n for n in ast.walk(function) if isinstance(n, ast.Compare)):
                    sides = [compare.left, *compare.comparators]
                    for n, op in enumerate(compare.ops):
                        if isinstance(op, (ast.Is, ast.IsNot)):
                            found += [repr(side.value) for side in sides[n:n + 2]
                                      if isinstance(side, ast.Constant) and isinstance(side.value, (str, bytes))]
    return list(dict.fromkeys(found or []))


def identity_hint(exercise: str, sources: list[str]) -> str:
    """A hint when `exercise` compares with `is` against a string literal ('' when it does not)."""
    literals = identity_comparisons(exercise, sources)
    if not literals:
        return ""
    return (f"Your {exercise} compares with `is` (or `is not`) against {_names(literals)}: `is` asks whether two "
            f"objects are the same object, not whether they are equal. A string equal to the literal but made "
            f"elsewhere, as the grader's arguments are, is another object, so the comparison is False there "
            f"(in your own calls the two may happen to be one object). Compare values with ==.")
