"""Tied maxima in max pooling: the published convention (every tied maximum gets the gradient) and
the frameworks' (exactly one: the first, as np.argmax and PyTorch pick it) both pass every case,
ties included; a mask at the last maximum or the minimum still fails."""
from __future__ import annotations

import pytest
from support import SOLUTIONS, notebook

from autograder import grade_notebook

ONE_MAXIMUM = '''
def create_mask_from_window(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(x), x.shape)] = True
    return mask
'''

LAST_MAXIMUM = '''
def create_mask_from_window(x):
    flat = x.ravel()
    mask = np.zeros(x.size, dtype=bool)
    mask[len(flat) - 1 - np.argmax(flat[::-1])] = True
    return mask.reshape(x.shape)
'''

MINIMUM = '''
def create_mask_from_window(x):
    return x == np.min(x)
'''


def _graded(extra: str) -> dict[str, tuple[float, str]]:
    record = grade_notebook(notebook(SOLUTIONS, "import numpy as np", extra), student="tie")
    return {name: (e.score, str(e.status)) for name, e in record.exercises.items()}


@pytest.mark.slow
def test_one_maximum_as_frameworks_do_passes_every_case() -> None:
    graded = _graded(ONE_MAXIMUM)
    assert graded["create_mask_from_window"] == (1.0, "passed")
    assert graded["pool_backward"] == (3.0, "passed")


@pytest.mark.slow
def test_the_last_maximum_is_neither_convention() -> None:
    graded = _graded(LAST_MAXIMUM)
    assert graded["create_mask_from_window"][1] == "failed"
    # pool_backward calls that mask: its tie case passes with the answer key's mask (charged once).
    assert graded["pool_backward"] == (3.0, "passed")


@pytest.mark.slow
def test_a_mask_of_the_minimum_still_fails() -> None:
    assert _graded(MINIMUM)["create_mask_from_window"][1] == "failed"
