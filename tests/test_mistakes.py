"""The catalog of mistakes: each one, applied to the loop answer key, is recognized and named;
correct solutions (loop, vectorized, noisy) get full marks and no diagnosis."""
import linecache
import sys
import warnings

import numpy as np
import pytest

import cnn_reference
from autograder.assignment.cases import cases_for, seed_for
from autograder.assignment.exercises import EXERCISES
from autograder.checking.diagnose import PUBLISHED_ONLY
from autograder.checking.exercise import helper_source
from autograder.checking.mistakes import CATALOG, SOLUTIONS_FILE, Mistake, mutant, mutant_source
from autograder.notebook import check_function

SEED = seed_for("test-student")
FUNCTIONS = [name for name, spec in EXERCISES.items() if spec.is_function]


def grade_function(exercise, function):
    """As the notebook and the bulk grader do: isolated outcomes for the score, own helpers for feedback."""
    return check_function(exercise, function, SEED)


@pytest.mark.parametrize("mistake", CATALOG, ids=lambda m: f"{m.exercise}: {m.name}: {m.new}")
def test_every_catalog_mistake_is_recognized_and_named(mistake):
    result = grade_function(mistake.exercise, mutant(mistake))
    assert result.status in ("failed", "error")
    assert result.score < EXERCISES[mistake.exercise].points
    assert result.diagnosis == [mistake.name], result.feedback
    assert mistake.hint in result.feedback


def test_the_catalog_covers_the_known_mistakes_of_the_assignment():
    names = {(m.exercise, m.name) for m in CATALOG}
    for exercise, name in [
        ("conv_forward", "slice corners ignore the stride"),
        ("conv_backward", "slice corners ignore the stride"),
        ("pool_backward", "dA indexed at the slice corner"),
        ("conv_single_step", "bias added inside the sum"),
        ("conv_backward", "gradients not initialized to zeros"),
        ("conv_backward", "W * a_slice instead of W * dZ"),
        ("conv_backward", "X[pad:-pad] with pad = 0"),
        ("conv_forward", "output size rounded instead of floored"),
        ("conv_forward", "height and width swapped"),
        ("pool_forward", "max in average mode"),
        ("create_mask_from_window", "argmin mask"),
        ("distribute_value", "integer division"),
        ("distribute_value", "divides by f instead of f * f"),
        ("zero_pad", "padding every axis"),
        ("conv_single_step", "bias forgotten"),
        ("conv_backward", "db summed over one example only"),
        ("conv_forward", "window end moves by f * stride"),
        ("conv_single_step", "returns a (1, 1, 1) array"),
        ("conv_single_step", "float(b) on a (1, 1, 1) array"),
        ("conv_forward", "cache missing an element"),
        ("pool_forward", "cache missing an element"),
        ("conv_forward", "bias left out"),
        ("conv_backward", "gradient overwritten instead of accumulated"),
        ("pool_backward", "gradient overwritten instead of accumulated"),
        ("conv_backward", "dW from the unpadded input"),
        ("create_mask_from_window", "mask from a threshold, not the maximum"),
        ("pool_backward", "target window ignores the stride"),
    ]:
        assert (exercise, name) in names


def test_hints_never_contain_the_changed_solution_line():
    for mistake in CATALOG:
        assert mistake.old not in mistake.hint and mistake.new not in mistake.hint


def test_a_stale_catalog_entry_fails_loudly():
    with pytest.raises(AssertionError, match="occurs 0 times"):
        mutant_source(Mistake("zero_pad", "stale", "X_pad = X", "X_pad = None", "hint"))
    with pytest.raises(AssertionError, match="expected exactly once"):
        mutant_source(Mistake("conv_forward", "ambiguous", "", "pass", "hint"))


def noisy(module):
    """Correct solutions as students write them: they print, warn, and return lists, 0/1 masks, floats."""
    return lambda exercise: _noisy(getattr(module, exercise))


def _noisy(function):
    def function_(*args, **kwargs):
        print("debugging", [getattr(a, "shape", a) for a in args])
        warnings.warn("a student warning")  # noqa: B028  as a student writes it
        value = function(*args, **kwargs)
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, np.ndarray) and value.dtype == bool:
            return value.astype(int)
        return float(value) if np.ndim(value) == 0 else value

    return function_


@pytest.mark.parametrize(
    "implementation",
    [cnn_reference.loops, cnn_reference.vectorized, noisy(cnn_reference.loops)],
    ids=["loop", "vectorized", "noisy"],
)
@pytest.mark.parametrize("exercise", FUNCTIONS)
def test_correct_solutions_score_full_marks_without_diagnosis(implementation, exercise):
    function = implementation(exercise) if callable(implementation) else getattr(implementation, exercise)
    result = grade_function(exercise, function)
    assert (result.score, result.status, result.diagnosis) == (EXERCISES[exercise].points, "passed", []), (
        result.feedback
    )
    assert "Hint" not in result.feedback


def noisy_conv_forward(A_prev, W, b, hparameters):
    print("debugging: shapes", A_prev.shape, W.shape)
    sys.stderr.write("a line on stderr\n")
    warnings.warn("a student warning")  # noqa: B028  as a student writes it
    np.zeros(1) / 0  # a RuntimeWarning from NumPy
    return cnn_reference.loops.conv_forward(A_prev, W, b, hparameters)


def test_printing_and_warning_cost_nothing(capsys):
    result = grade_function("conv_forward", noisy_conv_forward)
    assert (result.score, result.status) == (EXERCISES["conv_forward"].points, "passed")
    assert capsys.readouterr() == ("", "")


def hard_coded(exercise):
    """A submission that returns the published outputs for the published inputs, garbage otherwise."""
    seeded = [
        (case, getattr(cnn_reference.vectorized, exercise)(*case.args, **case.kwargs))
        for case in cases_for(exercise, SEED)
        if case.kind == "seeded"
    ]

    def function(*args, **kwargs):
        for case, output in seeded:
            if repr((case.args, case.kwargs)) == repr((args, kwargs)):
                return output
        return np.zeros((1, 1, 1, 1)) if exercise != "conv_forward" else (np.zeros((1, 1, 1, 1)), args)

    return function


@pytest.mark.parametrize("exercise", ["zero_pad", "conv_forward", "pool_backward"])
def test_hard_coded_outputs_fail_every_hidden_case_and_are_named(exercise):
    result = grade_function(exercise, hard_coded(exercise))
    assert all(r.passed for r in result.cases if r.kind == "seeded")
    assert not any(r.passed for r in result.cases if r.kind == "hidden")
    assert result.diagnosis == [PUBLISHED_ONLY]
    assert "matches the published example only" in result.feedback
    # The published outputs ship with the release: a table of them earns nothing.
    assert result.score == 0 and "earn no points on their own" in result.feedback


def test_published_examples_count_once_a_hidden_case_passes():
    from autograder.checking.scoring import credited

    kinds, every = ["seeded", "seeded", "hidden", "hidden"], [True] * 4
    assert credited(kinds, [True, True, False, False], every) == (0, 4)
    assert credited(kinds, [True, True, True, False], every) == (3, 4)
    assert credited(["seeded", "seeded"], [True, False], [True, True]) == (1, 2)  # no hidden cases: every pass counts
    # A hidden case that a trivial answer also passes neither unlocks nor counts.
    assert credited(kinds, [True, True, True, False], [True, True, False, True]) == (0, 3)
    assert credited(kinds, [True, False, True, True], [True, True, False, True]) == (2, 3)


def student_functions(source: str) -> dict:
    """The functions of a student's cell, with its lines in tracebacks (as the sandbox and the kernel show them)."""
    filename = "<student cell>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def test_float_of_b_inline_in_conv_forward_is_recognized_from_the_traceback():
    # A student's conv_forward that adds the bias itself with float(b[..., c]) instead of calling
    # conv_single_step: no conv_forward mutant, but the TypeError names the mistake.
    namespace = student_functions(
        SOLUTIONS_FILE.read_text().replace(
            "conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])",
            "np.sum(a_slice_prev * W[:, :, :, c]) + float(b[:, :, :, c])",
        )
    )
    result = grade_function("conv_forward", namespace["conv_forward"])
    assert (result.status, result.score) == ("error", 0)
    assert result.diagnosis == ["float(b) on a (1, 1, 1) array"]


def test_the_same_type_error_from_float_of_another_array_is_not_called_float_of_b():
    # The TypeError alone does not say which array went through float(): no name, only what is seen.
    namespace = student_functions(
        SOLUTIONS_FILE.read_text().replace(
            "conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])",
            "float(np.sum(a_slice_prev * W[:, :, :, c], keepdims=True)) + b[0, 0, 0, c]",
        )
    )
    result = grade_function("conv_forward", namespace["conv_forward"])
    assert result.diagnosis == [] and "float(b)" not in result.feedback
    assert "What the cases show: every case fails (it raises TypeError)." in result.feedback


@pytest.mark.parametrize(
    "old, new",
    [
        ("dW = np.zeros(W.shape)", "dW = np.random.randn(*W.shape)"),
        ("db = np.zeros(b.shape)", "db = np.ones(b.shape)"),
    ],
)
def test_other_gradient_initializations_are_named_too(old, new):
    namespace: dict = {}
    exec(helper_source(["zero_pad", "conv_backward"]).replace(old, new), namespace)
    result = grade_function("conv_backward", namespace["conv_backward"])
    assert result.diagnosis == ["gradients not initialized to zeros"]


def test_diagnosing_in_threads_leaves_the_graders_streams_alone():
    # The bulk grader checks several submissions at once in threads of one process (the student
    # calls ran before, in sandboxed children).
    import concurrent.futures

    from autograder.checking.exercise import check_exercise
    from autograder.sandbox.guest.calls import call_cases

    cases = cases_for("pool_forward", SEED)
    mistakes = [m for m in CATALOG if m.exercise == "pool_forward"]
    outcomes = [call_cases(mutant(m), [(c.args, c.kwargs) for c in cases]) for m in mistakes]
    stdout, stderr = sys.stdout, sys.stderr
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda o: check_exercise("pool_forward", cases, o), outcomes))
    assert [r.diagnosis for r in results] == [[m.name] for m in mistakes]
    assert (sys.stdout, sys.stderr) == (stdout, stderr)


# The mistakes seen in real notebooks, written as students write them (not as the catalog's mutants).
STUDENT_VERSIONS = [
    (
        "pool_backward",
        "dA indexed at the slice corner",
        "+= mask * dA[i, h, w, c]",
        "+= mask * dA[i, vert_start, horiz_start, c]",
    ),
    (
        "pool_backward",
        "dA indexed at the slice corner",
        "da = dA[i, h, w, c]",
        "da = dA[i, vert_start, horiz_start, c]",
    ),
    (
        "conv_backward",
        "gradient overwritten instead of accumulated",
        "da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W",
        "da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] = W",
    ),
    (
        "conv_backward",
        "gradient overwritten instead of accumulated",
        "dW[:, :, :, c] += a_slice",
        "dW[:, :, :, c] = a_slice",
    ),
    ("conv_backward", "gradient overwritten instead of accumulated", "db[:, :, :, c] += dZ", "db[:, :, :, c] = dZ"),
    (
        "pool_backward",
        "gradient overwritten instead of accumulated",
        "horiz_start:horiz_end, c] += mask",
        "horiz_start:horiz_end, c] = mask",
    ),
    (
        "pool_backward",
        "gradient overwritten instead of accumulated",
        "horiz_start:horiz_end, c] += distribute_value",
        "horiz_start:horiz_end, c] = distribute_value",
    ),
    (
        "conv_forward",
        "bias left out",
        "Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])",
        "Z[i, h, w, c] = np.sum(a_slice_prev * W[:, :, :, c])",
    ),
    (
        "create_mask_from_window",
        "mask from a threshold, not the maximum",
        "mask = x == np.max(x)",
        "mask = x >= np.mean(x)",
    ),
    ("create_mask_from_window", "mask from a threshold, not the maximum", "mask = x == np.max(x)", "mask = x > 0"),
    (
        "conv_backward",
        "dW from the unpadded input",
        "a_slice = a_prev_pad[vert_start",
        "a_slice = A_prev[i, vert_start",
    ),
    (
        "pool_backward",
        "target window ignores the stride",
        "dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask",
        "dA_prev[i, h:h + f, w:w + f, c] += mask",
    ),
]


@pytest.mark.parametrize("exercise, name, old, new", STUDENT_VERSIONS, ids=lambda v: str(v)[:40])
def test_the_mistakes_seen_in_real_notebooks_are_named(exercise, name, old, new):
    source = SOLUTIONS_FILE.read_text()
    assert source.count(old) == 1, old
    result = grade_function(exercise, student_functions(source.replace(old, new))[exercise])
    assert result.diagnosis == [name], result.feedback
    assert next(m.hint for m in CATALOG if m.name == name and m.exercise == exercise) in result.feedback


def test_db_of_the_first_example_only_is_not_called_uninitialized_but_described():
    # db[..., c] += dZ[0, h, w, c]: no catalog mistake reproduces it, and arbitrary starting values
    # would spoil the batches of one too, so it gets what the cases show, not a wrong name.
    source = SOLUTIONS_FILE.read_text().replace("db[:, :, :, c] += dZ[i, h, w, c]", "db[:, :, :, c] += dZ[0, h, w, c]")
    result = grade_function("conv_backward", student_functions(source)["conv_backward"])
    assert result.diagnosis == [] and "Likely mistake" not in result.feedback, result.feedback
    assert (
        "What the cases show: every batch of one passes, every batch of more than one example fails (db is "
        "wrong; dA_prev and dW are right in every case). Something depends on the example index"
    ) in result.feedback


def test_dw_without_dz_is_not_called_uninitialized():
    # dW wrong in every entry of every case, but by amounts that grow with the data (hundreds on the
    # published case), not by a start value's: no name, only what the cases show.
    source = SOLUTIONS_FILE.read_text().replace(
        "dW[:, :, :, c] += a_slice * dZ[i, h, w, c]", "dW[:, :, :, c] += a_slice"
    )
    result = grade_function("conv_backward", student_functions(source)["conv_backward"])
    assert result.diagnosis == [], result.feedback
    assert (
        "What the cases show: every case fails (dW is wrong; dA_prev and db are right in every case)."
        in result.feedback
    )


def test_a_mistake_is_named_only_when_no_other_fits_equally():
    from autograder.checking.diagnose import one_explanation

    stride = [m for m in CATALOG if m.exercise == "conv_forward" and m.name == "slice corners ignore the stride"]
    swapped = next(m for m in CATALOG if m.exercise == "conv_forward" and m.name == "height and width swapped")
    assert len(stride) == 3 and one_explanation(stride) == stride[0]  # variants: one explanation
    assert one_explanation([stride[0], swapped]) is None  # two names: a guess, so none
    assert one_explanation([]) is None
