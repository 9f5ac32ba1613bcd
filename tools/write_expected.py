"""`make expected`: write the seeded cases' expected outputs (autograder/assignment/data/expected.h5)
from the answer key.  The layout is described in autograder.assignment.expected."""
from __future__ import annotations

import sys
from pathlib import Path

import h5py

from autograder.assignment.cases.seeded import seeded_cases
from autograder.assignment.exercises import FUNCTIONS
from autograder.assignment.expected import EXPECTED_FILE
from autograder.checking.answers import answer_outputs


def write_expected(path: Path = EXPECTED_FILE) -> None:
    """Compute every seeded case's outputs with the answer key and write them to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with h5py.File(tmp, "w") as h5:
        h5.attrs["generated_by"] = "make expected (tools/write_expected.py): do not edit"
        for exercise in FUNCTIONS:
            for n, case in enumerate(seeded_cases(exercise)):
                group = h5.create_group(f"{exercise}/{n}")
                group.attrs["label"] = case.label
                for name, array in answer_outputs(exercise, case.args, case.kwargs).items():
                    group.create_dataset(name, data=array)
    tmp.replace(path)


def main() -> int:
    write_expected()
    print(f"wrote {EXPECTED_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
