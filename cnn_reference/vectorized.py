"""The answer key without Python loops over pixels: used wherever speed matters.

Windows are strided views (``sliding_window_view``), contractions are ``einsum`` and the
backward passes scatter-add one kernel offset at a time, so the only Python loops run over
the f*f offsets of a window, never over the output pixels.  Must agree with ``loops`` to 1e-10.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .validate import validated


def _windows(X: np.ndarray, f: int, stride: int) -> np.ndarray:
    """Every f x f window of X, moved by stride: shape (m, n_H, n_W, n_C, f, f), a view."""
    return sliding_window_view(X, (f, f), axis=(1, 2))[:, ::stride, ::stride]


def _scatter_windows(contributions: np.ndarray, out_shape: tuple, stride: int) -> np.ndarray:
    """Add each window's (f, f) contribution back at the window's place (the adjoint of _windows).

    contributions -- shape (m, n_H, n_W, n_C, f, f); out_shape -- (m, n_H_in, n_W_in, n_C)
    """
    _, n_H, n_W, _, f, _ = contributions.shape
    out = np.zeros(out_shape)
    for di in range(f):
        for dj in range(f):
            out[:, di:di + stride * n_H:stride, dj:dj + stride * n_W:stride, :] += contributions[..., di, dj]
    return out


@validated
def zero_pad(X: np.ndarray, pad: int) -> np.ndarray:
    """Zero-pad height and width. X: (m, n_H, n_W, n_C) -> (m, n_H + 2*pad, n_W + 2*pad, n_C)."""
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


@validated
def conv_single_step(a_slice_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.float64:
    """sum(a_slice_prev * W) + b as a NumPy scalar. a_slice_prev, W: (f, f, n_C_prev); b: (1, 1, 1)."""
    return np.float64(np.einsum("ijk,ijk->", a_slice_prev, W) + np.asarray(b).item())


@validated
def conv_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: dict) -> tuple:
    """Convolution forward. A_prev: (m, n_H_prev, n_W_prev, n_C_prev); W: (f, f, n_C_prev, n_C);
    b: (1, 1, 1, n_C). Returns Z: (m, n_H, n_W, n_C) with n_H = (n_H_prev - f + 2*pad) // stride + 1,
    and cache = (A_prev, W, b, hparameters)."""
    f, stride, pad = W.shape[0], hparameters["stride"], hparameters["pad"]
    windows = _windows(zero_pad(A_prev, pad), f, stride)
    Z = np.einsum("mhwcij,ijcn->mhwn", windows, W, optimize=True) + b.reshape(1, 1, 1, -1)
    return Z.astype(np.float64, copy=False), (A_prev, W, b, hparameters)


@validated
def pool_forward(A_prev: np.ndarray, hparameters: dict, mode: str = "max") -> tuple:
    """Pooling forward. A_prev: (m, n_H_prev, n_W_prev, n_C). Returns A: (m, n_H, n_W, n_C) with
    n_H = (n_H_prev - f) // stride + 1, and cache = (A_prev, hparameters)."""
    windows = _windows(A_prev, hparameters["f"], hparameters["stride"])
    reduce = np.max if mode == "max" else np.mean
    return reduce(windows, axis=(4, 5)).astype(np.float64, copy=False), (A_prev, hparameters)


@validated
def conv_backward(dZ: np.ndarray, cache: tuple) -> tuple:
    """Convolution backward. dZ: (m, n_H, n_W, n_C); cache from conv_forward.
    Returns dA_prev: (m, n_H_prev, n_W_prev, n_C_prev), dW: (f, f, n_C_prev, n_C), db: (1, 1, 1, n_C)."""
    A_prev, W, b, hparameters = cache
    f, stride, pad = W.shape[0], hparameters["stride"], hparameters["pad"]
    A_prev_pad = zero_pad(A_prev, pad)
    dW = np.einsum("mhwcij,mhwn->ijcn", _windows(A_prev_pad, f, stride), dZ, optimize=True)
    db = dZ.sum(axis=(0, 1, 2)).reshape(np.shape(b))
    contributions = np.einsum("mhwn,ijcn->mhwcij", dZ, W, optimize=True)
    dA_prev_pad = _scatter_windows(contributions, A_prev_pad.shape, stride)
    n_H_prev, n_W_prev = A_prev.shape[1:3]
    return dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :], dW, db


@validated
def create_mask_from_window(x: np.ndarray) -> np.ndarray:
    """x: (f, f) -> boolean mask (f, f), True at every entry equal to max(x) (ties all True)."""
    return x == np.max(x)


@validated
def distribute_value(dz: float, shape: tuple) -> np.ndarray:
    """An array of `shape` (n_H, n_W) whose entries all equal dz / (n_H * n_W)."""
    return np.full(shape, dz / (shape[0] * shape[1]), dtype=np.float64)


@validated
def pool_backward(dA: np.ndarray, cache: tuple, mode: str = "max") -> np.ndarray:
    """Pooling backward. dA: (m, n_H, n_W, n_C); cache from pool_forward.
    Returns dA_prev: (m, n_H_prev, n_W_prev, n_C). Max mode routes dA to every entry equal to
    its window's maximum (the x == max(x) convention, so tied maxima each get the full dA)."""
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    grad = dA[..., None, None]
    if mode == "max":
        windows = _windows(A_prev, f, stride)
        contributions = (windows == windows.max(axis=(4, 5), keepdims=True)) * grad
    else:
        contributions = np.broadcast_to(grad / (f * f), dA.shape + (f, f))
    return _scatter_windows(contributions, np.shape(A_prev), stride)
