"""The seeded cases' expected outputs, stored in ``autograder/data/expected.h5``.

``python -m autograder.expected`` (``make expected``) regenerates the file from the answer key;
a test regenerates it into a temporary file and fails if the committed one differs or if a
stored value disagrees with the published numbers.  Layout: one group per exercise, one group
per seeded case (its index in ``seeded_cases``), one dataset per output (``OUTPUT_NAMES``); each
case group carries its label as an attribute.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import h5py
import numpy as np

from .cases.seeded import seeded_cases
from .checks.answers import OUTPUT_NAMES, answer_outputs

EXPECTED_FILE = Path(__file__).parent / "data" / "expected.h5"


def write_expected(path: Path = EXPECTED_FILE) -> None:
    """Compute every seeded case's outputs with the answer key and write them to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with h5py.File(tmp, "w") as h5:
        h5.attrs["generated_by"] = "python -m autograder.expected (make expected): do not edit"
        for exercise in OUTPUT_NAMES:
            for n, case in enumerate(seeded_cases(exercise)):
                group = h5.create_group(f"{exercise}/{n}")
                group.attrs["label"] = case.label
                for name, array in answer_outputs(exercise, case.args, case.kwargs).items():
                    group.create_dataset(name, data=array)
    tmp.replace(path)


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


def main() -> int:
    write_expected()
    print(f"wrote {EXPECTED_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
