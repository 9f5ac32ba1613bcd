"""Which submissions share code that is not everyone's, over the code each student wrote, on this
machine (nothing is uploaded).

Only the solution regions count (the lines between the release's `START CODE HERE` and `END CODE
HERE` markers): the scaffold around them is everyone's.  A submission without markers (a script,
an old notebook) counts with all its code.  Each is normalised and winnowed (fingerprints: names do
not matter, so renaming variables does not hide a copy); the release's code and the fingerprints a
large share of the class holds are dropped (index), and what is left is a submission's distinctive
code.  Only pairs sharing some of it are scored, so a class costs about linear time.

A pair's score is the smaller of its two shares (the share of each one's distinctive code found in
the other): a submission that took half of each of two others is not similar to either.  A pair is
listed when either share is above the threshold; it is *mutual* when both are.  A submission linked
to submissions that are not linked to each other (a superset of two, a public solution several
copied parts of) is "similar to many": listed alone, it does not join their groups.  Groups are the
rest, joined by their listed pairs.  The most similar pairs carry both sides' code, cut into shared
and own pieces, for reports/ to render.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .fingerprints import K, fingerprints, kgram_hashes, normal_text, normalise
from .index import distinctive, most_common, shared_counts
from .written import written_code

__all__ = ["DEFAULT_THRESHOLD", "MAX_COMPARED_CHARS", "MAX_PAIRS_SHOWN", "SimilarGroup", "SimilarPair",
           "SimilarToMany", "Similarity", "compare", "written_code"]

DEFAULT_THRESHOLD = 0.5
MIN_SHARED = 8     # distinctive fingerprints two submissions must share to be listed (about 40 characters of code)
# What students write here is a few kB; code above this bound is not compared, and the report names its students.
MAX_COMPARED_CHARS = 200_000
MAX_PAIRS_SHOWN = 200   # pairs whose code is kept, side by side in similarity.html


@dataclass(frozen=True)
class SimilarPair:
    first: str
    second: str
    first_share: float                   # the share of first's distinctive code found in second's
    second_share: float
    mutual: bool                         # both shares above the threshold
    first_code: list[tuple[str, bool]] = field(default_factory=list)   # (text, shared): only for shown pairs
    second_code: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def similarity(self) -> float:
        return min(self.first_share, self.second_share)


@dataclass(frozen=True)
class SimilarGroup:
    """Submissions joined by listed pairs (a pair is a group of two): one shared source is one group,
    however many copied it, so a report stays readable for a whole class."""

    students: tuple[str, ...]
    highest: float                # the most similar pair's score
    pairs: int

    def names(self) -> str:
        return ", ".join(self.students[:-1]) + " and " + self.students[-1]


@dataclass(frozen=True)
class SimilarToMany:
    """A submission linked to others that are not linked to each other."""

    student: str
    others: tuple[str, ...]

    def names(self) -> str:
        return ", ".join(self.others)


@dataclass(frozen=True)
class Similarity:
    threshold: float
    compared: int                 # how many submissions were compared (readable ones)
    pairs: list[SimilarPair]      # listed pairs, most similar first; the first MAX_PAIRS_SHOWN carry their code
    too_large: list[str] = field(default_factory=list)   # students whose code is over MAX_COMPARED_CHARS
    many: list[SimilarToMany] = field(default_factory=list)

    @property
    def shown(self) -> list[SimilarPair]:
        return self.pairs[:MAX_PAIRS_SHOWN]

    @property
    def groups(self) -> list[SimilarGroup]:
        """The pairs' students joined into groups, without those similar to many; largest first."""
        apart = {m.student for m in self.many}
        inside = [p for p in self.pairs if p.first not in apart and p.second not in apart]
        members = _components([(p.first, p.second) for p in inside])
        groups = []
        for students in members:
            own = [p for p in inside if p.first in students]
            groups.append(SimilarGroup(tuple(sorted(students)), max(p.similarity for p in own), len(own)))
        return sorted(groups, key=lambda g: (-len(g.students), -g.highest, g.students))


def _components(edges: Iterable[tuple[str, str]]) -> list[set[str]]:
    leader: dict[str, str] = {}

    def find(student: str) -> str:
        while leader.setdefault(student, student) != student:
            leader[student] = leader[leader[student]]
            student = leader[student]
        return student

    for first, second in edges:
        leader[find(first)] = find(second)
    members: dict[str, set[str]] = {}
    for student in list(leader):
        members.setdefault(find(student), set()).add(student)
    return list(members.values())


def _similar_to_many(pairs: list[SimilarPair]) -> list[SimilarToMany]:
    """The students whose linked students fall apart into two or more groups when joined only by the
    pairs among themselves."""
    linked: dict[str, set[str]] = {}
    for pair in pairs:
        linked.setdefault(pair.first, set()).add(pair.second)
        linked.setdefault(pair.second, set()).add(pair.first)
    edges = {(p.first, p.second) for p in pairs}
    many = []
    for student, others in sorted(linked.items()):
        if len(others) < 2:
            continue
        among = [edge for edge in edges if edge[0] in others and edge[1] in others]
        joined = _components(among)
        if len(others) - sum(len(c) for c in joined) + len(joined) >= 2:
            many.append(SimilarToMany(student, tuple(sorted(others))))
    return many


def shares(shared: np.ndarray, first_size: np.ndarray, second_size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The share of each side's distinctive fingerprints that the pair has in common (arrays of pairs)."""
    return shared / np.maximum(first_size, 1), shared / np.maximum(second_size, 1)


def listed(shared: np.ndarray, first_share: np.ndarray, second_share: np.ndarray, threshold: float) -> np.ndarray:
    """Which pairs the report lists: enough in common, and more than `threshold` of either side."""
    chosen: np.ndarray = (shared >= MIN_SHARED) & (np.maximum(first_share, second_share) > threshold)
    return chosen


def class_fingerprints(code: Mapping[str, str], scaffold: list[str]) -> tuple[list[str], list[np.ndarray]]:
    """The students of `code` (sorted) and each one's distinctive fingerprints (sorted unique uint64)."""
    students = sorted(code)
    prints = [np.unique(fingerprints(normal_text(code[s]))[0]) for s in students]
    boilerplate = np.unique(np.concatenate(
        [kgram_hashes(normal_text(text)) for text in ("\n\n".join(scaffold), written_code(scaffold))]))
    return students, distinctive(prints, boilerplate, most_common(len(students)))


def compare(submissions: Mapping[str, list[str]], scaffold: list[str],
            threshold: float = DEFAULT_THRESHOLD) -> Similarity:
    """The pairs of `submissions` (student -> code cells) sharing more than `threshold` of either
    one's distinctive written code; `scaffold` is the release's code cells.  Written code over
    MAX_COMPARED_CHARS is left out (`too_large`)."""
    written = {student: written_code(cells) for student, cells in submissions.items()}
    code = {student: text for student, text in written.items() if len(text) <= MAX_COMPARED_CHARS}
    students, prints = class_fingerprints(code, scaffold)
    first, second, shared = shared_counts(prints)
    sizes = np.array([len(p) for p in prints], dtype=np.int64)
    first_share, second_share = shares(shared, sizes[first], sizes[second])
    chosen = np.flatnonzero(listed(shared, first_share, second_share, threshold))
    order = sorted(chosen, key=lambda i: (-min(first_share[i], second_share[i]), -max(first_share[i], second_share[i]),
                                          students[first[i]], students[second[i]]))
    pairs = [SimilarPair(students[first[i]], students[second[i]], float(first_share[i]), float(second_share[i]),
                         bool(min(first_share[i], second_share[i]) > threshold)) for i in order]
    where = {student: n for n, student in enumerate(students)}
    pairs[:MAX_PAIRS_SHOWN] = [_with_code(p, code, prints[where[p.first]], prints[where[p.second]])
                               for p in pairs[:MAX_PAIRS_SHOWN]]
    return Similarity(threshold, len(code), pairs, sorted(written.keys() - code.keys()), _similar_to_many(pairs))


def _with_code(pair: SimilarPair, code: Mapping[str, str], first: np.ndarray, second: np.ndarray) -> SimilarPair:
    common = np.intersect1d(first, second, assume_unique=True)
    return dataclasses.replace(pair, first_code=_pieces(code[pair.first], common),
                               second_code=_pieces(code[pair.second], common))


def _pieces(code: str, common: np.ndarray) -> list[tuple[str, bool]]:
    """`code` cut into pieces, each marked whether a fingerprint of `common` covers it."""
    normal = normalise(code)
    hashes, positions = fingerprints(normal.text)
    spans = sorted((normal.starts[p], normal.ends[p + K - 1]) for p in positions[np.isin(hashes, common)])
    pieces, at = [], 0
    for start, end in spans:
        if start > at:
            pieces.append((code[at:start], False))
        if end > at:
            pieces.append((code[max(start, at):end], True))
            at = end
    pieces.append((code[at:], False))
    merged: list[tuple[str, bool]] = []
    for text, shared in pieces:
        if merged and merged[-1][1] == shared:
            merged[-1] = (merged[-1][0] + text, shared)
        elif text:
            merged.append((text, shared))
    return merged
