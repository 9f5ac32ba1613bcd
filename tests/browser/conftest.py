"""Fixtures for the browser tests: a real JupyterLab server and a real Chromium driven by Playwright."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import ASSIGNMENT, CHROMIUM, CHROMIUM_ARGS, Lab, running_lab, save_screenshot
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tools.lab import copy_course

# Assertions wait on DOM state; a loaded two-core machine needs more than Playwright's 5 s default.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the course root for this module's server."""
    return copy_course(tmp_path_factory.mktemp("lab") / "course")


@pytest.fixture(scope="module")
def student_lab(course: Path, student_python: Path) -> Iterator[Lab]:
    """The student view (`make lab-student`) of the release folder, from a student environment."""
    with running_lab("student", course / "release" / ASSIGNMENT, course.parent / "jupyter", student_python) as lab:
        yield lab


@pytest.fixture(scope="module")
def instructor_lab(course: Path) -> Iterator[Lab]:
    """The instructor view (`make lab`) of the course root."""
    with running_lab("instructor", course, course.parent / "jupyter") as lab:
        yield lab


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (Playwright's own browser download is not available here)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def module_page(browser: Browser) -> Iterator[Page]:
    """One page for a module whose tests look at successive states of the same session."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()



@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def screenshot_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """Keep what the browser showed when a test failed, under artifacts/browser/."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and "module_page" in request.fixturenames:
        save_screenshot(request.getfixturevalue("module_page"), f"FAILED-{request.node.name}")
