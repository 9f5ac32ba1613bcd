"""Static checks as part of the suite: mypy (strict, on the two packages) and ruff (on all the Python
the repository holds), both configured in pyproject.toml, both with no findings.  mypy keeps its
cache in .mypy_cache (git ignores it): a first run takes some seconds, later ones under one."""
from __future__ import annotations

import subprocess
import sys
import tomllib

from support import REPOSITORY


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPOSITORY, capture_output=True, text=True,
                          timeout=600, check=False)


def test_mypy_is_strict_on_both_packages() -> None:
    config = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["strict"] is True
    assert sorted(config["files"]) == ["autograder", "cnn_reference"]


def test_mypy_finds_nothing() -> None:
    run = _run("mypy")
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_finds_nothing() -> None:
    run = _run("ruff", "check", "--no-cache", "--output-format", "concise")
    assert run.returncode == 0, run.stdout + run.stderr
