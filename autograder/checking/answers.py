"""The answer key's outputs of one case, as named arrays (the things a student's outputs must match)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import cnn_reference

from ..assignment.exercises import EXERCISES


def answer_outputs(exercise: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The vectorized answer key's outputs of exercise(*args, **kwargs), by name, as float64 arrays
    (the mask as a bool array)."""
    value = getattr(cnn_reference.vectorized, exercise)(*args, **kwargs)
    spec = EXERCISES[exercise]
    names = spec.outputs
    if len(spec.returns) == 1:
        value = (value,)
    dtype = bool if spec.exact else np.float64
    return {name: np.asarray(v, dtype=dtype) for name, v in zip(names, value)}
