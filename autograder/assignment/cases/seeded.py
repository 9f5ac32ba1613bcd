"""The assignment's seeded cases and their published expected outputs.

Each case starts with np.random.seed(1) and draws its arrays with np.random.randn in the
published order (see shared spec "seeded_cases.md").  A `Published` entry is one number or
row as printed in a published version of the assignment; a correct implementation reproduces
it to the digits shown.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import cnn_reference


@dataclass(frozen=True)
class Published:
    what: str                          # how the notebook prints it, e.g. "mean(Z)" or "Z[3,2,1]"
    select: Callable[[Any], Any]       # picks that number or row out of the function's return value
    printed: str                       # the published text, e.g. "[-0.61490741, -6.7439236]"

    def values(self) -> np.ndarray:
        return np.array([{"True": 1.0, "False": 0.0}.get(x) if x in ("True", "False") else float(x)
                         for x in _NUMBER.findall(self.printed)])

    def tolerances(self) -> np.ndarray:
        """Half a unit in the last printed digit of each number (plus float noise)."""
        return np.array([0.5 * 10.0 ** -_decimals(x) + 1e-12 for x in _NUMBER.findall(self.printed)])

    def matches(self, output: Any) -> bool:
        actual = np.ravel(np.asarray(self.select(output), dtype=float))
        expected = self.values()
        return actual.shape == expected.shape and bool(np.all(np.abs(actual - expected) <= self.tolerances()))


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?|True|False")


def _decimals(number: str) -> int:
    if number in ("True", "False"):
        return 0
    return len(number.split(".")[1]) if "." in number else 0


@dataclass(frozen=True)
class SeededCase:
    exercise: str
    label: str                         # what the student sees: the geometry, never values
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    published: tuple[Published, ...] = ()
    shape: tuple[int, ...] | None = None  # published shape of the (first) output, if any


def _randn(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    # The same draws as np.random.seed(1); np.random.randn(...), from a private generator: the
    # global one is shared by the bulk grader's threads, which would interleave their draws.
    rng = np.random.RandomState(1)
    return [rng.randn(*shape) for shape in shapes]


def _first(output: Any) -> Any:
    return output[0] if isinstance(output, tuple) else output


def _zero_pad() -> list[SeededCase]:
    (x,) = _randn((4, 3, 3, 2))
    return [
        SeededCase("zero_pad", "x: (4, 3, 3, 2), pad = 2", (x, 2), published=(
            Published("x_pad[1, 1]", lambda out: out[1, 1], "[" + ", ".join(["0.0"] * 14) + "]"),
        ), shape=(4, 7, 7, 2)),
        SeededCase("zero_pad", "x: (4, 3, 3, 2), pad = 3", (x, 3), shape=(4, 9, 9, 2)),
    ]


PADDING_FIGURE_INPUT = "x: (4, 3, 3, 2) after np.random.seed(1)"
PUBLISHED_X_1_1 = "[[0.90085595, -0.68372786], [-0.12289023, -0.93576943], [-0.26788808, 0.53035547]]"


def _conv_single_step() -> list[SeededCase]:
    a, W, b = _randn((4, 4, 3), (4, 4, 3), (1, 1, 1))
    return [SeededCase("conv_single_step", "a_slice_prev, W: (4, 4, 3), b: (1, 1, 1)", (a, W, b), published=(
        Published("Z", lambda out: out, "-6.99908945068"),
    ))]


def _conv_forward() -> list[SeededCase]:
    def case(shapes: tuple[tuple[int, ...], ...], hp: dict[str, int], row: str, mean: str, z_row: str, cache_row: str,
             label: str, select_row: Callable[[Any], Any]) -> SeededCase:
        A, W, b = _randn(*shapes)
        return SeededCase("conv_forward", label, (A, W, b, hp), published=(
            Published("mean(Z)", lambda out: np.mean(out[0]), mean),
            Published(row, lambda out: select_row(out[0]), z_row),
            Published("cache_conv[0][1][2][3]", lambda out: out[1][0][1][2][3], cache_row),
        ))

    return [
        case(((10, 4, 4, 3), (2, 2, 3, 8), (1, 1, 1, 8)), {"pad": 2, "stride": 2}, "Z[3,2,1]",
             "0.0489952035289",
             "[-0.61490741, -6.7439236, -2.55153897, 1.75698377, 3.56208902, 0.53036437, 5.18531798, 8.75898442]",
             "[-0.20075807, 0.18656139, 0.41005165]",
             "A_prev: (10, 4, 4, 3), W: (2, 2, 3, 8), pad = 2, stride = 2", lambda Z: Z[3, 2, 1]),
        case(((10, 5, 7, 4), (3, 3, 4, 8), (1, 1, 1, 8)), {"pad": 1, "stride": 2}, "Z[3,2,1]",
             "0.6923608807576933",
             "[-1.28912231, 2.27650251, 6.61941931, 0.95527176, 8.25132576, 2.31329639, 13.00689405, 2.34576051]",
             "[-1.1191154, 1.9560789, -0.3264995, -1.34267579]",
             "A_prev: (10, 5, 7, 4), W: (3, 3, 4, 8), pad = 1, stride = 2", lambda Z: Z[3, 2, 1]),
        case(((2, 5, 7, 4), (3, 3, 4, 8), (1, 1, 1, 8)), {"pad": 1, "stride": 2}, "Z[0,2,1]",
             "0.5511276474566768",
             "[-2.17796037, 8.07171329, -0.5772704, 3.36286738, 4.48113645, -2.89198428, 10.99288867, 3.03171932]",
             "[-1.1191154, 1.9560789, -0.3264995, -1.34267579]",
             "A_prev: (2, 5, 7, 4), W: (3, 3, 4, 8), pad = 1, stride = 2", lambda Z: Z[0, 2, 1]),
        *_conv_shape_cases(),
    ]


def _conv_shape_cases() -> list[SeededCase]:
    A, W, b = _randn((2, 5, 7, 4), (3, 3, 4, 8), (1, 1, 1, 8))
    return [
        SeededCase("conv_forward", f"A_prev: (2, 5, 7, 4), W: (3, 3, 4, 8), pad = {pad}, stride = {stride}",
                   (A, W, b, {"pad": pad, "stride": stride}), shape=shape)
        for pad, stride, shape in ((3, 1, (2, 9, 11, 8)), (0, 2, (2, 2, 3, 8)))
    ]


def _of_output(select: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`select` applied to the first return value (A of pool_forward's (A, cache))."""
    return lambda out: select(out[0])


def _pool_forward() -> list[SeededCase]:
    cases: list[SeededCase] = []
    # (A_prev's shape, f, stride, what, select, A's published shape, max mode's text, average mode's text)
    published: tuple[tuple[tuple[int, ...], int, int, str, Callable[[Any], Any], tuple[int, ...] | None, str, str],
                     ...] = (
        ((2, 4, 4, 3), 4, 1, "A", lambda A: A, None,
         "[1.74481176, 1.6924546, 2.10025514, 1.19891788, 1.51981682, 2.18557541]",
         "[-0.09498456, 0.11180064, -0.14263511, -0.09525108, 0.28325018, 0.33035185]"),
        ((2, 4, 4, 3), 3, 2, "A[1]", lambda A: A[1], None,
         "[1.13162939, 1.51981682, 2.18557541]", "[-0.22154621, 0.51716526, 0.48155844]"),
        ((2, 5, 5, 3), 3, 1, "A[1,1]", lambda A: A[1, 1], (2, 3, 3, 3),
         "[1.96710175, 0.84616065, 1.27375593, 1.96710175, 0.84616065, 1.23616403, "
         "1.62765075, 1.12141771, 1.2245077]",
         "[0.44497696, -0.00261695, -0.31040307, 0.50811474, -0.23493734, -0.23961183, "
         "0.11872677, 0.17255229, -0.22112197]"),
    )
    for shape, f, stride, what, select, out_shape, max_text, avg_text in published:
        (A_prev,) = _randn(shape)
        hp = {"f": f, "stride": stride}
        for mode, text in (("max", max_text), ("average", avg_text)):
            cases.append(SeededCase(
                "pool_forward", f"A_prev: {shape}, f = {f}, stride = {stride}, mode = {mode}",
                (A_prev, hp), {"mode": mode},
                published=(Published(what, _of_output(select), text),), shape=out_shape))
    (A_prev,) = _randn((2, 5, 5, 3))
    hp = {"f": 3, "stride": 2}
    overlapping: tuple[tuple[str, str, Callable[[Any], Any], str], ...] = (
        ("max", "A[0]", lambda out: out[0][0],
         "[1.74481176, 0.90159072, 1.65980218, 1.74481176, 1.6924546, 1.65980218, "
         "1.13162939, 1.51981682, 2.18557541, 1.13162939, 1.6924546, 2.18557541]"),
        ("average", "A[1]", lambda out: out[0][1],
         "[-0.17313416, 0.32377198, -0.34317572, 0.02030094, 0.14141479, -0.01231585, "
         "0.42944926, 0.08446996, -0.27290905, 0.15077452, 0.28911175, 0.00123239]"),
    )
    for mode, what, select, text in overlapping:
        cases.append(SeededCase(
            "pool_forward", f"A_prev: (2, 5, 5, 3), f = 3, stride = 2, mode = {mode}", (A_prev, hp),
            {"mode": mode}, published=(Published(what, select, text),), shape=(2, 2, 2, 3)))
    return cases


def _conv_backward() -> list[SeededCase]:
    A, W, b = _randn((10, 4, 4, 3), (2, 2, 3, 8), (1, 1, 1, 8))
    Z, cache = cnn_reference.conv_forward(A, W, b, {"pad": 2, "stride": 2})
    return [SeededCase(
        "conv_backward", "dZ = Z of conv_forward(A_prev: (10, 4, 4, 3), W: (2, 2, 3, 8), pad = 2, stride = 2)",
        (Z, cache), published=(
            Published("mean(dA_prev)", lambda out: np.mean(out[0]), "1.45243777754"),
            Published("mean(dW)", lambda out: np.mean(out[1]), "1.72699145831"),
            Published("mean(db)", lambda out: np.mean(out[2]), "7.83923256462"),
        ))]


def _create_mask_from_window() -> list[SeededCase]:
    (x,) = _randn((2, 3))
    ties = np.array([[-1.0, 2, 3], [2, -3, 2], [1, 5, -2]])
    return [
        SeededCase("create_mask_from_window", "x: (2, 3)", (x,), published=(
            Published("mask", lambda out: out, "[True, False, False, False, False, False]"),
        )),
        SeededCase("create_mask_from_window", "x: (3, 3) with one maximum", (ties,), published=(
            Published("mask", lambda out: out, "[False, False, False, False, False, False, False, True, False]"),
        )),
    ]


def _distribute_value() -> list[SeededCase]:
    return [
        SeededCase("distribute_value", "dz = 2, shape = (2, 2)", (2.0, (2, 2)), published=(
            Published("a", lambda out: out, "[0.5, 0.5, 0.5, 0.5]"),
        )),
        SeededCase("distribute_value", "dz = 100, shape = (10, 10)", (100.0, (10, 10)), published=(
            Published("sum(a)", lambda out: np.sum(out), "100.0"),
        )),
    ]


def _pool_backward() -> list[SeededCase]:
    A_prev, dA = _randn((5, 5, 3, 2), (5, 4, 2, 2))
    hp = {"f": 2, "stride": 1}
    _, cache = cnn_reference.pool_forward(A_prev, hp)
    rows = {
        "max": "[0, 0, 5.05844394, -1.68282702, 0, 0]",
        "average": "[0.08485462, 0.2787552, 1.26461098, -0.25749373, 1.17975636, -0.53624893]",
    }
    return [
        SeededCase("pool_backward", f"A_prev: (5, 5, 3, 2), f = 2, stride = 1, mode = {mode}", (dA, cache),
                   {"mode": mode}, published=(Published("dA_prev[1,1]", lambda out: out[1, 1], text),))
        for mode, text in rows.items()
    ]


_BUILDERS: dict[str, Callable[[], list[SeededCase]]] = {
    "zero_pad": _zero_pad,
    "conv_single_step": _conv_single_step,
    "conv_forward": _conv_forward,
    "pool_forward": _pool_forward,
    "conv_backward": _conv_backward,
    "create_mask_from_window": _create_mask_from_window,
    "distribute_value": _distribute_value,
    "pool_backward": _pool_backward,
}

# The published mean of the pool_backward case's dA (a check that the draws are in order).
PUBLISHED_POOL_BACKWARD_MEAN_DA = "0.145713902729"


def seeded_cases(exercise: str) -> list[SeededCase]:
    """The seeded cases of one exercise (all of them, each with its published numbers)."""
    return _BUILDERS[exercise]()


def all_seeded_cases() -> list[SeededCase]:
    return [case for build in _BUILDERS.values() for case in build()]
