"""Which submissions share code: copydetect's winnowing (the fingerprints MOSS uses), run on this
machine (nothing is uploaded), over the code each student wrote.

Only the solution regions count (the lines between the release's `START CODE HERE` and `END CODE
HERE` markers): the scaffold around them is everyone's.  A submission without markers (a script,
an old notebook) counts with all its code.  The release's code, whole and as its regions (the
stubs), is copydetect's boilerplate, so the scaffold alone never makes two submissions similar.
copydetect tokenizes before fingerprinting, so renaming variables does not hide a copy.

Two submissions are similar when more than `threshold` of either one's code is found in the
other.  The pairs are returned with each side's code cut into shared and own pieces; reports/
renders them (similarity.html, and a list in report.html), escaping everything.
"""
from __future__ import annotations

import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

START, END = "### START CODE HERE", "### END CODE HERE"
DEFAULT_THRESHOLD = 0.5
# Fingerprinting costs about 2.5 s and 90 MB per MB of code in the grader's process; what students
# write here is a few kB.  Code above this bound is not compared, and the report names its students.
MAX_COMPARED_CHARS = 200_000


@dataclass(frozen=True)
class SimilarPair:
    first: str
    second: str
    first_share: float                   # the share of first's code found in second's
    second_share: float
    first_code: list[tuple[str, bool]]   # first's code in pieces: (text, found in the other)
    second_code: list[tuple[str, bool]]

    @property
    def similarity(self) -> float:
        return max(self.first_share, self.second_share)


@dataclass(frozen=True)
class SimilarGroup:
    """Submissions linked by similar pairs (a pair is a group of two): one shared source is one
    group, however many copied it, so a report stays readable for a whole class."""

    students: tuple[str, ...]
    highest: float                # the most similar pair's share
    pairs: int

    def names(self) -> str:
        return ", ".join(self.students[:-1]) + " and " + self.students[-1]


@dataclass(frozen=True)
class Similarity:
    threshold: float
    compared: int                 # how many submissions were compared (readable ones)
    pairs: list[SimilarPair]      # above the threshold, most similar first
    too_large: list[str] = field(default_factory=list)   # students whose code is over MAX_COMPARED_CHARS

    @property
    def groups(self) -> list[SimilarGroup]:
        """The pairs' students joined into groups (connected by any pair), largest group first."""
        leader: dict[str, str] = {}

        def find(student: str) -> str:
            while leader.setdefault(student, student) != student:
                student = leader[student]
            return student

        for pair in self.pairs:
            leader[find(pair.first)] = find(pair.second)
        members: dict[str, list[str]] = {}
        for student in leader:
            members.setdefault(find(student), []).append(student)
        groups = []
        for students in members.values():
            inside = [p for p in self.pairs if p.first in students]
            groups.append(SimilarGroup(tuple(sorted(students)), max(p.similarity for p in inside), len(inside)))
        return sorted(groups, key=lambda g: (-len(g.students), -g.highest, g.students))


def written_code(cells: list[str]) -> str:
    """The code between the markers of `cells` (each region dedented), or all of it without markers."""
    regions: list[str] = []
    current: list[str] | None = None
    for line in "\n".join(cells).splitlines():
        if START in line:
            current = []
        elif END in line and current is not None:
            regions.append(textwrap.dedent("\n".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    return "\n".join(regions) if regions else "\n".join(cells)


def _pieces(code: str, slices: np.ndarray) -> list[tuple[str, bool]]:
    """`code` cut at copydetect's slices (a 2 x n array: starts, ends of the shared parts)."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in slices.T:
        pieces += [(code[at:start], False), (code[start:end], True)]
        at = end
    return [piece for piece in [*pieces, (code[at:], False)] if piece[0]]


def compare(submissions: dict[str, list[str]], scaffold: list[str], threshold: float = DEFAULT_THRESHOLD) -> Similarity:
    """The pairs of `submissions` (student -> code cells) sharing more than `threshold` of either
    one's written code; `scaffold` is the release's code cells.  Written code over MAX_COMPARED_CHARS
    is left out (`too_large`)."""
    written = {student: written_code(cells) for student, cells in submissions.items()}
    code = {student: text for student, text in written.items() if len(text) <= MAX_COMPARED_CHARS}
    pairs = _similar_pairs(code, scaffold, threshold) if len(code) >= 2 else []
    return Similarity(threshold, len(code), sorted(pairs, key=lambda p: (-p.similarity, p.first, p.second)),
                      sorted(written.keys() - code.keys()))


def _similar_pairs(code: dict[str, str], scaffold: list[str], threshold: float) -> list[SimilarPair]:
    from copydetect import CopyDetector  # it imports pyplot: only when a report is made

    with tempfile.TemporaryDirectory(prefix="cnn-similarity-") as tmp:
        detector = CopyDetector(extensions=["py"], display_t=threshold, silent=True, autoopen=False,
                                force_language="python", out_file=str(Path(tmp) / "unused.html"))
        files = {}
        for number, (student, text) in enumerate(sorted(code.items())):
            path = Path(tmp) / f"{number}.py"          # student ids need not be file names
            path.write_text(text, encoding="utf-8")
            files[str(path)] = student
            detector.add_file(str(path))
        for name, text in (("scaffold", "\n\n".join(scaffold)), ("stubs", written_code(scaffold))):
            (Path(tmp) / f"{name}.boilerplate").write_text(text, encoding="utf-8")
            detector.add_file(str(Path(tmp) / f"{name}.boilerplate"), type="boilerplate")
        detector.run()
        order = detector.test_files
        pairs = []
        for i, j in zip(*np.triu_indices(len(order), k=1)):
            first_share, second_share = detector.similarity_matrix[i, j]
            if max(first_share, second_share) <= threshold:
                continue
            first_slices, second_slices = detector.slice_matrix[(order[i], order[j])]
            first, second = files[order[i]], files[order[j]]
            pairs.append(SimilarPair(first, second, float(first_share), float(second_share),
                                     _pieces(code[first], first_slices), _pieces(code[second], second_slices)))
    return pairs
