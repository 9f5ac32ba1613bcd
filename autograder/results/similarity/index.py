"""Which submissions share uncommon fingerprints, and how many, without comparing every pair.

An inverted index (fingerprint -> the submissions holding it) drops what is everyone's: the
release's code, and, as MOSS's -m does, any fingerprint held by more than `most_common(n)`
submissions of the class (the canonical lines of a short exercise).  What is left of a submission is
its distinctive code; two submissions are counted against each other only through a fingerprint both
hold, so the work is the sum over fingerprints of (holders choose 2), not n choose 2.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MOST_COMMON = 10          # a fingerprint held by more submissions than this, or than
MOST_COMMON_SHARE = 0.001 # this share of the class, is the class's, not evidence of copying
_CHUNK = 20_000_000       # pair keys counted at once (160 MB of int64)


def most_common(submissions: int) -> int:
    return max(MOST_COMMON, int(MOST_COMMON_SHARE * submissions))


def distinctive(prints: Sequence[np.ndarray], boilerplate: np.ndarray, most: int) -> list[np.ndarray]:
    """Each submission's fingerprints (a sorted unique uint64 array each) less the boilerplate's and
    those held by more than `most` submissions."""
    if not prints:
        return []
    everything = np.concatenate(prints)
    values, inverse, counts = np.unique(everything, return_inverse=True, return_counts=True)
    keep = (counts <= most) & ~np.isin(values, boilerplate)
    kept = keep[inverse]
    bounds = np.cumsum([len(p) for p in prints])[:-1]
    return [p[k] for p, k in zip(prints, np.split(kept, bounds))]


def shared_counts(prints: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of submissions (by index) sharing a fingerprint of `prints` (unique arrays):
    (first (p,), second (p,), fingerprints in common (p,)), first < second."""
    owner = np.repeat(np.arange(len(prints), dtype=np.int64), [len(p) for p in prints])
    values = np.concatenate(prints) if prints else np.zeros(0, dtype=np.uint64)
    order = np.lexsort((owner, values))
    values, owner = values[order], owner[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    group_end = np.repeat(starts + sizes, sizes)          # for each entry, where its fingerprint's holders end
    n = np.int64(max(len(prints), 1))
    keys: list[np.ndarray] = []
    counted = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    pending = 0
    at = np.arange(len(values))
    for delta in range(1, int(sizes.max(initial=1))):
        at = at[at + delta < group_end[at]]               # entries with a holder `delta` places after them
        if not len(at):
            break
        keys.append(owner[at] * n + owner[at + delta])
        pending += len(at)
        if pending > _CHUNK:
            counted, keys, pending = _merge(counted, keys), [], 0
    counted = _merge(counted, keys)
    return counted[0] // n, counted[0] % n, counted[1]


def _merge(counted: tuple[np.ndarray, np.ndarray], keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """`counted` (pair keys, counts) with `keys` added."""
    if not keys:
        return counted
    new, new_counts = np.unique(np.concatenate(keys), return_counts=True)
    both = np.concatenate([counted[0], new])
    weights = np.concatenate([counted[1], new_counts])
    unique, inverse = np.unique(both, return_inverse=True)
    return unique, np.bincount(inverse, weights=weights).astype(np.int64)
