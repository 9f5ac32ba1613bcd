"""Hidden cases: inputs drawn at grading time from a generator seeded per student.

The geometries are fixed (they cover what the seeded cases do not: pad 0..3, stride 1..3,
f 1..5, non-square inputs, a batch of one, 1..4 channels, overlapping and non-overlapping
pooling, both modes); the numbers are drawn from ``np.random.default_rng(seed)``.  Arrays are
small so a loop implementation grades in milliseconds.

Ties: max pooling's backward pass and the mask are defined by ``x == max(x)`` (every tied
maximum is marked), so tied inputs appear only in dedicated cases; elsewhere the inputs are
continuous draws, which have no ties.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import cnn_reference

HiddenCase = tuple[str, tuple[Any, ...], dict[str, Any]]   # (label, args, kwargs)

# (m, n_H_prev, n_W_prev, n_C_prev, f, n_C, pad, stride).  Some sizes make (n - f + 2*pad) / stride
# end in .5 or more, so rounding instead of flooring the output size shows.
CONV_GEOMETRIES = (
    (1, 5, 7, 3, 3, 2, 0, 1),
    (2, 7, 6, 1, 3, 2, 2, 3),
    (2, 6, 5, 2, 2, 3, 1, 2),
    (1, 4, 4, 4, 5, 1, 3, 1),
    (3, 3, 4, 2, 1, 4, 0, 3),
    (1, 6, 8, 2, 4, 2, 0, 2),
)

# (m, n_H_prev, n_W_prev, n_C, f, stride): overlapping (stride < f) and not.
POOL_GEOMETRIES = (
    (1, 4, 6, 2, 2, 2),
    (2, 5, 4, 3, 3, 1),
    (1, 7, 5, 1, 3, 2),
    (2, 6, 7, 2, 2, 3),
    (1, 3, 3, 4, 1, 1),
)


def _conv_label(m: int, H: int, W: int, C: int, f: int, n_C: int, pad: int, stride: int) -> str:
    return f"A_prev: ({m}, {H}, {W}, {C}), W: ({f}, {f}, {C}, {n_C}), pad = {pad}, stride = {stride}"


def _pool_label(m: int, H: int, W: int, C: int, f: int, stride: int, mode: str) -> str:
    return f"A_prev: ({m}, {H}, {W}, {C}), f = {f}, stride = {stride}, mode = {mode}"


def _zero_pad(rng: np.random.Generator) -> list[HiddenCase]:
    shapes = (((1, 3, 5, 1), 0), ((2, 4, 3, 3), 1), ((1, 2, 2, 4), 3), ((3, 5, 4, 2), 2))
    return [(f"x: {shape}, pad = {pad}", (rng.standard_normal(shape), pad), {}) for shape, pad in shapes]


def _conv_single_step(rng: np.random.Generator) -> list[HiddenCase]:
    shapes = ((1, 1, 1), (3, 3, 2), (5, 5, 4), (2, 2, 1))
    return [(f"a_slice_prev, W: {shape}, b: (1, 1, 1)",
             (rng.standard_normal(shape), rng.standard_normal(shape), rng.standard_normal((1, 1, 1))), {})
            for shape in shapes]


def _conv_inputs(rng: np.random.Generator, m: int, H: int, W: int, C: int, f: int, n_C: int,
                 pad: int, stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    return (rng.standard_normal((m, H, W, C)), rng.standard_normal((f, f, C, n_C)),
            rng.standard_normal((1, 1, 1, n_C)), {"pad": pad, "stride": stride})


def _conv_forward(rng: np.random.Generator) -> list[HiddenCase]:
    return [(_conv_label(*g), _conv_inputs(rng, *g), {}) for g in CONV_GEOMETRIES]


def _conv_backward(rng: np.random.Generator) -> list[HiddenCase]:
    cases: list[HiddenCase] = []
    for g in CONV_GEOMETRIES:
        A_prev, W, b, hp = _conv_inputs(rng, *g)
        Z, cache = cnn_reference.conv_forward(A_prev, W, b, hp)
        cases.append((f"dZ: {Z.shape} for {_conv_label(*g)}", (rng.standard_normal(Z.shape), cache), {}))
    return cases


def _pool_forward(rng: np.random.Generator) -> list[HiddenCase]:
    return [(_pool_label(m, H, W, C, f, stride, mode),
             (rng.standard_normal((m, H, W, C)), {"f": f, "stride": stride}), {"mode": mode})
            for m, H, W, C, f, stride in POOL_GEOMETRIES for mode in ("max", "average")]


def _pool_backward(rng: np.random.Generator) -> list[HiddenCase]:
    cases = []
    for m, H, W, C, f, stride in POOL_GEOMETRIES:
        for mode in ("max", "average"):
            A_prev, hp = rng.standard_normal((m, H, W, C)), {"f": f, "stride": stride}
            A, cache = cnn_reference.pool_forward(A_prev, hp, mode=mode)
            cases.append((_pool_label(m, H, W, C, f, stride, mode), (rng.standard_normal(A.shape), cache),
                          {"mode": mode}))
    # Tied maxima: every entry equal to its window's maximum receives the window's full gradient.
    A_prev, hp = rng.integers(0, 3, size=(1, 4, 4, 2)).astype(float), {"f": 2, "stride": 2}
    A, cache = cnn_reference.pool_forward(A_prev, hp)
    cases.append((_pool_label(1, 4, 4, 2, 2, 2, "max") + ", with tied maxima",
                  (rng.standard_normal(A.shape), cache), {"mode": "max"}))
    return cases


def _create_mask_from_window(rng: np.random.Generator) -> list[HiddenCase]:
    cases: list[HiddenCase] = [(f"x: {shape}", (rng.standard_normal(shape),), {})
                               for shape in ((2, 2), (3, 3), (1, 1), (4, 3))]
    # Tied maxima, the maximum not first; the last one also has a tied minimum.
    ties = rng.integers(0, 3, size=(3, 3)).astype(float)
    ties.flat[[4, 7]] = 5.0
    cases.append(("x: (3, 3) with two tied maxima", (ties,), {}))
    cases.append(("x: (2, 2) with all entries equal", (np.full((2, 2), rng.standard_normal()),), {}))
    return cases


def _distribute_value(rng: np.random.Generator) -> list[HiddenCase]:
    return [(f"dz: a float, shape = {shape}", (float(rng.standard_normal() * 3), shape), {})
            for shape in ((3, 3), (1, 1), (2, 5), (4, 4))]


_BUILDERS: dict[str, Callable[[np.random.Generator], list[HiddenCase]]] = {
    "zero_pad": _zero_pad,
    "conv_single_step": _conv_single_step,
    "conv_forward": _conv_forward,
    "pool_forward": _pool_forward,
    "conv_backward": _conv_backward,
    "create_mask_from_window": _create_mask_from_window,
    "distribute_value": _distribute_value,
    "pool_backward": _pool_backward,
}


def hidden_cases(exercise: str, seed: int) -> list[HiddenCase]:
    """(label, args, kwargs) of the hidden cases of `exercise` for `seed`."""
    return _BUILDERS[exercise](np.random.default_rng([seed, list(_BUILDERS).index(exercise)]))
