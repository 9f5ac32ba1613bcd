"""What each exercise's return value must look like, and the output arrays read out of it.

A contract problem fails the case before any value is compared: a wrong return type, a
(1, 1, 1) array where a scalar is due, a cache that does not hold the inputs, an input
changed in place.  Problems name shapes and kinds, never values.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..assignment.exercises import EXERCISES
from ..sandbox.guest.wire import to_plain
from .compare import as_number, plain_equal

# Contract hints say what the return value shows, not a guessed cause: a catalogued mistake,
# once confirmed, names the cause (diagnose).
SCALAR_HINT = (
    "conv_single_step must return a scalar, but it returns an array of one element: some term in "
    "the computation of Z is an array and keeps Z one (b, for one, has shape (1, 1, 1)). NumPy can "
    "turn a one-element array into a number.")
CACHE_HINT = (
    "The forward pass must return the cache exactly as the docstring lists it: the inputs "
    "themselves, in that order (the backward pass unpacks it). Check the line that builds `cache`.")
IN_PLACE_HINT = (
    "Your function changes one of its input arrays in place (e.g. `+=` on an argument, or on a "
    "view of it). Callers still need their arrays: work on a new array (np.zeros or a copy).")
MASK_HINT = "The mask must be an array of booleans (or of 0s and 1s) with the shape of x."


class ContractError(Exception):
    """A return value that breaks the exercise's contract; args: (problem, hint or "")."""


def describe(value: Any) -> str:
    """A student's return value in a few words (its kind and shape, never its values)."""
    if value is None:
        return "None (is the return statement missing?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if as_number(value) is not None:
        return "a number"
    if isinstance(value, dict) and "__unsupported__" in value:
        return f"a {value['__unsupported__']}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def _array(value: Any, what: str) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise ContractError(f"{what} should be an array, but the function returned {describe(value)}", "")
    return value


def _scalar(value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value
    number = as_number(value)
    if number is not None:
        return np.array(number)
    if isinstance(value, np.ndarray) and value.size == 1:
        raise ContractError(f"returned an array of shape {value.shape}, not a scalar", SCALAR_HINT)
    raise ContractError(f"returned {describe(value)}, not a scalar", "")


def _check_cache(exercise: str, cache: Any, args: tuple[Any, ...]) -> None:
    spec = EXERCISES[exercise]
    names = spec.cache
    listing = "(" + ", ".join(names) + ")"
    if not isinstance(cache, (tuple, list)):
        raise ContractError(f"cache is {describe(cache)}, expected the tuple {listing}", CACHE_HINT)
    if len(cache) != len(names):
        raise ContractError(f"cache has {len(cache)} items, expected {len(names)}: {listing}", CACHE_HINT)
    for n, (item, name) in enumerate(zip(cache, names)):
        if not plain_equal(item, to_plain(args[spec.args.index(name)])):
            raise ContractError(f"cache[{n}] is not the input {name} (cache must be {listing})", CACHE_HINT)


def read_outputs(exercise: str, value: Any, args: tuple[Any, ...]) -> dict[str, np.ndarray]:
    """The output arrays of a student's return value, by name; raises ContractError."""
    spec = EXERCISES[exercise]
    names = spec.outputs
    if exercise == "conv_single_step":
        return {"Z": _scalar(value)}
    if spec.exact:
        mask = _array(value, "mask")
        if mask.dtype != bool and not np.isin(mask, (0, 1)).all():
            raise ContractError("mask has entries other than True/False (or 1/0)", MASK_HINT)
        return {"mask": mask.astype(bool)}
    if spec.cache:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ContractError(f"returned {describe(value)}, expected the pair ({names[0]}, cache)", "")
        _check_cache(exercise, value[1], args)
        return {names[0]: _array(value[0], names[0])}
    if len(names) > 1:
        if not isinstance(value, (tuple, list)) or len(value) != len(names):
            raise ContractError(f"returned {describe(value)}, expected ({', '.join(names)})", "")
        return {name: _array(v, name) for name, v in zip(names, value)}
    return {names[0]: _array(value, names[0])}


def changed_inputs(exercise: str, args: tuple[Any, ...], kwargs: Mapping[str, Any], inputs_after: Any) -> list[str]:
    """Names of the inputs the call changed in place (inputs_after: (args, kwargs) after the call)."""
    if not (isinstance(inputs_after, (tuple, list)) and len(inputs_after) == 2):
        return []
    args_after, kwargs_after = inputs_after
    names = EXERCISES[exercise].args
    changed = [names[n] if n < len(names) else f"argument {n}"
               for n, (before, after) in enumerate(zip(args, args_after))
               if not plain_equal(to_plain(before), after)]
    changed += [key for key, before in kwargs.items()
                if isinstance(kwargs_after, dict) and not plain_equal(to_plain(before), kwargs_after.get(key))]
    return changed
