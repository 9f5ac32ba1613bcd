"""Plain data across the sandbox boundary, as framed messages on the job's socket.

Never pickle: a crafted return value could run code in the grader when unpickled.  Whatever a
student function returns is reduced here to numbers, strings, arrays of numbers, and nested
lists/tuples/dicts of those (``to_plain``); anything else becomes an ``{"__unsupported__": type
name}`` marker that the checks report ("returned a <type>").

A message (``pack``/``unpack``) is JSON with its arrays inline after it, each referenced exactly
once::

    message = u32 length of the JSON | JSON | array*        array = u32 length of meta | meta | bytes
    meta    = {"dtype": "<f8", "shape": [2, 3]}             (the bytes are exactly what meta says)

and a stream of messages is a sequence of frames, ``u32 length | message``.  Decoding trusts
nothing: the JSON must be UTF-8 with finite numbers; every dict is one of the markers below;
every string is valid text; an array's dtype is a plain number type, its byte count follows from
its shape and must match what is there, and each array is used by exactly one reference, so the
bytes decoded are the bytes received.  Anything else raises ``WireError``.  Strings that are not
valid text (a lone surrogate in an honest error message) are escaped when packed, never refused.

Both sides use this module (the host to read results and write the job, the guest the other way
round), so it imports nothing from the grader.
"""
from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_DEPTH = 8          # of a student's value
MAX_ITEMS = 64         # items kept of a list, tuple or dict a student returns
MAX_NESTING = 64       # of a decoded message (markers included)
MAX_DIMENSIONS = 32
NUMBER_KINDS = "biuf"
_U32 = struct.Struct("<I")
_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class WireError(ValueError):
    """A message or stream that is not what this protocol allows."""


def to_plain(value: Any, depth: int = 0) -> Any:
    """Reduce a value to plain data; arrays stay ndarrays (copies of base class ndarray)."""
    if depth > MAX_DEPTH:
        return {"__unsupported__": "nesting too deep"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) in (int, float):
        return value
    if isinstance(value, np.generic):
        if value.dtype.kind in NUMBER_KINDS:
            number = value.item()   # a Python number, except for longdouble
            return {"__scalar__": number if type(number) in (bool, int, float) else float(number),
                    "dtype": value.dtype.str}
        return {"__unsupported__": f"numpy scalar of dtype {value.dtype}"}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in NUMBER_KINDS or value.dtype.fields:
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


def text(value: str) -> str:
    """`value` as valid text: lone surrogates (which UTF-8 cannot carry) written as \\udcxx escapes."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")


# ------------------------------------------------------------------------------------------ packing
def pack(value: Any) -> bytes:
    """One message: `value` (plain data, see to_plain) as JSON, its arrays appended."""
    arrays: list[np.ndarray] = []

    def walk(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            arrays.append(v)
            return {"__array__": len(arrays) - 1}
        if isinstance(v, tuple):
            return {"__tuple__": [walk(x) for x in v]}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            if "__scalar__" in v:
                return {"__scalar__": walk(v["__scalar__"]), "dtype": text(v["dtype"])}
            if "__unsupported__" in v:
                return {"__unsupported__": text(v["__unsupported__"])}
            return {"__dict__": {text(k): walk(x) for k, x in v.items()}}
        if isinstance(v, float) and not math.isfinite(v):
            return {"__float__": repr(v)}
        if isinstance(v, str):
            return text(v)
        return v

    body = json.dumps(walk(value), allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    parts = [_U32.pack(len(body)), body]
    for array in arrays:
        array = np.ascontiguousarray(array)
        meta = json.dumps({"dtype": array.dtype.str, "shape": list(array.shape)}).encode()
        parts += [_U32.pack(len(meta)), meta, array.tobytes()]
    return b"".join(parts)


def frame(message: bytes) -> bytes:
    return _U32.pack(len(message)) + message


def write_frame(fd: int, message: bytes) -> None:
    """The message as one frame on the descriptor `fd`, whole (os.write may take it in parts)."""
    view = memoryview(frame(message))
    while view:
        view = view[os.write(fd, view):]


def frames(data: bytes, max_frames: int | None = None) -> list[bytes]:
    """The messages of a stream of frames; a cut-off frame, or more than `max_frames`, is an error."""
    found: list[bytes] = []
    offset = 0
    while offset < len(data):
        if max_frames is not None and len(found) == max_frames:
            raise WireError(f"more than {max_frames} messages")
        if offset + 4 > len(data):
            raise WireError("the stream ends inside a frame's length")
        length = _U32.unpack_from(data, offset)[0]
        offset += 4
        if offset + length > len(data):
            raise WireError("the stream ends inside a frame")
        found.append(data[offset:offset + length])
        offset += length
    return found


# ------------------------------------------------------------------------------------------ unpacking
def _reject_constant(name: str) -> Any:
    raise WireError(f"non-standard JSON number {name}")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise WireError(f"number out of range: {literal[:20]}")
    return number


def _checked_text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise WireError("a string is not valid text (lone surrogate)") from None
    return value


def json_values(message: bytes) -> int:
    """At least the number of JSON values of `message`, counted without parsing (brackets and commas).

    A parsed value costs up to 60 times its bytes (`[],` becomes a 56-byte list): a reader that
    bounds what decoding costs it bounds this count, not only the bytes."""
    if len(message) < 4:
        return 0
    text = memoryview(message)[4:4 + _U32.unpack_from(message, 0)[0]].tobytes()
    return sum(map(text.count, (b"[", b"{", b",")))


def unpack(message: bytes) -> Any:
    """The value of one message; raises WireError on anything this protocol does not allow."""
    view = memoryview(message)
    if len(view) < 4:
        raise WireError("a message shorter than its header")
    length = _U32.unpack_from(view, 0)[0]
    if 4 + length > len(view):
        raise WireError("a message shorter than its JSON")
    text = bytes(view[4:4 + length])
    try:
        document = json.loads(text.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise WireError("JSON nested too deep") from None
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
        raise WireError(f"not valid JSON: {str(error)[:100]}") from None
    # No more arrays are read than the JSON has references (as `pack` writes them; none can be in a
    # string, where a quote is escaped): unreferenced empty arrays cost 200 bytes each, 34 sent.
    arrays = _arrays(view, 4 + length, text.count(b'{"__array__":'))
    used: set[int] = set()
    value = _decode(document, arrays, used, 0)
    if len(used) != len(arrays):
        raise WireError(f"{len(arrays) - len(used)} array(s) sent but never referenced")
    return value


def _arrays(view: memoryview, offset: int, references: int) -> list[np.ndarray]:
    """Every array after the JSON, each exactly as large as its meta says (nothing left over), and
    no more than `references`."""
    arrays: list[np.ndarray] = []
    while offset < len(view):
        if len(arrays) == references:
            raise WireError(f"an array sent but never referenced (more arrays than the {references} references)")
        if offset + 4 > len(view):
            raise WireError("an array's header is cut off")
        length = _U32.unpack_from(view, offset)[0]
        offset += 4
        try:
            meta = json.loads(bytes(view[offset:offset + length]).decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise WireError("an array's meta is not valid JSON") from None
        offset += length
        dtype, shape = _array_type(meta)
        size = math.prod(shape) * dtype.itemsize
        if offset + size > len(view):
            raise WireError("an array has fewer bytes than its shape needs")
        arrays.append(np.frombuffer(view[offset:offset + size], dtype=dtype).reshape(shape).copy())
        offset += size
    return arrays


def _array_type(meta: Any) -> tuple[np.dtype, tuple[int, ...]]:
    if not (isinstance(meta, dict) and set(meta) == {"dtype", "shape"} and isinstance(meta["dtype"], str)
            and isinstance(meta["shape"], list) and len(meta["shape"]) <= MAX_DIMENSIONS
            and all(type(n) is int and n >= 0 for n in meta["shape"])):
        raise WireError("an array's meta is not {dtype, shape}")
    try:
        dtype = np.dtype(meta["dtype"])
    except (TypeError, ValueError):
        raise WireError("an array's dtype is not a number type") from None
    if dtype.kind not in NUMBER_KINDS or dtype.fields or dtype.subdtype:
        raise WireError(f"an array's dtype is not a number type: {str(dtype)[:40]}")
    return dtype, tuple(meta["shape"])


def _decode(value: Any, arrays: list[np.ndarray], used: set[int], depth: int) -> Any:
    if depth > MAX_NESTING:
        raise WireError("a message nested too deep")
    if isinstance(value, str):
        return _checked_text(value)
    if isinstance(value, list):
        return [_decode(x, arrays, used, depth + 1) for x in value]
    if not isinstance(value, dict):
        return value
    for key in value:
        _checked_text(key)
    marker = _MARKERS.get(next(iter(value), ""))
    if marker is None or set(value) != marker[0]:
        raise WireError(f"an object that is no marker of this protocol: keys {sorted(value)[:5]}")
    return marker[1](value, arrays, used, depth)


def _array(value: dict[str, Any], arrays: list[np.ndarray], used: set[int], depth: int) -> np.ndarray:
    index = value["__array__"]
    if type(index) is not int or not 0 <= index < len(arrays) or index in used:
        raise WireError("an array reference that is out of range or used twice")
    used.add(index)
    return arrays[index]


def _float(value: dict[str, Any], arrays: list[np.ndarray], used: set[int], depth: int) -> float:
    if value["__float__"] not in _FLOATS:
        raise WireError("a float marker that is not nan, inf or -inf")
    return _FLOATS[value["__float__"]]


def _scalar(value: dict[str, Any], arrays: list[np.ndarray], used: set[int], depth: int) -> dict[str, Any]:
    number = _decode(value["__scalar__"], arrays, used, depth + 1)
    if type(number) not in (bool, int, float) or not isinstance(value["dtype"], str):
        raise WireError("a scalar marker that is not {__scalar__: number, dtype: str}")
    return {"__scalar__": number, "dtype": value["dtype"]}


def _unsupported(value: dict[str, Any], arrays: list[np.ndarray], used: set[int], depth: int) -> dict[str, Any]:
    if not isinstance(value["__unsupported__"], str):
        raise WireError("an unsupported-type marker without a type name")
    return value


# A marker's decoder: (the marker's object, the message's arrays, the references used, the depth).
_Decoder = Callable[[dict[str, Any], list[np.ndarray], set[int], int], Any]


def _container(kind: type) -> _Decoder:
    def decode(value: dict[str, Any], arrays: list[np.ndarray], used: set[int], depth: int) -> Any:
        (items,) = value.values()
        if kind is dict:
            if not isinstance(items, dict):
                raise WireError("a dict marker without an object")
            return {_checked_text(k): _decode(x, arrays, used, depth + 1) for k, x in items.items()}
        if not isinstance(items, list):
            raise WireError("a tuple marker without a list")
        return tuple(_decode(x, arrays, used, depth + 1) for x in items)
    return decode


_MARKERS: dict[str, tuple[set[str], _Decoder]] = {
    "__array__": ({"__array__"}, _array),
    "__tuple__": ({"__tuple__"}, _container(tuple)),
    "__dict__": ({"__dict__"}, _container(dict)),
    "__float__": ({"__float__"}, _float),
    "__scalar__": ({"__scalar__", "dtype"}, _scalar),
    "__unsupported__": ({"__unsupported__"}, _unsupported),
}
