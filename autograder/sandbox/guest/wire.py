"""Plain data across the sandbox boundary: JSON for structure, .npy (allow_pickle=False) for arrays.

Never pickle: a crafted return value could run code in the grader when unpickled.  Whatever a
student function returns is reduced here to numbers, strings, arrays of numbers, and nested
lists/tuples/dicts of those; anything else becomes an ``{"__unsupported__": type name}`` marker
that the checks report ("returned a <type>").

This module runs beside student code, so it imports nothing from the grader.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

MAX_DEPTH = 8
MAX_ITEMS = 64


def to_plain(value: Any, depth: int = 0) -> Any:
    """Reduce a value to plain data; arrays stay ndarrays (copies of base class ndarray)."""
    if depth > MAX_DEPTH:
        return {"__unsupported__": "nesting too deep"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) in (int, float):
        return value
    if isinstance(value, np.generic):
        if value.dtype.kind in "biuf":
            return {"__scalar__": value.item(), "dtype": value.dtype.str}
        return {"__unsupported__": f"numpy scalar of dtype {value.dtype}"}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return {"__unsupported__": f"array of dtype {value.dtype}"}
        # np.array(...) of the base class drops any subclass behaviour (a lying __eq__).
        return np.array(value.view(np.ndarray), copy=True)
    if type(value) in (tuple, list):
        items = [to_plain(v, depth + 1) for v in value[:MAX_ITEMS]]
        return tuple(items) if type(value) is tuple else items
    if type(value) is dict and all(type(k) is str for k in value):
        return {k: to_plain(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]}
    return {"__unsupported__": _type_name(value)}


def _type_name(value: Any) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "")
    return f"{module}.{cls.__qualname__}" if module not in ("builtins", "") else cls.__qualname__


def encode(value: Any, folder: Path, prefix: str) -> Any:
    """Turn a plain value into JSON-ready data, saving its arrays as folder/<prefix>_<n>.npy."""
    counter = iter(range(10**9))

    def walk(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            name = f"{prefix}_{next(counter)}.npy"
            np.save(folder / name, v, allow_pickle=False)
            return {"__array__": name}
        if isinstance(v, tuple):
            return {"__tuple__": [walk(x) for x in v]}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict) and not ("__scalar__" in v or "__unsupported__" in v):
            return {"__dict__": {k: walk(x) for k, x in v.items()}}
        if isinstance(v, float) and not math.isfinite(v):
            return {"__float__": repr(v)}
        return v

    return walk(value)


def decode(data: Any, folder: Path, max_bytes: int = 256 * 2**20) -> Any:
    """The inverse of encode, reading arrays with allow_pickle=False and a size bound."""

    def walk(v: Any) -> Any:
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            if "__array__" in v:
                path = folder / Path(str(v["__array__"])).name
                if path.stat().st_size > max_bytes:
                    return {"__unsupported__": "array larger than the grader accepts"}
                return np.load(path, allow_pickle=False)
            if "__tuple__" in v:
                return tuple(walk(x) for x in v["__tuple__"])
            if "__dict__" in v:
                return {str(k): walk(x) for k, x in v["__dict__"].items()}
            if "__float__" in v:
                return float(v["__float__"])
            return v
        return v

    return walk(data)


def dump_json(data: Any, path: Path) -> None:
    """Write JSON atomically enough for a single writer (temp file then rename)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, allow_nan=False))
    tmp.replace(path)

