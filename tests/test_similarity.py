"""The similarity report: of three release notebooks, two share a copy of each other's loops with
the variables renamed and one was written independently; the pair is flagged, the third is not,
and the release's scaffold alone (untouched notebooks) never makes two submissions similar."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import nbformat
import pytest
from support import solutions, submission

from autograder.assignment.release import release
from autograder.cli import main
from autograder.grading.load import load_cells
from autograder.results.similarity import Similarity, SimilarPair, compare

# The copier renames what the loops name (and leaves a comment a browser must not run).
RENAMED = {"vert_start": "top", "vert_end": "bottom", "horiz_start": "left", "horiz_end": "right",
           "a_slice_prev": "window", "a_prev_slice": "window", "a_prev_pad": "image", "A_prev_pad": "padded",
           "dA_prev_pad": "grad_padded", "da_prev_pad": "grad_image", "n_H": "rows", "n_W": "cols"}
XSS = "# <script>alert(1)</script>\n"
# Written independently: other names, other loops, other numpy calls.
INDEPENDENT = {
    "zero_pad": "X_pad = np.pad(X, [(0, 0), (pad, pad), (pad, pad), (0, 0)])",
    "conv_single_step": "Z = (a_slice_prev * W).sum() + b.item()",
    "conv_forward": """
        stride, pad = hparameters["stride"], hparameters["pad"]
        size = W.shape[0]
        padded = zero_pad(A_prev, pad)
        rows = (A_prev.shape[1] + 2 * pad - size) // stride + 1
        cols = (A_prev.shape[2] + 2 * pad - size) // stride + 1
        Z = np.empty((A_prev.shape[0], rows, cols, W.shape[3]))
        for r in range(rows):
            for q in range(cols):
                patch = padded[:, r * stride:r * stride + size, q * stride:q * stride + size, :]
                Z[:, r, q, :] = np.tensordot(patch, W, axes=([1, 2, 3], [0, 1, 2])) + b.reshape(-1)""",
    "pool_forward": """
        size, step = hparameters["f"], hparameters["stride"]
        rows = (A_prev.shape[1] - size) // step + 1
        cols = (A_prev.shape[2] - size) // step + 1
        reduce = np.max if mode == "max" else np.mean
        A = np.stack([np.stack([reduce(A_prev[:, r * step:r * step + size, q * step:q * step + size, :], axis=(1, 2))
                                for q in range(cols)], axis=1) for r in range(rows)], axis=1)""",
    "conv_backward": """
        A_prev, W, b, hparameters = cache
        stride, pad = hparameters["stride"], hparameters["pad"]
        size = W.shape[0]
        padded = zero_pad(A_prev, pad)
        grad = np.zeros_like(padded)
        dW = np.zeros_like(W)
        db = dZ.sum(axis=(0, 1, 2)).reshape(b.shape)
        for r in range(dZ.shape[1]):
            for q in range(dZ.shape[2]):
                rs, qs = r * stride, q * stride
                grad[:, rs:rs + size, qs:qs + size, :] += np.einsum("mk,ijck->mijc", dZ[:, r, q, :], W)
                dW += np.einsum("mijc,mk->ijck", padded[:, rs:rs + size, qs:qs + size, :], dZ[:, r, q, :])
        dA_prev = grad[:, pad:pad + A_prev.shape[1], pad:pad + A_prev.shape[2], :]""",
    "create_mask_from_window": "mask = np.equal(x, x.max())",
    "distribute_value": "a = np.full(shape, dz / np.prod(shape))",
    "pool_backward": """
        A_prev, hparameters = cache
        size, step = hparameters["f"], hparameters["stride"]
        dA_prev = np.zeros_like(A_prev)
        for r in range(dA.shape[1]):
            for q in range(dA.shape[2]):
                rows, cols = slice(r * step, r * step + size), slice(q * step, q * step + size)
                window = A_prev[:, rows, cols, :]
                if mode == "max":
                    share = window == window.max(axis=(1, 2), keepdims=True)
                else:
                    share = np.full(window.shape, 1.0 / size ** 2)
                dA_prev[:, rows, cols, :] += share * dA[:, r:r + 1, q:q + 1, :]""",
}


def copied() -> dict[str, str]:
    answers = {}
    for name, source in solutions().items():
        for old, new in RENAMED.items():
            source = re.sub(rf"\b{old}\b", new, source)
        answers[name] = source.replace("### START CODE HERE ###\n", "### START CODE HERE ###\n    " + XSS, 1)
    return answers


def independent() -> dict[str, str]:
    answers = {}
    for name, source in solutions().items():
        start, end = source.index("### START CODE HERE ###\n") + 24, source.index("    ### END CODE HERE ###")
        body = textwrap.indent(textwrap.dedent(INDEPENDENT[name]).strip("\n"), "    ")
        answers[name] = source[:start] + body + "\n" + source[end:]
    return answers


CLASS = {"ada": solutions, "bea": copied, "cy": independent, "dee": dict, "eve": dict}


def cells(name: str) -> list[str]:
    data = nbformat.writes(submission(CLASS[name]())).encode()
    return load_cells(data, f"{name}.ipynb", release().locked_test_cells)


def test_the_renamed_copy_is_flagged_and_the_independent_work_and_the_scaffold_are_not() -> None:
    similarity = compare({name: cells(name) for name in CLASS}, list(release().scaffold))
    assert [(p.first, p.second) for p in similarity.pairs] == [("ada", "bea")]
    assert similarity.pairs[0].first_share > 0.9 and similarity.compared == len(CLASS)
    # Only the regions count: the untouched notebooks (all scaffold) share nothing with anyone.
    shared = [text for text, found in similarity.pairs[0].first_code if found]
    assert "for h in range(n_H):" in "".join(shared)


@pytest.mark.slow
def test_similarity_html_next_to_report_html_and_the_pair_in_the_report(tmp_path: Path) -> None:
    for name in CLASS:
        nbformat.write(submission(CLASS[name]()), tmp_path / f"{name}.ipynb")
    out = tmp_path / "graded"
    assert main(["grade", str(tmp_path), "--out", str(out), "--jobs", "2"]) == 0
    page = (out / "similarity.html").read_text()
    assert "ada and bea" in page and "<mark>" in page and "cy" not in re.sub(r"<[^>]+>", " ", page).split()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    report = (out / "report.html").read_text()
    assert "ada and bea" in report and 'href="similarity.html"' in report
    assert not re.search(r"\bcy and|and cy\b|\bdee and|and eve\b", report)


def test_pairs_join_into_groups_so_a_shared_source_is_one_row() -> None:
    shared = SimilarPair("a", "b", 1.0, 1.0, [], [])
    pairs = [shared, SimilarPair("b", "c", 0.8, 0.7, [], []), SimilarPair("d", "e", 0.6, 0.9, [], [])]
    groups = Similarity(0.5, 6, pairs).groups
    assert [(g.students, g.pairs, g.highest) for g in groups] == [(("a", "b", "c"), 2, 1.0), (("d", "e"), 1, 0.9)]
    assert groups[0].names() == "a, b and c" and groups[1].names() == "d and e"
