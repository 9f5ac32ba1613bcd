"""The grader's fingerprint: a hash of every file of the grader and the answer key, and of the
tables they hold, so that changing any of them makes every stored record stale (no version to
bump by hand)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import cnn_reference

from .. import __file__ as _autograder_init
from ..assignment.exercises import EXERCISES
from ..checking import mistakes

PACKAGES = (Path(_autograder_init).parent, Path(cnn_reference.__file__).parent)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def grader_fingerprint() -> str:
    """sha256 over the packages' files (code, expected outputs, release metadata, templates) and
    the exercise records and mistake catalog as loaded (which a test or a plug-in may change)."""
    digest = hashlib.sha256()
    for root in PACKAGES:
        for path in _files(root):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr((sorted(EXERCISES.items()), mistakes.CATALOG)).encode())
    return digest.hexdigest()
