"""The catalog of known mistakes: where to look for the hint about mistake X.

Each mistake is a one-line change to the loop answer key as the notebook shows it
(``cnn_reference/notebook_solutions.py``): the ``old`` line, as it appears inside the
exercise's function, becomes ``new``.  Applying it gives a *mutant*, the answer key carrying
that mistake; a student whose outputs match a mutant's on every case is told the mistake's
name and hint (``diagnose``).  Some mistakes are not literally one line of
the reference as written (e.g. ignoring the stride in both corners); their ``new`` line is
crafted so the mutant behaves like the mistake.  A hint says what is wrong and where, never
the code that fixes it.

Applying a change asserts that ``old`` occurs exactly once in the function, so editing the
notebook's solutions cannot make the catalog rot silently.
"""
from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cnn_reference

SOLUTIONS_FILE = Path(cnn_reference.__file__).parent / "notebook_solutions.py"


@dataclass(frozen=True)
class Mistake:
    exercise: str
    name: str                  # short, shown to the student and counted in the class report
    old: str                   # a line of the exercise's function in notebook_solutions.py (stripped)
    new: str                   # the line that replaces it
    hint: str                  # one paragraph: what is wrong and where, never the solution code
    random: bool = False       # the mutant draws random numbers: match which outputs are wrong, not values
    # A regular expression that recognizes the mistake in a traceback (the student's lines and the
    # error line), in whichever exercise it appears, e.g. float(b) written inline in conv_forward.
    signature: str = ""
    # The same mistake repeated on further lines, (old, new) each: e.g. in both branches of a function.
    also: tuple[tuple[str, str], ...] = ()


_PAD_SLICE_HINT = ("Stripping the padding with [pad:-pad] works for pad >= 1 but gives an empty slice when "
                   "pad = 0 (-0 is 0, so the slice ends at the start). Give the end of the slice as pad plus "
                   "the unpadded size.")

_MISTAKES: tuple[Mistake, ...] = (
    Mistake("zero_pad", "padding every axis",
            'X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)',
            'X_pad = np.pad(X, pad, mode="constant", constant_values=0)',
            "Your zero_pad also pads the batch axis and the channel axis, so X_pad gains examples and "
            "channels. Only the height and width (axes 1 and 2) get pad zeros on each side: give np.pad "
            "one (before, after) pair per axis."),
    Mistake("conv_single_step", "bias added inside the sum", "Z = Z + b.item()", "Z = np.sum(s + b)",
            "The bias is added to every element of the slice before summing, so it is counted f*f*n_C "
            "times. The filter adds its bias once, after the sum of the element-wise products."),
    Mistake("conv_single_step", "bias forgotten", "Z = Z + b.item()", "Z = Z",
            "Z is the sum of the element-wise products but the bias b is never added: add it once, "
            "after the sum."),
    Mistake("conv_single_step", "returns a (1, 1, 1) array", "Z = Z + b.item()", "Z = Z + b",
            "Z comes back as an array of shape (1, 1, 1), not a scalar: an array term in its computation "
            "broadcasts the sum into an array, typically b itself, which has shape (1, 1, 1); then add the "
            "number stored in b."),
    Mistake("conv_single_step", "float(b) on a (1, 1, 1) array", "Z = Z + b.item()", "Z = Z + float(b)",
            "float(b) raises TypeError on NumPy >= 2.4 because b is a (1, 1, 1) array, not a "
            "0-dimensional one. Take the single number out of b with an array method that works for "
            "any one-element array.",
            # The student's line that raised (the last before the error line) calls float on b, or on
            # a sum with b as a term (float(Z + b)): b inside float's parentheses, one level of nesting.
            signature=r"float\((?:[^()\n]|\([^()\n]*\))*?\bb\b(?:[^()\n]|\([^()\n]*\))*\)[^\n]*\n"
                      r"TypeError: only 0-dimensional arrays can be converted to Python scalars"),
    Mistake("conv_single_step", "float() or int() of an array", "Z = np.sum(s)", "Z = float(s)",
            "float() and int() take a number, or an array of 0 dimensions: on NumPy >= 2.4 any other "
            "array raises TypeError, even one holding a single element. NumPy arithmetic needs no "
            "conversion; where one number is wanted, reduce the array first or take its single "
            "element with an array method.",
            # The student's line that raised calls float() or int() (on anything but b, which the
            # mistake above names) and the error is NumPy's refusal to convert an array.
            signature=r"\b(?:float|int)\((?![^\n]*\bb\b)[^\n]*\n"
                      r"TypeError: only (?:0-dimensional|length-1|size-1) arrays can be converted to Python scalars"),
    Mistake("distribute_value", "NumPy's removed type aliases", "average = dz / (f_H * f_W)",
            "average = np.float(dz) / (f_H * f_W)",
            "np.float, np.int, np.object, np.complex and np.str were other names of Python's own types: "
            "deprecated in NumPy 1.20 and removed in NumPy 1.24, so they raise AttributeError now. Use "
            "the builtin type itself, or a NumPy type with its size (np.float64, np.int64).",
            signature=r"AttributeError: module 'numpy' has no attribute '(?:float|int|object|complex|str|unicode)'"),
    Mistake("conv_forward", "slice corners ignore the stride",
            "a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]",
            "a_slice_prev = a_prev_pad[h:h + f, w:w + f, :]",
            "The slice for output (h, w) starts at row h and column w, as if the stride were 1. With "
            "stride s the window moves s pixels per output step: the corners are the output indices "
            "times the stride."),
    Mistake("conv_forward", "output size rounded instead of floored",
            "n_W = (n_W_prev - f + 2 * pad) // stride + 1",
            "n_H, n_W = (int(round((n - f + 2 * pad) / stride)) + 1 for n in (n_H_prev, n_W_prev))",
            "n_H and n_W come out one too large for some sizes: the output size formula takes the floor "
            "of (n_prev - f + 2*pad) / stride (a window that does not fit is dropped), not the nearest "
            "integer. Use integer floor division."),
    Mistake("conv_forward", "height and width swapped",
            "a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]",
            "a_slice_prev = a_prev_pad[horiz_start:horiz_end, vert_start:vert_end, :]",
            "The slice uses the horizontal corners on the height axis and the vertical ones on the width "
            "axis; it only works on square inputs. Axis 1 of A_prev is the height (rows, vert_*), axis 2 "
            "the width (columns, horiz_*)."),
    Mistake("conv_forward", "window end moves by f * stride", "vert_end = vert_start + f",
            "vert_end = vert_start + f * stride",
            "The window is f pixels tall whatever the stride: its end is its start plus f. The stride "
            "only moves the start from one output position to the next."),
    Mistake("conv_forward", "bias left out",
            "Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])",
            "Z[i, h, w, c] = np.sum(a_slice_prev * W[:, :, :, c])",
            "Every entry of Z lacks its filter's bias: output (i, h, w, c) is the sum of the window times "
            "filter c plus the bias of filter c. Look at the line that sets Z[i, h, w, c]."),
    Mistake("conv_forward", "cache missing an element", "cache = (A_prev, W, b, hparameters)",
            "cache = (A_prev, W, b)",
            "Z is right but the cache lacks one of the four items conv_backward unpacks. Keep every item "
            "the docstring lists, in that order."),
    Mistake("pool_forward", "slice corners ignore the stride",
            "a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]",
            "a_prev_slice = A_prev[i, h:h + f, w:w + f, c]",
            "The window for output (h, w) starts at row h and column w, as if the stride were 1. With "
            "stride s the corners are the output indices times the stride."),
    Mistake("pool_forward", "max in average mode", "A[i, h, w, c] = np.mean(a_prev_slice)",
            "A[i, h, w, c] = np.max(a_prev_slice)",
            "Average pooling returns the maximum of each window: check the branch for mode == "
            '"average", which must take the mean of the window.'),
    Mistake("pool_forward", "output size rounded instead of floored", "n_W = (n_W_prev - f) // stride + 1",
            "n_H, n_W = (int(round((n - f) / stride)) + 1 for n in (n_H_prev, n_W_prev))",
            "n_H and n_W come out one too large for some sizes: the pooling output size is the floor of "
            "(n_prev - f) / stride plus one. Use integer floor division."),
    Mistake("pool_forward", "height and width swapped",
            "a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]",
            "a_prev_slice = A_prev[i, horiz_start:horiz_end, vert_start:vert_end, c]",
            "The window uses the horizontal corners on the height axis and the vertical ones on the "
            "width axis; it only works on square inputs. Axis 1 is the height (vert_*), axis 2 the "
            "width (horiz_*)."),
    Mistake("pool_forward", "window end moves by f * stride", "vert_end = vert_start + f",
            "vert_end = vert_start + f * stride",
            "The window is f pixels tall whatever the stride: its end is its start plus f. The stride "
            "only moves the start from one output position to the next."),
    Mistake("pool_forward", "cache missing an element", "cache = (A_prev, hparameters)", "cache = (A_prev,)",
            "A is right but the cache lacks one of the two items pool_backward unpacks. Keep every item "
            "the docstring lists, in that order."),
    Mistake("conv_backward", "slice corners ignore the stride", 'stride = hparameters["stride"]', "stride = 1",
            "In the backward pass the windows must be the same as in the forward pass: the corners of "
            "window (h, w) are the output indices times the stride, both where dA_prev receives the "
            "gradient and where dW reads a_prev_pad."),
    Mistake("conv_backward", "W * a_slice instead of W * dZ",
            "da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]",
            "da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * a_slice",
            "dA_prev is wrong while dW and db are right: the window of da_prev_pad receives the filter "
            "times the input slice. By the chain rule it receives the filter times the one gradient "
            "dZ[i, h, w, c] of that output."),
    Mistake("conv_backward", "X[pad:-pad] with pad = 0",
            "dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]",
            "dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]",
            _PAD_SLICE_HINT),
    Mistake("conv_backward", "X[pad:-pad] with pad = 0",
            "dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]",
            "dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]",
            _PAD_SLICE_HINT,
            # conv_backward's line that raised slices some array [pad:-pad] (any name, any axis) and the
            # empty slice does not fit where it goes: seen even when another mistake hides it.
            signature=r", in conv_backward: [^\n]*\[[^\n]*\bpad\s*:\s*-\s*pad\b[^\n]*\n"
                      r"(?:ValueError: (?:could not broadcast|operands could not be broadcast)|IndexError)"),
    Mistake("conv_backward", "db summed over one example only", "db[:, :, :, c] += dZ[i, h, w, c]",
            "db[:, :, :, c] = np.sum(dZ[i, :, :, c])",
            "db holds the gradient of one example only: it is overwritten for each example instead of "
            "accumulated. db[..., c] is the sum of dZ[..., c] over every example, row and column."),
    Mistake("conv_backward", "gradient overwritten instead of accumulated",
            "db[:, :, :, c] += dZ[i, h, w, c]", "db[:, :, :, c] = dZ[i, h, w, c]",
            "A gradient keeps only the last contribution written into it: an update inside the loops "
            "replaces what the earlier windows, filters and examples put there instead of adding to it. "
            "Windows overlap, and dW and db gather the share of every output: look at the lines that "
            "update the window of da_prev_pad, dW and db."),
    Mistake("conv_backward", "dW from the unpadded input",
            "a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]",
            "a_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, :]",
            "dW is right only when pad = 0: its windows are cut from the input without its padding, so "
            "with pad > 0 they are shifted (or cut short at the edges). The forward pass cut its windows "
            "from the padded input, and dW must read the same windows."),
    Mistake("conv_backward", "gradients not initialized to zeros", "db = np.zeros(b.shape)",
            "dW, db = np.random.default_rng().standard_normal(W.shape), "
            "np.random.default_rng().standard_normal(b.shape)",
            "dW and db are off by arbitrary amounts: the gradients are accumulated with += into arrays "
            "that did not start at zero (random or uninitialized values). Start every gradient as an "
            "array of zeros of its parameter's shape.",
            random=True),
    Mistake("create_mask_from_window", "argmin mask", "mask = x == np.max(x)",
            "mask = np.arange(x.size).reshape(x.shape) == np.argmin(x)",
            "The mask marks the minimum of the window. Max pooling passed on the maximum, so the "
            "gradient goes back to the entries equal to the maximum."),
    Mistake("create_mask_from_window", "mask from a threshold, not the maximum", "mask = x == np.max(x)",
            "mask = x >= np.mean(x)",
            "The mask marks every entry on one side of a threshold, not the entries equal to the window's "
            "maximum. Max pooling passed on the maximum only, so only the entries equal to it get the "
            "gradient."),
    Mistake("distribute_value", "integer division", "average = dz / (f_H * f_W)",
            "average = dz // (f_H * f_W)",
            "The share of each entry is rounded down to a whole number: // is floor division. Each "
            "entry gets dz divided by the window's number of entries, as a float."),
    Mistake("distribute_value", "divides by f instead of f * f", "average = dz / (f_H * f_W)",
            "average = dz / f_H",
            "The gradient is divided by one side of the window instead of its number of entries, so the "
            "entries sum to more than dz. An average over an f_H x f_W window divides by f_H * f_W."),
    Mistake("pool_backward", "dA indexed at the slice corner", "horiz_end = horiz_start + f",
            "horiz_end = horiz_start + f; h, w = vert_start, horiz_start",
            "The gradient for window (h, w) is read from dA at the window's corner (vert_start, "
            "horiz_start). dA has the pooling output's shape: index it with the output position (h, w)."),
    Mistake("pool_backward", "gradient overwritten instead of accumulated",
            "dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]",
            "dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] = mask * dA[i, h, w, c]",
            "Where windows overlap (stride < f), dA_prev keeps only the last window's gradient: the "
            "update of dA_prev's window replaces what earlier windows put there instead of adding to it. "
            "Look at the lines that update dA_prev in the max and average branches."),
    Mistake("pool_backward", "target window ignores the stride",
            "dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]",
            "dA_prev[i, h:h + f, w:w + f, c] += mask * dA[i, h, w, c]",
            "The gradient of window (h, w) is added to dA_prev at rows h and columns w, as if the stride "
            "were 1, although the window itself was read at the right place. The window of dA_prev that "
            "receives it is the forward pass's window: its corners are the output indices times the stride."),
    Mistake("pool_backward", "slice corners ignore the stride", 'stride = hparameters["stride"]', "stride = 1",
            "The windows in the backward pass must be those of the forward pass: the corners of window "
            "(h, w) are the output indices times the stride."),
)

# The same mistake made elsewhere (one corner only, the other branch, several lines): variants with
# the same name and hint.  Each variant is its (old, new) line changes, the first one and any `also`.
Changes = tuple[tuple[str, str], ...]
_ONE_CORNER: tuple[Changes, ...] = ((("vert_start = h * stride", "vert_start = h"),),
                                    (("horiz_start = w * stride", "horiz_start = w"),))
_WINDOW_END: tuple[Changes, ...] = (
    (("horiz_end = horiz_start + f", "horiz_end = horiz_start + f * stride"),),
    (("horiz_end = horiz_start + f", "horiz_end = horiz_start + f * stride; vert_end = vert_start + f * stride"),))
_CONV_DA = ("da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]",
            "da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] = W[:, :, :, c] * dZ[i, h, w, c]")
_CONV_DW = ("dW[:, :, :, c] += a_slice * dZ[i, h, w, c]", "dW[:, :, :, c] = a_slice * dZ[i, h, w, c]")
_CONV_DB = ("db[:, :, :, c] += dZ[i, h, w, c]", "db[:, :, :, c] = dZ[i, h, w, c]")
_MAX_TARGET = "dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]"
_AVERAGE_TARGET = "dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, (f, f))"
_POOL_OVERWRITE = ((_MAX_TARGET, _MAX_TARGET.replace("+=", "=")),
                   (_AVERAGE_TARGET, _AVERAGE_TARGET.replace("+=", "=")))
_POOL_STRIDE = ((_MAX_TARGET, _MAX_TARGET.replace("vert_start:vert_end, horiz_start:horiz_end", "h:h + f, w:w + f")),
                (_AVERAGE_TARGET,
                 _AVERAGE_TARGET.replace("vert_start:vert_end, horiz_start:horiz_end", "h:h + f, w:w + f")))
_VARIANTS: dict[tuple[str, str], tuple[Changes, ...]] = {
    **{(exercise, "slice corners ignore the stride"): _ONE_CORNER
       for exercise in ("conv_forward", "pool_forward", "conv_backward", "pool_backward")},
    **{(exercise, "window end moves by f * stride"): _WINDOW_END for exercise in ("conv_forward", "pool_forward")},
    ("conv_backward", "gradient overwritten instead of accumulated"): ((_CONV_DA,), (_CONV_DW,),
                                                                       (_CONV_DA, _CONV_DW, _CONV_DB)),
    ("create_mask_from_window", "mask from a threshold, not the maximum"): (
        (("mask = x == np.max(x)", "mask = x > np.mean(x)"),), (("mask = x == np.max(x)", "mask = x > 0"),),
        (("mask = x == np.max(x)", "mask = x >= 0"),)),
    ("pool_backward", "dA indexed at the slice corner"): (
        ((_MAX_TARGET, _MAX_TARGET.replace("dA[i, h, w, c]", "dA[i, vert_start, horiz_start, c]")),),
        (("da = dA[i, h, w, c]", "da = dA[i, vert_start, horiz_start, c]"),)),
    ("pool_backward", "gradient overwritten instead of accumulated"): (_POOL_OVERWRITE[1:], _POOL_OVERWRITE),
    ("pool_backward", "target window ignores the stride"): (_POOL_STRIDE[1:], _POOL_STRIDE),
}

CATALOG: tuple[Mistake, ...] = _MISTAKES + tuple(
    replace(mistake, old=changes[0][0], new=changes[0][1], also=changes[1:])
    for mistake in _MISTAKES for changes in _VARIANTS.get((mistake.exercise, mistake.name), ()))


def mistakes_for(exercise: str) -> list[Mistake]:
    return [m for m in CATALOG if m.exercise == exercise]


def recognizable_by_traceback() -> list[Mistake]:
    return [m for m in CATALOG if m.signature]


def _solutions_source() -> str:
    return SOLUTIONS_FILE.read_text(encoding="utf-8")


def mutant_source(mistake: Mistake) -> str:
    """notebook_solutions.py with the mistake applied inside its exercise's function (every line it changes)."""
    source = _solutions_source()
    lines = source.splitlines()
    function = next(node for node in ast.parse(source).body
                    if isinstance(node, ast.FunctionDef) and node.name == mistake.exercise)
    for old, new in ((mistake.old, mistake.new), *mistake.also):
        hits = [n for n in range(function.lineno - 1, function.end_lineno or len(lines)) if lines[n].strip() == old]
        assert len(hits) == 1, (f"catalog mistake {mistake.name!r}: {old!r} occurs {len(hits)} times "
                                f"in {mistake.exercise} (expected exactly once): "
                                "update autograder/checking/mistakes.py")
        line = lines[hits[0]]
        lines[hits[0]] = line[: len(line) - len(line.lstrip())] + new
    return "\n".join(lines) + "\n"


@functools.cache
def mutant(mistake: Mistake) -> Callable[..., Any]:
    """The exercise's function carrying the mistake (its helpers are the answer key's)."""
    namespace: dict[str, Any] = {"__name__": f"mutant_{mistake.exercise}"}
    exec(compile(mutant_source(mistake), f"<mutant: {mistake.name}>", "exec"), namespace)
    function: Callable[..., Any] = namespace[mistake.exercise]
    return function
