"""The package as instructors and Dask workers install it: a wheel in a clean virtual environment,
with no checkout on the path, grades the solved notebook to full marks and a buggy one to less."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import REPOSITORY, SOLUTIONS

SOLVED = REPOSITORY / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean venv with the wheel built from this checkout installed (dependencies from the index)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(REPOSITORY)],
                   check=True, capture_output=True)
    wheel = next((tmp / "dist").glob("*.whl"))
    subprocess.run([sys.base_prefix + "/bin/python3", "-m", "venv", str(tmp / "venv")], check=True)
    subprocess.run([str(tmp / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
                   check=True, capture_output=True)
    return tmp


def _python(installed: Path, code: str) -> str:
    done = subprocess.run([str(installed / "venv" / "bin" / "python"), "-c", code], cwd=installed,
                          capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.slow
def test_the_wheel_ships_the_packages_and_their_data_only(installed: Path) -> None:
    names = zipfile.ZipFile(next((installed / "dist").glob("*.whl"))).namelist()
    assert {n.split("/")[0] for n in names} == {"autograder", "cnn_reference", "cnn_step_by_step-0.1.0.dist-info"}
    for data in ("autograder/assignment/data/expected.h5", "autograder/assignment/data/release.json",
                 "autograder/results/templates/report.html", "autograder/sandbox/guest/runner.py"):
        assert data in names
    assert not [n for n in names if "demo_submissions" in n or n.startswith("tools/")]


@pytest.mark.slow
def test_importing_every_module_starts_no_process_and_uses_no_checkout(installed: Path) -> None:
    out = _python(installed, (
        "import importlib, os, pkgutil, autograder, cnn_reference\n"
        "for package in (autograder, cnn_reference):\n"
        "    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        if module.name != 'autograder.__main__':\n"
        "            importlib.import_module(module.name)\n"
        "me = os.getpid()\n"
        "children = open(f'/proc/{me}/task/{me}/children').read().split()\n"
        "print(autograder.__file__, len(children))"))
    path, children = out.split()
    assert "/venv/lib/" in path and str(REPOSITORY) not in path
    assert children == "0"


@pytest.mark.slow
def test_the_installed_grader_grades_like_the_checkout(installed: Path) -> None:
    submissions = installed / "class"
    submissions.mkdir()
    (submissions / "solved.ipynb").write_bytes(SOLVED.read_bytes())
    (submissions / "buggy.py").write_text(SOLUTIONS.replace("vert_start = h * stride", "vert_start = h"))
    done = subprocess.run([str(installed / "venv" / "bin" / "cnn-grade"), "grade", str(submissions),
                           "--out", str(installed / "out"), "--sandbox", "bwrap"],
                          cwd=installed, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    records = {r["student"]: r for r in json.loads((installed / "out" / "results.json").read_text())["submissions"]}
    assert records["solved"]["score"] == records["solved"]["max_score"] == 18
    assert 0 < records["buggy"]["score"] < records["buggy"]["max_score"] - 1
    assert records["buggy"]["exercises"]["conv_forward"]["status"] == "failed"


@pytest.mark.slow
def test_grade_notebook_grades_from_a_script_in_an_empty_folder(installed: Path) -> None:
    """The public API, as a user of the wheel calls it: no course folder, no checkout, a sandbox."""
    folder = installed / "empty"
    folder.mkdir()
    (folder / "solved.ipynb").write_bytes(SOLVED.read_bytes())
    script = folder / "grade.py"
    script.write_text(
        "import json, sys\n"
        "from autograder import grade_notebook\n"
        "solved = grade_notebook('solved.ipynb', student='alice')\n"
        "buggy = grade_notebook(sys.stdin.buffer.read(), student='bob', filename='buggy.py')\n"
        "print(json.dumps([solved.to_json(), buggy.to_json()]))\n")
    buggy = SOLUTIONS.replace("vert_start = h * stride", "vert_start = h").encode()
    done = subprocess.run([str(installed / "venv" / "bin" / "python"), str(script)], cwd=folder, input=buggy,
                          capture_output=True, check=True)
    solved, bug = json.loads(done.stdout)
    assert solved["score"] == solved["max_score"] == 18 and solved["student"] == "alice"
    assert 0 < bug["score"] < 17 and bug["exercises"]["conv_forward"]["status"] == "failed"
    assert sorted(p.name for p in folder.iterdir()) == ["grade.py", "solved.ipynb"]   # it wrote nothing
