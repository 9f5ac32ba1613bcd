"""The answer key of "Convolutional Neural Networks: Step by Step".

Two implementations with the assignment's signatures and NHWC layout:

- ``cnn_reference.loops``: the loop version, exactly the source notebook's solutions;
- ``cnn_reference.vectorized``: strided window views and matrix products, for speed.

The names exported here are the vectorized ones.
"""
from . import loops, vectorized

# "name as name": re-exported (mypy and ruff do not read the starred __all__ below).
from .vectorized import (
    conv_backward as conv_backward,
    conv_forward as conv_forward,
    conv_single_step as conv_single_step,
    create_mask_from_window as create_mask_from_window,
    distribute_value as distribute_value,
    pool_backward as pool_backward,
    pool_forward as pool_forward,
    zero_pad as zero_pad,
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
