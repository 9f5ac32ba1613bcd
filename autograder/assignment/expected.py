"""The seeded cases' expected outputs, stored in ``autograder/assignment/data/expected.h5``.

``make expected`` (``tools/write_expected.py``) writes the file from the answer key; a test
regenerates it into a temporary file and fails if the committed one differs or if a stored value
disagrees with the published numbers.  Layout: one group per exercise, one group per seeded case
(its index in ``seeded_cases``), one dataset per output (``Exercise.outputs``); each case group
carries its label as an attribute.
"""
from __future__ import annotations

import functools
from pathlib import Path

import h5py
import numpy as np

EXPECTED_FILE = Path(__file__).parent / "data" / "expected.h5"


def read_expected(path: Path = EXPECTED_FILE) -> dict[str, dict[str, np.ndarray]]:
    """{"<exercise>/<n>": {output name: array}} for every seeded case stored in `path`."""
    stored: dict[str, dict[str, np.ndarray]] = {}
    with h5py.File(path, "r") as h5:
        for exercise, cases in h5.items():
            for n, group in cases.items():
                stored[f"{exercise}/{n}"] = {name: dataset[()] for name, dataset in group.items()}
    return stored


@functools.lru_cache(maxsize=1)
def _packaged() -> dict[str, dict[str, np.ndarray]]:
    return read_expected()


def seeded_expected(key: str) -> dict[str, np.ndarray]:
    """The stored outputs of the seeded case `key` ("<exercise>/<n>"), as fresh copies."""
    stored = _packaged()
    if key not in stored:
        raise KeyError(f"no stored outputs for seeded case {key!r} in {EXPECTED_FILE}: run `make expected`")
    return {name: np.array(array) for name, array in stored[key].items()}
