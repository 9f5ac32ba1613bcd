"""`make reference`: write the notebook's visible cases and their expected outputs (visible_expected.npz).

The notebook's visible tests (`source/cnn_step_by_step/visible_checks.py`) run where only numpy is
installed, so they read a data file rather than this package.  It holds every seeded case of
`autograder.assignment.cases.seeded` (with its published numbers) and, per exercise, extra cases of each
kind the hidden grading uses (pad = 0, stride >= 2, f = 1, non-square, a batch of 1, tied maxima),
all with the answer key's outputs.  `make reference` regenerates it; a test fails when it is stale.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

import cnn_reference
from autograder.assignment.cases.seeded import seeded_cases
from autograder.assignment.exercises import EXERCISES, FUNCTIONS

ASSIGNMENT = Path(__file__).resolve().parent.parent / "source" / "cnn_step_by_step"
DATA_FILE = ASSIGNMENT / "visible_expected.npz"


def _extra_cases(exercise: str) -> list[tuple[str, tuple, dict]]:
    """(label, args, kwargs) of the extra visible cases: one of every kind the hidden cases use."""
    rng = np.random.default_rng(2024)
    randn = rng.standard_normal
    if exercise == "zero_pad":
        return [("x: (1, 3, 5, 2), pad = 0 (batch of 1, non-square, pad = 0)", (randn((1, 3, 5, 2)), 0), {}),
                ("x: (2, 4, 3, 1), pad = 1 (one channel)", (randn((2, 4, 3, 1)), 1), {})]
    if exercise == "conv_single_step":
        return [(f"a_slice_prev, W: {shape}, b: (1, 1, 1) ({kind})",
                 (randn(shape), randn(shape), randn((1, 1, 1))), {})
                for shape, kind in (((3, 3, 1), "one channel"), ((1, 1, 3), "f = 1"))]
    if exercise == "conv_forward":
        return [(f"A_prev: {a}, W: {w}, pad = {pad}, stride = {stride} ({kind})",
                 (randn(a), randn(w), randn((1, 1, 1, w[3])), {"pad": pad, "stride": stride}), {})
                for a, w, pad, stride, kind in (
                    ((1, 6, 5, 2), (3, 3, 2, 3), 0, 3, "batch of 1, non-square, pad = 0, stride = 3"),
                    ((2, 4, 7, 1), (1, 1, 1, 2), 3, 2, "f = 1, pad = 3, stride > f"),
                    ((1, 7, 7, 3), (5, 5, 3, 2), 2, 2, "f = 5, 'same'-style pad = 2, stride = 2"))]
    if exercise == "pool_forward":
        return [(f"A_prev: {a}, f = {f}, stride = {stride}, mode = {mode} ({kind})",
                 (randn(a), {"f": f, "stride": stride}), {"mode": mode})
                for a, f, stride, kind in (((1, 5, 7, 2), 2, 3, "batch of 1, non-square, stride > f"),
                                           ((3, 4, 6, 1), 3, 1, "overlapping windows"),
                                           ((2, 3, 4, 3), 1, 1, "f = 1"))
                for mode in ("max", "average")]
    if exercise == "conv_backward":
        cases = []
        for a, w, pad, stride, kind in (((1, 5, 4, 2), (3, 3, 2, 3), 0, 2, "batch of 1, non-square, pad = 0"),
                                        ((2, 4, 5, 1), (2, 2, 1, 2), 1, 3, "one channel, stride = 3"),
                                        ((1, 3, 4, 3), (1, 1, 3, 2), 0, 2, "f = 1, stride > f")):
            hp = {"pad": pad, "stride": stride}
            A, W, b = randn(a), randn(w), randn((1, 1, 1, w[3]))
            Z, cache = cnn_reference.loops.conv_forward(A, W, b, hp)
            cases.append((f"dZ: {Z.shape} from A_prev: {a}, W: {w}, pad = {pad}, stride = {stride} ({kind})",
                          (randn(Z.shape), cache), {}))
        return cases
    if exercise == "create_mask_from_window":
        return [("x: (3, 2)", (randn((3, 2)),), {}),
                ("x: (1, 1) (f = 1: the entry is its own maximum)", (randn((1, 1)),), {}),
                ("x: (2, 2) with two tied maxima" + TIE_LABEL, (np.array([[1.0, 3.0], [3.0, 0.0]]),), {})]
    if exercise == "distribute_value":
        return [("dz = -3, shape = (2, 3) (non-square)", (-3.0, (2, 3)), {}),
                ("dz = 1, shape = (1, 1)", (1.0, (1, 1)), {})]
    if exercise == "pool_backward":
        cases = []
        for a, f, stride, kind in (((1, 5, 7, 2), 2, 2, "batch of 1, non-square"),
                                   ((2, 4, 5, 1), 3, 1, "overlapping windows"),
                                   ((1, 3, 5, 2), 1, 2, "f = 1, stride > f")):
            hp = {"f": f, "stride": stride}
            A_prev = randn(a)
            out, cache = cnn_reference.loops.pool_forward(A_prev, hp)
            dA = randn(out.shape)
            cases += [(f"A_prev: {a}, f = {f}, stride = {stride}, mode = {mode} ({kind})", (dA, cache),
                       {"mode": mode}) for mode in ("max", "average")]
        # Tied maxima in the windows of the shown slice: each tied entry receives the full gradient.
        channel_0 = [[1, 3, 2, 2], [3, 0, 0, 1], [0, 1, 4, 4], [2, 1, 4, 0]]
        channel_1 = [[0, 0, 1, 2], [0, 0, 2, 1], [1, 2, 2, 2], [0, 1, 2, 2]]
        A_prev = np.stack([channel_0, channel_1], axis=-1)[np.newaxis].astype(float)
        out, cache = cnn_reference.loops.pool_forward(A_prev, {"f": 2, "stride": 2})
        cases.append(("A_prev: (1, 4, 4, 2) with tied maxima, f = 2, stride = 2, mode = max" + TIE_LABEL,
                      (randn(out.shape), cache), {"mode": "max"}))
        return cases
    raise KeyError(exercise)


# Ends the label of a case with tied maxima; such a case also accepts the one-maximum convention.
TIE_LABEL = " (ties: every tied maximum, or only the first; both accepted)"


def _one_maximum(exercise: str, args: tuple, kwargs: dict) -> np.ndarray:
    """The output of the frameworks' convention on tied maxima: only the first maximum of a window
    (in row-major order, as np.argmax picks it) is marked or gets the window's gradient."""
    def first_maximum(window: np.ndarray) -> np.ndarray:
        mask = np.zeros(window.shape, dtype=bool)
        mask[np.unravel_index(np.argmax(window), window.shape)] = True
        return mask

    if exercise == "create_mask_from_window":
        return first_maximum(args[0])
    assert exercise == "pool_backward" and kwargs["mode"] == "max", exercise
    dA, (A_prev, hparameters) = args
    f, stride = hparameters["f"], hparameters["stride"]
    dA_prev = np.zeros(A_prev.shape)
    for i, h, w, c in np.ndindex(dA.shape):
        rows, cols = slice(h * stride, h * stride + f), slice(w * stride, w * stride + f)
        dA_prev[i, rows, cols, c] += first_maximum(A_prev[i, rows, cols, c]) * dA[i, h, w, c]
    return dA_prev


def _call(exercise: str, args: tuple, kwargs: dict) -> Any:
    return getattr(cnn_reference.loops, exercise)(*args, **kwargs)


def _as_tuple(names: tuple[str, ...], output: Any) -> tuple:
    return output if len(names) > 1 else (output,)


# Pooling backward keeps the gradient's sum, so the mean of dA_prev is the same for max and average
# mode or a misplaced mask: show a slice of it instead (two rows of the first windows of channel 0).
SHOWN_SLICE = {"pool_backward": "dA_prev[0, :2, :4, 0]"}


def _summary_rows(exercise: str, names: tuple[str, ...], output: Any) -> list[dict[str, str]]:
    """What the student sees for a case without published numbers: the first output's shape and
    its mean (or the exercise's SHOWN_SLICE)."""
    first = np.asarray(_as_tuple(names, output)[0])
    if first.size <= 12:
        return [{"what": names[0]}]
    return [{"what": f"{names[0]}.shape"}, {"what": SHOWN_SLICE.get(exercise, f"mean({names[0]})")}]


def _shown(what: str, names: tuple[str, ...], output: Any) -> Any:
    shown = dict(zip(names, _as_tuple(names, output)))
    return eval(what, {"__builtins__": {}, "mean": np.mean, "sum": np.sum, **shown})


def build_manifest() -> dict[str, list[dict]]:
    """The visible cases by exercise, arrays still in place (render() encodes them)."""
    manifest: dict[str, list[dict]] = {}
    for exercise in FUNCTIONS:
        # The notebook's names for what the function returns; the published rows ("mean(Z)", ...) use them.
        names = EXERCISES[exercise].printed_as
        cases = []
        for seeded in seeded_cases(exercise):
            output = _call(exercise, seeded.args, dict(seeded.kwargs))
            rows = []
            for published in seeded.published:
                # The eval'd text must select what the published row selects, or students are misled.
                assert published.matches(output), (exercise, seeded.label, published.what)
                assert np.allclose(_shown(published.what, names, output), published.select(output)), published.what
                rows.append({"what": published.what})
            if seeded.shape is not None:
                assert np.shape(_as_tuple(names, output)[0]) == seeded.shape, seeded.label
                rows.append({"what": f"{names[0]}.shape"})
            cases.append(
                {
                    "label": seeded.label + " (published example)",
                    "args": seeded.args,
                    "kwargs": dict(seeded.kwargs),
                    "expected": output,
                    "show": rows or _summary_rows(exercise, names, output),
                }
            )
        for label, args, kwargs in _extra_cases(exercise):
            output = _call(exercise, args, kwargs)
            case = {
                "label": label,
                "args": args,
                "kwargs": kwargs,
                "expected": output,
                "show": _summary_rows(exercise, names, output),
            }
            if label.endswith(TIE_LABEL):
                case["accepted"] = [_one_maximum(exercise, args, kwargs)]
            cases.append(case)
        for case in cases:
            case["outputs"] = list(names)
        manifest[exercise] = cases
    return manifest


def render() -> bytes:
    """The bytes of visible_expected.npz (deterministic: same answer key, same bytes)."""
    arrays: dict[str, np.ndarray] = {}

    def encode(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            key = f"a{len(arrays)}"
            arrays[key] = value
            return {"array": key}
        if isinstance(value, tuple):
            return {"tuple": [encode(v) for v in value]}
        if isinstance(value, list):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {"dict": {k: encode(v) for k, v in value.items()}}
        if isinstance(value, np.generic):
            return value.item()
        return value

    manifest = build_manifest()
    for cases in manifest.values():
        for case in cases:
            for key in ("args", "kwargs", "expected", "accepted"):
                if key in case:
                    case[key] = encode(case[key])
    buffer = io.BytesIO()
    np.savez_compressed(buffer, manifest=np.array(json.dumps(manifest, sort_keys=True)), **arrays)
    return buffer.getvalue()


def main() -> None:
    data = render()
    if DATA_FILE.exists() and DATA_FILE.read_bytes() == data:
        print(f"{DATA_FILE.name} is up to date")
        return
    DATA_FILE.write_bytes(data)
    print(f"wrote {DATA_FILE}")


if __name__ == "__main__":
    main()
