"""Both answer keys against PyTorch's conv2d, max_pool2d and avg_pool2d (forward and autograd), float64.

PyTorch is NCHW and its conv2d is a cross-correlation, like the assignment's convolution, so
the only conversions are the axis orders: A (m, H, W, C) <-> (m, C, H, W) and
W (f, f, C_prev, C) <-> (C, C_prev, f, f).  torch is a test dependency (extra "torch"): CI runs this.
"""
from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnn_reference import loops, vectorized

IMPLEMENTATIONS = [pytest.param(loops, id="loops"), pytest.param(vectorized, id="vectorized")]
TOLERANCE = 1e-10

# (A_prev shape, f, n_C, pad, stride)
CONV_GEOMETRIES = [
    ((2, 5, 6, 3), 3, 4, 1, 1),
    ((2, 7, 5, 2), 3, 2, 0, 2),
    ((1, 6, 6, 4), 2, 3, 2, 3),
    ((2, 4, 5, 1), 1, 2, 0, 1),
    ((1, 3, 4, 2), 5, 1, 1, 1),
]
# (A_prev shape, f, stride)
POOL_GEOMETRIES = [
    ((2, 4, 5, 3), 2, 2),
    ((2, 6, 5, 2), 3, 1),
    ((1, 7, 6, 2), 3, 2),
    ((2, 5, 7, 1), 2, 3),
]


def to_nchw(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2))).requires_grad_(True)


def to_nhwc(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().numpy().transpose(0, 2, 3, 1)


def assert_close(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=0, atol=TOLERANCE)


def test_torch_computes_in_float64() -> None:
    assert to_nchw(np.zeros((1, 1, 1, 1))).dtype == torch.float64


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("shape, f, n_C, pad, stride", CONV_GEOMETRIES)
def test_conv_matches_torch_conv2d(impl: ModuleType, shape: tuple, f: int, n_C: int, pad: int, stride: int) -> None:
    rng = np.random.default_rng(sum(shape) + 10 * f + 100 * pad + 1000 * stride)
    A_prev = rng.standard_normal(shape)
    W = rng.standard_normal((f, f, shape[3], n_C))
    b = rng.standard_normal((1, 1, 1, n_C))

    Z, cache = impl.conv_forward(A_prev, W, b, {"pad": pad, "stride": stride})
    A_t = to_nchw(A_prev)
    W_t = torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1))).requires_grad_(True)
    b_t = torch.from_numpy(b.reshape(-1).copy()).requires_grad_(True)
    Z_t = F.conv2d(A_t, W_t, b_t, stride=stride, padding=pad)
    assert_close(Z, to_nhwc(Z_t))

    dZ = rng.standard_normal(Z.shape)
    Z_t.backward(torch.from_numpy(np.ascontiguousarray(dZ.transpose(0, 3, 1, 2))))
    dA_prev, dW, db = impl.conv_backward(dZ, cache)
    assert_close(dA_prev, to_nhwc(A_t.grad))
    assert_close(dW, W_t.grad.numpy().transpose(2, 3, 1, 0))
    assert_close(db, b_t.grad.numpy().reshape(b.shape))


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("mode, torch_pool", [("max", F.max_pool2d), ("average", F.avg_pool2d)], ids=["max", "average"])
@pytest.mark.parametrize("shape, f, stride", POOL_GEOMETRIES)
def test_pooling_matches_torch(impl: ModuleType, mode: str, torch_pool, shape: tuple, f: int, stride: int) -> None:
    # Continuous random input: no tied maxima, where PyTorch would route the gradient to one entry only.
    rng = np.random.default_rng(sum(shape) + 10 * f + 100 * stride)
    A_prev = rng.standard_normal(shape)

    A, cache = impl.pool_forward(A_prev, {"f": f, "stride": stride}, mode=mode)
    A_t = to_nchw(A_prev)
    out_t = torch_pool(A_t, kernel_size=f, stride=stride)
    assert_close(A, to_nhwc(out_t))

    dA = rng.standard_normal(A.shape)
    out_t.backward(torch.from_numpy(np.ascontiguousarray(dA.transpose(0, 3, 1, 2))))
    assert_close(impl.pool_backward(dA, cache, mode=mode), to_nhwc(A_t.grad))
