"""Credit only for computing: a submission with no working function, only a table of the published
outputs plus answers right on degenerate cases (pad = 0 returns the input, f = 1 stride 1 pooling
returns the input, an all-True mask, a fill with dz on a 1-by-1 window), scores 0; honest partial
solutions keep their partial credit."""
from __future__ import annotations

import numpy as np
import pytest
from support import notebook, with_bug

from autograder import grade_notebook
from autograder.assignment.cases import cases_for
from autograder.assignment.exercises import EXERCISES
from autograder.checking.trivial import discriminates
from autograder.checking.verdict import expected_outputs


def _table() -> str:
    """The published outputs keyed by the sum of the first input, as Python a student could paste."""
    rows = []
    for exercise in EXERCISES:
        if not EXERCISES[exercise].is_function:
            continue
        for case in (c for c in cases_for(exercise, 0) if c.kind == "seeded"):
            key = round(float(np.sum(np.asarray(case.args[0], dtype=float))), 9)
            values = tuple(v.tolist() for v in expected_outputs(case).values())
            rows.append(f"    ({exercise!r}, {key!r}): {values!r},")
    return "TABLE = {\n" + "\n".join(rows) + "\n}\n"


NO_CODE = _table() + '''
import numpy as np

def _look(name, first, fallback):
    found = TABLE.get((name, round(float(np.sum(np.asarray(first, dtype=float))), 9)))
    if found is None:
        return fallback
    return tuple(np.array(v) for v in found) if len(found) > 1 else np.array(found[0])

def zero_pad(X, pad):
    return _look("zero_pad", X, X)

def conv_single_step(a_slice_prev, W, b):
    return _look("conv_single_step", a_slice_prev, 0.0)

def conv_forward(A_prev, W, b, hparameters):
    return _look("conv_forward", A_prev, np.zeros(1)), (A_prev, W, b, hparameters)

def pool_forward(A_prev, hparameters, mode="max"):
    return _look("pool_forward", A_prev, A_prev), (A_prev, hparameters)

def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    found = _look("conv_backward", dZ, None)
    return found if found is not None else (np.zeros(A_prev.shape), np.zeros(W.shape), np.zeros(b.shape))

def create_mask_from_window(x):
    return _look("create_mask_from_window", x, x == x)

def distribute_value(dz, shape):
    return _look("distribute_value", dz, np.full(shape, dz))

def pool_backward(dA, cache, mode="max"):
    return _look("pool_backward", dA, np.zeros(cache[0].shape))
'''


@pytest.mark.slow
def test_a_table_and_degenerate_answers_score_nothing() -> None:
    record = grade_notebook(notebook(NO_CODE), student="table")
    scores = {name: e.score for name, e in record.exercises.items() if name != "padding_figure"}
    assert scores == dict.fromkeys(scores, 0.0), {n: record.exercises[n].feedback for n in scores if scores[n]}


@pytest.mark.parametrize("exercise", [name for name, e in EXERCISES.items() if e.is_function])
def test_every_exercise_has_discriminating_hidden_cases(exercise: str) -> None:
    hidden = [c for c in cases_for(exercise, 7) if c.kind == "hidden"]
    assert sum(discriminates(c, expected_outputs(c)) for c in hidden) >= len(hidden) // 2


@pytest.mark.slow
@pytest.mark.parametrize(("exercise", "line", "buggy"), [
    # right except for large pads or strides: honest mistakes, whose partial credit stays
    ("zero_pad", "(pad, pad), (pad, pad)", "(pad, pad), (pad + 1 if pad > 2 else pad, pad)"),
    ("pool_forward", "vert_start = h * stride", "vert_start = h * stride if stride < 3 else h"),
])
def test_honest_partial_solutions_keep_partial_credit(exercise: str, line: str, buggy: str) -> None:
    answers = with_bug(exercise, line, buggy)
    source = "\n\n".join(answers[name] for name in answers)
    record = grade_notebook(notebook("import numpy as np\n" + source), student="honest")
    result = record.exercises[exercise]
    assert 0 < result.score < EXERCISES[exercise].points, result.feedback
