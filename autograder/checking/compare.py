"""Comparisons of plain data, all in the grader's process.

Student values arrive as plain data (``autograder.sandbox.guest.wire``): ndarrays of the base
class, numbers, tuples, lists, dicts and ``{"__scalar__": v, "dtype": s}`` markers.  Arrays are
compared as float64 copies, so no student-defined ``__eq__`` ever runs.
"""
from __future__ import annotations

from typing import Any

import numpy as np

RTOL = 1e-5
ATOL = 1e-7


def _atol(expected: np.ndarray) -> float:
    """The absolute tolerance for the entries of `expected`: ATOL plus RTOL of its largest entry.

    Gradients sum many terms, and some entries cancel to near zero: there an answer right up to
    float32 rounding (about 7 digits of the array's scale, not of the entry) differs from the
    float64 key by more than RTOL of the entry, so whether one student's random inputs held such an
    entry decided the case.  No mistake of the assignment is off by so little of the array's scale."""
    finite = np.abs(expected[np.isfinite(expected)])
    return ATOL + RTOL * (float(finite.max()) if finite.size else 0.0)


def as_number(value: Any) -> float | None:
    """A plain number or numpy-scalar marker as a float; None for anything else."""
    if isinstance(value, dict) and "__scalar__" in value:
        value = value["__scalar__"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


@np.errstate(all="ignore")
def arrays_close(actual: np.ndarray, expected: np.ndarray) -> bool:
    """Same shape and no entry wrong (wrong_entries) on float64 copies."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    return actual.shape == expected.shape and not bool(wrong_entries(actual, expected).any())


@np.errstate(all="ignore")
def wrong_entries(actual: np.ndarray, expected: np.ndarray, exact: bool = False) -> np.ndarray:
    """Boolean array: where `actual` differs from `expected` (same shapes), beyond the tolerances:
    RTOL of the entry, plus ATOL and RTOL of the largest entry of `expected` (_atol)."""
    if exact:
        return np.asarray(actual != expected)
    expected = expected.astype(np.float64)
    close: np.ndarray = np.isclose(actual.astype(np.float64), expected, rtol=RTOL, atol=_atol(expected), equal_nan=True)
    return ~close


def mismatch(name: str, actual: np.ndarray, expected: np.ndarray, exact: bool = False) -> str:
    """'' if `actual` matches `expected`, else what kind of mismatch (shapes and counts, never values)."""
    if actual.shape != expected.shape:
        return f"{name} has shape {actual.shape}, expected {expected.shape}"
    wrong = wrong_entries(actual, expected, exact)
    if not wrong.any():
        return ""
    if not np.isfinite(actual.astype(np.float64)).all():
        return f"{name} contains NaN or infinity"
    return f"{name} has the right shape but wrong values ({int(wrong.sum())} of {wrong.size} entries differ)"


def plain_close(a: Any, b: Any) -> bool:
    """Whether two plain values are the same up to the tolerances (used to match mutants)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and arrays_close(a, b)
    na, nb = as_number(a), as_number(b)
    if na is not None or nb is not None:
        return na is not None and nb is not None and arrays_close(np.array(na), np.array(nb))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(plain_close, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(plain_close(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def plain_equal(a: Any, b: Any) -> bool:
    """Exact equality of plain values (arrays: same shape, dtype kind aside, same entries)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == b.dtype.kind == "f")))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(map(plain_equal, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(plain_equal(a[k], b[k]) for k in a)
    return bool(a == b)
