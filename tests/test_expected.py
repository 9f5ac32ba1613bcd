"""autograder/assignment/data/expected.h5 is current (regenerating it changes nothing) and agrees with the
published numbers of every seeded case."""
import numpy as np
import pytest

from autograder.assignment.cases.seeded import all_seeded_cases, seeded_cases
from autograder.assignment.exercises import EXERCISES, FUNCTIONS
from autograder.assignment.expected import EXPECTED_FILE, read_expected
from tools.write_expected import write_expected


def test_committed_file_matches_a_fresh_regeneration(tmp_path):
    fresh = tmp_path / "expected.h5"
    write_expected(fresh)
    committed, regenerated = read_expected(EXPECTED_FILE), read_expected(fresh)
    assert committed.keys() == regenerated.keys(), "expected.h5 is stale: run `make expected`"
    for key, outputs in regenerated.items():
        assert committed[key].keys() == outputs.keys(), key
        for name, array in outputs.items():
            stored = committed[key][name]
            assert stored.dtype == array.dtype and stored.shape == array.shape, f"{key}/{name}: run `make expected`"
            assert np.allclose(stored, array, rtol=0, atol=1e-12), f"{key}/{name} is stale: run `make expected`"


def _as_published_output(exercise, case, outputs):
    """The function's return value rebuilt from the stored arrays (a cache is the case's inputs)."""
    arrays = [outputs[name] for name in EXERCISES[exercise].outputs]
    if exercise in ("conv_forward", "pool_forward"):
        return (arrays[0], case.args)
    return tuple(arrays) if len(arrays) > 1 else arrays[0]


@pytest.mark.parametrize("exercise", FUNCTIONS)
def test_stored_outputs_reproduce_the_published_numbers(exercise):
    stored = read_expected(EXPECTED_FILE)
    cases = seeded_cases(exercise)
    assert len(cases) == sum(key.startswith(f"{exercise}/") for key in stored)
    for n, case in enumerate(cases):
        output = _as_published_output(exercise, case, stored[f"{exercise}/{n}"])
        for published in case.published:
            assert published.matches(output), f"{case.label}: {published.what}"
        if case.shape is not None:
            first = output[0] if isinstance(output, tuple) else output
            assert first.shape == case.shape


def test_every_seeded_case_is_stored():
    assert len(read_expected(EXPECTED_FILE)) == len(all_seeded_cases())
