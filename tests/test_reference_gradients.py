"""conv_backward and pool_backward against central differences of a random scalar loss.

The loss is sum(forward(...) * G) for a fixed random G, so its gradient with respect to the
forward's output is G, which is what the backward pass receives.  Each implementation's backward
is checked against numerical gradients of its own forward.
"""
from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
from gradcheck import numerical_gradient, relative_error

from cnn_reference import loops, vectorized

IMPLEMENTATIONS = [pytest.param(loops, id="loops"), pytest.param(vectorized, id="vectorized")]
MAX_RELATIVE_ERROR = 1e-7

# (A_prev shape, f, pad, stride): pad 0 and stride 2 included, non-square and batch 1 too.
CONV_GEOMETRIES = [
    ((2, 4, 5, 3), 3, 1, 1),
    ((2, 5, 4, 2), 3, 0, 2),
    ((1, 4, 6, 2), 2, 2, 2),
    ((2, 3, 4, 1), 1, 0, 1),
]
# (A_prev shape, f, stride): overlapping, tiling and skipping windows.
POOL_GEOMETRIES = [
    ((2, 4, 5, 2), 2, 1),
    ((2, 5, 4, 3), 2, 2),
    ((1, 6, 5, 2), 3, 2),
    ((2, 5, 6, 1), 2, 3),
]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("shape, f, pad, stride", CONV_GEOMETRIES)
def test_conv_backward_matches_numerical_gradients(
        impl: ModuleType, shape: tuple, f: int, pad: int, stride: int) -> None:
    rng = np.random.default_rng(sum(shape) + 10 * f + 100 * pad + 1000 * stride)
    A_prev = rng.standard_normal(shape)
    W = rng.standard_normal((f, f, shape[3], 2))
    b = rng.standard_normal((1, 1, 1, 2))
    hp = {"pad": pad, "stride": stride}
    Z, cache = impl.conv_forward(A_prev, W, b, hp)
    G = rng.standard_normal(Z.shape)

    def loss() -> float:
        return float(np.sum(impl.conv_forward(A_prev, W, b, hp)[0] * G))

    dA_prev, dW, db = impl.conv_backward(G, cache)
    for name, analytic, x in (("dA_prev", dA_prev, A_prev), ("dW", dW, W), ("db", db, b)):
        error = relative_error(analytic, numerical_gradient(loss, x))
        assert error < MAX_RELATIVE_ERROR, f"{name}: relative error {error:.2e}"


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("shape, f, stride", POOL_GEOMETRIES)
def test_pool_backward_matches_numerical_gradients(
        impl: ModuleType, mode: str, shape: tuple, f: int, stride: int) -> None:
    # Continuous random inputs: no tied maxima, so max pooling is differentiable at A_prev.
    rng = np.random.default_rng(sum(shape) + 10 * f + 100 * stride)
    A_prev = rng.standard_normal(shape)
    hp = {"f": f, "stride": stride}
    A, cache = impl.pool_forward(A_prev, hp, mode=mode)
    G = rng.standard_normal(A.shape)

    def loss() -> float:
        return float(np.sum(impl.pool_forward(A_prev, hp, mode=mode)[0] * G))

    dA_prev = impl.pool_backward(G, cache, mode=mode)
    error = relative_error(dA_prev, numerical_gradient(loss, A_prev))
    assert error < MAX_RELATIVE_ERROR, f"dA_prev: relative error {error:.2e}"


def test_gradient_check_catches_a_wrong_gradient() -> None:
    """The check itself has teeth: dropping one window's contribution fails it by far."""
    rng = np.random.default_rng(0)
    A_prev = rng.standard_normal((1, 4, 4, 1))
    hp = {"f": 2, "stride": 2}
    A, cache = vectorized.pool_forward(A_prev, hp, mode="average")
    G = rng.standard_normal(A.shape)
    wrong = vectorized.pool_backward(G, cache, mode="average")
    wrong[0, :2, :2, 0] = 0

    def loss() -> float:
        return float(np.sum(vectorized.pool_forward(A_prev, hp, mode="average")[0] * G))

    assert relative_error(wrong, numerical_gradient(loss, A_prev)) > 1e-2
