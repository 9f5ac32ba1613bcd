"""The documentation: the README stays short, docs/ builds with Sphinx (MyST) without one warning,
and everything the README and the pages name exists: relative links, repository paths, `make`
targets, `cnn-grade` options and `autograder.` names."""
from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import build_parser

REPOSITORY = Path(__file__).resolve().parents[1]
README = REPOSITORY / "README.md"
PAGES = sorted((REPOSITORY / "docs").glob("*.md"))
DOCUMENTS = [README, *PAGES]
MAX_README_LINES = 200

# A path in a code span that starts with one of these names a file or folder of the repository.
TRACKED_TOPS = ("autograder/", "cnn_reference/", "tests/", "tools/", "benchmarks/", "source/", "release/", "docs/",
                ".ci/")
ROOT_FILES = ("Makefile", "pyproject.toml", "nbgrader_config.py", "README.md")

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
SPAN = re.compile(r"`([^`\n]+)`")


def _ids(documents: list[Path]) -> list[str]:
    return [str(d.relative_to(REPOSITORY)) for d in documents]


def _prose(text: str) -> str:
    """The text outside fenced code blocks."""
    return FENCE.sub("", text)


def _spans(text: str) -> list[str]:
    """Every inline code span outside the code blocks."""
    return SPAN.findall(_prose(text))


def _code_lines(text: str) -> list[str]:
    """Every inline code span, and every line of every fenced code block."""
    return _spans(text) + [line for block in FENCE.finditer(text) for line in block.group(0).splitlines()[1:-1]]


def _repository_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPOSITORY, capture_output=True, text=True, check=True)
    return listed.stdout.split()


def _make_targets() -> set[str]:
    makefile = (REPOSITORY / "Makefile").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^([A-Za-z][\w.-]*):", makefile, re.MULTILINE)}


def _cnn_grade_options() -> set[str]:
    """Every --option of every `cnn-grade` subcommand."""
    options: set[str] = set()
    parsers = [build_parser()]
    while parsers:
        parser = parsers.pop()
        for action in parser._actions:
            options |= {o for o in action.option_strings if o.startswith("--")}
            if isinstance(action, argparse._SubParsersAction):
                parsers += list(action.choices.values())
    return options


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines; move the detail into docs/"


def test_the_readme_has_the_quick_start_and_the_map() -> None:
    text = README.read_text(encoding="utf-8")
    quick_start = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = FENCE.search(quick_start)
    assert block is not None, "the quick start has no commands"
    commands = [line.split("#")[0].strip() for line in block.group(0).splitlines()[1:-1]]
    assert commands == ["make demo", "make test"]
    for question in ("Where is a submission executed?", "Where is an exercise checked?",
                     "Where is the hint for mistake X?"):
        assert question in text


def test_docs_build_without_warnings(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                            "-d", str(tmp_path / "doctrees"), str(REPOSITORY / "docs"), str(tmp_path / "html")],
                           cwd=REPOSITORY, capture_output=True, text=True, check=False)
    assert built.returncode == 0 and "WARNING" not in built.stderr, built.stderr
    api = (tmp_path / "html" / "api.html").read_text(encoding="utf-8")
    assert "grade_notebook" in api and "Grader.submit" in api, "autodoc documented nothing"
    for page in PAGES:
        assert (tmp_path / "html" / page.with_suffix(".html").name).exists(), f"{page.name} was not built"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_relative_links_point_to_files(document: Path) -> None:
    missing = []
    for target in LINK.findall(_prose(document.read_text(encoding="utf-8"))):
        path = target.split("#", 1)[0]
        if not path or re.match(r"^[a-z][a-z+.-]*:", path):     # an anchor on this page, or a URL
            continue
        if not (document.parent / path).exists():
            missing.append(target)
    assert not missing, f"{document.name} links to files that do not exist: {missing}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_named_paths_exist(document: Path) -> None:
    files, text = _repository_files(), document.read_text(encoding="utf-8")
    spans = set(_spans(text))
    missing = []
    for code in _code_lines(text):
        for word in re.findall(r"[\w./<>*…-]+", code):
            word = word.rstrip(".,")
            if any(c in word for c in "<>*…"):
                continue
            if word.startswith(TRACKED_TOPS) or word in ROOT_FILES:
                if not (REPOSITORY / word).exists():
                    missing.append(word)
            # A module named from inside its package (`guest/zygote.py`, `readback.py`); code blocks
            # also show example inputs (`alice.py`), so only the spans are held to this.
            elif (code in spans and re.search(r"\w\.py$", word)
                  and not any(f == word or f.endswith("/" + word) for f in files)):
                missing.append(word)
    assert not missing, f"{document.name} names files that do not exist: {sorted(set(missing))}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_named_commands_exist(document: Path) -> None:
    targets, options = _make_targets(), _cnn_grade_options()
    unknown = []
    for code in _code_lines(document.read_text(encoding="utf-8")):
        code = code.strip()
        if code.startswith("make "):
            unknown += [f"make {t}" for t in code.split("#")[0].split()[1:] if "=" not in t and t not in targets]
        if code.startswith(("cnn-grade ", "--")):
            unknown += [o for o in re.findall(r"--[a-z][a-z-]*", code.split("#")[0]) if o not in options]
    assert not unknown, f"{document.name} names commands that do not exist: {unknown}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_named_python_objects_exist(document: Path) -> None:
    missing = []
    for code in _code_lines(document.read_text(encoding="utf-8")):
        for name in re.findall(r"\bautograder(?:\.\w+)+", code):
            if not _resolves(name):
                missing.append(name)
    assert not missing, f"{document.name} names Python objects that do not exist: {missing}"


def _resolves(dotted: str) -> bool:
    """True when `dotted` is a module of the grader or an attribute of one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attribute in parts[cut:]:
                value = getattr(value, attribute)
        except AttributeError:
            return False
        return True
    return False
