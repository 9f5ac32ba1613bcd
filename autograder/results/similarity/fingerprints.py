"""Winnowing fingerprints of Python code (Schleimer, Wilkerson and Aiken, SIGMOD 2003), as copydetect
normalises it, in numpy: a name becomes V, a defined function's name F, a string S; comments and
white space go; keywords, builtins, numbers and operators stay.  Renaming variables or reformatting
does not change a fingerprint.

copydetect's own pass (pygments, then Python's `hash` of every 25-character k-gram) costs 31 ms per
submission and its hashes differ from process to process; this one is one regular expression and
a vectorised rolling hash, about 1 ms, the same in every process (benchmarks/scale.py measures both).
"""
from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

K = 25        # characters of normalised code per k-gram: copydetect's noise threshold
WINDOW = 6    # k-grams per window: a match of K + WINDOW - 1 = 30 characters is always found (copydetect's guarantee)
_KEPT = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_TOKEN = re.compile(r"""
    (?P<skip>\s+|\\\n|\#[^\n]*)
  | (?P<string>(?i:[rbuf]{0,2})(?:'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
  | (?P<name>[^\W\d]\w*)
  | (?P<other>[^\s\w'"\#\\]+|\S)
""", re.VERBOSE | re.DOTALL)
_BASE = np.uint64(1_000_003)


@dataclass(frozen=True)
class Normalised:
    """Code as the fingerprints see it: `text`, and for each of its characters the span of the
    code it stands for (`starts[i]`, `ends[i]`), so that shared fingerprints can be marked in the code."""

    text: str
    starts: list[int]
    ends: list[int]


def normal_text(code: str) -> str:
    """`normalise(code).text`, without the spans (what the class's fingerprints need): one pass of
    the expression in C, then one comprehension (a tenth of `normalise`'s time)."""
    text = "".join("S" if string else ("V" if name not in _KEPT else name) if name else other
                   for skip, string, name, other in _TOKEN.findall(code) if not skip)
    return text.replace("defV", "defF").replace("classV", "classF")


def normalise(code: str) -> Normalised:
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    after_def = False
    for match in _TOKEN.finditer(code):
        kind, text, start, end = match.lastgroup, match.group(), match.start(), match.end()
        if kind == "skip":
            continue
        if kind == "name" and text not in _KEPT:
            out.append("F" if after_def else "V")
        elif kind == "string":
            out.append("S")
        else:
            out.append(text)
            starts += range(start, end)
            ends += range(start + 1, end + 1)
            after_def = text in ("def", "class")
            continue
        starts.append(start)
        ends.append(end)
        after_def = False
    return Normalised("".join(out), starts, ends)


def kgram_hashes(text: str) -> np.ndarray:
    """The hash of each K-character k-gram of `text`: shape (len(text) - K + 1,), uint64 (empty when shorter)."""
    chars = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(chars) - K + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(K):                      # wraps modulo 2**64, which is what a rolling hash wants
        hashes = hashes * _BASE + chars[offset:offset + count]
    # splitmix64's finaliser, so that the minimum of a window is any k-gram's with the same chance
    hashes ^= hashes >> np.uint64(30)
    hashes *= np.uint64(0xBF58476D1CE4E5B9)
    hashes ^= hashes >> np.uint64(27)
    hashes *= np.uint64(0x94D049BB133111EB)
    return hashes ^ (hashes >> np.uint64(31))


def winnow(hashes: np.ndarray) -> np.ndarray:
    """The positions robust winnowing selects in `hashes` (n,): each window's minimum, the rightmost
    on a tie; shape (m,), increasing."""
    if not len(hashes):
        return np.zeros(0, dtype=np.int64)
    width = min(WINDOW, len(hashes))
    windows = sliding_window_view(hashes, width)[:, ::-1]
    chosen = width - 1 - np.argmin(windows, axis=1) + np.arange(len(windows))
    return np.unique(chosen)


def fingerprints(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The winnowed fingerprints of normalised `text`: (hashes (m,) uint64, their k-gram positions (m,))."""
    hashes = kgram_hashes(text)
    positions = winnow(hashes)
    return hashes[positions], positions
