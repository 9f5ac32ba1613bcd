"""Helpers for the browser tests: start and stop a real JupyterLab server, save screenshots.

The server is started through `tools.lab` (what `make lab` / `make lab-student` run) in a
temporary copy of the course, on a free localhost port with a token; stopping it checks that no
process it started (server, kernels) is left behind.
"""
from __future__ import annotations

import ast
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "cnn_step_by_step"
SOLUTIONS = REPO / "cnn_reference" / "notebook_solutions.py"
ARTIFACTS = REPO / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
# Generous: two shared cores, and JupyterLab imports a lot on start.
STARTUP_SECONDS = 120
SHUTDOWN_SECONDS = 60

# Quiet the notification toasts (news, update checks) so they never cover what a test clicks.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False,
    },
}


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab server."""

    base_url: str
    token: str
    root: Path

    def url(self, path: str) -> str:
        """`path` below the server (e.g. "lab/tree/x.ipynb"), with the token in the query."""
        return f"{self.base_url}/{path}?token={self.token}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]




def stop(process: subprocess.Popen[bytes]) -> bool:
    """SIGTERM `process`, SIGKILL it after SHUTDOWN_SECONDS; True when it stopped on SIGTERM."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=SHUTDOWN_SECONDS)
        return True
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False


def processes_mentioning(marker: str) -> list[tuple[int, str]]:
    """Live processes whose command line contains `marker` (server, launcher, kernels)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next(line for line in (entry / "status").read_text().splitlines()
                         if line.startswith("State:"))
        except (OSError, StopIteration):
            continue
        if marker in cmdline and "zombie" not in state:
            found.append((int(entry.name), cmdline.strip()))
    return found


def wait_until_ready(lab: Lab, server: subprocess.Popen, log: Path) -> None:
    """Poll the REST API until the server answers; fail with its log if it dies first."""
    deadline = time.monotonic() + STARTUP_SECONDS
    request = urllib.request.Request(f"{lab.base_url}/api/status",
                                     headers={"Authorization": f"token {lab.token}"})
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"JupyterLab did not answer within {STARTUP_SECONDS} s:\n{log.read_text()[-4000:]}")


@contextmanager
def running_lab(view: str, root: Path, state: Path, python: Path | None = None) -> Iterator[Lab]:
    """Start `python -m tools.lab VIEW` serving `root` from `python`'s environment (default: tools.lab's
    choice); `state` holds its private Jupyter state.

    Every path the server and its kernels get lies under `state`'s parent (the temporary course),
    so after shutdown any process whose command line mentions it is a leftover.
    """
    runtime, settings = state / "runtime", state / "settings"
    for name, value in USER_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime), PYTHONUNBUFFERED="1")
    log = state / "lab.log"
    command = [
        sys.executable, "-m", "tools.lab", view, "--root", str(root), "--port", str(port),
        "--token", token, *(["--python", str(python)] if python else []), "--", "--no-browser",
        f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={state / 'workspaces'}",
    ]
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    lab = Lab(f"http://127.0.0.1:{port}", token, root)
    marker = f"{state.parent}{os.sep}"
    try:
        wait_until_ready(lab, server, log)
        yield lab
    finally:
        if not stop(server):
            pytest.fail(f"JupyterLab ignored SIGTERM for {SHUTDOWN_SECONDS} s:\n{log.read_text()[-4000:]}")
        leftovers = processes_mentioning(marker)
        for pid, _ in leftovers:
            os.kill(pid, signal.SIGKILL)
        assert not leftovers, f"processes left behind by JupyterLab: {leftovers}"


def save_screenshot(page: Page, name: str) -> Path:
    """Save a screenshot under artifacts/browser/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path)
    return path


def solution_lines(function: str) -> list[str]:
    """The lines between START/END CODE HERE of `function` in the answer key, dedented."""
    source = SOLUTIONS.read_text()
    node = next(n for n in ast.parse(source).body
                if isinstance(n, ast.FunctionDef) and n.name == function)
    lines = ast.get_source_segment(source, node).splitlines()
    start = next(i for i, line in enumerate(lines) if "### START CODE HERE" in line)
    end = next(i for i, line in enumerate(lines) if "### END CODE HERE" in line)
    return textwrap.dedent("\n".join(lines[start + 1:end])).splitlines()
