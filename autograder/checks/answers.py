"""The answer key's outputs of one case, as named arrays (the things a student's outputs must match)."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

import cnn_reference

# The arrays each exercise's return value is judged on, in the order the function returns them.
# A cache is checked as a contract (it must hold the inputs), not as an output.
OUTPUT_NAMES: dict[str, tuple[str, ...]] = {
    "zero_pad": ("X_pad",),
    "conv_single_step": ("Z",),
    "conv_forward": ("Z",),
    "pool_forward": ("A",),
    "conv_backward": ("dA_prev", "dW", "db"),
    "create_mask_from_window": ("mask",),
    "distribute_value": ("a",),
    "pool_backward": ("dA_prev",),
}


def answer_outputs(exercise: str, args: tuple, kwargs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The vectorized answer key's outputs of exercise(*args, **kwargs), by name, as float64 arrays
    (the mask as a bool array)."""
    value = getattr(cnn_reference.vectorized, exercise)(*args, **kwargs)
    names = OUTPUT_NAMES[exercise]
    if exercise in ("conv_forward", "pool_forward"):
        value = value[:1]
    elif len(names) == 1:
        value = (value,)
    dtype = bool if exercise == "create_mask_from_window" else np.float64
    return {name: np.asarray(v, dtype=dtype) for name, v in zip(names, value)}
