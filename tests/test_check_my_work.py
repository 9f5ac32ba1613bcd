"""`check_my_work(...)` from a cell, outside JupyterLab, against a real standalone `cnn-grade serve --tokens`.

The call runs in the student environment (the release's requirements.txt, which lists
cnn-check-my-work), in a folder with the student's saved notebook, with CNN_CHECK_URL and
CNN_CHECK_TOKEN set as an instructor's instructions say; it prints the feedback as text there.
The package itself holds no answer key: it never imports the grader or the reference.
"""
from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from support import REPOSITORY, solutions, submission

pytestmark = pytest.mark.slow

NOTEBOOK = "cnn_step_by_step.ipynb"
TOKENS = {"alice": "alice-secret-token", "bob": "bob-secret-token"}
# Rate limit of the service under test: bob checks twice, then is refused.
RATE = "2/hour"
STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def buggy_conv_forward() -> dict[str, str]:
    """The solutions with conv_forward's windows ignoring the stride (a mistake the hints name)."""
    answers = solutions()
    answers["conv_forward"] = (answers["conv_forward"].replace("vert_start = h * stride", "vert_start = h")
                               .replace("horiz_start = w * stride", "horiz_start = w"))
    return answers


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A standalone grading service on a free port with two students' tokens; its base URL."""
    root = tmp_path_factory.mktemp("service")
    course = root / "course"
    course.mkdir()
    for name in ("nbgrader_config.py", "source", "release"):
        copy = shutil.copytree if (REPOSITORY / name).is_dir() else shutil.copy2
        copy(REPOSITORY / name, course / name)
    with (root / "tokens.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["student", "token"])
        writer.writerows(TOKENS.items())
    port = free_port()
    command = [str(Path(sys.executable).parent / "cnn-grade"), "serve", "--root", str(course), "--port", str(port),
               "--tokens", str(root / "tokens.csv"), "--db", f"sqlite:///{root / 'checks.sqlite'}", "--rate", RATE]
    log = root / "service.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=course)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            urllib.request.urlopen(url + "api/me", timeout=5)
            break
        except urllib.error.HTTPError:
            break  # 401 without a token: it is up
        except (urllib.error.URLError, OSError):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"cnn-grade serve did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.3)
    yield url
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)


def check_from_a_cell(python: Path, folder: Path, url: str, token: str | None) -> str:
    """What `check_my_work("cnn_step_by_step.ipynb")` prints, run by the student environment in `folder`."""
    env = {k: v for k, v in os.environ.items() if k not in ("CNN_CHECK_TOKEN", "JUPYTERHUB_API_TOKEN")}
    env["CNN_CHECK_URL"] = url
    if token is not None:
        env["CNN_CHECK_TOKEN"] = token
    done = subprocess.run(
        [str(python), "-c", f"from cnn_check_my_work import check_my_work; check_my_work({NOTEBOOK!r})"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def student_folder(tmp_path: Path, answers: dict[str, str]) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    nbformat.write(submission(answers), folder / NOTEBOOK)
    return folder


def test_the_package_holds_no_answer_key() -> None:
    sources = (REPOSITORY / "check_my_work").glob("cnn_check_my_work/*.py")
    for file in sources:
        text = file.read_text()
        assert "autograder" not in text and "cnn_reference" not in text, file


def test_a_correct_notebook_gets_every_exercise_passed(student_python: Path, service: str, tmp_path: Path) -> None:
    out = check_from_a_cell(student_python, student_folder(tmp_path, solutions()), service, TOKENS["alice"])
    assert f"Feedback on {NOTEBOOK}" in out, out
    for name in ("zero_pad", "conv_single_step", "conv_forward", "pool_forward"):
        assert f"\n{name}: passed" in out, out
    assert "FAIL" not in out, out


def test_a_buggy_notebook_gets_the_failing_cases_and_the_hint(
    student_python: Path, service: str, tmp_path: Path
) -> None:
    out = check_from_a_cell(student_python, student_folder(tmp_path, buggy_conv_forward()), service, TOKENS["bob"])
    assert "\nconv_forward: failed" in out, out
    assert "Likely mistake: slice corners ignore the stride" in out, out
    assert "  FAIL  " in out, out
    assert "\nzero_pad: passed" in out, out


def test_the_rate_limit_says_when_to_check_again(student_python: Path, service: str, tmp_path: Path) -> None:
    folder = student_folder(tmp_path, solutions())
    # bob checked once above; with 2/hour his second check runs and his third is refused.
    check_from_a_cell(student_python, folder, service, TOKENS["bob"])
    out = check_from_a_cell(student_python, folder, service, TOKENS["bob"])
    assert "You have reached your limit of checks for now." in out, out
    assert "You can check again in " in out, out


def test_a_wrong_token_is_refused(student_python: Path, service: str, tmp_path: Path) -> None:
    out = check_from_a_cell(student_python, student_folder(tmp_path, solutions()), service, "not-a-token")
    assert out.startswith("You are not logged in to the grading service"), out


def test_a_service_that_is_down_is_named(student_python: Path, tmp_path: Path) -> None:
    out = check_from_a_cell(
        student_python, student_folder(tmp_path, solutions()), f"http://127.0.0.1:{free_port()}/", TOKENS["alice"]
    )
    assert out.startswith("The grading service is down or not reachable."), out
