"""The answer key without Python loops over pixels: used wherever speed matters.

- A convolution is one matrix product: the windows of the padded input laid out as rows (read
  through a strided view, copied once) times the filters reshaped to (f * f * n_C_prev, n_C).
- Pooling, and every backward pass that sends gradients back to overlapping windows, works one
  window offset (di, dj) at a time: the entries at that offset of all windows form one strided
  slice of the input.  So the only Python loops run over the f * f offsets, never over pixels.

Must agree with ``loops`` to 1e-10 (tests/test_reference_geometry.py).
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .validate import validated

Shape = tuple[int, ...]
Index = tuple[slice, slice, slice, slice]
# hparameters: {"pad", "stride"} for a convolution, {"f", "stride"} for pooling.
Hparameters = dict[str, int]
ConvCache = tuple[np.ndarray, np.ndarray, np.ndarray, Hparameters]   # (A_prev, W, b, hparameters)
PoolCache = tuple[np.ndarray, Hparameters]                           # (A_prev, hparameters)


def _output_size(n_prev: int, f: int, pad: int, stride: int) -> int:
    return (n_prev - f + 2 * pad) // stride + 1


def _window_rows(X: np.ndarray, f: int, stride: int) -> np.ndarray:
    """Every f x f window of X (m, n_H_prev, n_W_prev, n_C), moved by stride, as one row each:
    shape (m * n_H * n_W, f * f * n_C), entries in a filter's (row, column, channel) order."""
    view = sliding_window_view(X, (f, f), axis=(1, 2))[:, ::stride, ::stride]  # (m, n_H, n_W, n_C, f, f)
    m, n_H, n_W, n_C = view.shape[:4]
    return view.transpose(0, 1, 2, 4, 5, 3).reshape(m * n_H * n_W, f * f * n_C)


def _offsets(f: int, stride: int, n_H: int, n_W: int) -> Iterator[tuple[int, int, Index]]:
    """For each offset (di, dj) inside a window, the index that picks from an (m, n_H_prev, n_W_prev, n_C)
    array the entry at that offset of every window: an (m, n_H, n_W, n_C) strided slice."""
    for di in range(f):
        for dj in range(f):
            yield di, dj, np.s_[:, di:di + stride * n_H:stride, dj:dj + stride * n_W:stride, :]


def _pooled(A_prev: np.ndarray, f: int, stride: int, mode: str) -> np.ndarray:
    """Max or mean of every f x f window of A_prev (m, n_H_prev, n_W_prev, n_C): (m, n_H, n_W, n_C)."""
    n_H, n_W = _output_size(A_prev.shape[1], f, 0, stride), _output_size(A_prev.shape[2], f, 0, stride)
    first, *others = (A_prev[at] for _, _, at in _offsets(f, stride, n_H, n_W))
    combine = np.maximum if mode == "max" else np.add
    A = first.astype(np.float64)
    for entries in others:
        combine(A, entries, out=A)
    return A if mode == "max" else A / (f * f)


@validated
def zero_pad(X: np.ndarray, pad: int) -> np.ndarray:
    """Zero-pad height and width. X: (m, n_H, n_W, n_C) -> (m, n_H + 2*pad, n_W + 2*pad, n_C)."""
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


@validated
def conv_single_step(a_slice_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.float64:
    """sum(a_slice_prev * W) + b as a NumPy scalar. a_slice_prev, W: (f, f, n_C_prev); b: (1, 1, 1)."""
    return np.float64(np.einsum("ijk,ijk->", a_slice_prev, W) + b.item())


@validated
def conv_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray,
                 hparameters: Hparameters) -> tuple[np.ndarray, ConvCache]:
    """Convolution forward. A_prev: (m, n_H_prev, n_W_prev, n_C_prev); W: (f, f, n_C_prev, n_C);
    b: (1, 1, 1, n_C). Returns Z: (m, n_H, n_W, n_C) with n_H = (n_H_prev - f + 2*pad) // stride + 1,
    and cache = (A_prev, W, b, hparameters)."""
    f, n_C = W.shape[0], W.shape[3]
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    n_H, n_W = _output_size(n_H_prev, f, pad, stride), _output_size(n_W_prev, f, pad, stride)
    Z = _window_rows(zero_pad(A_prev, pad), f, stride) @ W.reshape(-1, n_C) + b.reshape(1, n_C)
    return Z.reshape(m, n_H, n_W, n_C).astype(np.float64, copy=False), (A_prev, W, b, hparameters)


@validated
def pool_forward(A_prev: np.ndarray, hparameters: Hparameters, mode: str = "max") -> tuple[np.ndarray, PoolCache]:
    """Pooling forward. A_prev: (m, n_H_prev, n_W_prev, n_C). Returns A: (m, n_H, n_W, n_C) with
    n_H = (n_H_prev - f) // stride + 1, and cache = (A_prev, hparameters)."""
    return _pooled(A_prev, hparameters["f"], hparameters["stride"], mode), (A_prev, hparameters)


@validated
def conv_backward(dZ: np.ndarray, cache: ConvCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convolution backward. dZ: (m, n_H, n_W, n_C); cache from conv_forward.
    Returns dA_prev: (m, n_H_prev, n_W_prev, n_C_prev), dW: (f, f, n_C_prev, n_C), db: (1, 1, 1, n_C)."""
    A_prev, W, b, hparameters = cache
    f, stride, pad = W.shape[0], hparameters["stride"], hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape
    n_H_prev, n_W_prev = A_prev.shape[1:3]
    A_prev_pad = zero_pad(A_prev, pad)
    dZ_rows = dZ.reshape(-1, n_C)                      # one row per output pixel
    dW = (_window_rows(A_prev_pad, f, stride).T @ dZ_rows).reshape(W.shape)
    db = dZ.sum(axis=(0, 1, 2)).reshape(b.shape)
    # Each output pixel sends W * dZ back to its window: (m, n_H, n_W, f, f, n_C_prev).
    window_grads = (dZ_rows @ W.reshape(-1, n_C).T).reshape(m, n_H, n_W, f, f, -1)
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    for di, dj, at in _offsets(f, stride, n_H, n_W):
        dA_prev_pad[at] += window_grads[:, :, :, di, dj]   # windows overlap: add, never assign
    dA_prev = dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev, dW.astype(np.float64, copy=False), db.astype(np.float64, copy=False)


@validated
def create_mask_from_window(x: np.ndarray) -> np.ndarray:
    """x: (f, f) -> boolean mask (f, f), True at every entry equal to max(x) (ties all True)."""
    mask: np.ndarray = x == np.max(x)
    return mask


@validated
def distribute_value(dz: float, shape: Shape) -> np.ndarray:
    """An array of `shape` (f_H, f_W) whose entries all equal dz / (f_H * f_W)."""
    return np.full(shape, dz / (shape[0] * shape[1]), dtype=np.float64)


@validated
def pool_backward(dA: np.ndarray, cache: PoolCache, mode: str = "max") -> np.ndarray:
    """Pooling backward. dA: (m, n_H, n_W, n_C); cache from pool_forward.
    Returns dA_prev: (m, n_H_prev, n_W_prev, n_C). Max mode routes dA to every entry equal to
    its window's maximum (the x == max(x) convention, so tied maxima each get the full dA);
    average mode spreads dA / (f * f) over the window."""
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    _, n_H, n_W, _ = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    if mode == "max":
        window_max = _pooled(A_prev, f, stride, "max")
        for _, _, at in _offsets(f, stride, n_H, n_W):
            dA_prev[at] += (A_prev[at] == window_max) * dA   # windows may overlap: add
    else:
        share = dA / (f * f)
        for _, _, at in _offsets(f, stride, n_H, n_W):
            dA_prev[at] += share
    return dA_prev
