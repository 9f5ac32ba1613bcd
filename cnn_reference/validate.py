"""Argument checks shared by both implementations of the answer key.

Students are not asked to validate their inputs, so the notebook's solutions do not; the
answer key does, so that a bad hidden case or a bad call fails loudly with a ValueError
that names the problem instead of returning a silently wrong (often empty) array.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])

POOL_MODES = ("max", "average")


def _rank(name: str, array: Any, rank: int, layout: str) -> np.ndarray:
    # Lists would pass np.asarray but break the notebook's solutions (they read .shape).
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array of rank {rank} {layout}, got {type(array).__name__}")
    if array.ndim != rank:
        raise ValueError(f"{name} must have rank {rank} {layout}, got shape {array.shape}")
    return array


def _positive_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _hparameter(hparameters: Mapping[str, Any], key: str, minimum: int) -> int:
    if not isinstance(hparameters, Mapping) or key not in hparameters:
        raise ValueError(f'hparameters must be a dict with the key "{key}", got {hparameters!r}')
    return _positive_int(f'hparameters["{key}"]', hparameters[key], minimum)


def _window_fits(f: int, n_H: int, n_W: int, pad: int) -> None:
    if f > n_H + 2 * pad or f > n_W + 2 * pad:
        raise ValueError(
            f"window size f={f} is larger than the padded input "
            f"({n_H + 2 * pad} x {n_W + 2 * pad} with pad={pad})"
        )


def _mode(mode: Any) -> None:
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be one of {POOL_MODES}, got {mode!r}")


def check_zero_pad(X: Any, pad: Any) -> None:
    _rank("X", X, 4, "(m, n_H, n_W, n_C)")
    _positive_int("pad", pad, 0)


def check_conv_single_step(a_slice_prev: Any, W: Any, b: Any) -> None:
    a_slice_prev = _rank("a_slice_prev", a_slice_prev, 3, "(f, f, n_C_prev)")
    W = _rank("W", W, 3, "(f, f, n_C_prev)")
    if a_slice_prev.shape != W.shape:
        raise ValueError(f"a_slice_prev {a_slice_prev.shape} and W {W.shape} must have the same shape")
    # A NumPy array, not a Python number: the notebook's solution reads it with b.item().
    if not isinstance(b, (np.ndarray, np.generic)) or b.size != 1:
        got = f"shape {b.shape}" if isinstance(b, np.ndarray) else type(b).__name__
        raise ValueError(f"b must be a NumPy array holding exactly one number, shape (1, 1, 1), got {got}")


def check_conv_forward(A_prev: Any, W: Any, b: Any, hparameters: Any) -> None:
    A_prev = _rank("A_prev", A_prev, 4, "(m, n_H_prev, n_W_prev, n_C_prev)")
    W = _rank("W", W, 4, "(f, f, n_C_prev, n_C)")
    b = _rank("b", b, 4, "(1, 1, 1, n_C)")
    f, f_w, n_C_prev, n_C = W.shape
    if f != f_w or f < 1:
        raise ValueError(f"filters must be square and at least 1 x 1, W has shape {W.shape}")
    if n_C_prev != A_prev.shape[3]:
        raise ValueError(f"W expects {n_C_prev} input channels but A_prev has {A_prev.shape[3]}")
    if b.shape != (1, 1, 1, n_C):
        raise ValueError(f"b must have shape (1, 1, 1, {n_C}), got {b.shape}")
    _hparameter(hparameters, "stride", 1)
    pad = _hparameter(hparameters, "pad", 0)
    _window_fits(f, A_prev.shape[1], A_prev.shape[2], pad)


def check_pool_forward(A_prev: Any, hparameters: Any, mode: Any = "max") -> None:
    A_prev = _rank("A_prev", A_prev, 4, "(m, n_H_prev, n_W_prev, n_C)")
    f = _hparameter(hparameters, "f", 1)
    _hparameter(hparameters, "stride", 1)
    _window_fits(f, A_prev.shape[1], A_prev.shape[2], 0)
    _mode(mode)


def check_conv_backward(dZ: Any, cache: Any) -> None:
    if not isinstance(cache, (tuple, list)) or len(cache) != 4:
        raise ValueError("cache must be (A_prev, W, b, hparameters) as returned by conv_forward")
    A_prev, W, b, hparameters = cache
    check_conv_forward(A_prev, W, b, hparameters)
    dZ = _rank("dZ", dZ, 4, "(m, n_H, n_W, n_C)")
    expected = _conv_output_shape(np.shape(A_prev), np.shape(W), hparameters["stride"], hparameters["pad"])
    if dZ.shape != expected:
        raise ValueError(f"dZ must have the shape of conv_forward's output {expected}, got {dZ.shape}")


def check_create_mask_from_window(x: Any) -> None:
    x = _rank("x", x, 2, "(f, f)")
    if x.size == 0:
        raise ValueError("x must not be empty")


def check_distribute_value(dz: Any, shape: Any) -> None:
    if np.ndim(dz) != 0:
        raise ValueError(f"dz must be a single number, got shape {np.shape(dz)}")
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"shape must be a pair (f_H, f_W), got {shape!r}")
    for axis, size in zip(("f_H", "f_W"), shape):
        _positive_int(axis, size, 1)


def check_pool_backward(dA: Any, cache: Any, mode: Any = "max") -> None:
    if not isinstance(cache, (tuple, list)) or len(cache) != 2:
        raise ValueError("cache must be (A_prev, hparameters) as returned by pool_forward")
    A_prev, hparameters = cache
    check_pool_forward(A_prev, hparameters, mode)
    dA = _rank("dA", dA, 4, "(m, n_H, n_W, n_C)")
    m, n_H_prev, n_W_prev, n_C = np.shape(A_prev)
    f, stride = hparameters["f"], hparameters["stride"]
    expected = (m, (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1, n_C)
    if dA.shape != expected:
        raise ValueError(f"dA must have the shape of pool_forward's output {expected}, got {dA.shape}")


def _conv_output_shape(a_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: int, pad: int) -> tuple[int, ...]:
    m, n_H_prev, n_W_prev, _ = a_shape
    f, _, _, n_C = w_shape
    return (m, (n_H_prev - f + 2 * pad) // stride + 1, (n_W_prev - f + 2 * pad) // stride + 1, n_C)


_CHECKS: dict[str, Callable[..., None]] = {
    name.removeprefix("check_"): check for name, check in list(globals().items()) if name.startswith("check_")
}


def validated(function: F) -> F:
    """Wrap an answer-key function so that its arguments are checked first (same signature)."""
    check = _CHECKS[function.__name__]

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check(*args, **kwargs)
        return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
