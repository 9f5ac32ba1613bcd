"""The answer key of "Convolutional Neural Networks: Step by Step".

Two implementations with the assignment's signatures and NHWC layout:

- ``cnn_reference.loops``: the loop version, exactly the source notebook's solutions;
- ``cnn_reference.vectorized``: strided window views and matrix products, for speed.

The names exported here are the vectorized ones.
"""
from . import loops, vectorized
from .vectorized import (
    conv_backward,
    conv_forward,
    conv_single_step,
    create_mask_from_window,
    distribute_value,
    pool_backward,
    pool_forward,
    zero_pad,
)

FUNCTIONS = (
    "zero_pad",
    "conv_single_step",
    "conv_forward",
    "pool_forward",
    "conv_backward",
    "create_mask_from_window",
    "distribute_value",
    "pool_backward",
)

__all__ = ["loops", "vectorized", "FUNCTIONS", *FUNCTIONS]
