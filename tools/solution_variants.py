"""Synthetic classes for the similarity report: every submission writes each exercise its own way.

Each exercise is a template whose `{a|b|c}` are equivalent (or buggy) ways to write a piece and whose
runs of lines starting with `~` do not depend on each other (their order is the student's); a
submission picks every choice and order at random, so two submissions share the canonical lines but
rarely the same combination of choices.  A copy ring is one submission handed to others with the
variables renamed and the independent lines reordered.  Used by tests/test_similarity.py and
benchmarks/scale.py.
"""
from __future__ import annotations

import random
import re

TEMPLATES = {
    "zero_pad": """
        X_pad = np.pad(X, {((0, 0), (pad, pad), (pad, pad), (0, 0))|[(0, 0), (pad, pad), (pad, pad), (0, 0)]|((0, 0), (pad,) * 2, (pad,) * 2, (0, 0))|((0,), (pad,), (pad,), (0,))}{|, mode="constant"|, "constant"}{|, constant_values=0|, constant_values=(0, 0)|, constant_values=0.0})""",
    "conv_single_step": """
        {s = a_slice_prev * W|s = np.multiply(a_slice_prev, W)|s = W * a_slice_prev|s = np.multiply(W, a_slice_prev)}
        {Z = np.sum(s)|Z = s.sum()|Z = float(np.sum(s))|Z = np.sum(s, axis=None)|Z = sum(s.flatten())}
        {Z = Z + float(b)|Z += b.item()|Z = Z + np.squeeze(b)|Z += b[0, 0, 0]|Z = float(Z + b)|Z = Z + b.item()|Z = Z}""",
    "conv_forward": """
        {(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape|m, n_H_prev, n_W_prev, n_C_prev = np.shape(A_prev)|m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape[0], A_prev.shape[1], A_prev.shape[2], A_prev.shape[3]}
        {(f, f, n_C_prev, n_C) = W.shape|f, _, _, n_C = W.shape|f = W.shape[0]; n_C = W.shape[3]|f, f2, n_C_prev2, n_C = np.shape(W)}
        ~{stride = hparameters["stride"]|stride = hparameters.get("stride")|stride = int(hparameters["stride"])}
        ~{pad = hparameters["pad"]|pad = hparameters.get("pad")|pad = int(hparameters["pad"])}
        ~{n_H = int((n_H_prev - f + 2 * pad) / stride) + 1|n_H = (n_H_prev + 2 * pad - f) // stride + 1|n_H = int(np.floor((n_H_prev - f + 2 * pad) / stride)) + 1|n_H = 1 + (n_H_prev - f + 2 * pad) // stride}
        ~{n_W = int((n_W_prev - f + 2 * pad) / stride) + 1|n_W = (n_W_prev + 2 * pad - f) // stride + 1|n_W = int(np.floor((n_W_prev - f + 2 * pad) / stride)) + 1|n_W = 1 + (n_W_prev - f + 2 * pad) // stride}
        {Z = np.zeros((m, n_H, n_W, n_C))|Z = np.zeros([m, n_H, n_W, n_C])|Z = np.zeros(shape=(m, n_H, n_W, n_C))|Z = np.empty((m, n_H, n_W, n_C))}
        {A_prev_pad = zero_pad(A_prev, pad)|A_prev_pad = zero_pad(A_prev, pad=pad)|A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))}
        for i in {range(m)|range(0, m)|range(A_prev.shape[0])}:
            {a_prev_pad = A_prev_pad[i]|a_prev_pad = A_prev_pad[i, :, :, :]|a_prev_pad = A_prev_pad[i, ...]}
            for h in {range(n_H)|range(0, n_H)|range(Z.shape[1])}:
                ~{vert_start = h * stride|vert_start = stride * h|vert_start = h|vert_start = int(h * stride)}
                ~{vert_end = vert_start + f|vert_end = h * stride + f|vert_end = f + vert_start}
                for w in {range(n_W)|range(0, n_W)|range(Z.shape[2])}:
                    ~{horiz_start = w * stride|horiz_start = stride * w|horiz_start = int(w * stride)}
                    ~{horiz_end = horiz_start + f|horiz_end = w * stride + f|horiz_end = f + horiz_start}
                    for c in {range(n_C)|range(0, n_C)|range(W.shape[3])}:
                        {a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]|a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end]|a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, 0:n_C_prev]}
                        {weights = W[:, :, :, c]|weights = W[..., c]|weights = W[:, :, :, c:c + 1][..., 0]}
                        {biases = b[:, :, :, c]|biases = b[..., c]|biases = b[0, 0, 0, c]}
                        Z[i, h, w, c] = conv_single_step(a_slice_prev, weights, biases)
        {cache = (A_prev, W, b, hparameters)|cache = A_prev, W, b, hparameters|cache = tuple([A_prev, W, b, hparameters])}""",
    "pool_forward": """
        {(m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape|m, n_H_prev, n_W_prev, n_C_prev = np.shape(A_prev)}
        ~{f = hparameters["f"]|f = hparameters.get("f")|f = int(hparameters["f"])}
        ~{stride = hparameters["stride"]|stride = hparameters.get("stride")|stride = int(hparameters["stride"])}
        ~{n_H = int(1 + (n_H_prev - f) / stride)|n_H = (n_H_prev - f) // stride + 1|n_H = int((n_H_prev - f) / stride + 1)}
        ~{n_W = int(1 + (n_W_prev - f) / stride)|n_W = (n_W_prev - f) // stride + 1|n_W = int((n_W_prev - f) / stride + 1)}
        ~{n_C = n_C_prev|n_C = A_prev.shape[3]|n_C = A_prev.shape[-1]}
        {A = np.zeros((m, n_H, n_W, n_C))|A = np.zeros([m, n_H, n_W, n_C])|A = np.empty((m, n_H, n_W, n_C))}
        for i in {range(m)|range(0, m)|range(A.shape[0])}:
            for h in {range(n_H)|range(0, n_H)|range(A.shape[1])}:
                ~{vert_start = h * stride|vert_start = stride * h|vert_start = h}
                ~{vert_end = vert_start + f|vert_end = h * stride + f}
                for w in {range(n_W)|range(0, n_W)|range(A.shape[2])}:
                    ~{horiz_start = w * stride|horiz_start = stride * w}
                    ~{horiz_end = horiz_start + f|horiz_end = w * stride + f}
                    for c in {range(n_C)|range(0, n_C)}:
                        {a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]|a_prev_slice = A_prev[i][vert_start:vert_end, horiz_start:horiz_end, c]}
                        {if mode == "max":|if mode is "max":|if "max" == mode:}
                            {A[i, h, w, c] = np.max(a_prev_slice)|A[i, h, w, c] = a_prev_slice.max()|A[i, h, w, c] = np.amax(a_prev_slice)}
                        {elif mode == "average":|else:|elif mode is "average":}
                            {A[i, h, w, c] = np.mean(a_prev_slice)|A[i, h, w, c] = a_prev_slice.mean()|A[i, h, w, c] = np.average(a_prev_slice)|A[i, h, w, c] = np.max(a_prev_slice)}
        {cache = (A_prev, hparameters)|cache = A_prev, hparameters}""",
    "create_mask_from_window": """
        {mask = x == np.max(x)|mask = (x == x.max())|mask = np.equal(x, np.max(x))|mask = x >= np.max(x)|mask = x == np.amax(x)}""",
    "distribute_value": """
        {(n_H, n_W) = shape|n_H, n_W = shape|n_H, n_W = shape[0], shape[1]}
        {average = dz / (n_H * n_W)|average = dz / n_H / n_W|average = float(dz) / (n_H * n_W)|average = dz / np.prod(shape)}
        {a = np.ones(shape) * average|a = average * np.ones((n_H, n_W))|a = np.full(shape, average)|a = np.ones(shape) * dz}""",
}
NAMES = {  # each variable's other names, for a copy that renames
    "vert_start": ("top", "y0", "r0"), "vert_end": ("bottom", "y1", "r1"), "horiz_start": ("left", "x0", "c0"),
    "horiz_end": ("right", "x1", "c1"), "a_slice_prev": ("window", "patch"), "a_prev_slice": ("window", "patch"),
    "a_prev_pad": ("padded", "img"), "A_prev_pad": ("padded_all", "P"), "average": ("avg", "share"),
    "weights": ("kernel", "Wc"), "biases": ("bias", "bc"), "mask": ("m_mask", "is_max"), "s": ("prod", "elementwise"),
}
_CHOICE = re.compile(r"\{([^{}]*\|[^{}]*)\}")
# What makes real code a student's own besides its choices: checks and prints of their own, with
# their own constants (the fingerprints keep numbers and operators).
PERSONAL = ("assert np.ndim({v}) <= {n}", "print({v} if {n} else None)", "tol = {n}e-{d}", "assert {v} is not None or {n}",
            "debug = {n} > {d}", "limit = {n} * {d} + {d}")
_PERSONAL_NAMES = ("X", "Z", "A", "W", "x", "dz", "A_prev", "b")


def _pick(template: str, rng: random.Random) -> list[str]:
    """One way to write `template`: every choice made; returns its lines, `~` kept on the independent ones."""
    return [_CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), line)
            for line in template.strip("\n").splitlines()]


def _ordered(lines: list[str], rng: random.Random) -> str:
    """`lines` with each run of independent (`~`) lines shuffled, then the marks dropped."""
    out: list[str] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if line.lstrip().startswith("~"):
            run.append(line.replace("~", "", 1))
            continue
        rng.shuffle(run)
        out += [*run, line]
        run = []
    return "\n".join(out[:-1])


def _dedent(lines: list[str]) -> list[str]:
    margin = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return [line[margin:] for line in lines]


def _personal(lines: list[str], rng: random.Random) -> list[str]:
    """`lines` with one or two lines of the student's own at the function's top level."""
    for _ in range(rng.randint(1, 2)):
        line = rng.choice(PERSONAL).format(v=rng.choice(_PERSONAL_NAMES), n=rng.randint(2, 999), d=rng.randint(1, 9))
        tops = [n for n, text in enumerate(lines) if not text.startswith((" ", "~"))]
        at = rng.choice(tops)
        lines = [*lines[:at], line, *lines[at:]]
    return lines


def region(code: str) -> str:
    """`code` as an answer cell's region."""
    return "### START CODE HERE ###\n" + code + "\n### END CODE HERE ###"


class Writer:
    """A submission: one picked way of writing each exercise, kept so that it can be copied."""

    def __init__(self, rng: random.Random) -> None:
        self.lines = {name: _personal(_dedent(_pick(template, rng)), rng) for name, template in TEMPLATES.items()}

    def cells(self, rng: random.Random, renames: dict[str, str] | None = None) -> list[str]:
        """The answer cells (each a region), lines reordered where order does not matter, names renamed."""
        cells = []
        for lines in self.lines.values():
            code = _ordered(lines, rng)
            for old, new in (renames or {}).items():
                code = re.sub(rf"\b{old}\b", new, code)
            cells.append(region(code))
        return cells


def renaming(rng: random.Random) -> dict[str, str]:
    return {old: rng.choice(new) for old, new in NAMES.items()}


def synthetic_class(students: int, rings: int, seed: int = 0) -> tuple[dict[str, list[str]], list[set[str]]]:
    """`students` submissions (student -> cells) written independently, then `rings` of them each
    copied to three more students (renamed, reordered); returns the class and the rings."""
    rng = random.Random(seed)
    submissions = {}
    planted = []
    for n in range(students):
        writer = Writer(rng)
        submissions[f"s{n:05d}"] = writer.cells(rng)
        if n < rings:
            ring = {f"s{n:05d}"} | {f"s{n:05d}_copy{k}" for k in range(3)}
            for k in range(3):
                submissions[f"s{n:05d}_copy{k}"] = writer.cells(rng, renaming(rng))
            planted.append(ring)
    return submissions, planted
