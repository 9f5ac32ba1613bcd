"""The notebook's conv_backward formulas (section 6.1), evaluated numerically against the answer key.

Each display equation of that cell is written out below with the NumPy it says, index for index.
The tests check that the cell holds exactly these equations, evaluate them on small cases and
compare the results with the answer key's conv_backward (the notebook's own solution), and check
that the solution writes the same three updates.  Changing a formula without its code, or the
code without its formula, fails here.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from cnn_reference import loops, vectorized
from tools import extract_reference as extract

NOTEBOOK = Path(__file__).resolve().parent.parent / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"

ROWS_AND_COLS = (r"\mathrm{rows}(h) = h \cdot s, \dots, h \cdot s + f - 1 \qquad "
                 r"\mathrm{cols}(w) = w \cdot s, \dots, w \cdot s + f - 1")
A_SLICE = r"a_{slice}(i, h, w) = A_{prev\_pad}[i, \mathrm{rows}(h), \mathrm{cols}(w), :]"
DA_UPDATE = r"dA_{prev\_pad}[i, \mathrm{rows}(h), \mathrm{cols}(w), :] \mathrel{+}= W[:, :, :, c] \cdot dZ[i, h, w, c]"
DW_UPDATE = r"dW[:, :, :, c] \mathrel{+}= a_{slice}(i, h, w) \cdot dZ[i, h, w, c]"
DB_UPDATE = r"db[:, :, :, c] \mathrel{+}= dZ[i, h, w, c]"
SUMS = (r"dW[:, :, :, c] = \sum_{i=0}^{m-1} \sum_{h=0}^{n_H-1} \sum_{w=0}^{n_W-1} a_{slice}(i, h, w) \cdot "
        r"dZ[i, h, w, c] \qquad db[:, :, :, c] = \sum_{i=0}^{m-1} \sum_{h=0}^{n_H-1} \sum_{w=0}^{n_W-1} dZ[i, h, w, c]")
DA_ENTRY = (r"dA_{prev\_pad}[i, r, q, k] = \sum_{c=0}^{n_C-1} \sum_{h:\, r \in \mathrm{rows}(h)} "
            r"\sum_{w:\, q \in \mathrm{cols}(w)} W[r - h \cdot s, q - w \cdot s, k, c] \cdot dZ[i, h, w, c]")
FORMULAS = [ROWS_AND_COLS, A_SLICE, DA_UPDATE, DW_UPDATE, DB_UPDATE, SUMS, DA_ENTRY]

# The solution's lines for the three per-window updates and the window's corners.
SOLUTION_LINES = (
    "vert_start = h * stride", "vert_end = vert_start + f", "horiz_start = w * stride", "horiz_end = horiz_start + f",
    "a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]",
    "da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]",
    "dW[:, :, :, c] += a_slice * dZ[i, h, w, c]",
    "db[:, :, :, c] += dZ[i, h, w, c]",
)

# (A_prev shape, f, n_C, pad, stride): overlapping windows, stride > f, no padding, a batch of 1.
CASES = [((2, 5, 4, 3), 3, 2, 1, 2), ((1, 4, 6, 2), 3, 3, 0, 1), ((2, 6, 5, 1), 2, 2, 2, 3)]


def display_equations(markdown: str) -> list[str]:
    return [" ".join(body.split()) for body in re.findall(r"\$\$(.*?)\$\$", markdown, flags=re.S)]


def test_the_notebook_states_exactly_the_formulas_evaluated_here():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in notebook.cells if "### 6.1 Convolution layer backward" in c.source)
    assert display_equations(cell.source) == FORMULAS


def test_the_solution_writes_the_same_updates():
    solution = extract.function_sources(nbformat.read(NOTEBOOK, as_version=4))["conv_backward"]
    lines = {line.strip() for line in solution.splitlines()}
    for line in SOLUTION_LINES:
        assert line in lines, line


def inputs(shape: tuple, f: int, n_C: int, pad: int, stride: int) -> tuple:
    rng = np.random.default_rng(13)
    A_prev, W, b = (
        rng.standard_normal(shape),
        rng.standard_normal((f, f, shape[3], n_C)),
        rng.standard_normal((1, 1, 1, n_C)),
    )
    Z, cache = loops.conv_forward(A_prev, W, b, {"pad": pad, "stride": stride})
    return rng.standard_normal(Z.shape), cache


def windows(cache: tuple):
    """ROWS_AND_COLS and A_SLICE for the case in `cache`: the padded input, rows(h), cols(w), a_slice(i, h, w)."""
    A_prev, W, _, hparameters = cache
    f, s, pad = W.shape[0], hparameters["stride"], hparameters["pad"]
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))

    def rows(h: int) -> slice:  # h·s, ..., h·s + f - 1 (a slice stops before its end)
        return slice(h * s, h * s + f - 1 + 1)

    def cols(w: int) -> slice:
        return slice(w * s, w * s + f - 1 + 1)

    def a_slice(i: int, h: int, w: int) -> np.ndarray:
        return A_prev_pad[i, rows(h), cols(w), :]

    return A_prev_pad, rows, cols, a_slice


def per_window(dZ: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """DA_UPDATE, DW_UPDATE and DB_UPDATE for every example i, output position (h, w) and filter c."""
    _, W, b, _ = cache
    A_prev_pad, rows, cols, a_slice = windows(cache)
    dA_prev_pad, dW, db = np.zeros(A_prev_pad.shape), np.zeros(W.shape), np.zeros(b.shape)
    for i, h, w, c in np.ndindex(dZ.shape):
        dA_prev_pad[i, rows(h), cols(w), :] += W[:, :, :, c] * dZ[i, h, w, c]
        dW[:, :, :, c] += a_slice(i, h, w) * dZ[i, h, w, c]
        db[:, :, :, c] += dZ[i, h, w, c]
    return dA_prev_pad, dW, db


def summed(dZ: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SUMS for each filter c, and DA_ENTRY for each entry (i, r, q, k) of the padded input."""
    _, W, b, hparameters = cache
    s = hparameters["stride"]
    A_prev_pad, rows, cols, a_slice = windows(cache)
    m, n_H, n_W, n_C = dZ.shape
    positions = [(i, h, w) for i in range(m) for h in range(n_H) for w in range(n_W)]
    dW, db = np.zeros(W.shape), np.zeros(b.shape)
    for c in range(n_C):
        dW[:, :, :, c] = sum(a_slice(i, h, w) * dZ[i, h, w, c] for i, h, w in positions)
        db[:, :, :, c] = sum(dZ[i, h, w, c] for i, h, w in positions)

    def inside(index: int, window: slice) -> bool:
        return window.start <= index < window.stop

    dA_prev_pad = np.zeros(A_prev_pad.shape)
    for i, r, q, k in np.ndindex(A_prev_pad.shape):
        dA_prev_pad[i, r, q, k] = sum(
            W[r - h * s, q - w * s, k, c] * dZ[i, h, w, c]
            for c in range(n_C)
            for h in range(n_H)
            if inside(r, rows(h))
            for w in range(n_W)
            if inside(q, cols(w))
        )
    return dA_prev_pad, dW, db


@pytest.mark.parametrize("formulas", [per_window, summed], ids=["per window", "summed"])
@pytest.mark.parametrize("implementation", [loops, vectorized], ids=["loop answer key", "vectorized answer key"])
@pytest.mark.parametrize(
    "case", CASES, ids=lambda case: f"A_prev {case[0]}, f={case[1]}, pad={case[3]}, stride={case[4]}"
)
def test_the_formulas_give_the_answer_keys_gradients(formulas, implementation, case):
    dZ, cache = inputs(*case)
    pad = case[3]
    dA_prev_pad, dW, db = formulas(dZ, cache)
    dA_prev, expected_dW, expected_db = implementation.conv_backward(dZ, cache)
    n_H_prev, n_W_prev = cache[0].shape[1:3]
    np.testing.assert_allclose(dA_prev_pad[:, pad : pad + n_H_prev, pad : pad + n_W_prev, :], dA_prev, atol=1e-12)
    np.testing.assert_allclose(dW, expected_dW, atol=1e-12)
    np.testing.assert_allclose(db, expected_db, atol=1e-12)
