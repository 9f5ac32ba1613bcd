"""The similarity report: of three release notebooks, two share a copy of each other's loops with
the variables renamed and one was written independently; the pair is flagged, the third is not,
and the release's scaffold alone (untouched notebooks) never makes two submissions similar."""
from __future__ import annotations

import itertools
import random
import re
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
from support import solutions, submission

from autograder.assignment.release import release
from autograder.cli import main
from autograder.grading.load import load_cells
from autograder.results.similarity import (
    DEFAULT_THRESHOLD,
    Similarity,
    SimilarPair,
    class_fingerprints,
    compare,
    listed,
    shares,
    written_code,
)
from autograder.results.similarity.index import shared_counts
from tools.solution_variants import Writer, renaming

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


def _class(students: int, seed: int) -> tuple[dict[str, list[str]], list[Writer], random.Random]:
    rng = random.Random(seed)
    writers = [Writer(rng) for _ in range(students)]
    return {f"s{n:03d}": w.cells(rng) for n, w in enumerate(writers)}, writers, rng


def _ring(cells: dict[str, list[str]], name: str, writer: Writer, rng: random.Random) -> set[str]:
    """`writer`'s submission copied to three more students, renamed (its own order kept: see docs)."""
    for k in range(3):
        cells[f"{name}_copy{k}"] = writer.cells(random.Random(0), renaming(rng))
    cells[name] = writer.cells(random.Random(0))
    return {name} | {f"{name}_copy{k}" for k in range(3)}


def test_the_index_lists_the_pairs_all_pairs_would() -> None:
    cells, writers, rng = _class(60, seed=1)
    _ring(cells, "s000", writers[0], rng)
    code = {student: written_code(c) for student, c in cells.items()}
    students, prints = class_fingerprints(code, list(release().scaffold))
    first, second, shared = shared_counts(prints)
    found = {(students[a], students[b]): int(n) for a, b, n in zip(first, second, shared)}
    every = {}
    for a, b in itertools.combinations(range(len(students)), 2):
        n = len(np.intersect1d(prints[a], prints[b], assume_unique=True))
        if n:
            every[(students[a], students[b])] = n
    assert found == every and len(every) > 100
    similarity = compare(cells, list(release().scaffold))
    sizes = {s: len(p) for s, p in zip(students, prints)}
    expected = {pair for pair, n in every.items()
                if listed(*[np.array([x]) for x in (n, *shares(np.array(n), sizes[pair[0]], sizes[pair[1]]))],
                          DEFAULT_THRESHOLD)[0]}
    assert {(p.first, p.second) for p in similarity.pairs} == expected and expected


def test_planted_rings_are_found_and_the_independent_background_is_not_flagged() -> None:
    cells, writers, rng = _class(150, seed=2)
    rings = [_ring(cells, f"s{n:03d}", writers[n], rng) for n in (0, 1, 2)]
    # A dozen hand in a published answer to the two forward passes (most of the code), their own to
    # the rest: that code is the class's (more than MOST_COMMON hold it), not evidence of copying.
    published = writers[3].cells(random.Random(0))
    for n in range(12):
        own = Writer(rng).cells(rng)
        cells[f"published{n}"] = own[:2] + published[2:4] + own[4:]
    similarity = compare(cells, list(release().scaffold))
    assert [set(g.students) for g in similarity.groups] == rings or \
        sorted(map(sorted, (set(g.students) for g in similarity.groups))) == sorted(map(sorted, rings))
    ringed = set().union(*rings)
    assert all(p.first in ringed and p.second in ringed for p in similarity.pairs) and not similarity.many


def test_a_submission_made_of_two_rings_joins_neither_and_a_superset_is_similar_to_many() -> None:
    cells, writers, rng = _class(150, seed=3)
    first, second = _ring(cells, "s000", writers[0], rng), _ring(cells, "s001", writers[1], rng)
    half = len(cells["s000"]) // 2
    cells["chimera"] = cells["s000"][:half] + cells["s001"][half:]
    cells["superset"] = [a + "\n" + b for a, b in zip(cells["s000"], cells["s001"])]
    similarity = compare(cells, list(release().scaffold))
    # The chimera may join the ring whose code is most of its own (it holds conv_forward's), never both.
    groups = [set(g.students) - {"chimera"} for g in similarity.groups]
    assert sorted(map(sorted, groups)) == sorted(map(sorted, (first, second)))
    assert "superset" in {m.student for m in similarity.many}


def test_pairs_join_into_groups_so_a_shared_source_is_one_row() -> None:
    pairs = [SimilarPair("a", "b", 1.0, 1.0, True), SimilarPair("a", "c", 0.8, 0.7, True),
             SimilarPair("b", "c", 0.8, 0.7, True), SimilarPair("d", "e", 0.6, 0.9, True)]
    groups = Similarity(0.5, 6, pairs).groups
    assert [(g.students, g.pairs, g.highest) for g in groups] == [(("a", "b", "c"), 3, 1.0), (("d", "e"), 1, 0.6)]
    assert groups[0].names() == "a, b and c" and groups[1].names() == "d and e"


def test_the_similarity_command_writes_the_report_without_grading(tmp_path: Path) -> None:
    for name, answers in CLASS.items():
        nbformat.write(submission(answers()), tmp_path / f"{name}.ipynb")
    assert main(["similarity", str(tmp_path), "--out", str(tmp_path / "out"), "--threshold", "0.4"]) == 0
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert "ada and bea" in page and "40%" in page and not (tmp_path / "out" / "results.json").exists()
