"""Loop and vectorized answer keys agree on every legal geometry and reject illegal ones alike."""
from __future__ import annotations

import copy
import inspect
import itertools
import re
import zlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from cnn_reference import loops, vectorized

IMPLEMENTATIONS = [pytest.param(loops, id="loops"), pytest.param(vectorized, id="vectorized")]
MODES = ("max", "average")
TOLERANCE = 1e-10


def rng_for(*geometry: Any) -> np.random.Generator:
    # crc32, not hash(): str hashes change from one process to the next.
    return np.random.default_rng(zlib.crc32(repr(geometry).encode()))


def assert_agree(actual: Any, expected: Any) -> None:
    """Same structure, same shapes, equal to 1e-10 (recursing into tuples such as (Z, cache))."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, type(expected)) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_agree(a, e)
    elif isinstance(expected, dict):
        assert actual == expected
    else:
        assert np.shape(actual) == np.shape(expected)
        np.testing.assert_allclose(actual, expected, rtol=0, atol=TOLERANCE)


# pad 0..3 x stride 1..3 x f 1..5; the input is non-square and just big enough for a few outputs,
# batch and channel counts cycle through 1..2 and 1..4.
CONV_GEOMETRIES = [
    {"m": 1 + (pad + f) % 2, "n_H": max(f - 2 * pad, 1) + stride + 1, "n_W": max(f - 2 * pad, 1) + 2 * stride + 1,
         "n_C_prev": 1 + (f + stride) % 4, "n_C": 1 + (pad + f + stride) % 4, "f": f, "pad": pad, "stride": stride}
    for pad, stride, f in itertools.product(range(4), range(1, 4), range(1, 6))
] + [
    # the window exactly spans the padded input's height (then width): a single output row (column)
    {"m": 1, "n_H": 3, "n_W": 4, "n_C_prev": 2, "n_C": 3, "f": 5, "pad": 1, "stride": 2},
    {"m": 2, "n_H": 4, "n_W": 2, "n_C_prev": 1, "n_C": 1, "f": 4, "pad": 1, "stride": 3},
]
# f 1..5 x stride 1..3: stride < f overlaps, stride == f tiles, stride > f skips entries.
POOL_GEOMETRIES = [
    {
        "m": 1 + f % 2,
        "n_H": f + 2 * stride,
        "n_W": f + 3 * stride + 1,
        "n_C": 1 + (f + stride) % 4,
        "f": f,
        "stride": stride,
    }
    for f, stride in itertools.product(range(1, 6), range(1, 4))
] + [
    {"m": 1, "n_H": 4, "n_W": 6, "n_C": 2, "f": 4, "stride": 1},
    {"m": 2, "n_H": 5, "n_W": 3, "n_C": 3, "f": 3, "stride": 3},
]


def geometry_id(g: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in g.items())


def conv_arrays(g: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    rng = rng_for("conv", g)
    return (
        rng.standard_normal((g["m"], g["n_H"], g["n_W"], g["n_C_prev"])),
        rng.standard_normal((g["f"], g["f"], g["n_C_prev"], g["n_C"])),
        rng.standard_normal((1, 1, 1, g["n_C"])),
        {"pad": g["pad"], "stride": g["stride"]},
    )


def test_grid_covers_the_required_geometries() -> None:
    assert {g["pad"] for g in CONV_GEOMETRIES} == {0, 1, 2, 3}
    assert {g["stride"] for g in CONV_GEOMETRIES} == {1, 2, 3}
    assert {g["f"] for g in CONV_GEOMETRIES} == {1, 2, 3, 4, 5}
    assert {g["n_C_prev"] for g in CONV_GEOMETRIES} == {g["n_C"] for g in CONV_GEOMETRIES} == {1, 2, 3, 4}
    assert {g["m"] for g in CONV_GEOMETRIES} == {g["m"] for g in POOL_GEOMETRIES} == {1, 2}
    assert all(g["n_H"] != g["n_W"] for g in CONV_GEOMETRIES + POOL_GEOMETRIES)
    assert {np.sign(g["stride"] - g["f"]) for g in POOL_GEOMETRIES} == {-1, 0, 1}


@pytest.mark.parametrize("pad", range(4))
def test_zero_pad_agrees_and_keeps_x_inside_a_zero_border(pad: int) -> None:
    X = rng_for("pad", pad).standard_normal((2, 3, 5, 3))
    X_pad = vectorized.zero_pad(X, pad)
    assert_agree(loops.zero_pad(X, pad), X_pad)
    assert X_pad.shape == (2, 3 + 2 * pad, 5 + 2 * pad, 3)
    np.testing.assert_array_equal(X_pad[:, pad : pad + 3, pad : pad + 5, :], X)
    assert np.abs(X_pad).sum() == pytest.approx(np.abs(X).sum(), abs=1e-12)


@pytest.mark.parametrize("f, n_C_prev", list(itertools.product(range(1, 6), range(1, 5))))
def test_conv_single_step_agrees_and_is_a_numpy_scalar(f: int, n_C_prev: int) -> None:
    rng = rng_for("single", f, n_C_prev)
    a_slice_prev, W, b = (
        rng.standard_normal((f, f, n_C_prev)),
        rng.standard_normal((f, f, n_C_prev)),
        rng.standard_normal((1, 1, 1)),
    )
    results = [impl.conv_single_step(a_slice_prev, W, b) for impl in (loops, vectorized)]
    for Z in results:
        assert type(Z) is np.float64 and not isinstance(Z, np.ndarray) and np.ndim(Z) == 0
    assert abs(results[0] - results[1]) < TOLERANCE
    assert results[1] == pytest.approx(np.sum(a_slice_prev * W) + b[0, 0, 0], abs=TOLERANCE)


@pytest.mark.parametrize("g", CONV_GEOMETRIES, ids=geometry_id)
def test_conv_forward_and_backward_agree(g: dict) -> None:
    A_prev, W, b, hp = conv_arrays(g)
    Z, cache = vectorized.conv_forward(A_prev, W, b, hp)
    assert_agree(loops.conv_forward(A_prev, W, b, hp), (Z, cache))
    n_H = (g["n_H"] - g["f"] + 2 * g["pad"]) // g["stride"] + 1
    n_W = (g["n_W"] - g["f"] + 2 * g["pad"]) // g["stride"] + 1
    assert Z.shape == (g["m"], n_H, n_W, g["n_C"])
    assert cache[0] is A_prev and cache[1] is W and cache[2] is b and cache[3] is hp

    dZ = rng_for("dZ", g).standard_normal(Z.shape)
    grads = vectorized.conv_backward(dZ, cache)
    assert_agree(loops.conv_backward(dZ, cache), grads)
    assert [x.shape for x in grads] == [A_prev.shape, W.shape, b.shape]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("g", POOL_GEOMETRIES, ids=geometry_id)
def test_pool_forward_and_backward_agree(g: dict, mode: str) -> None:
    rng = rng_for("pool", g)
    A_prev = rng.standard_normal((g["m"], g["n_H"], g["n_W"], g["n_C"]))
    hp = {"f": g["f"], "stride": g["stride"]}
    A, cache = vectorized.pool_forward(A_prev, hp, mode=mode)
    assert_agree(loops.pool_forward(A_prev, hp, mode=mode), (A, cache))
    assert A.shape == (g["m"], (g["n_H"] - g["f"]) // g["stride"] + 1, (g["n_W"] - g["f"]) // g["stride"] + 1, g["n_C"])

    dA = rng.standard_normal(A.shape)
    dA_prev = vectorized.pool_backward(dA, cache, mode=mode)
    assert_agree(loops.pool_backward(dA, cache, mode=mode), dA_prev)
    assert dA_prev.shape == A_prev.shape
    # Without ties, each output's gradient lands once in its window (max) or is spread over it (average).
    assert dA_prev.sum() == pytest.approx(dA.sum(), abs=1e-9)


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (4, 4), (5, 2)])
def test_create_mask_and_distribute_value_agree(shape: tuple[int, int]) -> None:
    x = rng_for("mask", shape).standard_normal(shape)
    mask = vectorized.create_mask_from_window(x)
    assert mask.dtype == bool and mask.sum() == 1 and x[mask][0] == x.max()
    assert_agree(loops.create_mask_from_window(x), mask)
    a = vectorized.distribute_value(1.5, shape)
    assert_agree(loops.distribute_value(1.5, shape), a)
    np.testing.assert_allclose(a, np.full(shape, 1.5 / (shape[0] * shape[1])), rtol=0, atol=1e-15)


# --- tied maxima: each entry equal to the window's maximum gets the full gradient (x == max(x)) ---


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_create_mask_marks_every_tied_maximum(impl: ModuleType) -> None:
    x = np.array([[3.0, 1.0], [3.0, 3.0]])
    np.testing.assert_array_equal(impl.create_mask_from_window(x), [[True, False], [True, True]])


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_max_pool_backward_gives_each_tied_maximum_the_gradient(impl: ModuleType) -> None:
    # Four overlapping 2 x 2 windows (stride 1), each with tied maxima equal to 2.
    A_prev = np.array([[1.0, 2, 2], [0, 2, 1], [2, 0, 2]]).reshape(1, 3, 3, 1)
    dA = np.array([[1.0, 10], [100, 1000]]).reshape(1, 2, 2, 1)
    _, cache = impl.pool_forward(A_prev, {"f": 2, "stride": 1}, mode="max")
    expected = np.array([[0.0, 1 + 10, 10], [0, 1 + 10 + 100 + 1000, 0], [100, 0, 1000]])
    np.testing.assert_array_equal(impl.pool_backward(dA, cache, mode="max")[0, :, :, 0], expected)


def test_max_pool_backward_agrees_on_inputs_full_of_ties() -> None:
    A_prev = rng_for("ties").integers(0, 3, size=(2, 6, 7, 3)).astype(np.float64)
    for hp in ({"f": 2, "stride": 1}, {"f": 3, "stride": 2}, {"f": 2, "stride": 2}):
        A, cache = vectorized.pool_forward(A_prev, hp)
        dA = rng_for("ties", hp["f"], hp["stride"]).standard_normal(A.shape)
        assert_agree(loops.pool_backward(dA, cache), vectorized.pool_backward(dA, cache))


# --- invalid input: a ValueError that names the problem, from both implementations ---


def _conv(A=(2, 4, 5, 3), W=(3, 3, 3, 2), b=(1, 1, 1, 2), **hp: Any) -> tuple:
    return (np.ones(A), np.ones(W), np.ones(b), {"pad": 1, "stride": 1, **hp})


def _pool_cache(A=(2, 4, 5, 3), **hp: Any) -> tuple:
    return (np.ones(A), {"f": 2, "stride": 2, **hp})


INVALID: list[tuple[str, Callable[[], tuple], dict, str]] = [
    ("zero_pad", lambda: (np.ones((2, 3, 3, 1)), -1), {}, r"pad must be >= 0, got -1"),
    ("zero_pad", lambda: (np.ones((2, 3, 3, 1)), 1.5), {}, r"pad must be an integer"),
    ("zero_pad", lambda: (np.ones((3, 3, 1)), 1), {}, r"X must have rank 4"),
    ("zero_pad", lambda: ([[[[1.0]]]], 1), {}, r"X must be a NumPy array"),
    ("conv_single_step", lambda: (np.ones((2, 2, 3)), np.ones((2, 2, 4)), np.ones((1, 1, 1))), {}, r"same shape"),
    (
        "conv_single_step",
        lambda: (np.ones((2, 2)), np.ones((2, 2)), np.ones((1, 1, 1))),
        {},
        r"a_slice_prev must have rank 3",
    ),
    (
        "conv_single_step",
        lambda: (np.ones((2, 2, 3)), np.ones((2, 2, 3)), np.ones((1, 1, 2))),
        {},
        r"b must be a NumPy array holding exactly one number",
    ),
    (
        "conv_single_step",
        lambda: (np.ones((2, 2, 3)), np.ones((2, 2, 3)), 0.5),
        {},
        r"b must be a NumPy array .* got float",
    ),
    ("conv_forward", lambda: _conv(pad=-1), {}, r'hparameters\["pad"\] must be >= 0'),
    ("conv_forward", lambda: _conv(stride=0), {}, r'hparameters\["stride"\] must be >= 1'),
    ("conv_forward", lambda: _conv(W=(7, 7, 3, 2)), {}, r"window size f=7 is larger than the padded input \(6 x 7"),
    ("conv_forward", lambda: _conv(A=(2, 4, 5)), {}, r"A_prev must have rank 4"),
    ("conv_forward", lambda: _conv(W=(3, 3, 4, 2)), {}, r"W expects 4 input channels but A_prev has 3"),
    ("conv_forward", lambda: _conv(b=(1, 1, 1, 3)), {}, r"b must have shape \(1, 1, 1, 2\)"),
    ("conv_forward", lambda: _conv(W=(3, 2, 3, 2)), {}, r"filters must be square"),
    ("conv_forward", lambda: _conv(W=(0, 0, 3, 2)), {}, r"at least 1 x 1, W has shape \(0, 0, 3, 2\)"),
    ("conv_forward", lambda: (*_conv()[:3], {"pad": 1}), {}, r'key "stride"'),
    ("pool_forward", lambda: _pool_cache(), {"mode": "min"}, r"mode must be one of \('max', 'average'\), got 'min'"),
    ("pool_forward", lambda: _pool_cache(f=5), {}, r"window size f=5 is larger than the padded input \(4 x 5"),
    ("pool_forward", lambda: _pool_cache(A=(4, 5, 3)), {}, r"A_prev must have rank 4"),
    ("pool_forward", lambda: _pool_cache(stride=0), {}, r'hparameters\["stride"\] must be >= 1'),
    ("conv_backward", lambda: (np.ones((2, 4, 5, 2)), _conv()[:3]), {}, r"cache must be \(A_prev, W, b, hparameters\)"),
    (
        "conv_backward",
        lambda: (np.ones((2, 4, 5, 3)), _conv()),
        {},
        r"dZ must have the shape of conv_forward's output \(2, 4, 5, 2\), got \(2, 4, 5, 3\)",
    ),
    ("conv_backward", lambda: (np.ones((2, 4, 5, 2)), _conv(W=(3, 3, 4, 2))), {}, r"input channels"),
    ("pool_backward", lambda: (np.ones((2, 2, 2, 3)), _pool_cache()[:1]), {}, r"cache must be \(A_prev, hparameters\)"),
    ("pool_backward", lambda: (np.ones((2, 2, 2, 3)), _pool_cache()), {"mode": "mean"}, r"mode must be one of"),
    (
        "pool_backward",
        lambda: (np.ones((2, 2, 2, 4)), _pool_cache()),
        {},
        r"dA must have the shape of pool_forward's output \(2, 2, 2, 3\), got \(2, 2, 2, 4\)",
    ),
    ("pool_backward", lambda: (np.ones((2, 2, 2)), _pool_cache()), {}, r"dA must have rank 4"),
    ("create_mask_from_window", lambda: (np.ones((2, 2, 1)),), {}, r"x must have rank 2"),
    ("create_mask_from_window", lambda: (np.ones((0, 2)),), {}, r"x must not be empty"),
    ("distribute_value", lambda: (np.ones(2), (2, 2)), {}, r"dz must be a single number"),
    ("distribute_value", lambda: (1.0, (2, 2, 2)), {}, r"shape must be a pair"),
    ("distribute_value", lambda: (1.0, (0, 2)), {}, r"f_H must be >= 1"),
]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize(
    "function, make_args, kwargs, message", INVALID, ids=[f"{f}:{m[:40]}" for f, _, _, m in INVALID]
)
def test_invalid_input_raises_a_value_error_naming_the_problem(
    impl: ModuleType, function: str, make_args: Callable[[], tuple], kwargs: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        getattr(impl, function)(*make_args(), **kwargs)


# --- inputs are left alone: results never write into, or alias, what they were given ---


def _all_calls() -> list[tuple[str, tuple, dict]]:
    A_prev, W, b, hp = conv_arrays(CONV_GEOMETRIES[7])
    Z, conv_cache = vectorized.conv_forward(A_prev, W, b, hp)
    P = rng_for("inputs").standard_normal((2, 5, 4, 3))
    pool_hp = {"f": 2, "stride": 1}
    A, pool_cache = vectorized.pool_forward(P, pool_hp)
    return [
        ("zero_pad", (A_prev, 0), {}),
        ("zero_pad", (A_prev, 2), {}),
        ("conv_single_step", (A_prev[0, :2, :2, :], W[:2, :2, :, 0], b[..., 0]), {}),
        ("conv_forward", (A_prev, W, b, hp), {}),
        *[("pool_forward", (P, pool_hp), {"mode": mode}) for mode in MODES],
        ("conv_backward", (np.ones_like(Z), conv_cache), {}),
        ("create_mask_from_window", (P[0, :2, :2, 0],), {}),
        ("distribute_value", (np.float64(2.0), (2, 3)), {}),
        *[("pool_backward", (np.ones_like(A), pool_cache), {"mode": mode}) for mode in MODES],
    ]


CALLS = _all_calls()


def _arrays(value: Any) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    return []


def _read_only(value: Any) -> Any:
    for array in _arrays(value):
        array.flags.writeable = False
    return value


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("function, args, kwargs", CALLS, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(CALLS)])
def test_inputs_are_not_modified(impl: ModuleType, function: str, args: tuple, kwargs: dict) -> None:
    before = copy.deepcopy(args)
    # Read-only inputs make any write raise; the comparison with a deep copy catches dicts too.
    inputs = _read_only(copy.deepcopy(args))
    output = getattr(impl, function)(*inputs, **kwargs)
    assert_agree(inputs, before)
    # The results are new arrays (the cache excepted, which holds the inputs by design).
    results = output[:1] if function in ("conv_forward", "pool_forward") else output
    for result in _arrays(results):
        assert not any(np.shares_memory(result, given) for given in _arrays(inputs)), function
        assert result.flags.writeable


def test_error_messages_are_the_same_for_both_implementations() -> None:
    for function, make_args, kwargs, _ in INVALID:
        messages = []
        for impl in (loops, vectorized):
            with pytest.raises(ValueError) as raised:
                getattr(impl, function)(*make_args(), **kwargs)
            messages.append(str(raised.value))
        assert messages[0] == messages[1], function


def test_the_vectorized_key_has_no_python_loop_over_pixels() -> None:
    """Only the f x f window offsets may be looped over in the vectorized module."""
    loops_over = re.findall(r"for \w+ in range\((\w+)\)", inspect.getsource(vectorized))
    assert set(loops_over) <= {"f"}, loops_over
