"""Helpers for the hub tests: a real JupyterHub started by `python -m tools.hub` (what `make hub-demo`
runs), its users' tokens minted through the hub's REST API, the grading service's API reached
through the hub's proxy, and a student's JupyterLab on the hub in a browser page.

Everything the hub starts (proxy, students' servers and kernels, the service and its sandboxes)
gets paths under the hub's state folder, so after the hub stops any process whose command line
mentions it is a leftover.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_support import ASSIGNMENT, REPO, free_port, processes_mentioning, stop
from playwright.sync_api import Browser, Locator, Page, expect

from tools.hub import PASSWORD

SERVICE = "cnn-grade"
# The hub, its proxy and the service start in about half a minute on two idle cores; the first
# start also builds .venv-hub-student (once, like `make hub-demo`).
STARTUP_SECONDS = 900
PANEL = "#cnn-check-my-work-panel"


@dataclass(frozen=True)
class Hub:
    """A running hub: its public URL and state folder (tools/hub.py's layout)."""

    url: str
    state: Path

    def home(self, student: str) -> Path:
        return self.state / "home" / student

    def notebook(self, student: str) -> Path:
        return self.home(student) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

    def token(self, user: str) -> str:
        """A new API token of `user`, minted by the hub from the user's own login (username and
        password in the request), scoped to the grading service only."""
        body = {"auth": {"username": user, "password": PASSWORD}, "note": "hub test",
                "scopes": [f"access:services!service={SERVICE}"]}
        request = urllib.request.Request(f"{self.url}/hub/api/users/{user}/tokens", json.dumps(body).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return str(json.loads(response.read())["token"])

    def api(self, method: str, path: str, token: str | None = None, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        """`method` on the service's `api/<path>` through the hub's proxy; the status and the JSON."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"token {token}"
        request = urllib.request.Request(f"{self.url}/services/{SERVICE}/api/{path}", body, sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                return error.code, json.loads(text or b"{}")
            except ValueError:
                return error.code, {"body": text.decode(errors="replace")}

    def service_pids(self) -> list[int]:
        """The grading service's own process (`cnn-grade serve` of this hub's course)."""
        return [pid for pid, line in processes_mentioning(f"serve --root {self.state / 'course'}")
                if "cnn-grade" in line]


@contextmanager
def running_hub(state: Path, students: tuple[str, ...], *options: str) -> Iterator[Hub]:
    """`python -m tools.hub --state STATE --port FREE --students ... OPTIONS` until the block ends."""
    port = free_port()
    log = state.parent / "hub.log"
    command = [sys.executable, "-m", "tools.hub", "--state", str(state), "--port", str(port),
               "--students", ",".join(students), *options]
    with log.open("w") as out:
        hub = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    marker = f"{state}{os.sep}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while "is up" not in log.read_text(errors="replace"):
            if hub.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the hub did not start:\n{log.read_text(errors='replace')[-6000:]}")
            time.sleep(0.5)
        yield Hub(f"http://127.0.0.1:{port}", state)
    finally:
        stop(hub)
        leftovers = processes_mentioning(marker)
        for pid, _ in leftovers:
            os.kill(pid, signal.SIGKILL)
        assert not leftovers, f"processes left behind by the hub: {leftovers}"


@contextmanager
def student_page(browser: Browser, hub: Hub, student: str) -> Iterator[Page]:
    """A browser of its own for `student`, logged in through the hub's login page, with the release
    notebook open in their JupyterLab (their server started by the hub on first login)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(120_000)
    page = context.new_page()
    try:
        page.goto(f"{hub.url}/hub/login")
        page.fill("#username_input", student)
        page.fill("#password_input", PASSWORD)
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{student}/lab**", timeout=240_000)
        page.goto(f"{hub.url}/user/{student}/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
        expect(page.locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=120_000)
        yield page
    finally:
        context.close()


def check_my_work(page: Page) -> Locator:
    """Click the notebook toolbar's "Check my work" and return the side panel once it has answered."""
    page.locator(".jp-NotebookPanel:visible .cnn-CheckMyWork-button").click()
    panel = page.locator(PANEL)
    expect(panel).to_have_attribute("data-state", re.compile("^(feedback|error)$"), timeout=180_000)
    return panel
